"""Where each service sits in the service graph, in inches.

Services are placed in columns by topological generation (callers left,
callees right), ordered inside a column by a barycentre sweep that reduces
crossings, ties broken by name: the same scenario always gets the same
picture. Column widths come from the widest label a service can ever show,
so nodes never move as health changes during an episode.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apidebug_nb.model.graphs import layer_generations
from apidebug_nb.scenarios.records import Scenario
from apidebug_nb.views.figures import text_size_in
from apidebug_nb.views.palette import EXTERNAL_TAG, HEALTH_STYLES, SELECTED_GLYPH


@dataclass(frozen=True)
class Scale:
    """Sizes (points and inches) for one size class of graph."""

    fontsize: float
    title_size: float
    marker_in: float  # marker diameter
    column_gap_in: float
    row_gap_in: float
    margin_in: float

    @property
    def marker_area_pt2(self) -> float:
        """The marker size as matplotlib's scatter wants it (points squared)."""
        return (self.marker_in * 72) ** 2


def scale_for(n_services: int) -> Scale:
    """Large type for classroom-sized graphs, smaller as graphs grow.

    >>> scale_for(5).fontsize > scale_for(200).fontsize
    True
    """
    if n_services <= 12:
        return Scale(13, 16, 0.46, 0.55, 0.30, 0.25)
    if n_services <= 40:
        return Scale(11, 14, 0.38, 0.45, 0.25, 0.25)
    if n_services <= 150:
        return Scale(9, 13, 0.30, 0.35, 0.20, 0.2)
    return Scale(7, 12, 0.22, 0.30, 0.14, 0.2)


def status_line(state: str, editable: bool) -> str:
    """The second label line, e.g. ``"✗ error"`` or ``"✓ healthy (external)"``."""
    style = HEALTH_STYLES[state]
    tag = "" if editable else f" {EXTERNAL_TAG}"
    return f"{style.glyph} {style.label}{tag}"


def name_line(name: str, selected: bool) -> str:
    return f"{SELECTED_GLYPH} {name}" if selected else name


@dataclass(frozen=True)
class GraphLayout:
    """Node centres (inches, y grows upwards, top row at y=0) and the drawing's size."""

    scale: Scale
    layers: tuple[tuple[str, ...], ...]
    positions: Mapping[str, tuple[float, float]]
    width_in: float  # from the left margin to the right margin
    height_in: float  # from the top of the highest marker to the bottom of the lowest label
    label_height_in: float
    words: bool  # health in words under each node


def order_layers(layers: list[list[str]], preds: Mapping[str, list[str]]) -> list[list[str]]:
    """Reorder each layer by the mean position of its callers (a barycentre sweep).

    >>> order_layers([["a", "b"], ["x", "y"]], {"x": ["b"], "y": ["a"]})
    [['a', 'b'], ['y', 'x']]
    """
    rank: dict[str, float] = {}
    out = []
    for layer in layers:
        size = len(layer)

        def key(node: str, size: int = size) -> tuple[float, str]:
            ranks = [rank[p] for p in preds.get(node, ()) if p in rank]
            if not ranks:
                return (0.5, node)
            return (sum(ranks) / len(ranks), node)

        ordered = sorted(layer, key=key)
        for k, node in enumerate(ordered):
            rank[node] = (k + 0.5) / size
        out.append(ordered)
    return out


_CACHE: weakref.WeakKeyDictionary[Scenario, GraphLayout] = weakref.WeakKeyDictionary()


def layout(scenario: Scenario) -> GraphLayout:
    """The (cached) layout of ``scenario``'s call graph."""
    cached = _CACHE.get(scenario)
    if cached is None:
        cached = _CACHE[scenario] = _compute_layout(scenario)
    return cached


WORDS_UP_TO = 40  # bigger graphs show health by shape and colour; names stay, words go


def shows_words(n_services: int) -> bool:
    """Whether each node carries its health in words (the text twin always does)."""
    return n_services <= WORDS_UP_TO


def max_rows(n_services: int) -> int:
    """Rows per column before a crowded layer wraps into side-by-side sub-columns.

    >>> max_rows(5), max_rows(200)
    (8, 19)
    """
    return max(8, math.ceil(math.sqrt(n_services) * 1.3))


def _compute_layout(scenario: Scenario) -> GraphLayout:
    G = scenario.graph
    n = G.number_of_nodes()
    sc = scale_for(n)
    words = shows_words(n)
    preds = {node: sorted(G.predecessors(node)) for node in G.nodes}
    layers = order_layers(layer_generations(G), preds)
    editable = {s.name: s.editable for s in scenario.service_records}
    rows = max_rows(n)

    # Each layer becomes one or more columns of at most ``rows`` services.
    columns: list[list[str]] = []
    gaps: list[float] = []  # gap after each column
    for layer in layers:
        parts = math.ceil(len(layer) / rows)
        per = math.ceil(len(layer) / parts)
        for k in range(parts):
            columns.append(layer[k * per : (k + 1) * per])
            gaps.append(sc.column_gap_in if k == parts - 1 else sc.column_gap_in * 0.5)

    label_h = 0.0
    col_widths = []
    for column in columns:
        widest = sc.marker_in
        for name in column:
            w_name, h_name = text_size_in(name_line(name, True), sc.fontsize, "bold")
            height = h_name
            if words:
                w_status, h_status = text_size_in(
                    status_line("degraded", editable[name]), sc.fontsize
                )
                w_name = max(w_name, w_status)
                height += h_status + sc.fontsize * 0.25 / 72
            widest = max(widest, w_name)
            label_h = max(label_h, height)
        col_widths.append(widest)

    row_pitch = sc.marker_in * 1.25 + label_h + sc.row_gap_in + 0.05
    tallest = max(len(column) for column in columns) if columns else 0
    positions: dict[str, tuple[float, float]] = {}
    x = sc.margin_in
    for column, col_w, gap in zip(columns, col_widths, gaps, strict=True):
        cx = x + col_w / 2
        offset = (tallest - len(column)) * row_pitch / 2
        for k, name in enumerate(column):
            positions[name] = (cx, -(sc.marker_in * 0.75 + offset + k * row_pitch))
        x += col_w + gap
    width = x - (gaps[-1] if gaps else 0) + sc.margin_in
    height = tallest * row_pitch - sc.row_gap_in if columns else 0.0
    return GraphLayout(
        sc,
        tuple(tuple(layer) for layer in layers),
        positions,
        width,
        height,
        label_h,
        words,
    )


def cascade_edges(episode: Any) -> set[tuple[str, str]]:
    """Call edges on which requests fail now: a failure spreads from the failing
    callee up to each caller that relays it (from this step's traffic).

    >>> import apidebug_nb as adb
    >>> ep = adb.Episode(adb.load_scenario("hard")); _ = ep.reset()
    >>> sorted(cascade_edges(ep))
    [('order_service', 'api_gateway')]
    """
    return set(episode.failing_edges())
