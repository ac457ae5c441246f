"""The service graph in words: the text twin of the picture, for notebooks and screen readers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apidebug_nb.scenarios.records import Scenario
from apidebug_nb.views.graph_layout import layout
from apidebug_nb.views.graph_plot import GraphState
from apidebug_nb.views.palette import HEALTH_STYLES

if TYPE_CHECKING:
    from apidebug_nb.episode.episode import Episode


def graph_text(episode: Episode, selected: str | None = None) -> str:
    """The service graph in words, layer by layer (the twin of :func:`plot_service_graph`).

    >>> import apidebug_nb as adb
    >>> ep = adb.Episode(adb.load_scenario("easy")); _ = ep.reset()
    >>> print(graph_text(ep).splitlines()[0])
    Service health: 0 of 2 problems fixed (calls flow from left to right)
    """
    return graph_state_text(episode.scenario, GraphState.of(episode, selected))


def graph_state_text(scenario: Scenario, state: GraphState) -> str:
    """Text twin of :func:`draw_graph_state`."""
    lay = layout(scenario)
    G = scenario.graph
    health = dict(state.health)
    editable = {s.name: s.editable for s in scenario.service_records}
    masked = set(state.masked)
    width = max(len(n) for n in lay.positions) if lay.positions else 0
    lines = [
        f"Service health: {state.resolved} of {state.total} "
        f"problem{'' if state.total == 1 else 's'} fixed"
        " (calls flow from left to right)"
    ]
    for k, layer in enumerate(lay.layers, start=1):
        lines.append(f"Layer {k}:")
        for name in layer:
            style = HEALTH_STYLES[health[name]]
            flags = ["yours" if editable[name] else "external"]
            if name in masked:
                flags.append("? a problem may hide behind its failure")
            if name == state.selected:
                flags.append("selected")
            calls = ", ".join(sorted(G.successors(name))) or "nothing"
            lines.append(
                f"  {style.glyph} {name:<{width}}  {style.label:<8}  "
                f"[{'; '.join(flags)}]  calls: {calls}"
            )
    if state.cascade:
        spread = ", ".join(f"{a} -> {b}" for a, b in state.cascade)
        lines.append(f"Failure spreading along: {spread}")
    else:
        lines.append("Failure spreading along: nothing")
    return "\n".join(lines)
