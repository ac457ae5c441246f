"""The palette: every health state differs by colour, shape, glyph and word."""

from __future__ import annotations

import pytest

from apidebug_nb.model.simulation import HEALTH_STATES
from apidebug_nb.views import palette


def test_every_health_state_has_a_style():
    assert set(palette.HEALTH_STYLES) == set(HEALTH_STATES) == set(palette.HEALTH_ORDER)


@pytest.mark.parametrize("attribute", ["colour", "marker", "glyph", "label"])
def test_each_cue_alone_tells_the_states_apart(attribute):
    values = [getattr(s, attribute) for s in palette.HEALTH_STYLES.values()]
    assert len(set(values)) == len(values)


def test_colours_come_from_okabe_ito():
    okabe = set(palette.OKABE_ITO.values())
    assert {s.colour for s in palette.HEALTH_STYLES.values()} <= okabe
    for colour in (palette.CASCADE_COLOUR, palette.SELECTED_COLOUR, palette.BADGE_COLOUR):
        assert colour in okabe


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("level", sorted(palette.LEVEL_COLOURS))
def test_log_level_colours_are_readable_on_white(level):
    # WCAG AA for normal text: contrast ratio at least 4.5 against the white page.
    ratio = 1.05 / (_luminance(palette.LEVEL_COLOURS[level]) + 0.05)
    assert ratio >= 4.5


def test_unknown_state_error_names_the_valid_ones():
    with pytest.raises(ValueError, match="healthy, degraded, error"):
        palette.health_style("sleepy")
