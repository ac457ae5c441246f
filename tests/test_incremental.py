"""A step's work follows what it touched: the incremental state equals the state recomputed.

After every fix the engine updates counts, statuses, health and alerts from the flows it
simulated again, renders windows on the broken configs once per scenario, and
fingerprints observations by their change. Each of those is checked here
against the same thing computed from scratch.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb.episode.observation import observation_fingerprint
from apidebug_nb.instructor.generator import generate_scenario
from apidebug_nb.merge_patch import expand_dotted, patch_paths
from apidebug_nb.model.simulation import Simulation
from apidebug_nb.scenarios.records import thaw

CASES = [("easy", 0), ("medium", 3), ("hard", 0), ("hard", 7)]


def _fix_actions(sc: adb.Scenario) -> list[adb.Action]:
    actions = []
    for issue in sc.issue_records:
        actions += [
            adb.Action.inspect_logs(issue.service),
            adb.Action.inspect_endpoint(issue.service),
        ]
        actions.append(adb.Action.submit_fix(issue.service, thaw(issue.reference_fix)))
    return actions


@pytest.mark.parametrize(("task", "seed"), CASES)
def test_health_alerts_and_counts_after_each_fix_equal_a_full_recomputation(task, seed):
    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc)
    ep.reset()
    sim = ep.sim
    for action in _fix_actions(sc):
        if ep.done:
            break
        obs, *_ = ep.step(action)
        full = sim.traffic(ep.resolved, ep.configs)
        assert dict(ep.traffic.reached) == dict(full.reached)
        assert dict(ep.traffic.load) == dict(full.load)
        assert obs.health == sim.health(full)
        assert obs.alerts == sim.alerts(full, ep.configs)
    assert ep.terminated


def _break_again(sc: adb.Scenario, issue) -> dict:
    """A patch that puts back the broken values of every setting ``issue``'s fix sets."""
    broken = sc.configs()[issue.service]
    patch = {}
    for path in patch_paths(expand_dotted(thaw(issue.reference_fix))):
        node = broken
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        patch[path] = node  # None deletes a setting the broken config did not have
    return patch


@settings(max_examples=40, deadline=None)
@given(
    task=st.sampled_from(adb.TASKS),
    seed=st.integers(0, 50),
    moves=st.lists(st.tuples(st.integers(0, 9), st.booleans()), min_size=1, max_size=12),
)
def test_statuses_and_masked_services_after_any_fixes_and_regressions_equal_a_recomputation(
    task, seed, moves
):
    # Fixes in any order, and patches that break a fixed problem again: after each,
    # the statuses and masked services the engine updated equal those derived afresh.
    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc)
    ep.reset()
    issues = sc.issue_records
    for pick, fix in moves:
        if ep.done:
            break
        issue = issues[pick % len(issues)]
        patch = thaw(issue.reference_fix) if fix else _break_again(sc, issue)
        obs, *_ = ep.step(adb.Action.submit_fix(issue.service, patch))
        full = ep.sim.traffic(ep.resolved, ep.configs)
        expected = ep.sim.statuses(ep.sim.resolved_set(ep.configs), full)
        assert dict(ep.statuses) == expected
        assert list(ep.statuses) == list(expected)  # ideal order kept
        masked = sorted({ep.sim.issues[i].service for i, s in expected.items() if s == "masked"})
        assert obs.masked_services == masked


def test_the_generated_scenarios_incremental_health_matches_too():
    sc = generate_scenario(60, 8, seed=4)
    ep = adb.Episode(sc)
    ep.reset()
    for iid in ep.sim.order:
        issue = ep.sim.issues[iid]
        obs, *_ = ep.step(adb.Action.submit_fix(issue.service, thaw(issue.reference_fix)))
        full = ep.sim.traffic(ep.resolved, ep.configs)
        assert obs.health == ep.sim.health(full)
        assert obs.alerts == ep.sim.alerts(full, ep.configs)


@pytest.mark.parametrize(("task", "seed"), CASES)
def test_observation_digest_is_the_chain_of_public_fingerprints(task, seed):
    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc)
    ep.reset()
    for action in _fix_actions(sc):
        if ep.done:
            break
        ep.step(action)
    chain = hashlib.sha256()
    previous = None
    for obs in ep.observations:
        chain.update(observation_fingerprint(obs, previous))
        previous = obs
    assert chain.hexdigest() == ep.observation_digest.hexdigest()


def test_a_fingerprint_writes_only_what_changed_since_the_observation_before():
    sc = adb.load_scenario("easy")
    ep = adb.Episode(sc)
    first, _ = ep.reset()
    second, *_ = ep.step(adb.Action.hint())
    # a hint changes no health, alert or masked service
    assert b"{}, None, " in observation_fingerprint(second, first)
    ep.step(adb.Action.submit_fix("payment_client", {"headers.Content-Type": "application/json"}))
    issue = sc.issue("easy.missing_auth")
    before = ep.observations[-1]
    fixed, *_ = ep.step(adb.Action.submit_fix(issue.service, thaw(issue.reference_fix)))
    assert ep.terminated
    # payment_client goes from error to healthy; payment_gateway stayed healthy
    assert before.health == {"payment_client": "error", "payment_gateway": "healthy"}
    text = observation_fingerprint(fixed, before)
    assert b"{'payment_client': 'healthy'}, [], " in text
    assert repr(fixed.health).encode() in observation_fingerprint(fixed)


@pytest.mark.parametrize(("task", "seed"), CASES)
def test_logs_are_the_same_from_a_fresh_simulation_with_no_memo(task, seed):
    """Windows rendered once per scenario give the lines a fresh render gives."""
    sc = adb.load_scenario(task, seed)
    played = []
    for _ in range(2):  # the second episode reads the first one's memo
        ep = adb.Episode(sc)
        ep.reset()
        shown = []
        for action in _fix_actions(sc):
            if ep.done:
                break
            obs, *_ = ep.step(action)
            shown.append(obs.logs)
        played.append(shown)
    assert played[0] == played[1]
    fresh = adb.Episode(sc)
    fresh.sim = Simulation(sc)  # no memo of any kind
    fresh.reset()
    for action, logs in zip(_fix_actions(sc), played[0], strict=False):
        fresh.sim.renderer._templates.clear()
        obs, *_ = fresh.step(action)
        assert obs.logs == logs


def test_svg_graph_is_well_formed_and_draws_every_service_when_small():
    sc = adb.load_scenario("hard")
    ep = adb.Episode(sc)
    ep.reset()
    from apidebug_nb.views.graph_svg import graph_svg_picture

    picture = graph_svg_picture(ep, "order_service")
    root = ET.fromstring(picture.svg)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert sorted(t.split(":")[0] for t in titles) == sorted(sc.services)
    assert "order_service: ✗ error" in titles
    assert picture._repr_mimebundle_()["text/plain"] == repr(picture)


def test_svg_focused_view_keeps_the_failing_path_and_counts_the_rest():
    sc = generate_scenario(400, 10, seed=1)
    ep = adb.Episode(sc)
    ep.reset()
    from apidebug_nb.views.graph_plot import GraphState
    from apidebug_nb.views.graph_svg import focus_services, graph_svg_picture

    state = GraphState.of(ep)
    kept = focus_services(sc, state)
    errors = {s for s, h in state.health if h == "error"}
    assert errors and errors <= kept
    assert set(state.masked) <= kept
    assert {s for edge in state.cascade for s in edge} <= kept
    assert len(kept) < 400
    svg = graph_svg_picture(ep).svg  # focused by default at this size
    ET.fromstring(svg)
    assert f"(showing {len(kept)} of 400 services)" in svg
    drawn = svg.count("<title>")
    assert drawn == len(kept)
    hidden = sum(int(part.split()[0]) for part in _hidden_labels(svg))
    assert drawn + hidden == 400


def _hidden_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    out = []
    for t in root.iter("{http://www.w3.org/2000/svg}text"):
        if t.get("font-style") == "italic":
            out += [p.strip().lstrip("+") for p in (t.text or "").split(",")]
    return out


def test_log_stamps_by_integer_arithmetic_match_the_datetime_stamp():
    from apidebug_nb.model.evidence import stamp

    sim = Simulation(adb.load_scenario("easy"))  # the incident starts 2026-03-14T09:00:00
    assert sim.stamp(-600) == "2026-03-14T08:50:00.000Z"
    assert sim.stamp(15 * 3600 + 0.001) == "2026-03-15T00:00:00.001Z"
    assert sim.stamp(-9 * 3600 - 0.001) == "2026-03-13T23:59:59.999Z"
    for ms in (0, 1, 999, 86_399_999, 86_400_000, -1, -86_400_001, 10**10, -(10**10)):
        assert sim.stamp(ms / 1000) == stamp(sim.start, ms)
