"""The service graph picture: artists, labels, no clipping, reproducible bytes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import matplotlib.colors as mcolors
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import apidebug_nb as adb
from apidebug_nb.views import figures
from apidebug_nb.views.graph_layout import cascade_edges, layout
from apidebug_nb.views.graph_plot import GraphState, plot_service_graph
from apidebug_nb.views.graph_raster import graph_picture, graph_png
from apidebug_nb.views.graph_text import graph_text
from apidebug_nb.views.palette import BADGE_TEXT, EXTERNAL_TAG, HEALTH_STYLES
from tests.test_views_support import artists_outside, played


def _by_gid(ax, prefix):
    return [a for a in ax.get_children() if (a.get_gid() or "").startswith(prefix)]


def test_reset_state_shows_all_three_health_states_each_with_own_colour_and_shape():
    ep = played("hard")
    health = ep.health_history[-1]
    assert set(health.values()) == {"healthy", "degraded", "error"}  # the premise
    ax = plot_service_graph(ep)
    lay = layout(ep.scenario)
    seen_paths = {}
    for coll in _by_gid(ax, "nodes:"):
        _, state, kind = coll.get_gid().split(":")
        style = HEALTH_STYLES[state]
        face = mcolors.to_hex(coll.get_facecolors()[0])
        assert face.lower() == style.colour.lower()
        # Every offset in this collection is a service in that state and of that kind.
        offsets = {tuple(round(v, 6) for v in o) for o in coll.get_offsets()}
        expected = {
            tuple(round(v, 6) for v in lay.positions[s])
            for s, h in health.items()
            if h == state and ep.sim.editable[s] == (kind == "yours")
        }
        assert offsets == expected
        seen_paths.setdefault(state, set()).add(
            tuple(map(tuple, coll.get_paths()[0].vertices.round(3)))
        )
    shapes = [next(iter(p)) for p in seen_paths.values()]
    assert len(seen_paths) == 3 and len(set(shapes)) == 3


def test_external_services_have_dashed_outlines_and_yours_solid():
    ax = plot_service_graph(played("hard"))
    for coll in _by_gid(ax, "nodes:"):
        offset, dashes = coll.get_linestyles()[0]
        if coll.get_gid().endswith(":external"):
            assert dashes is not None and len(dashes) >= 2
        else:
            assert dashes is None


def test_labels_name_every_service_with_glyph_word_and_external_tag():
    ep = played("hard")
    ax = plot_service_graph(ep)
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    for service in ep.scenario.services:
        assert texts[f"name:{service}"] == service
        style = HEALTH_STYLES[ep.health_history[-1][service]]
        status = texts[f"status:{service}"]
        assert status.startswith(f"{style.glyph} {style.label}")
        assert (EXTERNAL_TAG in status) == (not ep.sim.editable[service])
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    for style in HEALTH_STYLES.values():
        assert any(style.glyph in t and style.label in t for t in legend_texts)


def test_question_badge_sits_on_the_masking_failure_never_on_the_hidden_problem():
    ep = played("hard")
    # The premise: at the start two hard problems hide in order_service and
    # inventory_service, behind the retired URL that api_gateway refuses with 410.
    assert ep.masked_services() == {"order_service", "inventory_service"}
    ax = plot_service_graph(ep)
    lay = layout(ep.scenario)
    badges = _by_gid(ax, "badges")
    assert len(badges) == 1
    offsets = [tuple(xy) for xy in badges[0].get_offsets()]
    off = lay.scale.marker_in * 0.55
    gateway = lay.positions["api_gateway"]
    assert offsets == [pytest.approx((gateway[0] + off, gateway[1] + off))]
    assert [t.get_text() for t in _by_gid(ax, "badge:text")] == [BADGE_TEXT]
    words = " ".join(t.get_text() for t in ax.texts)
    for issue in ep.scenario.issues:
        assert issue.title not in words and issue.id not in words


def test_selected_service_gets_the_ring_and_glyph_only_when_asked():
    ep = played("hard")
    assert not _by_gid(plot_service_graph(ep), "selected")
    ax = plot_service_graph(ep, selected="inventory_service")
    ring = _by_gid(ax, "selected:ring")
    assert len(ring) == 1
    assert tuple(ring[0].get_offsets()[0]) == pytest.approx(
        layout(ep.scenario).positions["inventory_service"]
    )
    with pytest.raises(ValueError, match="unknown service 'nope'"):
        plot_service_graph(ep, selected="nope")


def test_cascade_edges_are_drawn_and_vanish_when_solved():
    ep = played("hard")
    assert _by_gid(plot_service_graph(ep), "edges:cascade")
    solved = played("hard", n_oracle=len(adb.oracle_actions(ep.scenario)))
    assert solved.terminated
    assert not _by_gid(plot_service_graph(solved), "edges:cascade")


@pytest.mark.parametrize("n_oracle", [0, 5, 10])
def test_nothing_is_clipped(n_oracle):
    ax = plot_service_graph(played("hard", n_oracle), selected="order_service")
    assert artists_outside(ax.figure) == []


def test_nothing_is_clipped_on_a_large_generated_graph():
    sc = adb.generate_scenario(60, 8, seed=3)
    ep = adb.Episode(sc)
    ep.reset()
    ax = plot_service_graph(ep, selected=sc.services[0])
    assert artists_outside(ax.figure) == []


def test_ax_none_returns_an_axes_and_a_given_ax_is_used():
    ep = played("easy")
    ax = plot_service_graph(ep)
    assert isinstance(ax, Axes) and isinstance(ax.figure, Figure)
    fig = figures.new_figure(8, 6)
    mine = fig.add_subplot()
    assert plot_service_graph(ep, ax=mine) is mine
    assert _by_gid(mine, "nodes:") and mine.figure is fig


def test_same_state_gives_identical_png_bytes_and_a_fix_changes_them():
    a = figures.png_bytes(plot_service_graph(played("hard", 3)).figure)
    b = figures.png_bytes(plot_service_graph(played("hard", 3)).figure)
    assert a == b and a.startswith(b"\x89PNG")
    assert b"Software" not in a  # no version metadata in the bytes
    assert graph_png(played("hard", 3)) == graph_png(played("hard", 3))
    assert graph_png(played("hard", 3)) != graph_png(played("hard", 0))


def test_png_bytes_do_not_depend_on_the_hash_seed():
    code = (
        "import hashlib; from tests.test_views_support import played; "
        "from apidebug_nb.views import figures; "
        "from apidebug_nb.views.graph_plot import plot_service_graph; "
        "print(hashlib.sha256(figures.png_bytes(plot_service_graph(played('hard', 4), "
        "selected='order_service').figure)).hexdigest())"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digests = set()
    for seed in ("1", "987"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    here = figures.png_bytes(plot_service_graph(played("hard", 4), selected="order_service").figure)
    digests.add(hashlib.sha256(here).hexdigest())
    assert len(digests) == 1


@given(seed=st.integers(0, 999), n=st.integers(0, 10))
def test_text_twin_and_cascade_agree_with_the_episode(seed, n):
    ep = played("hard", n, seed=seed)
    text = graph_text(ep, selected=ep.scenario.services[0])
    health = ep.health_history[-1]
    for service in ep.scenario.services:
        rows = [line for line in text.splitlines() if f" {service} " in line + " "]
        style = HEALTH_STYLES[health[service]]
        assert any(r.strip().startswith(f"{style.glyph} {service}") for r in rows)
        assert any(style.label in r for r in rows)
    edges = cascade_edges(ep)
    assert edges <= set(ep.scenario.graph.edges)
    # A failure starts on the hop of a visible problem and spreads up to the callers:
    # every highlighted call either carries such a problem or relays one from below.
    own = {tuple(ep.sim.issues[i].hop) for i in ep.sim.active(ep.statuses)}
    for a, b in edges:
        assert (a, b) in own or any(x == b for x, _ in edges), (a, b)
    assert GraphState.of(ep) == GraphState.of(ep)


def test_graph_picture_bundles_png_and_text():
    ep = played("easy")
    pic = graph_picture(ep)
    bundle = pic._repr_mimebundle_()
    assert bundle["image/png"] == graph_png(ep)
    assert bundle["text/plain"] == graph_text(ep) == repr(pic)


@pytest.mark.parametrize("task", ["easy", "medium", "hard"])
@pytest.mark.parametrize("seed", [None, 1, 2, 3, 11])
def test_no_badge_ever_sits_on_a_service_hiding_a_problem(task, seed):
    from apidebug_nb.views.badges import badge_services

    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc)
    ep.reset()
    for action in [None, *adb.oracle_actions(sc)]:
        if action is not None:
            ep.step(action)
        assert not badge_services(ep) & ep.masked_services()
        assert GraphState.of(ep).masked == tuple(sorted(badge_services(ep)))
