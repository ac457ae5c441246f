"""Colours, shapes and words for every state a picture shows.

Colours come from the Okabe-Ito palette, which stays distinguishable under the
common colour-vision deficiencies. Colour is never the only cue: each health
state also has its own marker shape, a text glyph and a word, and editable
versus external services differ by outline style and an "(external)" label.
This module is plain data, so text views can use it without matplotlib.

>>> HEALTH_STYLES["error"].glyph, HEALTH_STYLES["error"].label
('✗', 'error')
>>> len({s.colour for s in HEALTH_STYLES.values()}) == len(HEALTH_STYLES)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008).
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

INK = "#1A1A1A"  # text and outlines: near-black reads well on every fill
MUTED = "#8C8C8C"  # ordinary call edges, grid lines
PAPER = "#FFFFFF"


@dataclass(frozen=True)
class HealthStyle:
    """How one health state looks.

    Attributes:
        state: ``"healthy"``, ``"degraded"`` or ``"error"``.
        colour: fill colour (Okabe-Ito).
        marker: matplotlib marker code, a different shape per state.
        glyph: a one-character text symbol for text views and labels.
        label: the state in words.
        meaning: a short sentence for legends and screen readers.
    """

    state: str
    colour: str
    marker: str
    glyph: str
    label: str
    meaning: str


HEALTH_STYLES: dict[str, HealthStyle] = {
    "healthy": HealthStyle(
        "healthy", OKABE_ITO["bluish_green"], "o", "✓", "healthy", "answering normally"
    ),
    "degraded": HealthStyle(
        "degraded", OKABE_ITO["yellow"], "^", "!", "degraded", "hurt by a failure elsewhere"
    ),
    "error": HealthStyle(
        "error", OKABE_ITO["vermillion"], "s", "✗", "error", "failing: a problem is visible here"
    ),
}
HEALTH_ORDER = ("healthy", "degraded", "error")

CASCADE_COLOUR = OKABE_ITO["vermillion"]  # edges a visible failure spreads along
SELECTED_COLOUR = OKABE_ITO["blue"]  # ring around the selected service
BADGE_COLOUR = OKABE_ITO["sky_blue"]  # the "?" badge of a possibly hidden problem
FIX_COLOUR = OKABE_ITO["bluish_green"]
REOPEN_COLOUR = OKABE_ITO["reddish_purple"]
TOTAL_COLOUR = OKABE_ITO["reddish_purple"]
DIMENSION_COLOUR = OKABE_ITO["blue"]

EDITABLE_LINESTYLE: Final = "solid"
EXTERNAL_LINESTYLE = (0, (3, 2))  # dashed outline: a service you cannot edit
EXTERNAL_TAG = "(external)"
BADGE_TEXT = "?"
BADGE_MEANING = "? = something here may still be hidden"
SELECTED_GLYPH = "▶"

# Severity styling for log lines: colour plus a bracketed level tag in text.
LEVEL_COLOURS = {
    "DEBUG": "#5C5C5C",
    "INFO": "#1A1A1A",
    "WARN": "#8A5A00",  # a darker orange: readable as text on white
    "WARNING": "#8A5A00",
    "ERROR": "#B04A00",  # a darker vermillion for text contrast (> 4.5:1)
    "CRITICAL": "#B04A00",
}


def health_style(state: str) -> HealthStyle:
    """The style of ``state``; a clear error names the valid states.

    >>> health_style("degraded").marker
    '^'
    """
    try:
        return HEALTH_STYLES[state]
    except KeyError:
        raise ValueError(
            f"unknown health state {state!r}; states are: {', '.join(HEALTH_ORDER)}"
        ) from None


def service_kind(editable: bool) -> str:
    """``"yours"`` for an editable service, ``"external"`` otherwise."""
    return "yours" if editable else "external"
