"""The health timeline and the grade chart: artists, text twins, no clipping."""

from __future__ import annotations

import pytest
from matplotlib.axes import Axes

import apidebug_nb as adb
from apidebug_nb.views import figures
from apidebug_nb.views.grade_plot import BAR_IN, grade_text, plot_grade
from apidebug_nb.views.palette import HEALTH_STYLES
from apidebug_nb.views.timeline_plot import plot_health_timeline, timeline_text
from tests.test_views_support import artists_outside, played


def _gid(ax, prefix):
    return [a for a in ax.get_children() if (a.get_gid() or "").startswith(prefix)]


def _with_reopen() -> adb.Episode:
    ep = played("hard")
    ep.step(adb.Action.submit_fix("order_service", {"auth": {"key_id": "ord-key-7f3a9c"}}))
    ep.step(adb.Action.submit_fix("order_service", {"auth": {"key_id": "ord-key-nope"}}))
    assert [e["event"] for e in ep.events] == ["fixed", "reopened"]  # the premise
    return ep


def test_timeline_has_one_cell_per_service_and_step_in_the_right_shape():
    ep = _with_reopen()
    ax = plot_health_timeline(ep)
    counts = {}
    for coll in _gid(ax, "cells:"):
        state = coll.get_gid().split(":")[1]
        assert coll.get_facecolors()[0].tolist() == pytest.approx(
            list(__import__("matplotlib.colors").colors.to_rgba(HEALTH_STYLES[state].colour))
        )
        counts[state] = len(coll.get_offsets())
    expected = {}
    for health in ep.health_history:
        for state in health.values():
            expected[state] = expected.get(state, 0) + 1
    assert counts == expected


def test_timeline_marks_each_fix_and_reopening():
    ep = _with_reopen()
    ax = plot_health_timeline(ep)
    assert len(_gid(ax, "event:fixed")) == 1 and len(_gid(ax, "event:reopened")) == 1
    words = " ".join(t.get_text() for t in ax.texts)
    assert (
        "fixed Service tokens from an expired key" in words
        and "reopened Service tokens from an expired key" in words
    )
    text = timeline_text(ep)
    assert "✓1 step 1: fixed Service tokens from an expired key" in text
    assert "↺2 step 2: reopened Service tokens from an expired key" in text


def test_timeline_names_no_issue_that_was_never_fixed():
    ep = played("hard", 2)
    words = " ".join(t.get_text() for t in plot_health_timeline(ep).texts) + timeline_text(ep)
    for iid, status in ep.statuses.items():
        if status != "resolved":
            assert ep.sim.issues[iid].title not in words


@pytest.mark.parametrize("n_oracle", [0, 10])
def test_timeline_nothing_clipped_and_ax_contract(n_oracle):
    ep = played("hard", n_oracle)
    ax = plot_health_timeline(ep)
    assert isinstance(ax, Axes)
    assert artists_outside(ax.figure) == []
    mine = figures.new_figure(8, 5).add_subplot()
    assert plot_health_timeline(ep, ax=mine) is mine


def test_timeline_text_has_a_glyph_per_step_for_every_service():
    ep = played("hard", 10)
    lines = timeline_text(ep).splitlines()
    for service in ep.scenario.services:
        row = next(line for line in lines if line.startswith(service + " "))
        glyphs = row[len(service) :].split()
        assert glyphs == [HEALTH_STYLES[h[service]].glyph for h in ep.health_history]


def test_grade_bars_are_proportional_to_the_values():
    ep = played("hard", 6)
    ep.step(adb.Action.hint())
    grade = ep.grade()
    ax = plot_grade(grade)
    bars = {b.get_gid(): b for b in _gid(ax, "bar:")}
    assert set(bars) == {f"bar:{d}" for d in grade.dimensions} | {"bar:total"}
    for name, value in grade.dimensions.items():
        assert bars[f"bar:{name}"].get_width() == pytest.approx(BAR_IN * value)
    assert bars["bar:total"].get_width() == pytest.approx(BAR_IN * grade.score)
    assert bars["bar:total"].get_hatch()  # told apart without colour
    words = [t.get_text() for t in ax.texts]
    for name, sentence in grade.sentences.items():
        assert any(w.startswith(name) for w in words) and sentence in words
    assert any("hint penalty" in w for w in words)


def test_grade_nothing_clipped_identical_bytes_and_ax_contract():
    grade = played("hard", 10).grade()
    ax = plot_grade(grade)
    assert artists_outside(ax.figure) == []
    assert figures.png_bytes(ax.figure) == figures.png_bytes(plot_grade(grade).figure)
    mine = figures.new_figure(8, 4).add_subplot()
    assert plot_grade(grade, ax=mine) is mine
    assert grade_text(grade) == grade.render_text()
