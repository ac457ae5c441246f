"""The class report: one self-contained HTML page with embedded charts and their tables.

Built from the rows of :func:`apidebug_nb.instructor.classroom.grade_transcripts`.
Every chart is a base64 PNG with alt text, followed by a table holding the same
numbers (the text twin), so the page works with a screen reader and when
printed. Nothing in it depends on the clock: the same rows give the same file.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from apidebug_nb.instructor.classroom import summarise

# Okabe-Ito, safe for the common colour-vision deficiencies
BLUE, ORANGE, GREEN, VERMILLION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#555555"
SCORE_BINS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1a1a1a;
       background: #fff; line-height: 1.45; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #eef2f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.9rem; color: #333; }
.flag { font-weight: 600; }
.summary li { margin: 0.1rem 0; }
"""


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def score_bins(scores: Sequence[float]) -> list[tuple[str, int]]:
    """Counts of scores per fifth of the scale (the last bin includes 1.0).

    >>> score_bins([0.1, 0.5, 1.0, 0.95])
    [('0.0-0.2', 1), ('0.2-0.4', 0), ('0.4-0.6', 1), ('0.6-0.8', 0), ('0.8-1.0', 2)]
    """
    out = []
    for lo, hi in zip(SCORE_BINS[:-1], SCORE_BINS[1:], strict=True):
        last = hi == SCORE_BINS[-1]
        n = sum(1 for s in scores if lo <= s < hi or (last and s == hi))
        out.append((f"{lo:.1f}-{hi:.1f}", n))
    return out


def score_chart(scores: Sequence[float], ax: Any = None) -> Any:
    """Bar chart of the score distribution; returns the Axes."""
    if ax is None:
        _, ax = _figure(6.4, 3.2)
    bins = score_bins(scores)
    bars = ax.bar([b for b, _ in bins], [n for _, n in bins], color=BLUE, edgecolor="black")
    ax.bar_label(bars)
    ax.set_xlabel("Replayed score")
    ax.set_ylabel("Learners")
    ax.set_title("Score distribution")
    ax.margins(y=0.15)
    return ax


def issue_chart(per_issue: Sequence[dict[str, Any]], ax: Any = None) -> Any:
    """Horizontal bars: the share of attempts that fixed each issue; returns the Axes."""
    if ax is None:
        _, ax = _figure(7.5, 0.45 * len(per_issue) + 1.2)
    labels = [e["id"] for e in per_issue]
    rates = [100 * e["solved"] / e["attempts"] for e in per_issue]
    bars = ax.barh(labels, rates, color=GREEN, edgecolor="black", hatch="//")
    ax.bar_label(bars, labels=[f"{r:.0f}%" for r in rates], padding=3)
    ax.set_xlim(0, 115)
    ax.set_xlabel("Attempts that fixed it (%)")
    ax.set_title("Solve rate per problem (hardest first)")
    ax.invert_yaxis()
    return ax


def fixes_chart(fixes: Sequence[tuple[str, int]], ax: Any = None) -> Any:
    """Horizontal bars of the most common fixes that fixed nothing; returns the Axes."""
    if ax is None:
        _, ax = _figure(7.5, 0.45 * len(fixes) + 1.2)
    labels = [_short(f, 60) for f, _ in fixes]
    bars = ax.barh(labels, [n for _, n in fixes], color=VERMILLION, edgecolor="black", hatch="..")
    ax.bar_label(bars, padding=3)
    ax.set_xlabel("Times submitted")
    ax.set_title("Most common fixes that fixed nothing")
    ax.invert_yaxis()
    ax.margins(x=0.15)
    return ax


def effort_chart(steps: Sequence[int], hints: Sequence[int], axes: Any = None) -> Any:
    """Two histograms side by side: steps used and hint levels used; returns the Axes pair."""
    if axes is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8, 3))
        axes = fig.subplots(1, 2)
    for ax, values, colour, name in (
        (axes[0], steps, ORANGE, "Steps used"),
        (axes[1], hints, GREY, "Hint levels used"),
    ):
        counts = sorted(_count(values).items())
        bars = ax.bar([str(k) for k, _ in counts], [n for _, n in counts], color=colour)
        ax.bar_label(bars)
        ax.set_xlabel(name)
        ax.set_ylabel("Learners")
        ax.set_title(name)
        ax.margins(y=0.15)
    return axes


def _count(values: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _e(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return html.escape(str(value))


def _table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = []
    for r in rows:
        cells = "".join(
            f'<td class="num">{_e(c)}</td>'
            if isinstance(c, (int, float)) and not isinstance(c, bool)
            else f"<td>{_e(c)}</td>"
            for c in r
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _img(ax: Any, alt: str, caption: str) -> str:
    fig = ax.figure if hasattr(ax, "figure") else ax[0].figure
    return (
        f'<figure><img src="data:image/png;base64,{_png(fig)}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(caption)} The table below gives the same numbers."
        "</figcaption></figure>"
    )


def class_report_html(rows: list[dict[str, Any]], title: str = "Class report") -> str:
    """The whole report as one HTML string (charts embedded as base64 PNG)."""
    s = summarise(rows)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1>",
        _summary(s),
        _flagged(s["flagged"]),
    ]
    if not s["graded"]:
        parts.append(
            "<h2>Results</h2><p>No transcript could be replayed, so there is nothing to chart.</p>"
        )
    else:
        parts += [_scores(s), _issues(s), _fixes(s), _effort(s), _learners(rows)]
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def write_class_report(
    rows: list[dict[str, Any]], path: str | Path, title: str = "Class report"
) -> Path:
    """Write :func:`class_report_html` to ``path``; returns the path."""
    path = Path(path)
    path.write_text(class_report_html(rows, title), encoding="utf-8")
    return path


def _summary(s: dict[str, Any]) -> str:
    status = ", ".join(f"{n} {k}" for k, n in s["status"].items())
    mean = "n/a" if s["mean_score"] is None else f"{s['mean_score']:.2f}"
    median = "n/a" if s["median_score"] is None else f"{s['median_score']:.2f}"
    return (
        '<ul class="summary">'
        f"<li>{s['files']} transcript files, {s['graded']} replayed and graded.</li>"
        f"<li>Mean score {mean}, median {median} (scores come from replaying each "
        "transcript, never from the number it claims).</li>"
        f"<li>Status: {html.escape(status) or 'none'}.</li></ul>"
    )


def _flagged(flagged: list[dict[str, Any]]) -> str:
    if not flagged:
        return "<h2>Transcripts to check</h2><p>None: every transcript replayed as claimed.</p>"
    rows = [
        (
            r["file"] or "(none)",
            r["learner_id"],
            ", ".join(r["flags"]) or r["status"],
            "; ".join(r["reasons"]),
            _timings(r),
        )
        for r in flagged
    ]
    return (
        "<h2>Transcripts to check</h2>"
        "<p>These files were flagged. Their replayed scores (if any) are still counted "
        "below, so an edited claim cannot raise a score; a file on a scenario that is not "
        "yours (<i>scenario-mismatch</i>) is not graded at all. <i>check: scripted?</i> is "
        "not a fail: the actions came at machine speed, which a person reading logs cannot "
        "do. Replay proves what was done, not who did it: read the seconds between actions "
        "and talk to the learner.</p>"
        + _table("Flagged transcripts", ("File", "Learner", "Flags", "Why", "Timing"), rows)
    )


def _timings(r: dict[str, Any]) -> str:
    """Total seconds, median gap and the first seconds between actions, as text."""
    gaps = r.get("step_seconds") or []
    if r.get("seconds") is None:
        return ""
    shown = ", ".join(f"{g:g}" for g in gaps[:12]) + (", ..." if len(gaps) > 12 else "")
    return f"{r['seconds']:g} s in all, median {r['median_gap_s']:g} s between actions" + (
        f" (gaps: {shown})" if gaps else ""
    )


def _scores(s: dict[str, Any]) -> str:
    bins = score_bins(s["scores"])
    alt = "Bar chart of learners per score band: " + ", ".join(f"{b}: {n}" for b, n in bins) + "."
    return (
        "<h2>Score distribution</h2>"
        + _img(score_chart(s["scores"]), alt, "Learners per band of replayed score.")
        + _table("Learners per score band", ("Score band", "Learners"), bins)
    )


def _issues(s: dict[str, Any]) -> str:
    per = s["per_issue"]
    rows = [
        (
            e["id"],
            e["title"],
            e["attempts"],
            e["solved"],
            f"{100 * e['solved'] / e['attempts']:.0f}%",
        )
        for e in per
    ]
    hardest = per[0]
    alt = (
        f"Horizontal bar chart of solve rates for {len(per)} problems; the hardest is "
        f"{hardest['id']} at {100 * hardest['solved'] / hardest['attempts']:.0f}%."
    )
    return (
        "<h2>Solve rate per problem</h2>"
        + _img(issue_chart(per), alt, "Share of attempts that fixed each problem, hardest first.")
        + _table(
            "Solve rate per problem",
            ("Problem", "Title", "Attempts", "Fixed", "Rate"),
            rows,
        )
    )


def _fixes(s: dict[str, Any]) -> str:
    fixes = s["fixes_without_effect"]
    head = "<h2>Most common fixes that fixed nothing</h2>"
    if not fixes:
        return head + "<p>Every submitted fix fixed something.</p>"
    alt = (
        "Horizontal bar chart of fixes that fixed nothing: "
        + "; ".join(f"{f} submitted {n} times" for f, n in fixes[:3])
        + (" and more." if len(fixes) > 3 else ".")
    )
    return (
        head + "<p>Fixes the episode rejected (for example on a service the learner does not own) "
        "or that were applied but resolved nothing: common misconceptions to discuss.</p>"
        + _img(fixes_chart(fixes), alt, "The ten most common fixes that fixed nothing.")
        + _table("Fixes that fixed nothing", ("Service: settings (outcome)", "Times"), fixes)
    )


def _effort(s: dict[str, Any]) -> str:
    steps, hints = _count(s["steps"]), _count(s["hints"])
    alt = (
        f"Two histograms. Steps used range from {min(s['steps'])} to {max(s['steps'])}; "
        f"hint levels used range from {min(s['hints'])} to {max(s['hints'])}."
    )
    return (
        "<h2>Steps and hints used</h2>"
        + _img(effort_chart(s["steps"], s["hints"]), alt, "How many steps and hints learners used.")
        + _table("Learners by steps used", ("Steps", "Learners"), sorted(steps.items()))
        + _table("Learners by hint levels used", ("Hint levels", "Learners"), sorted(hints.items()))
    )


def _learners(rows: list[dict[str, Any]]) -> str:
    body = [
        (
            r["learner_id"],
            r["file"],
            r["scenario_id"],
            r["score"],
            r["steps"],
            r["hints"],
            f"{r['resolved']}/{r['total']}" if r["total"] is not None else "",
            "" if r.get("median_gap_s") is None else f"{r['median_gap_s']:g}",
            r["status"],
        )
        for r in rows
    ]
    return "<h2>Every learner</h2>" + _table(
        "Every learner",
        (
            "Learner",
            "File",
            "Scenario",
            "Score",
            "Steps",
            "Hints",
            "Fixed",
            "Median s between actions",
            "Status",
        ),
        body,
    )
