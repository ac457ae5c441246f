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
        assert [a.kind for a in actions if a.kind != "inspect_config"] == [
            "inspect_logs",
            "submit_fix",
        ] * len(sc.issues)


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


# -- hand-computed grades ---------------------------------------------------------------------
#
# easy (canonical): easy.missing_auth is visible at the start, easy.content_type hidden
# behind it; the content-type contract lives in payment_gateway's config. 15 steps; the
# careful engineer needs 5 (look + fix per problem, one contract read).

AUTH = Action.submit_fix("payment_client", {"headers.Authorization": "Bearer sk_live_51hq7xa9"})
CT = Action.submit_fix("payment_client", {"headers.Content-Type": "application/json"})
CLIENT_LOGS = Action.inspect_logs("payment_client")


def grade_of(task, actions, seed=None):
    return run(adb.load_scenario(task, seed), actions).grade()


def test_a_grade_worked_by_hand_with_every_dimension_different():
    g = grade_of(
        "easy",
        [
            Action.inspect_endpoint("payment_gateway"),  # a look, shows the 401
            CLIENT_LOGS,  # evidence of the missing auth
            AUTH,  # diagnosed: evidence seen, no contract elsewhere
            CLIENT_LOGS,  # evidence of the content type, visible since the fix
            Action.submit_fix("payment_gateway", {"timeout": 60}),  # rejected: not editable
            CT,  # evidence seen, but the gateway's contract never read
        ],
    )
    # fix 2/2 = 1; diagnosis 1/2 = 0.5; strategy (1 - 0/2) * mean(1, 1, 1 - 0.2) = 0.9333;
    # efficiency (15 - 6) / (15 - 5) = 0.9
    # score = 0.40*1 + 1*(0.25*0.93333 + 0.20*0.5 + 0.15*0.9) = 0.4 + 0.23333 + 0.1 + 0.135
    assert g.dimensions == {"fix": 1.0, "strategy": 0.9333, "diagnosis": 0.5, "efficiency": 0.9}
    assert g.score == 0.8683
    assert g.reference_steps == 5 and g.steps_used == 6 and g.hint_penalty == 0.0
    assert g.sentences["strategy"] == "1 rejected action."
    assert g.sentences["diagnosis"] == (
        "1 of 2 fixes followed evidence of that problem, seen after it showed, and a read "
        "of its contract."
    )


def test_ineffective_fixes_and_repeats_cost_strategy_and_reading_costs_little():
    config = Action.inspect_config("payment_client")
    g = grade_of(
        "easy",
        [
            config,
            config,  # a repeat: nothing changed since
            CLIENT_LOGS,
            Action.submit_fix("payment_client", {"retries": 2}),  # accepted, fixes nothing
            AUTH,
            CLIENT_LOGS,
            Action.inspect_config("payment_gateway"),  # the content-type contract
            CT,
        ],
    )
    # strategy 1 * mean(0.8, 0.8, 1) = 0.8667; efficiency (15 - 8) / (15 - 5) = 0.7
    # score = 0.4 + 0.25*0.86667 + 0.20*1 + 0.15*0.7 = 0.4 + 0.21667 + 0.2 + 0.105
    assert g.dimensions == {"fix": 1.0, "strategy": 0.8667, "diagnosis": 1.0, "efficiency": 0.7}
    assert g.score == 0.9217
    assert g.sentences["strategy"] == "1 fix that fixed nothing; 1 repeated inspection."


def test_fixing_blind_from_memory_scores_0_55():
    g = grade_of("easy", [AUTH, CT])
    # 0.40*1 + 1*(0.25*0 + 0.20*0 + 0.15*1) = 0.55
    assert g.dimensions == {"fix": 1.0, "strategy": 0.0, "diagnosis": 0.0, "efficiency": 1.0}
    assert g.score == 0.55
    assert g.sentences["strategy"] == (
        "2 of 2 fixes made blind (the problem hidden, or no evidence of it seen)."
    )


def test_an_early_look_does_not_diagnose_problems_that_were_still_hidden():
    sc = adb.load_scenario("medium")  # signature visible; rate limit and retries hidden
    fixes = [a for a in adb.oracle_actions(sc) if a.kind == "submit_fix"]
    looks = [Action.inspect_logs("webhook_sender"), Action.inspect_config("webhook_receiver")]
    g = run(sc, [*looks, *fixes]).grade()
    # diagnosis 1/3; strategy (1 - 2/3) * 1 = 1/3; efficiency 1 (5 steps <= 7)
    # score = 0.4 + 0.25/3 + 0.20/3 + 0.15 = 0.7
    assert g.dimensions == {
        "fix": 1.0,
        "strategy": 0.3333,
        "diagnosis": 0.3333,
        "efficiency": 1.0,
    }
    assert g.score == 0.7
    assert [i.inspected_first for i in g.issues] == [True, False, False]


def test_process_credit_is_gated_by_results_and_hints_cost():
    g = grade_of(
        "hard",
        [
            Action.hint(),
            Action.inspect_logs("order_service"),
            Action.inspect_config("api_gateway"),
            Action.submit_fix("order_service", {"gateway_url": V2}),
        ],
    )
    # fix 1/5 = 0.2: 0.40*0.2 + 0.2*(0.25 + 0.20 + 0.15) - 0.03 = 0.08 + 0.12 - 0.03
    assert g.dimensions == {"fix": 0.2, "strategy": 1.0, "diagnosis": 1.0, "efficiency": 1.0}
    assert (g.score, g.hint_penalty) == (0.17, 0.03)


def test_grade_to_dict_and_text_carry_every_dimension():
    g = grade_of("easy", [CLIENT_LOGS, AUTH])
    text = g.render_text()
    for name, sentence in g.sentences.items():
        assert name in text and sentence in text
    assert set(g.to_dict()["dimensions"]) == {"fix", "strategy", "diagnosis", "efficiency"}
    json.dumps(g.to_dict())


# -- strategy --------------------------------------------------------------------------------


def test_fixing_a_masked_issue_blindly_works_but_strategy_records_it():
    sc = adb.load_scenario("hard")
    look = Action.inspect_logs("order_service")
    url = Action.submit_fix("order_service", {"gateway_url": V2})
    token = Action.submit_fix("order_service", {"auth": {"key_id": "ord-key-7f3a9c"}})
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
    # blind: the URL fix alone followed its evidence: (1 - 3/4) * 1 = 0.25
    assert (gb.dimensions["strategy"], gi.dimensions["strategy"]) == (0.25, 1.0)
    assert gb.sentences["strategy"].startswith("3 of 4 fixes made blind")
    assert gb.score < gi.score
    outcomes = {i.id: i for i in gb.issues}
    assert outcomes["hard.timeout"].fixed_while_masked
    assert not outcomes["hard.deprecated_url"].fixed_while_masked
    assert not any(i.fixed_while_masked for i in gi.issues)


def test_a_look_after_a_config_change_is_not_a_repeat():
    sc = adb.load_scenario("hard")
    look = Action.inspect_logs("order_service")
    ep = run(sc, [look, Action.submit_fix("order_service", {"gateway_url": V2}), look])
    assert [o.repeat for o in ep.history] == [False, False, False]
    assert ep.grade().dimensions["strategy"] == 1.0


# -- diagnosis -------------------------------------------------------------------------------


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


def test_an_inspection_off_the_failing_call_does_not_count():
    sc = adb.load_scenario("hard")
    looks = [Action.inspect_logs("shipping_service"), Action.inspect_config("api_gateway")]
    ep = run(sc, [*looks, Action.submit_fix("order_service", {"gateway_url": V2})])
    # the retired URL fails on order_service -> api_gateway; shipping is not on that call
    assert sc.issue("hard.deprecated_url").hop == ("order_service", "api_gateway")
    assert ep.grade().dimensions["diagnosis"] == 0.0


def test_the_contract_must_be_read_where_it_lives_elsewhere():
    sc = adb.load_scenario("hard")
    url = Action.submit_fix("order_service", {"gateway_url": V2})
    look = Action.inspect_logs("order_service")
    without = run(sc, [look, url]).grade()
    with_contract = run(sc, [Action.inspect_config("api_gateway"), look, url]).grade()
    assert (without.dimensions["diagnosis"], with_contract.dimensions["diagnosis"]) == (0.0, 1.0)
    # the evidence was seen, so the fix was not blind either way
    assert without.dimensions["strategy"] == with_contract.dimensions["strategy"] == 1.0


# -- efficiency ------------------------------------------------------------------------------


def test_efficiency_falls_linearly_from_the_careful_count_to_the_budget():
    sc = adb.load_scenario("easy")  # careful engineer 5 steps, budget 15
    oracle = adb.oracle_actions(sc)
    assert len(oracle) == 5
    expected = {0: 1.0, 1: 0.9, 5: 0.5, 10: 0.0}  # (15 - 5 - extra) / (15 - 5)
    for extra, value in expected.items():
        ep = run(sc, _padded(oracle, extra))
        assert ep.grade().dimensions["efficiency"] == value, extra


def _padded(oracle, extra):
    """The oracle's actions with ``extra`` non-repeating looks in front."""
    looks = [
        Action(kind, svc)
        for kind in ("inspect_config", "inspect_endpoint", "inspect_logs")
        for svc in ("payment_gateway", "payment_client")
    ]
    looks += [Action.inspect_config("nope")] * max(0, extra - len(looks))
    return looks[:extra] + list(oracle)


def test_the_grade_never_rebuilds_the_reference_solver(monkeypatch):
    sc = adb.load_scenario("hard", 4)
    ep = run(sc, adb.oracle_actions(sc))

    def refuse(*args, **kwargs):
        raise AssertionError("grade() ran the reference solver")

    monkeypatch.setattr("apidebug_nb.grading.oracle.oracle_actions", refuse)
    assert ep.grade().score == 1.0


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
