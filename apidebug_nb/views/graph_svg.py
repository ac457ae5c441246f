"""The service graph as SVG: drawn in milliseconds at any size, with a focused view.

The same picture as :mod:`apidebug_nb.views.graph_plot` (shape, colour, glyph
and word per health state; dashed outline for external services; thick
coloured edges where failure spreads; a "?" badge where a hidden problem may
wait; a ring and a ▶ on the selected service), written as SVG text instead of
rasterised: the browser draws the glyphs, so no font rendering or PNG encoding
is paid in Python.

A graph of hundreds of services is a hairball however it is drawn. Above
:data:`FOCUS_ABOVE` services the default is the *focused view*: only the
services that matter now are drawn (not healthy, "?"-badged, selected, on an
edge failure spreads along, and the direct callers and callees of those),
each in its column of the full layout's order, and every column says how many
healthy services it leaves out. ``focus=False`` draws everything.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apidebug_nb.model.graphs import layer_generations
from apidebug_nb.views.graph_layout import name_line, scale_for, status_line
from apidebug_nb.views.graph_plot import GraphState, _title
from apidebug_nb.views.graph_text import graph_state_text
from apidebug_nb.views.palette import (
    BADGE_COLOUR,
    BADGE_TEXT,
    CASCADE_COLOUR,
    HEALTH_STYLES,
    INK,
    MUTED,
    PAPER,
    SELECTED_COLOUR,
)

if TYPE_CHECKING:
    from apidebug_nb.episode.episode import Episode
    from apidebug_nb.scenarios.records import Scenario

FOCUS_ABOVE = 150  # services: bigger graphs start in the focused view
PT = 72.0  # SVG user units per inch (one unit is one point)
_CHAR_W = 0.62  # a label character's width, in font sizes (DejaVu Sans, bold)


@dataclass(frozen=True)
class Placed:
    """Where the drawn services sit (points, y down) and what each column leaves out."""

    positions: Mapping[str, tuple[float, float]]
    hidden: tuple[tuple[float, float, str], ...]  # (x, y, what the column leaves out)
    width: float
    height: float
    words: bool


FOCUS_NEIGHBOURS_UP_TO = 60  # the focused view adds direct neighbours while it stays this small


def focus_services(scenario: Scenario, state: GraphState) -> set[str]:
    """The services the focused view draws: those in error, "?"-badged or
    selected, and both ends of every edge failure spreads along (the failing
    paths); while that stays within :data:`FOCUS_NEIGHBOURS_UP_TO` services,
    their direct callers and callees too.

    >>> import apidebug_nb as adb
    >>> ep = adb.Episode(adb.load_scenario("easy")); _ = ep.reset()
    >>> sorted(focus_services(ep.scenario, GraphState.of(ep)))
    ['payment_client', 'payment_gateway']
    """
    core = {s for s, h in state.health if h == "error"}
    core.update(state.masked)
    if state.selected is not None:
        core.add(state.selected)
    for a, b in state.cascade:
        core.update((a, b))
    neighbours: dict[str, set[str]] = {}
    for a, b in scenario.edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    keep = set(core)
    for s in core:
        keep.update(neighbours.get(s, ()))
    return keep if len(keep) <= FOCUS_NEIGHBOURS_UP_TO else core


def place(
    scenario: Scenario, keep: Iterable[str] | None = None, health: Mapping[str, str] | None = None
) -> Placed:
    """Columns by call depth (callers left), rows in barycentre order; ``keep``
    limits the drawing to those services (``None``: all), and each column then
    says how many it leaves out, by ``health``."""
    from apidebug_nb.views.graph_layout import order_layers

    n = len(scenario.service_records)
    shown = None if keep is None else set(keep)
    sc = scale_for(n if shown is None else len(shown))
    words = (n if shown is None else len(shown)) <= 40
    graph = scenario.graph
    preds = {node: sorted(graph.predecessors(node)) for node in graph.nodes}
    layers = order_layers(layer_generations(graph), preds)
    fs = sc.fontsize
    marker = sc.marker_in * PT
    label_h = fs * (2.5 if words else 1.3)
    pitch = marker * 1.25 + label_h + sc.row_gap_in * PT
    rows = max(8, math.ceil(math.sqrt(n if shown is None else len(shown)) * 1.3))
    columns: list[tuple[list[str], list[str]]] = []
    for layer in layers:
        drawn = [s for s in layer if shown is None or s in shown]
        left_out = [s for s in layer if shown is not None and s not in shown]
        if not drawn:
            if left_out and columns:  # a layer with nothing to show: counted with the one before
                columns[-1][1].extend(left_out)
            continue
        parts = math.ceil(len(drawn) / rows)
        per = math.ceil(len(drawn) / parts)
        for k in range(parts):
            columns.append((drawn[k * per : (k + 1) * per], left_out if k == parts - 1 else []))
    tallest = max((len(c) + (1 if h else 0) for c, h in columns), default=0)
    positions: dict[str, tuple[float, float]] = {}
    hidden = []
    x = sc.margin_in * PT
    top = sc.margin_in * PT + marker * 0.75
    for column, left_out in columns:
        widest = max(
            [marker, *(len(name_line(s, True)) * fs * _CHAR_W for s in column)]
            + ([len(status_line("degraded", False)) * fs * 0.55] if words else [])
        )
        cx = x + widest / 2
        for k, s in enumerate(column):
            positions[s] = (cx, top + k * pitch)
        if left_out:
            states = [(health or {}).get(s, "healthy") for s in left_out]
            said = ", ".join(
                f"+{states.count(h)} {h}" for h in ("healthy", "degraded") if states.count(h)
            )
            hidden.append((cx, top + len(column) * pitch - marker * 0.5, said))
        x += widest + sc.column_gap_in * PT
    width = max(x - sc.column_gap_in * PT + sc.margin_in * PT, 6 * PT)
    return Placed(positions, tuple(hidden), width, top + tallest * pitch, words)


def graph_svg(scenario: Scenario, state: GraphState, *, focus: bool | None = None) -> str:
    """SVG text of ``state`` of ``scenario``'s graph; ``focus`` as in the module text
    (``None``: focused above :data:`FOCUS_ABOVE` services)."""
    n = len(scenario.service_records)
    if focus is None:
        focus = n > FOCUS_ABOVE
    keep = focus_services(scenario, state) if focus else None
    health = dict(state.health)
    placed = place(scenario, keep, health)
    sc = scale_for(len(placed.positions))
    fs = sc.fontsize
    r = sc.marker_in * PT / 2
    title_h = sc.title_size * 1.6
    legend_h = fs * 2.4
    top = title_h
    width, height = placed.width, top + placed.height + legend_h
    editable = {s.name: s.editable for s in scenario.service_records}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="DejaVu Sans, sans-serif" '
        f'role="img" aria-label="{_esc(_title(state.resolved, state.total))}">',
        "<defs>",
        _arrow("a", MUTED),
        _arrow("h", CASCADE_COLOUR),
        "</defs>",
        f'<rect width="100%" height="100%" fill="{PAPER}"/>',
        f'<text x="{sc.margin_in * PT:.1f}" y="{sc.title_size * 1.2:.1f}" font-size="{sc.title_size}" '
        f'font-weight="bold" fill="{INK}">{_esc(_title(state.resolved, state.total))}'
        + (
            f" (showing {len(placed.positions)} of {n} services)"
            if len(placed.positions) < n
            else ""
        )
        + "</text>",
        f'<g transform="translate(0 {top:.1f})">',
    ]
    pos = placed.positions
    hot = set(state.cascade)
    out.append(f'<g stroke="{MUTED}" stroke-width="1.3" marker-end="url(#a)">')
    out += [
        _edge(pos, a, b, r)
        for a, b in scenario.edges
        if (a, b) not in hot and a in pos and b in pos
    ]
    out.append("</g>")
    out.append(f'<g stroke="{CASCADE_COLOUR}" stroke-width="3.2" marker-end="url(#h)">')
    out += [_edge(pos, a, b, r) for a, b in sorted(hot) if a in pos and b in pos]
    out.append("</g>")
    for s, (x, y) in pos.items():
        out.append(_node(s, x, y, r, health[s], editable[s], fs, placed.words, s == state.selected))
    for s in state.masked:
        if s in pos:
            x, y = pos[s]
            bx, by = x + r * 1.1, y - r * 1.1
            out.append(
                f'<circle cx="{bx:.1f}" cy="{by:.1f}" r="{r * 0.55:.1f}" fill="{BADGE_COLOUR}" '
                f'stroke="{INK}" stroke-width="1.2"/><text x="{bx:.1f}" y="{by + fs * 0.33:.1f}" '
                f'font-size="{fs * 0.95:.1f}" font-weight="bold" text-anchor="middle" '
                f'fill="{INK}">{_esc(BADGE_TEXT)}</text>'
            )
    for x, y, k in placed.hidden:
        out.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{fs:.1f}" font-style="italic" '
            f'text-anchor="middle" fill="{MUTED}">{_esc(k)}</text>'
        )
    out.append("</g>")
    out.append(_legend(sc.margin_in * PT, top + placed.height + fs, fs))
    out.append("</svg>")
    return "\n".join(out)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _arrow(name: str, colour: str) -> str:
    return (
        f'<marker id="{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="5" '
        f'markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{colour}" stroke="none"/></marker>'
    )


def _edge(pos: Mapping[str, tuple[float, float]], a: str, b: str, r: float) -> str:
    (x0, y0), (x1, y1) = pos[a], pos[b]
    dx, dy = x1 - x0, y1 - y0
    dist = math.hypot(dx, dy) or 1.0
    ux, uy = dx / dist, dy / dist
    return (
        f'<path d="M{x0 + ux * r:.1f},{y0 + uy * r:.1f} '
        f'L{x1 - ux * (r + 2):.1f},{y1 - uy * (r + 2):.1f}"/>'
    )


def _shape(state: str, x: float, y: float, r: float, extra: str) -> str:
    colour = HEALTH_STYLES[state].colour
    paint = f'fill="{colour}" stroke="{INK}" stroke-width="2"{extra}'
    if state == "error":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {paint}/>'
    if state == "degraded":
        t = r * 1.2
        points = f"{x:.1f},{y - t:.1f} {x + t:.1f},{y + t * 0.8:.1f} {x - t:.1f},{y + t * 0.8:.1f}"
        return f'<polygon points="{points}" {paint}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {paint}/>'


def _node(
    name: str,
    x: float,
    y: float,
    r: float,
    state: str,
    yours: bool,
    fs: float,
    words: bool,
    selected: bool,
) -> str:
    dash = "" if yours else ' stroke-dasharray="4 3"'
    parts = [f"<g><title>{_esc(name)}: {_esc(status_line(state, yours))}</title>"]
    if selected:
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 1.5:.1f}" fill="none" '
            f'stroke="{SELECTED_COLOUR}" stroke-width="3.5"/>'
        )
    parts.append(_shape(state, x, y, r, dash))
    label_y = y + r * 1.5 + fs
    shown = name_line(name, True) if selected else name
    colour = SELECTED_COLOUR if selected else INK
    parts.append(
        f'<text x="{x:.1f}" y="{label_y:.1f}" font-size="{fs}" font-weight="bold" '
        f'text-anchor="middle" fill="{colour if selected else INK}">{_esc(shown)}</text>'
    )
    if words:
        parts.append(
            f'<text x="{x:.1f}" y="{label_y + fs * 1.2:.1f}" font-size="{fs}" '
            f'text-anchor="middle" fill="{INK}">{_esc(status_line(state, yours))}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _legend(x: float, y: float, fs: float) -> str:
    r = fs * 0.55
    items = []
    cx = x + r
    for state in ("healthy", "degraded", "error"):
        style = HEALTH_STYLES[state]
        label = f"{style.glyph} {style.label}"
        items.append(_shape(state, cx, y, r, ""))
        items.append(
            f'<text x="{cx + r * 1.8:.1f}" y="{y + fs * 0.35:.1f}" font-size="{fs}" fill="{INK}">{_esc(label)}</text>'
        )
        cx += r * 3 + len(label) * fs * 0.6
    items.append(
        f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{PAPER}" stroke="{INK}" '
        f'stroke-width="2" stroke-dasharray="4 3"/><text x="{cx + r * 1.8:.1f}" '
        f'y="{y + fs * 0.35:.1f}" font-size="{fs}" fill="{INK}">external</text>'
    )
    cx += r * 3 + 8 * fs * 0.6
    items.append(
        f'<path d="M{cx - r:.1f},{y:.1f} L{cx + r * 2:.1f},{y:.1f}" stroke="{CASCADE_COLOUR}" '
        f'stroke-width="3.2"/><text x="{cx + r * 2.6:.1f}" y="{y + fs * 0.35:.1f}" '
        f'font-size="{fs}" fill="{INK}">failure spreads</text>'
    )
    cx += r * 4 + 15 * fs * 0.6
    items.append(
        f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{BADGE_COLOUR}" stroke="{INK}"/>'
        f'<text x="{cx:.1f}" y="{y + fs * 0.33:.1f}" font-size="{fs * 0.9:.1f}" '
        f'text-anchor="middle" font-weight="bold">{_esc(BADGE_TEXT)}</text>'
        f'<text x="{cx + r * 1.8:.1f}" y="{y + fs * 0.35:.1f}" font-size="{fs}" '
        f'fill="{INK}">a hidden problem may wait</text>'
    )
    return "<g>" + "".join(items) + "</g>"


@dataclass(frozen=True)
class SvgPicture:
    """An SVG picture and its text twin, displayable in any notebook front end."""

    svg: str
    text: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"image/svg+xml": self.svg, "text/plain": self.text}

    def __repr__(self) -> str:
        return self.text

    def save(self, path: str) -> None:
        """Write the SVG to ``path``."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.svg)


def graph_svg_picture(
    episode: Episode, selected: str | None = None, *, focus: bool | None = None
) -> SvgPicture:
    """``episode``'s service graph as SVG with its text twin (see :func:`graph_svg`)."""
    state = GraphState.of(episode, selected)
    return SvgPicture(
        graph_svg(episode.scenario, state, focus=focus),
        graph_state_text(episode.scenario, state),
    )
