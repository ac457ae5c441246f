"""Figures without pyplot: Agg canvases, text measurement, reproducible PNGs.

Every picture is drawn on a :class:`matplotlib.figure.Figure` with its own
:class:`FigureCanvasAgg`, so nothing touches pyplot's global state or the
notebook's backend. PNGs carry no software or time metadata, so the same
state always gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

DPI = 100
MAX_PIXELS = 8_000_000  # huge graphs get a lower dpi instead of a 50 MB PNG
# Unhinted glyphs render about twice as fast in Agg and look the same at these sizes.
RC: dict[Any, Any] = {"text.hinting": "no_hinting"}  # matplotlib types keys as Literals
FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib: same glyphs and metrics everywhere
PNG_METADATA = {"Software": None}  # no version string: identical bytes across installs
PNG_COMPRESSION = 3  # zlib level: a fraction of the default's time, slightly larger files


def new_figure(width_in: float, height_in: float) -> Figure:
    """A white figure of the given size in inches, on its own Agg canvas."""
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def dpi_for(width_in: float, height_in: float) -> float:
    """:data:`DPI`, lowered so a figure never exceeds :data:`MAX_PIXELS`.

    >>> dpi_for(10, 5), dpi_for(100, 100) < DPI
    (100, True)
    """
    if width_in * height_in * DPI * DPI <= MAX_PIXELS:
        return DPI
    return int(math.sqrt(MAX_PIXELS / (width_in * height_in)))


def axes_or_new(ax: Axes | None, width_in: float, height_in: float) -> tuple[Axes, bool]:
    """``ax`` itself, or a fresh full-figure Axes; the flag says it is ours to size."""
    if ax is not None:
        return ax, False
    fig = new_figure(width_in, height_in)
    return fig.add_axes((0.0, 0.0, 1.0, 1.0)), True


def inch_canvas(ax: Axes, ours: bool, width_in: float, height_in: float) -> None:
    """Make data units inches: x in [0, width], y in [-height, 0], the figure sized to fit.

    Drawing in inches lets a picture place text by its measured size, so
    nothing overlaps or falls outside the figure. On a caller's Axes the
    limits are set the same way and the caller's figure keeps its size.
    """
    ax.set_axis_off()
    ax.set_xlim(0, width_in)
    ax.set_ylim(-height_in, 0)
    ax.set_aspect("equal", adjustable="box" if ours else "datalim")
    if ours:
        root_figure(ax).set_size_inches(width_in, height_in)
        root_figure(ax).set_dpi(dpi_for(width_in, height_in))


def root_figure(ax: Axes) -> Figure:
    """The top-level figure ``ax`` draws on (the root of a subfigure)."""
    fig = ax.figure
    while not isinstance(fig, Figure):
        fig = fig.figure
    return fig


def agg_canvas(fig: Figure) -> FigureCanvasAgg:
    """``fig``'s canvas, typed as the Agg canvas this package draws every figure on."""
    return cast(FigureCanvasAgg, fig.canvas)


def png_bytes(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes, reproducibly (fixed dpi, no metadata).

    The figure is drawn on a fresh Agg canvas (its own text-metrics cache), so
    the bytes depend only on the figure, not on how it was drawn before. The
    figure's own canvas is put back afterwards.
    """
    original = fig.canvas
    buf = io.BytesIO()
    try:
        FigureCanvasAgg(fig)
        with rc_context(RC):
            fig.savefig(
                buf,
                format="png",
                dpi="figure",
                facecolor=fig.get_facecolor(),
                metadata=PNG_METADATA,
                pil_kwargs={"compress_level": PNG_COMPRESSION},
            )
    finally:
        fig.set_canvas(original)
    return buf.getvalue()


@functools.lru_cache(maxsize=1)
def _measuring_renderer() -> RendererAgg:
    return RendererAgg(10, 10, 72)  # 72 dpi: one pixel is one point


@functools.lru_cache(maxsize=8192)
def text_size_in(text: str, fontsize: float, weight: str = "normal") -> tuple[float, float]:
    """Width and height of ``text`` in inches, as Agg will lay it out (multi-line aware).

    >>> w, h = text_size_in("order_service", 12)
    >>> 0.8 < w < 1.6 and 0.1 < h < 0.3
    True
    """
    prop = FontProperties(family=FONT_FAMILY, size=fontsize, weight=weight)
    renderer = _measuring_renderer()
    lines = text.split("\n")
    widths, heights = [], []
    with rc_context(RC):
        for line in lines:
            w, h, _ = renderer.get_text_width_height_descent(line or " ", prop, ismath=False)
            widths.append(w)
            heights.append(h)
    line_pitch = fontsize * 1.2  # matplotlib's default linespacing
    height = heights[-1] + line_pitch * (len(lines) - 1)
    return max(widths) / 72.0, height / 72.0


@dataclass(frozen=True)
class Picture:
    """A rendered picture and its text twin, displayable in any notebook front end.

    Jupyter shows the PNG; plain-text outputs (nbval, screen readers, terminals)
    get the text twin.
    """

    png: bytes
    text: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"image/png": self.png, "text/plain": self.text}

    def __repr__(self) -> str:
        return self.text

    def save(self, path: str) -> None:
        """Write the PNG to ``path``."""
        with open(path, "wb") as fh:
            fh.write(self.png)


def picture(draw: Callable[..., Axes], text: str, *args: Any, **kwargs: Any) -> Picture:
    """Draw with ``draw(*args, ax=None, **kwargs)`` and bundle the PNG with ``text``."""
    ax = draw(*args, ax=None, **kwargs)
    return Picture(png_bytes(root_figure(ax)), text)
