"""The service graph: who calls whom, who is failing, and where failure spreads.

Health is shown three ways at once (Okabe-Ito colour, marker shape, glyph and
word); external services have a dashed outline and say "(external)"; edges a
visible failure spreads along are thick and coloured; a failure that may hide
another problem gets a "?" badge (never the problem's name, never on the hidden
problem's own service: see :mod:`~apidebug_nb.views.badges`); the selected
service gets a ring and a ▶. :func:`graph_text` is the text twin.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Affine2D, Transform

from apidebug_nb.scenarios.records import Scenario
from apidebug_nb.views import figures
from apidebug_nb.views.badges import badge_services
from apidebug_nb.views.graph_layout import (
    GraphLayout,
    cascade_edges,
    layout,
    status_line,
)
from apidebug_nb.views.palette import (
    BADGE_COLOUR,
    BADGE_TEXT,
    CASCADE_COLOUR,
    EDITABLE_LINESTYLE,
    EXTERNAL_LINESTYLE,
    HEALTH_ORDER,
    HEALTH_STYLES,
    INK,
    MUTED,
    PAPER,
    SELECTED_COLOUR,
    SELECTED_GLYPH,
)

if TYPE_CHECKING:
    from apidebug_nb.episode.episode import Episode

TITLE_GAP_IN = 0.25
LEGEND_GAP_IN = 0.3
SELECTED_RING = 1.5  # ring diameter / marker size


@dataclass(frozen=True)
class GraphState:
    """Everything the service graph shows; equal states give identical pictures."""

    health: tuple[tuple[str, str], ...]  # (service, state) in scenario order
    masked: tuple[str, ...]  # services with a "?" badge (views.badges), sorted
    cascade: tuple[tuple[str, str], ...]  # highlighted edges, sorted
    selected: str | None
    resolved: int
    total: int

    @classmethod
    def of(cls, episode: Episode, selected: str | None = None) -> GraphState:
        """The state of ``episode`` as the graph shows it."""
        sc = episode.scenario
        if selected is not None and selected not in sc.graph:
            raise ValueError(
                f"unknown service {selected!r} to select; services are: {', '.join(sc.services)}"
            )
        health = episode.health_history[-1]
        return cls(
            health=tuple((s, health[s]) for s in sc.services),
            masked=tuple(sorted(badge_services(episode))),
            cascade=tuple(sorted(cascade_edges(episode))),
            selected=selected,
            resolved=sum(1 for s in episode.statuses.values() if s == "resolved"),
            total=len(episode.statuses),
        )


def plot_service_graph(
    episode: Episode, ax: Axes | None = None, selected: str | None = None
) -> Axes:
    """Draw the call graph of ``episode`` with each service's health.

    Args:
        episode: the episode whose current state is drawn.
        ax: an Axes to draw into; by default a new figure sized to the graph.
        selected: a service to mark with a ring and a ▶.

    Returns:
        The Axes drawn into (``ax.figure`` is the figure).
    """
    return draw_graph_state(episode.scenario, GraphState.of(episode, selected), ax=ax)


def draw_graph_state(scenario: Scenario, state: GraphState, ax: Axes | None = None) -> Axes:
    """Draw ``state`` of ``scenario``'s graph (see :func:`plot_service_graph`)."""
    frame = prepare_frame(scenario, ax)
    draw_static(frame, scenario)
    draw_dynamic(frame, scenario, state)
    return frame.ax


@dataclass(frozen=True)
class Frame:
    """An Axes set up for one scenario's graph: limits, size and the graph's transform."""

    ax: Axes
    lay: GraphLayout
    graph_transform: Transform  # data coordinates shifted to centre the graph
    title_xy: tuple[float, float]
    legend_anchor: tuple[float, float]


def prepare_frame(scenario: Scenario, ax: Axes | None = None) -> Frame:
    """Size the figure (if it is ours) and the limits so nothing is clipped."""
    lay = layout(scenario)
    sc = lay.scale
    ax, ours = figures.axes_or_new(ax, lay.width_in, lay.height_in + 2)
    ax.set_axis_off()
    n = len(scenario.issue_records)
    widest_title = _title(n, n)
    title_w, title_h = figures.text_size_in(widest_title, sc.title_size, "bold")
    top = TITLE_GAP_IN + title_h
    leg_w, leg_h = _legend_size_in(ax, sc.fontsize)
    bottom_of_graph = -lay.height_in - LEGEND_GAP_IN
    width = max(lay.width_in, leg_w + 2 * sc.margin_in, title_w + 2 * sc.margin_in)
    bottom = bottom_of_graph - leg_h - sc.margin_in
    ax.set_xlim(0, width)
    ax.set_ylim(bottom, top + sc.margin_in)
    ax.set_aspect("equal", adjustable="box" if ours else "datalim")
    if ours:
        height = top + sc.margin_in - bottom
        figures.root_figure(ax).set_size_inches(width, height)
        figures.root_figure(ax).set_dpi(figures.dpi_for(width, height))
    slack = (width - lay.width_in) / 2
    shift = Affine2D().translate(slack, 0) + ax.transData
    return Frame(ax, lay, shift, (sc.margin_in, top), (width / 2, bottom_of_graph))


def draw_static(frame: Frame, scenario: Scenario) -> list:
    """What never changes during an episode: call arrows, names, the legend."""
    ax, lay = frame.ax, frame.lay
    artists = _draw_edges(ax, lay, scenario.graph.edges, hot=False, transform=frame.graph_transform)
    artists += _draw_names(ax, lay, frame.graph_transform)
    legend = _legend(ax, lay.scale.fontsize)
    legend.set_bbox_to_anchor(frame.legend_anchor, transform=ax.transData)
    return [*artists, legend]


def draw_dynamic(frame: Frame, scenario: Scenario, state: GraphState) -> list:
    """What the state decides: spreading failure, health, badges, selection, title."""
    ax, lay, tr = frame.ax, frame.lay, frame.graph_transform
    editable = {s.name: s.editable for s in scenario.service_records}
    health = dict(state.health)
    artists = _draw_edges(ax, lay, state.cascade, hot=True, transform=tr)
    artists += _draw_nodes(ax, lay, health, editable, state.selected, tr)
    artists += _draw_badges(ax, lay, state.masked, tr)
    if lay.words:
        artists += _draw_status(ax, lay, health, editable, tr)
    x, y = frame.title_xy
    artists.append(
        ax.text(
            x,
            y,
            _title(state.resolved, state.total),
            fontsize=lay.scale.title_size,
            weight="bold",
            va="top",
            color=INK,
            zorder=7,
            gid="title",
        )
    )
    return artists


def _title(resolved: int, total: int) -> str:
    return f"Service health: {resolved} of {total} problem{'' if total == 1 else 's'} fixed"


def _draw_edges(
    ax: Axes,
    lay: GraphLayout,
    edges: Iterable[tuple[str, str]],
    *,
    hot: bool,
    transform: Transform,
) -> list:
    sc = lay.scale
    r = sc.marker_in / 2
    segments, heads = [], []
    head_l = sc.marker_in * (0.42 if hot else 0.32)
    head_w = sc.marker_in * (0.34 if hot else 0.26)
    for a, b in sorted(edges):
        (x0, y0), (x1, y1) = lay.positions[a], lay.positions[b]
        dx, dy = x1 - x0, y1 - y0
        dist = math.hypot(dx, dy)
        if dist <= 2 * r + head_l:
            continue
        ux, uy = dx / dist, dy / dist
        tip = (x1 - ux * (r + 0.04), y1 - uy * (r + 0.04))
        base = (tip[0] - ux * head_l, tip[1] - uy * head_l)
        segments.append([(x0 + ux * (r + 0.02), y0 + uy * (r + 0.02)), base])
        nx_, ny_ = -uy * head_w / 2, ux * head_w / 2
        heads.append([tip, (base[0] + nx_, base[1] + ny_), (base[0] - nx_, base[1] - ny_)])
    if not segments:
        return []
    colour = CASCADE_COLOUR if hot else MUTED
    z = 2 if hot else 1
    lines = LineCollection(
        segments, colors=colour, linewidths=3.2 if hot else 1.3, zorder=z, transform=transform
    )
    arrowheads = PolyCollection(
        heads, facecolors=colour, edgecolors=colour, linewidths=0.5, zorder=z, transform=transform
    )
    kind = "cascade" if hot else "calls"
    lines.set_gid(f"edges:{kind}")
    arrowheads.set_gid(f"arrowheads:{kind}")
    ax.add_collection(lines, autolim=False)
    ax.add_collection(arrowheads, autolim=False)
    return [lines, arrowheads]


def _draw_nodes(
    ax: Axes,
    lay: GraphLayout,
    health: Mapping[str, str],
    editable: Mapping[str, bool],
    selected: str | None,
    transform: Transform,
) -> list:
    sc = lay.scale
    artists: list[Artist] = []
    if selected is not None:
        x, y = lay.positions[selected]
        artists.append(
            ax.scatter(
                [x],
                [y],
                s=(sc.marker_in * SELECTED_RING * 72) ** 2,
                marker="o",
                facecolors="none",
                edgecolors=SELECTED_COLOUR,
                linewidths=3.5,
                zorder=3,
                transform=transform,
                gid="selected:ring",
            )
        )
        w_name = figures.text_size_in(selected, sc.fontsize, "bold")[0]
        artists.append(
            ax.text(
                x - w_name / 2 - 0.04,
                _name_top(lay, y),
                SELECTED_GLYPH,
                ha="right",
                va="top",
                fontsize=sc.fontsize,
                weight="bold",
                color=SELECTED_COLOUR,
                zorder=6,
                transform=transform,
                gid="selected:glyph",
            )
        )
    for state in HEALTH_ORDER:
        style = HEALTH_STYLES[state]
        for is_editable in (True, False):
            names = [n for n in lay.positions if health[n] == state and editable[n] == is_editable]
            if not names:
                continue
            artists.append(
                ax.scatter(
                    [lay.positions[n][0] for n in names],
                    [lay.positions[n][1] for n in names],
                    s=sc.marker_area_pt2 * (1.25 if style.marker == "^" else 1.0),
                    marker=style.marker,
                    facecolors=style.colour,
                    edgecolors=INK,
                    linewidths=2.0,
                    linestyles=EDITABLE_LINESTYLE if is_editable else EXTERNAL_LINESTYLE,
                    zorder=4,
                    transform=transform,
                    gid=f"nodes:{state}:{'yours' if is_editable else 'external'}",
                )
            )
    return artists


def _draw_badges(ax: Axes, lay: GraphLayout, masked: Iterable[str], transform: Transform) -> list:
    sc = lay.scale
    masked = list(masked)
    if not masked:
        return []
    off = sc.marker_in * 0.55
    xs = [lay.positions[n][0] + off for n in masked]
    ys = [lay.positions[n][1] + off for n in masked]
    artists: list[Artist] = [
        ax.scatter(
            xs,
            ys,
            s=(sc.marker_in * 0.55 * 72) ** 2,
            marker="o",
            facecolors=BADGE_COLOUR,
            edgecolors=INK,
            linewidths=1.2,
            zorder=5,
            transform=transform,
            gid="badges",
        )
    ]
    for x, y in zip(xs, ys, strict=True):
        artists.append(
            ax.text(
                x,
                y,
                BADGE_TEXT,
                ha="center",
                va="center",
                fontsize=sc.fontsize * 0.95,
                weight="bold",
                color=INK,
                zorder=6,
                transform=transform,
                gid="badge:text",
            )
        )
    return artists


def _name_top(lay: GraphLayout, y: float) -> float:
    # Labels start below the selection ring, so selecting a service moves nothing.
    return y - lay.scale.marker_in * SELECTED_RING / 2 - 0.03


def _label_box(lay: GraphLayout) -> dict | None:
    if len(lay.positions) > 40:
        return None  # boxes cost drawing time and big graphs have short edges
    return {"facecolor": PAPER, "edgecolor": "none", "alpha": 0.85, "pad": 1.0}


def _draw_names(ax: Axes, lay: GraphLayout, transform: Transform) -> list:
    sc = lay.scale
    bbox = _label_box(lay)
    return [
        ax.text(
            x,
            _name_top(lay, y),
            name,
            ha="center",
            va="top",
            fontsize=sc.fontsize,
            weight="bold",
            color=INK,
            bbox=bbox,
            zorder=1.5,
            transform=transform,
            gid=f"name:{name}",
        )
        for name, (x, y) in lay.positions.items()
    ]


def _draw_status(
    ax: Axes,
    lay: GraphLayout,
    health: Mapping[str, str],
    editable: Mapping[str, bool],
    transform: Transform,
) -> list:
    sc = lay.scale
    bbox = _label_box(lay)
    line_h = figures.text_size_in("Ag", sc.fontsize, "bold")[1] + sc.fontsize * 0.25 / 72
    return [
        ax.text(
            x,
            _name_top(lay, y) - line_h,
            status_line(health[name], editable[name]),
            ha="center",
            va="top",
            fontsize=sc.fontsize,
            color=INK,
            bbox=bbox,
            zorder=6,
            transform=transform,
            gid=f"status:{name}",
        )
        for name, (x, y) in lay.positions.items()
    ]


def _legend(ax: Axes, fontsize: float) -> Legend:
    size = fontsize * 1.15
    handles: list[Any] = [  # lines, patches and a tuple of lines (a combined entry)
        Line2D(
            [],
            [],
            linestyle="none",
            marker=HEALTH_STYLES[s].marker,
            markersize=size,
            markerfacecolor=HEALTH_STYLES[s].colour,
            markeredgecolor=INK,
            markeredgewidth=1.5,
            label=f"{HEALTH_STYLES[s].glyph} {HEALTH_STYLES[s].label}: {HEALTH_STYLES[s].meaning}",
        )
        for s in HEALTH_ORDER
    ]
    handles += [
        Patch(
            facecolor=PAPER,
            edgecolor=INK,
            linewidth=2,
            linestyle=EDITABLE_LINESTYLE,
            label="solid outline: yours to fix",
        ),
        Patch(
            facecolor=PAPER,
            edgecolor=INK,
            linewidth=2,
            linestyle=EXTERNAL_LINESTYLE,
            label="dashed outline: (external), read only",
        ),
        Line2D([], [], color=MUTED, linewidth=1.3, label="arrow: caller → callee"),
        Line2D([], [], color=CASCADE_COLOUR, linewidth=3.2, label="thick arrow: failure spreading"),
        (
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=size * 0.9,
                markerfacecolor=BADGE_COLOUR,
                markeredgecolor=INK,
            ),
            Line2D(
                [],
                [],
                linestyle="none",
                marker="$?$",
                markersize=size * 0.5,
                markerfacecolor=INK,
                markeredgecolor=INK,
            ),
        ),
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=size * 1.2,
            markerfacecolor="none",
            markeredgecolor=SELECTED_COLOUR,
            markeredgewidth=2.5,
            label="▶ ring: selected service",
        ),
    ]
    labels = [h.get_label() for h in handles[:-2]] + [
        "? badge: a problem may hide behind this failure",
        handles[-1].get_label(),
    ]
    return ax.legend(
        handles=handles,
        labels=labels,
        loc="upper center",
        ncols=2 if fontsize >= 11 else 3,
        fontsize=fontsize * 0.9,
        frameon=True,
        edgecolor=MUTED,
        handlelength=2.2,
        borderpad=0.6,
        labelspacing=0.6,
        columnspacing=1.6,
    )


def _legend_size_in(ax: Axes, fontsize: float) -> tuple[float, float]:
    """The legend's size in inches, measured on a throwaway legend (nothing is drawn)."""
    legend = _legend(ax, fontsize)
    bbox = legend.get_window_extent(figures.agg_canvas(figures.root_figure(ax)).get_renderer())
    legend.remove()
    return bbox.width / ax.figure.dpi, bbox.height / ax.figure.dpi
