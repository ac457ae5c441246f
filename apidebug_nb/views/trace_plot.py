"""The trace of a test request as a waterfall: a picture and its text twin.

A span is one hop of the request (``obs.trace``). Spans start one after
another in call order; a bar's length is the hop's latency. The first failing
span is marked with ``<-- fails here`` in text and hatched in the picture, so
the mark never rests on colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

BAR_WIDTH = 24  # characters for the longest span in the text waterfall


def _answer(span: Mapping[str, Any]) -> str:
    if span["status"] is None:
        return f"no answer ({span.get('error') or 'error'})"
    return str(span["status"])


def trace_text(trace: Sequence[Mapping[str, Any]]) -> str:
    """A text waterfall of a test request, one line per span.

    Examples:
        >>> spans = [
        ...     {"caller": "a", "callee": "b", "method": "POST", "path": "/x", "status": 201,
        ...      "error": None, "headers": {}, "latency_ms": 40, "failing": False},
        ...     {"caller": "a", "callee": "c", "method": "POST", "path": "/y", "status": 401,
        ...      "error": None, "headers": {"WWW-Authenticate": "Bearer"}, "latency_ms": 20,
        ...      "failing": True},
        ... ]
        >>> print(trace_text(spans))
        a -> b  POST /x  |########################            |    40 ms  201
        a -> c  POST /y  |                        ############|    20 ms  401  WWW-Authenticate: Bearer  <-- fails here
    """
    if not trace:
        return "(no spans: the request never left the service)"
    total = sum(max(int(s["latency_ms"]), 1) for s in trace)
    longest = max(max(int(s["latency_ms"]), 1) for s in trace)
    scale = BAR_WIDTH / longest
    width = max(round(total * scale), BAR_WIDTH)
    names = [f"{s['caller']} -> {s['callee']}" for s in trace]
    calls = [f"{s['method']} {s['path']}" for s in trace]
    name_w, call_w = max(map(len, names)), max(map(len, calls))
    lines, start = [], 0
    for s, name, call in zip(trace, names, calls, strict=True):
        length = max(round(max(int(s["latency_ms"]), 1) * scale), 1)
        bar = " " * round(start * scale) + "#" * length
        start += max(int(s["latency_ms"]), 1)
        headers = "".join(f"  {k}: {v}" for k, v in s.get("headers", {}).items())
        mark = "  <-- fails here" if s.get("failing") else ""
        lines.append(
            f"{name:<{name_w}}  {call:<{call_w}}  |{bar:<{width}}|  {int(s['latency_ms']):>4} ms  "
            f"{_answer(s)}{headers}{mark}"
        )
    return "\n".join(lines)


def plot_trace(trace: Sequence[Mapping[str, Any]], ax: Axes | None = None) -> Axes:
    """Draw the waterfall of a test request; returns the Axes.

    Its text twin is :func:`trace_text`.
    """
    from apidebug_nb.views.figures import new_figure

    if ax is None:  # a figure of its own, not pyplot's: nothing global is touched
        fig = new_figure(8, 0.9 + 0.45 * max(len(trace), 1))
        ax = fig.add_axes((0.34, 0.25, 0.62, 0.6))  # room on the left for the hop labels
    start = 0
    for row, s in enumerate(trace):
        latency = max(int(s["latency_ms"]), 1)
        failing = bool(s.get("failing"))
        ax.barh(
            row,
            latency,
            left=start,
            color="#D55E00" if failing else "#0072B2",
            hatch="//" if failing else None,
            edgecolor="black",
        )
        label = f"{_answer(s)}" + ("  fails here" if failing else "")
        ax.text(start + latency, row, f" {label}", va="center", fontsize=8)
        start += latency
    ax.set_yticks(range(len(trace)))
    ax.set_yticklabels([f"{s['caller']} -> {s['callee']}" for s in trace], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("time since the request started (ms)")
    ax.set_title("Trace of the test request")
    ax.set_xlim(0, max(start * 1.35, 1))
    return ax
