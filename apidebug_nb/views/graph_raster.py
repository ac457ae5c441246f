"""Fast repeated PNGs of one scenario's service graph, for the live dashboard.

The parts that never change during an episode (call arrows, names, legend) are
drawn once per scenario and kept as a pixel background; each new state only
restores that background and draws what the state decides on top. PNGs are
also kept in a small cache keyed by the exact visual state, so looking at
logs or configs (which change nothing drawn) costs no drawing at all. The
same state always gives the same bytes.
"""

from __future__ import annotations

import io
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING

from matplotlib import rc_context
from PIL import Image

from apidebug_nb.scenarios.records import Scenario
from apidebug_nb.views import figures
from apidebug_nb.views.graph_plot import GraphState, draw_dynamic, draw_static, prepare_frame
from apidebug_nb.views.graph_text import graph_state_text

if TYPE_CHECKING:
    from apidebug_nb.episode.episode import Episode

_PNGS_PER_SCENARIO = 64


class GraphRaster:
    """Draws states of one scenario's graph on top of a once-drawn background."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.frame = prepare_frame(scenario)
        self.figure = figures.root_figure(self.frame.ax)
        draw_static(self.frame, scenario)
        canvas = figures.agg_canvas(self.figure)
        with rc_context(figures.RC):
            canvas.draw()
        self.background = canvas.copy_from_bbox(self.figure.bbox)
        self._pngs: OrderedDict[GraphState, bytes] = OrderedDict()

    def png(self, state: GraphState) -> bytes:
        """PNG bytes of ``state`` (cached by state)."""
        png = self._pngs.get(state)
        if png is not None:
            self._pngs.move_to_end(state)
            return png
        png = self._render(state)
        self._pngs[state] = png
        if len(self._pngs) > _PNGS_PER_SCENARIO:
            self._pngs.popitem(last=False)
        return png

    def _render(self, state: GraphState) -> bytes:
        canvas = figures.agg_canvas(self.figure)
        canvas.restore_region(self.background)
        artists = draw_dynamic(self.frame, self.scenario, state)
        artists.sort(key=lambda a: a.get_zorder())  # stable: ties keep drawing order
        renderer = canvas.get_renderer()
        with rc_context(figures.RC):
            for artist in artists:
                artist.draw(renderer)
        for artist in artists:
            artist.remove()
        rgba = canvas.buffer_rgba()
        image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        image.save(buf, format="png", compress_level=figures.PNG_COMPRESSION)
        return buf.getvalue()


_RASTERS: weakref.WeakKeyDictionary[Scenario, GraphRaster] = weakref.WeakKeyDictionary()


def raster_for(scenario: Scenario) -> GraphRaster:
    """The shared raster of ``scenario`` (scenarios are immutable)."""
    raster = _RASTERS.get(scenario)
    if raster is None:
        raster = _RASTERS[scenario] = GraphRaster(scenario)
    return raster


def graph_png(episode: Episode, selected: str | None = None) -> bytes:
    """PNG bytes of ``episode``'s service graph, fast and cached by visual state."""
    return raster_for(episode.scenario).png(GraphState.of(episode, selected))


def graph_picture(episode: Episode, selected: str | None = None) -> figures.Picture:
    """The service graph as a :class:`~apidebug_nb.views.figures.Picture` (PNG + text twin)."""
    state = GraphState.of(episode, selected)
    return figures.Picture(
        raster_for(episode.scenario).png(state), graph_state_text(episode.scenario, state)
    )
