"""The episode: lifecycle, clock and logs, masking, regressions, near misses, hints,
reveal, endpoint answers, and a stateful property test over random play."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import apidebug_nb as adb
from apidebug_nb import Action, EpisodeFinishedError
from apidebug_nb.scenarios.records import thaw

V1 = "https://gateway.internal/api/v1"
V2 = "https://gateway.internal/api/v2"


def new(task: str = "hard", seed: int | None = None) -> adb.Episode:
    ep = adb.Episode(adb.load_scenario(task, seed))
    ep.reset()
    return ep


def leaf_values(value):
    """Every non-container value of a (thawed) JSON value."""
    if isinstance(value, dict):
        for v in value.values():
            yield from leaf_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from leaf_values(v)
    else:
        yield value


# -- lifecycle -----------------------------------------------------------------------------


def test_reset_returns_the_first_observation_and_info():
    ep = adb.Episode(adb.load_scenario("hard"))
    obs, info = ep.reset()
    assert obs.step == 0 and obs.steps_left == 40 and obs.total == 5 and obs.resolved == 0
    assert obs.accepted and "5 problems to find and fix in 40 steps" in obs.message
    assert set(obs.health) == set(ep.scenario.services)
    assert info["step"] == 0
    assert list(ep.health_history) == [obs.health]


def test_reset_with_a_seed_selects_that_variant_and_restarts():
    ep = new("hard")
    ep.step(Action.inspect_logs("order_service"))
    obs, _ = ep.reset(seed=7)
    assert ep.scenario.id == "hard-7" and ep.steps == 0 and ep.history == ()
    assert ep.configs == adb.load_scenario("hard", 7).configs()
    assert len(ep.observations) == 1 and ep.observations[0] is obs


def test_reset_refuses_unknown_options():
    ep = adb.Episode(adb.load_scenario("easy"))
    with pytest.raises(ValueError, match=r"unknown reset options 'colour'; valid: learner_id"):
        ep.reset(options={"colour": "red"})
    ep.reset(options={"learner_id": "ada"})
    assert ep.learner_id == "ada"


def test_terminated_when_every_issue_is_resolved_then_stepping_raises():
    sc = adb.load_scenario("medium", 4)
    ep = adb.Episode(sc)
    ep.reset()
    actions = adb.oracle_actions(sc)
    for n, action in enumerate(actions, start=1):
        _, _, terminated, truncated, _ = ep.step(action)
        assert terminated == (n == len(actions)) and not truncated
    assert ep.done and ep.terminated and "the incident is over" in ep.observations[-1].message
    with pytest.raises(
        EpisodeFinishedError, match=r"terminated \(every problem is fixed\).*reset\(\)"
    ):
        ep.step(Action.inspect_logs("webhook_sender"))
    assert ep.steps == len(actions)


def test_truncated_when_steps_run_out_then_stepping_raises():
    ep = new("easy")
    for n in range(1, 16):
        obs, _, terminated, truncated, _ = ep.step(Action.inspect_logs("payment_client"))
        assert truncated == (n == 15) and not terminated and obs.steps_left == 15 - n
    assert "No steps left" in obs.message
    with pytest.raises(EpisodeFinishedError, match=r"truncated \(no steps left\).*reset\(\)"):
        ep.step(Action.hint())
    ep.reset()
    assert ep.step(Action.hint())[0].step == 1  # a reset episode plays again


def test_step_without_reset_starts_the_episode():
    ep = adb.Episode(adb.load_scenario("easy"))
    obs, *_ = ep.step(Action.inspect_logs("payment_client"))
    assert obs.step == 1 and len(ep.observations) == 2


def test_the_clock_advances_each_step_and_logs_are_chronological():
    for task in adb.TASKS:
        sc = adb.load_scenario(task, 11)
        ep = adb.Episode(sc)
        obs, _ = ep.reset()
        times = [obs.time]
        for svc in sc.services:
            obs, *_ = ep.step(Action.inspect_logs(svc))
            times.append(obs.time)
            stamps = [line[:19] for line in obs.logs]
            assert stamps == sorted(stamps), (task, svc)
        # "...Z" is UTC; fromisoformat reads the Z suffix only from Python 3.11 on
        parsed = [dt.datetime.fromisoformat(t.removesuffix("Z")) for t in times]
        assert all(
            b - a == dt.timedelta(seconds=sc.step_seconds)
            for a, b in zip(parsed, parsed[1:], strict=False)
        )


def test_issue_status_is_in_ideal_order_and_health_follows_it():
    ep = new("hard")
    status = ep.issue_status()
    assert list(status) == list(ep.sim.order)
    # every order dies at the gateway's route stage with 410: nothing behind it is reached
    assert status == {
        "hard.deprecated_url": "active",
        "hard.expired_token": "masked",
        "hard.sync_mode": "masked",
        "hard.timeout": "masked",
        "hard.token_refresh": "masked",
    }
    # a 410 counts against the caller that sent it; inventory and shipping get no traffic
    assert ep.observations[0].health == {
        "order_service": "error",
        "api_gateway": "healthy",
        "inventory_service": "degraded",
        "shipping_service": "degraded",
        "auth_service": "healthy",
    }


# -- masking --------------------------------------------------------------------------------


def timeout_lines(ep: adb.Episode) -> list[str]:
    obs, *_ = ep.step(Action.inspect_logs("order_service"))
    return [line for line in obs.logs if "timed out" in line]


def test_masked_timeout_symptoms_appear_once_requests_reach_processing():
    ep = new("hard")
    assert "timed out" not in json.dumps(ep.observations[0].to_dict())
    assert timeout_lines(ep) == []
    assert ep.issue_status()["hard.timeout"] == "masked"
    assert "order_service" in ep.observations[-1].masked_services
    obs, *_ = ep.step(Action.submit_fix("order_service", {"gateway_url": V2}))
    assert "New symptoms may have surfaced" in obs.message
    assert ep.issue_status()["hard.expired_token"] == "active"
    assert ep.issue_status()["hard.timeout"] == "masked"  # the token is refused first
    ep.step(Action.submit_fix("order_service", {"auth": {"key_id": "ord-key-7f3a9c"}}))
    obs, *_ = ep.step(Action.submit_fix("inventory_service", {"dispatch_mode": "async"}))
    assert ep.issue_status()["hard.timeout"] == "active"
    assert obs.alerts == ["order_service: POST /orders timing out (14 of 30 requests)"]
    lines = timeout_lines(ep)
    assert lines and all("timed out after 3s" in line for line in lines)  # the config's value


def test_endpoint_tests_follow_the_request_pipeline():
    sc = adb.load_scenario("hard")
    ep = adb.Episode(sc)
    ep.reset()

    def probe(svc: str):
        obs = ep.step(Action.inspect_endpoint(svc))[0]
        return obs.response["status"], [(s["callee"], s["status"]) for s in obs.trace]

    # order_service answers its client 502: the gateway refused the retired URL
    assert probe("order_service") == (502, [("auth_service", 201), ("api_gateway", 410)])
    assert probe("api_gateway") == (410, [("api_gateway", 410)])
    # sent straight to inventory, the test request meets shipping's 405
    assert probe("inventory_service") == (
        502,
        [("inventory_service", 502), ("shipping_service", 405)],
    )
    obs = ep.step(Action.inspect_endpoint("shipping_service"))[0]
    assert (obs.response["status"], obs.response["headers"]) == (405, {"Allow": "GET"})
    assert probe("auth_service") == (201, [("auth_service", 201)])


def test_endpoint_answers_success_once_everything_is_fixed():
    sc = adb.load_scenario("easy", 3)
    ep = adb.Episode(sc)
    ep.reset()
    fixes = [a for a in adb.oracle_actions(sc) if a.kind == "submit_fix"]
    for a in fixes[:-1]:
        ep.step(a)
    obs, *_ = ep.step(Action.inspect_endpoint("payment_client"))
    assert obs.response["status"] in (None, 502, 504)
    assert re.fullmatch(r"[0-9a-f]{8}", obs.response["request_id"])
    assert re.fullmatch(r"[0-9a-f]{16}", obs.response["trace_id"])
    ep.step(fixes[-1])
    assert ep.terminated  # no step is left to ask, so ask the simulation directly
    (probe,) = ep.sim.probe("payment_client", ep.traffic, ep.resolved, ep.configs, 99, 0)
    assert probe["response"]["status"] == 201


# -- regressions ----------------------------------------------------------------------------


def test_breaking_a_resolved_issue_reopens_it_and_the_grade_counts_it_unresolved():
    ep = new("hard")
    ep.step(Action.inspect_logs("order_service"))
    obs, r_fix, *_ = ep.step(Action.submit_fix("order_service", {"gateway_url": V2}))
    assert "Fixed 1 problem: Retired gateway URL" in obs.message
    assert ep.issue_status()["hard.expired_token"] == "active"
    obs, reward, _, _, info = ep.step(Action.submit_fix("order_service", {"gateway_url": V1}))
    assert "Regression! This broke again: Retired gateway URL" in obs.message
    assert "Right setting" not in obs.message  # a regression is not a near miss
    assert info["reopened"] == ["hard.deprecated_url"] and info["resolved"] == []
    assert info["reward_parts"]["reopen_penalty"] == -0.25
    assert info["reward_parts"]["near_miss_credit"] == 0
    assert reward == pytest.approx(-0.26)
    assert ep.issue_status()["hard.deprecated_url"] == "active"
    assert ep.issue_status()["hard.expired_token"] == "masked"  # hidden again behind it
    assert ep.events == [
        {"step": 2, "issue": "hard.deprecated_url", "event": "fixed"},
        {"step": 3, "issue": "hard.deprecated_url", "event": "reopened"},
    ]
    g = ep.grade()
    outcome = {i.id: i for i in g.issues}["hard.deprecated_url"]
    assert (
        outcome.outcome == "unresolved" and outcome.reopened == 1 and outcome.fixed_at_step is None
    )
    assert g.dimensions["fix"] == 0.0 and g.score == 0.0


def test_fixing_a_reopened_issue_again_counts_from_the_last_fix():
    ep = new("hard")
    ep.step(Action.submit_fix("order_service", {"gateway_url": V2}))
    ep.step(Action.submit_fix("order_service", {"gateway_url": V1}))
    ep.step(Action.inspect_logs("order_service"))
    ep.step(Action.submit_fix("order_service", {"gateway_url": V2}))
    outcome = {i.id: i for i in ep.grade().issues}["hard.deprecated_url"]
    assert outcome.outcome == "resolved" and outcome.fixed_at_step == 4 and outcome.inspected_first


# -- near misses ----------------------------------------------------------------------------


def test_near_miss_names_the_right_setting_without_the_value():
    sc = adb.load_scenario("hard")
    ep = adb.Episode(sc)
    ep.reset()
    timeout = sc.issue("hard.timeout")
    max_ms = sc.service("api_gateway").config["max_processing_ms"]
    good = timeout.reference_fix["timeout_s"]
    ep.step(Action.submit_fix("order_service", {"gateway_url": V2}))
    obs, *_ = ep.step(Action.submit_fix("order_service", {"timeout_s": 1}))
    assert "Right setting, but the contract still fails" in obs.message
    assert "max_processing_ms" in obs.message  # the contract names what to compare with
    # ... and which condition failed, in words (not hint 3 repeated word for word)
    assert "order_service.timeout_s is not large enough" in obs.message
    assert timeout.hints.contract not in obs.message
    for value in (good, max_ms, max_ms / 1000):
        assert not re.search(rf"(?<![\d.]){re.escape(str(value))}(?![\d])", obs.message), value
    assert timeout.title not in obs.message


# -- hints and reveal -------------------------------------------------------------------------


def test_hints_come_in_three_levels_for_the_first_active_issue_in_ideal_order():
    sc = adb.load_scenario("hard")
    ep = adb.Episode(sc)
    ep.reset()
    first = ep.sim.active(ep.statuses)[0]
    assert first == "hard.deprecated_url"
    levels = sc.issue(first).hints.levels()
    for n, name in enumerate(("where to look", "the setting", "the contract"), start=1):
        obs, reward, *_ = ep.step(Action.hint())
        assert obs.message == f"Hint {n}/3 ({name}): {levels[n - 1]}"
        assert obs.hints_used == n and reward == pytest.approx(-0.01)
    assert "order_service.gateway_url" in levels[1]  # the setting level names the key
    obs, *_ = ep.step(Action.hint())
    assert "You have every hint" in obs.message and obs.hints_used == 3
    assert ep.hint_levels == {first: 3}
    # once it is fixed, hints move on to the next active issue in ideal order
    ep.step(Action.submit_fix("order_service", {"gateway_url": V2}))
    obs, *_ = ep.step(Action.hint())
    nudge = sc.issue("hard.expired_token").hints.nudge
    assert obs.message == f"Hint 1/3 (where to look): {nudge}"
    assert (obs.outcome.level, obs.outcome.hint) == (1, nudge)


@pytest.mark.parametrize("task", adb.TASKS)
def test_no_hint_level_contains_a_reference_fix_value(task):
    """Over the whole pool and 50 variants: hints name keys, never the answer."""
    issues = [i for seed in [None, *range(50)] for i in adb.load_scenario(task, seed).issues]
    issues += adb.task_pool(task)
    for issue in issues:
        text = " ".join(issue.hints.levels())
        for value in leaf_values(thaw(issue.reference_fix)):
            if isinstance(value, bool) or value is None:
                continue  # true/false/null are not an answer anyone could copy
            if isinstance(value, str):
                assert value not in text, (issue.id, value)
            else:
                assert not re.search(rf"(?<![\w.]){value}(?![\w])", text), (issue.id, value)


def test_hint_penalty_is_applied_to_the_grade():
    sc = adb.load_scenario("easy")
    plain, hinted = adb.Episode(sc), adb.Episode(sc)
    plain.reset()
    hinted.reset()
    actions = adb.oracle_actions(sc)
    for a in actions:
        plain.step(a)
    hinted.step(Action.hint())
    hinted.step(Action.hint())
    for a in actions:
        hinted.step(a)
    g, h = plain.grade(), hinted.grade()
    assert g.score == 1.0 and h.hint_penalty == pytest.approx(0.06)
    expected = (
        0.40
        + 0.25 * h.dimensions["strategy"]
        + 0.20 * h.dimensions["diagnosis"]
        + 0.15 * h.dimensions["efficiency"]
        - 0.06
    )
    assert h.score == pytest.approx(expected, abs=1e-4) and h.score < g.score
    assert "hint penalty -0.06" in h.render_text()


def test_reveal_shows_the_fix_marks_the_issue_and_earns_no_fix_credit():
    sc = adb.load_scenario("easy")
    ep = adb.Episode(sc)
    ep.reset()
    target = ep.sim.active(ep.statuses)[0]
    issue = sc.issue(target)
    assert ep.explanations() == []
    obs, *_ = ep.step(Action.reveal())
    fix = json.dumps(thaw(issue.reference_fix), sort_keys=True)
    assert f"Fix: submit_fix({issue.service!r}, {fix})" in obs.message
    assert issue.title in obs.message and issue.explanation in obs.message
    assert ep.revealed == [target]
    assert ep.explanations() == [
        {"id": target, "title": issue.title, "explanation": issue.explanation}
    ]
    ep.step(Action.submit_fix(issue.service, thaw(issue.reference_fix)))
    assert ep.issue_status()[target] == "resolved"
    g = ep.grade()
    outcome = {i.id: i for i in g.issues}[target]
    assert outcome.outcome == "revealed"
    assert g.dimensions["fix"] == 0.0 and "1 revealed, no credit" in g.sentences["fix"]
    # hints skip a revealed issue
    other = [i for i in ep.sim.order if i != target][0]
    obs, *_ = ep.step(Action.hint())
    assert obs.message.endswith(sc.issue(other).hints.nudge)


# -- a stateful property test -------------------------------------------------------------------

BREAK_VALUES = st.one_of(st.integers(-5, 50), st.text(max_size=4), st.booleans(), st.none())


class RandomPlay(RuleBasedStateMachine):
    """Random inspections, reference fixes, breaking edits, hints and reveals."""

    @initialize(task=st.sampled_from(adb.TASKS), seed=st.none() | st.integers(0, 199))
    def start(self, task, seed):
        self.sc = adb.load_scenario(task, seed)
        self.ep = adb.Episode(self.sc)
        self.ep.reset()

    @precondition(lambda self: not self.ep.done)
    @rule(
        kind=st.sampled_from(["inspect_logs", "inspect_config", "inspect_endpoint"]),
        index=st.integers(0, 10),
    )
    def inspect(self, kind, index):
        services = self.sc.services
        self.ep.step(Action(kind, services[index % len(services)]))

    @precondition(lambda self: not self.ep.done)
    @rule(index=st.integers(0, 10))
    def apply_a_reference_fix(self, index):
        issue = self.sc.issues[index % len(self.sc.issues)]
        self.ep.step(Action.submit_fix(issue.service, thaw(issue.reference_fix)))

    @precondition(lambda self: not self.ep.done)
    @rule(index=st.integers(0, 10), value=BREAK_VALUES)
    def overwrite_a_fixed_setting(self, index, value):
        issue = self.sc.issues[index % len(self.sc.issues)]
        path = next(iter(_paths(thaw(issue.reference_fix))))
        self.ep.step(Action.submit_fix(issue.service, {path: value}))

    @precondition(lambda self: self.ep.done)
    @rule()
    def restart(self):
        self.ep.reset()
        assert self.ep.steps == 0 and not self.ep.done

    @precondition(lambda self: not self.ep.done)
    @rule(reveal=st.booleans())
    def ask(self, reveal):
        self.ep.step(Action.reveal() if reveal else Action.hint())

    @invariant()
    def resolved_issues_are_the_scenarios(self):
        status = self.ep.issue_status()
        assert list(status) == list(self.ep.sim.order)
        assert set(status) == set(self.sc.issue_ids)
        assert set(status.values()) <= {"masked", "active", "resolved"}
        assert self.ep.observations[-1].resolved == sum(s == "resolved" for s in status.values())

    @invariant()
    def health_agrees_with_issue_status(self):
        status = self.ep.issue_status()
        active = [self.ep.sim.issues[i] for i, s in status.items() if s == "active"]
        health = self.ep.observations[-1].health
        # a visible problem fails requests of the flow it sits on: its entry is not healthy
        for issue in active:
            entries = {f.entry for f in self.sc.flows if any(h.edge == issue.hop for h in f.hops)}
            assert all(health[e] != "healthy" for e in entries), issue.id
        if all(s == "resolved" for s in status.values()):
            assert set(health.values()) == {"healthy"}
        assert self.ep.terminated == all(s == "resolved" for s in status.values())

    @invariant()
    def score_is_in_unit_interval(self):
        g = self.ep.grade()
        assert 0.0 <= g.score <= 1.0
        assert all(0.0 <= v <= 1.0 for v in g.dimensions.values())

    def teardown(self):
        replayed = adb.replay(json.loads(json.dumps(self.ep.transcript())))
        assert replayed.observations == self.ep.observations
        assert replayed.grade() == self.ep.grade()


def _paths(patch, prefix=""):
    for key, value in patch.items():
        if isinstance(value, dict) and value:
            yield from _paths(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


RandomPlay.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestRandomPlay = RandomPlay.TestCase


def test_reset_with_a_seed_on_a_scenario_that_is_no_task_is_a_clear_error():
    sc = adb.generate_scenario(3, 2, seed=1)
    ep = adb.Episode(sc)
    ep.reset()
    obs, *_ = ep.step(adb.Action.hint())
    with pytest.raises(TypeError, match=r"reset\(seed=5\) selects a variant of a built-in task"):
        ep.reset(seed=5)
    assert ep.steps == 1 and ep.scenario is sc  # nothing changed
    obs, _ = ep.reset()  # without a seed it restarts
    assert obs.step == 0


@pytest.mark.parametrize("task", adb.TASKS)
def test_a_played_episode_leaves_the_next_one_the_broken_configs(task):
    # Episodes of one scenario share its configs until a fix replaces one.
    from apidebug_nb.grading.oracle import oracle_actions

    sc = adb.load_scenario(task, 11)
    broken = sc.configs()
    first = adb.Episode(sc)
    first.reset()
    for action in oracle_actions(sc):
        if first.done:
            break
        first.step(action)
        if action.service is not None and not first.done:
            first.step(adb.Action.inspect_endpoint(action.service))
    first.configs[sc.services[0]]["edited by the caller"] = 1  # a deep copy
    second = adb.Episode(sc)
    second.reset()
    assert first.terminated
    assert first.configs != broken
    assert second.configs == broken
    assert adb.Episode(sc).configs == broken
