"""The grade: the oracle scores 1, doing or only looking scores 0, process credit is
gated by results, each dimension measures what DESIGN section 4 says, and the grade
is a pure function of the action list, in any process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

import apidebug_nb as adb
from apidebug_nb import Action, EpisodeFinishedError
from apidebug_nb.grading.agents import InspectOnlyAgent, play
from apidebug_nb.grading.rubric import WEIGHTS

SEEDS = range(200)
V2 = "https://gateway.internal/api/v2"


def run(sc: adb.Scenario, actions) -> adb.Episode:
    ep = adb.Episode(sc)
    ep.reset()
    for a in actions:
        ep.step(a)
    return ep


@pytest.mark.parametrize("task", adb.TASKS)
def test_the_oracle_scores_exactly_one_on_every_seed(task):
    for seed in SEEDS:
        sc = adb.load_scenario(task, seed)
        actions = adb.oracle_actions(sc)
        ep = run(sc, actions)
        g = ep.grade()
        assert (g.score, ep.terminated, ep.truncated) == (1.0, True, False), (task, seed)
        assert g.dimensions == {"fix": 1.0, "strategy": 1.0, "diagnosis": 1.0, "efficiency": 1.0}
        assert g.reference_steps == len(actions) == ep.steps <= sc.max_steps


@pytest.mark.parametrize("task", adb.TASKS)
def test_an_agent_that_only_inspects_scores_zero(task):
    for seed in SEEDS:
        ep = play(InspectOnlyAgent(), adb.load_scenario(task, seed))
        assert ep.truncated and not ep.terminated
        g = ep.grade()
        assert g.score == 0.0 and g.dimensions["fix"] == 0.0, (task, seed)
        assert "process credit counts only once something is fixed" in g.sentences["strategy"]


def test_doing_nothing_scores_zero():
    for task in adb.TASKS:
        ep = adb.Episode(adb.load_scenario(task))
        ep.reset()
        assert ep.grade().score == 0.0


def test_score_is_the_gated_weighted_sum():
    sc = adb.load_scenario("hard")
    ep = run(
        sc,
        [
            Action.submit_fix("order_service", {"circuit_breaker.enabled": True}),  # no effect
            Action.inspect_logs("order_service"),
            Action.inspect_logs("order_service"),  # a repeat
            Action.submit_fix("order_service", {"gateway_url": V2}),
            Action.hint(),
        ],
    )
    g = ep.grade()
    d = g.dimensions
    raw = WEIGHTS["fix"] * d["fix"] + d["fix"] * (
        WEIGHTS["strategy"] * d["strategy"]
        + WEIGHTS["diagnosis"] * d["diagnosis"]
        + WEIGHTS["efficiency"] * d["efficiency"]
    )
    assert d["fix"] == 0.2
    assert g.score == pytest.approx(raw - 0.03, abs=1e-4)
    assert set(g.sentences) == set(d) == set(WEIGHTS)
    text = g.render_text()
    for name, sentence in g.sentences.items():
        assert name in text and sentence in text
    json.dumps(g.to_dict())


# -- strategy --------------------------------------------------------------------------------


def test_fixing_a_masked_issue_blindly_works_but_strategy_records_it():
    sc = adb.load_scenario("hard")
    look = Action.inspect_logs("order_service")
    url = Action.submit_fix("order_service", {"gateway_url": V2})
    token = Action.submit_fix("order_service", {"auth": {"token": "Bearer tok_live_7f3a9c"}})
    sync = Action.submit_fix("inventory_service", {"dispatch_mode": "async"})
    timeout = Action.submit_fix("order_service", {"timeout_s": 30})
    blind = run(sc, [look, timeout, url, token, sync])
    # the timeout is hidden behind the URL, the token and the refused shipments
    inventory = Action.inspect_logs("inventory_service")
    ideal = run(sc, [look, url, look, token, inventory, sync, look, timeout])
    assert blind.issue_status()["hard.timeout"] == "resolved"
    assert blind.history[1].resolved_masked == ("hard.timeout",)
    gb, gi = blind.grade(), ideal.grade()
    assert gb.dimensions["fix"] == gi.dimensions["fix"] == 0.8
    assert gb.dimensions["strategy"] < gi.dimensions["strategy"] == 1.0
    assert "1 problem fixed while still hidden" in gb.sentences["strategy"]
    assert gb.score < gi.score
    outcomes = {i.id: i for i in gb.issues}
    assert outcomes["hard.timeout"].fixed_while_masked
    assert not outcomes["hard.deprecated_url"].fixed_while_masked
    assert not any(i.fixed_while_masked for i in gi.issues)


def test_repeats_rejections_and_fixing_before_looking_lower_strategy():
    sc = adb.load_scenario("easy")
    fixes = [a for a in adb.oracle_actions(sc) if a.kind == "submit_fix"]
    look = Action.inspect_logs("payment_client")
    base = run(sc, [look, *fixes]).grade().dimensions["strategy"]
    assert base == 1.0
    first_fix = run(sc, [fixes[0], look, fixes[1]]).grade()
    assert first_fix.dimensions["strategy"] < 1.0
    assert "fixed before inspecting anything" in first_fix.sentences["strategy"].lower()
    config = Action.inspect_config("payment_client")  # a log grows each step; a config does not
    repeats = run(sc, [config, config, config, *fixes]).grade()
    assert repeats.dimensions["strategy"] == pytest.approx((1 + 0.6 + 1 + 1) / 4)
    assert "2 repeated inspections" in repeats.sentences["strategy"]
    rejected = run(sc, [look, Action.submit_fix("payment_gateway", {"a": 1}), *fixes]).grade()
    assert rejected.dimensions["strategy"] == pytest.approx((1 + 1 + 1 + 0.8) / 4)
    assert "1 rejected action" in rejected.sentences["strategy"]


def test_a_look_after_a_config_change_is_not_a_repeat():
    sc = adb.load_scenario("hard")
    look = Action.inspect_logs("order_service")
    ep = run(sc, [look, Action.submit_fix("order_service", {"gateway_url": V2}), look])
    assert [o.repeat for o in ep.history] == [False, False, False]
    assert ep.grade().dimensions["strategy"] == 1.0


# -- diagnosis -------------------------------------------------------------------------------


def test_diagnosis_counts_only_inspections_before_the_fixing_step():
    sc = adb.load_scenario("easy")
    fixes = [a for a in adb.oracle_actions(sc) if a.kind == "submit_fix"]
    look = Action.inspect_config("payment_client")
    before = run(sc, [look, *fixes]).grade()
    assert before.dimensions["diagnosis"] == 1.0
    # the same inspection after the first fix diagnoses only the second one
    between = run(sc, [fixes[0], look, fixes[1]]).grade()
    assert between.dimensions["diagnosis"] == 0.5
    assert [i.inspected_first for i in between.issues] == [False, True]
    assert "1 of 2 fixes followed an inspection" in between.sentences["diagnosis"]


def test_inspecting_after_the_fix_but_before_the_end_does_not_raise_diagnosis():
    sc = adb.load_scenario("hard")
    url = Action.submit_fix("order_service", {"gateway_url": V2})
    alone = run(sc, [url]).grade()
    looked_after = run(sc, [url, Action.inspect_logs("order_service")]).grade()
    assert alone.dimensions["diagnosis"] == looked_after.dimensions["diagnosis"] == 0.0
    assert not {i.id: i for i in looked_after.issues}["hard.deprecated_url"].inspected_first


def test_inspecting_after_the_end_is_impossible_and_cannot_raise_the_grade():
    sc = adb.load_scenario("easy")
    fixes = [a for a in adb.oracle_actions(sc) if a.kind == "submit_fix"]
    ep = run(sc, fixes)  # fixed blind: no diagnosis
    assert ep.terminated
    g = ep.grade()
    assert g.dimensions["diagnosis"] == 0.0
    with pytest.raises(EpisodeFinishedError, match="reset"):
        ep.step(Action.inspect_logs("payment_client"))
    assert ep.grade() == g and ep.steps == len(fixes)


def test_an_inspection_off_the_failing_path_does_not_count():
    sc = adb.load_scenario("hard")
    ep = run(
        sc,
        [
            Action.inspect_logs("shipping_service"),
            Action.submit_fix("order_service", {"gateway_url": V2}),
        ],
    )
    # hard.deprecated_url shows symptoms on order_service, api_gateway and inventory only
    assert "shipping_service" not in sc.issue("hard.deprecated_url").symptom_services
    assert ep.grade().dimensions["diagnosis"] == 0.0


# -- efficiency ------------------------------------------------------------------------------


def test_efficiency_falls_linearly_from_the_reference_to_the_budget():
    sc = adb.load_scenario("easy")  # reference 4 steps, budget 15
    oracle = adb.oracle_actions(sc)
    for extra in (0, 1, 5, 11):
        ep = run(sc, _padded(oracle, extra))
        expected = 1.0 if extra == 0 else max(0.0, (15 - 4 - extra) / (15 - 4))
        assert ep.grade().dimensions["efficiency"] == pytest.approx(expected, abs=1e-4), extra


def _padded(oracle, extra):
    """The oracle's actions with ``extra`` hint-free, non-repeating looks in front."""
    looks = [
        Action(kind, svc)
        for kind in ("inspect_config", "inspect_endpoint", "inspect_logs")
        for svc in ("payment_gateway", "payment_client")
    ]
    looks += [Action.inspect_config("nope")] * max(0, extra - len(looks))
    return looks[:extra] + list(oracle)


# -- purity and determinism --------------------------------------------------------------------


def test_the_grade_is_a_pure_function_of_the_actions():
    sc = adb.load_scenario("medium", 9)
    actions = [
        Action.hint(),
        *adb.oracle_actions(sc)[:3],
        Action.inspect_endpoint("webhook_sender"),
    ]
    a, b = run(sc, actions), run(sc, actions)
    assert a.grade() == b.grade() and a.grade() == a.grade()
    assert a.observations == b.observations


_PLAY = textwrap.dedent(
    """
    import hashlib, json
    import apidebug_nb as adb
    from apidebug_nb.grading.agents import BaselineAgent, RandomPatchAgent, play

    out = []
    for task in adb.TASKS:
        for seed in range(8):
            sc = adb.load_scenario(task, seed)
            for agent in (BaselineAgent(), RandomPatchAgent(seed)):
                ep = play(agent, sc)
                obs = json.dumps([o.to_dict() for o in ep.observations], sort_keys=True)
                out.append([task, seed, ep.grade().to_dict(), hashlib.sha256(obs.encode()).hexdigest(),
                            [a.to_dict() for a in ep.actions]])
            ep = adb.Episode(sc)
            ep.reset()
            for a in [adb.Action.hint(), adb.Action.reveal(), *adb.oracle_actions(sc)]:
                if not ep.done:
                    ep.step(a)
            obs = json.dumps([o.to_dict() for o in ep.observations], sort_keys=True)
            out.append([task, seed, ep.grade().to_dict(), hashlib.sha256(obs.encode()).hexdigest()])
    print(json.dumps(out, sort_keys=True))
    """
)


def test_same_actions_give_the_same_grade_and_observations_in_any_process():
    results = []
    for hashseed in ("0", "1"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        done = subprocess.run(
            [sys.executable, "-c", _PLAY], env=env, capture_output=True, text=True, check=True
        )
        results.append(done.stdout)
    assert results[0] == results[1]
    played = json.loads(results[0])
    assert len(played) == len(adb.TASKS) * 8 * 3
    assert len({hashlib.sha256(json.dumps(p).encode()).hexdigest() for p in played}) == len(played)
