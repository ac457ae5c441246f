"""The health timeline: every service's health after every step, fixes and reopenings marked.

Rows are services (in the graph's left-to-right order), columns are steps
("start" is the state at reset). Each cell shows the health by the same
colour, shape and glyph as the graph. A vertical line marks each step that
fixed (✓, solid) or reopened (↺, dashed) a problem, numbered and listed
below the grid. :func:`timeline_text` is the text twin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.axes import Axes

from apidebug_nb.views import figures
from apidebug_nb.views.graph_layout import layout
from apidebug_nb.views.palette import (
    FIX_COLOUR,
    HEALTH_ORDER,
    HEALTH_STYLES,
    INK,
    MUTED,
    REOPEN_COLOUR,
)

if TYPE_CHECKING:
    from apidebug_nb.episode.episode import Episode

FONT = 12
TITLE_FONT = 15
MARGIN = 0.25
EVENT_GLYPHS = {"fixed": "✓", "reopened": "↺"}
EVENT_STYLES: dict[str, dict[str, Any]] = {
    "fixed": {"color": FIX_COLOUR, "linestyle": "solid"},
    "reopened": {"color": REOPEN_COLOUR, "linestyle": (0, (4, 2))},
}


def service_rows(episode: Episode) -> list[str]:
    """Services top to bottom: the graph's layers, left to right."""
    return [name for layer in layout(episode.scenario).layers for name in layer]


def event_lines(episode: Episode) -> list[str]:
    """One line per fix or reopening, numbered as on the timeline.

    Only issues that were fixed at some point appear, so no hidden problem is named.
    """
    titles = {i.id: i.title for i in episode.scenario.issue_records}
    return [
        f"{EVENT_GLYPHS[e['event']]}{n} step {e['step']}: {e['event']} {titles[e['issue']]}"
        for n, e in enumerate(episode.events, start=1)
    ]


def plot_health_timeline(episode: Episode, ax: Axes | None = None) -> Axes:
    """Draw each service's health after each step, with fix and reopen events.

    Args:
        episode: the episode whose ``health_history`` and ``events`` are drawn.
        ax: an Axes to draw into; by default a new figure sized to the episode.

    Returns:
        The Axes drawn into.
    """
    rows = service_rows(episode)
    history = episode.health_history
    n_cols = len(history)
    cell = min(0.45, max(0.18, 11.0 / n_cols))
    marker_pt = cell * 72 * 0.62
    name_w = max(figures.text_size_in(r, FONT)[0] for r in rows)
    line_h = figures.text_size_in("Ag", FONT)[1] * 1.35
    title = "Health after each step"
    title_h = figures.text_size_in(title, TITLE_FONT, "bold")[1]
    events = event_lines(episode)
    legend_labels = [f"{HEALTH_STYLES[s].glyph} {HEALTH_STYLES[s].label}" for s in HEALTH_ORDER] + [
        "✓ line: a fix",
        "↺ dashed: reopened",
    ]

    grid_x = MARGIN + name_w + 0.2
    grid_top = -(MARGIN + title_h + 0.25 + line_h)  # one line of event numbers above the grid
    grid_w = n_cols * cell
    grid_h = len(rows) * cell
    tick_h = line_h * 1.3
    legend_w = sum(figures.text_size_in(t, FONT)[0] + 0.55 for t in legend_labels)
    width = max(grid_x + grid_w + MARGIN, legend_w + 2 * MARGIN)
    wrapped = events
    widest_event = max((figures.text_size_in(e, FONT)[0] for e in wrapped), default=0.0)
    width = max(width, widest_event + 2 * MARGIN)
    height = -grid_top + grid_h + tick_h + line_h * (2.9 + max(1, len(wrapped))) + MARGIN

    ax, ours = figures.axes_or_new(ax, width, height)
    figures.inch_canvas(ax, ours, width, height)
    ax.text(MARGIN, -MARGIN, title, fontsize=TITLE_FONT, weight="bold", va="top", color=INK)

    # Grid lines and service names.
    for k, name in enumerate(rows):
        y = grid_top - (k + 0.5) * cell
        ax.text(grid_x - 0.12, y, name, ha="right", va="center", fontsize=FONT, color=INK)
    ax.vlines(
        [grid_x + c * cell for c in range(n_cols + 1)],
        grid_top - grid_h,
        grid_top,
        colors="#E3E3E3",
        linewidths=0.8,
        zorder=0,
    )
    ax.hlines(
        [grid_top - k * cell for k in range(len(rows) + 1)],
        grid_x,
        grid_x + grid_w,
        colors="#E3E3E3",
        linewidths=0.8,
        zorder=0,
    )

    # One scatter per health state: shape and colour together.
    for state in HEALTH_ORDER:
        style = HEALTH_STYLES[state]
        xs, ys = [], []
        for c, health in enumerate(history):
            for k, name in enumerate(rows):
                if health.get(name) == state:
                    xs.append(grid_x + (c + 0.5) * cell)
                    ys.append(grid_top - (k + 0.5) * cell)
        if xs:
            ax.scatter(
                xs,
                ys,
                s=marker_pt**2 * (1.2 if style.marker == "^" else 1.0),
                marker=style.marker,
                facecolors=style.colour,
                edgecolors=INK,
                linewidths=1.0,
                zorder=3,
                gid=f"cells:{state}",
            )

    # Step labels: every column if they fit, else every few.
    every = max(1, round(0.4 / cell))
    for c in range(n_cols):
        if c % every and c != n_cols - 1:
            continue
        ax.text(
            grid_x + (c + 0.5) * cell,
            grid_top - grid_h - 0.08,
            str(c),
            ha="center",
            va="top",
            fontsize=FONT * 0.85,
            color=INK,
        )
    ax.text(
        grid_x + grid_w / 2,
        grid_top - grid_h - tick_h,
        "step (0 = the start)",
        ha="center",
        va="top",
        fontsize=FONT,
        color=INK,
    )

    # Events: a line between the step before and the step that changed things.
    for n, event in enumerate(episode.events, start=1):
        x = grid_x + event["step"] * cell
        event_style = EVENT_STYLES[event["event"]]
        ax.vlines(
            x,
            grid_top - grid_h,
            grid_top,
            linewidths=2.2,
            zorder=4,
            gid=f"event:{event['event']}",
            **event_style,
        )
        ax.text(
            x,
            grid_top + 0.04,
            f"{EVENT_GLYPHS[event['event']]}{n}",
            ha="center",
            va="bottom",
            fontsize=FONT * 0.85,
            weight="bold",
            color=INK,
        )

    # Legend row, then the numbered event list.
    y = grid_top - grid_h - tick_h - line_h * 1.9
    x = MARGIN
    for label, state in zip(legend_labels[:3], HEALTH_ORDER, strict=True):
        style = HEALTH_STYLES[state]
        ax.scatter(
            [x + 0.12],
            [y],
            s=(0.2 * 72) ** 2 * (1.2 if style.marker == "^" else 1.0),
            marker=style.marker,
            facecolors=style.colour,
            edgecolors=INK,
            linewidths=1.0,
        )
        ax.text(x + 0.3, y, label, va="center", fontsize=FONT, color=INK)
        x += figures.text_size_in(label, FONT)[0] + 0.55
    for label, kind in zip(legend_labels[3:], ("fixed", "reopened"), strict=True):
        ax.vlines(x + 0.12, y - 0.12, y + 0.12, linewidths=2.2, **EVENT_STYLES[kind])
        ax.text(x + 0.3, y, label, va="center", fontsize=FONT, color=INK)
        x += figures.text_size_in(label, FONT)[0] + 0.55
    for k, line in enumerate(wrapped):
        ax.text(
            MARGIN,
            y - line_h * (1.5 + k),
            line,
            va="center",
            fontsize=FONT,
            color=INK,
        )
    if not wrapped:
        ax.text(MARGIN, y - line_h * 1.2, "No fixes yet.", va="center", fontsize=FONT, color=MUTED)
    return ax


def timeline_text(episode: Episode) -> str:
    """The timeline in words: one row per service, one glyph per step, then the events.

    >>> import apidebug_nb as adb
    >>> ep = adb.Episode(adb.load_scenario("easy")); _ = ep.reset()
    >>> print(timeline_text(ep).splitlines()[0])
    Health after each step (✓ healthy, ! degraded, ✗ error; column 0 is the start)
    >>> for _ in range(11): _ = ep.step(adb.Action.hint())
    >>> print(timeline_text(ep).splitlines()[1])
    step              0  1  2  3  4  5  6  7  8  9 10 11
    """
    rows = service_rows(episode)
    width = max(len(r) for r in rows)
    legend = ", ".join(f"{HEALTH_STYLES[s].glyph} {s}" for s in HEALTH_ORDER)
    lines = [f"Health after each step ({legend}; column 0 is the start)"]
    n = len(episode.health_history)
    col = len(str(n - 1))  # every step number in full: 10 is "10", never "0"
    lines.append(f"{'step':<{width}}  " + " ".join(f"{c:>{col}}" for c in range(n)))
    for name in rows:
        cells = " ".join(f"{HEALTH_STYLES[h[name]].glyph:>{col}}" for h in episode.health_history)
        lines.append(f"{name:<{width}}  {cells}")
    events = event_lines(episode)
    lines.append("Events: " + ("; ".join(events) if events else "none yet"))
    return "\n".join(lines)
