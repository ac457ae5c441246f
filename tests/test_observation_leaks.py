"""No observation names an issue's title, explanation or fix before it is resolved or revealed.

What counts as a leak of a fix value: the *string* values of the reference fix
that are not already visible in some service's config at the start. Contracts
are visible on purpose (the valid token is listed in auth_service's config, the
current base URL in the gateway's, the accepted content types in the gateway's),
so finding one of those in a config is the lesson, not a leak. The values the
learner must compose ("Bearer " + the client's api_key) are not in any config
and must never be shown. Numbers and booleans are not searched for: small
numbers occur everywhere (timestamps, counts, order ids) and the numeric fixes
are derived from contract values that are visible by design; the near-miss
test in test_episode.py checks that messages do not state them.
"""

from __future__ import annotations

import json

import pytest

import apidebug_nb as adb
from apidebug_nb import Action
from apidebug_nb.grading.agents import RandomPatchAgent
from apidebug_nb.scenarios.records import thaw

SEEDS = range(50)
INSPECTIONS = ("inspect_logs", "inspect_config", "inspect_endpoint")


def strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value


def secrets_of(sc: adb.Scenario) -> dict[str, list[str]]:
    """Per issue: title, explanation (whole and its opening) and unseen fix strings."""
    visible = json.dumps(sc.configs(), ensure_ascii=False)
    out = {}
    for issue in sc.issues:
        texts = [issue.title, issue.explanation, issue.explanation[:60]]
        texts += [v for v in strings(thaw(issue.reference_fix)) if v and v not in visible]
        out[issue.id] = texts
    return out


class LeakWatch:
    """Steps an episode and checks every observation against the hidden issues."""

    def __init__(self, sc: adb.Scenario):
        self.sc = sc
        self.secrets = secrets_of(sc)
        self.ep = adb.Episode(sc)
        self.ever_resolved: set[str] = set()
        self.checked = 0
        obs, _ = self.ep.reset()
        self.check(obs)

    def check(self, obs: adb.Observation) -> None:
        status = self.ep.issue_status()
        self.ever_resolved |= {i for i, s in status.items() if s == "resolved"}
        text = json.dumps(obs.to_dict(), ensure_ascii=False)
        for iid, secrets in self.secrets.items():
            if iid in self.ever_resolved or iid in self.ep.revealed:
                continue
            for secret in secrets:
                assert secret not in text, (self.sc.id, self.ep.steps, iid, secret)
        self.checked += 1

    def step(self, action) -> None:
        if not self.ep.done:
            obs, *_ = self.ep.step(action)
            self.check(obs)


def test_the_composed_fix_values_are_among_the_secrets():
    """The check is not vacuous: the easy task's Authorization value must stay hidden."""
    sc = adb.load_scenario("easy")
    secrets = secrets_of(sc)["easy.missing_auth"]
    assert any(s.startswith("Bearer sk_live_") for s in secrets)
    watch = LeakWatch(sc)
    watch.step(Action.reveal("easy.missing_auth"))  # revealed: now shown, and allowed
    assert any(s in watch.ep.observations[-1].message for s in secrets[3:])


@pytest.mark.parametrize("task", adb.TASKS)
def test_no_leak_while_inspecting_everything_then_solving(task):
    for seed in SEEDS:
        sc = adb.load_scenario(task, seed)
        watch = LeakWatch(sc)
        for kind in INSPECTIONS:
            for svc in sc.services:
                watch.step(Action(kind, svc))
        for action in adb.oracle_actions(sc):
            watch.step(action)
            if action.kind == "submit_fix":  # look at everything again, as things change
                for svc in sc.services:
                    watch.step(Action.inspect_logs(svc))
        assert watch.checked > len(sc.services) * 3


@pytest.mark.parametrize("task", adb.TASKS)
def test_no_leak_in_hints_along_the_oracle_path(task):
    for seed in SEEDS:
        sc = adb.load_scenario(task, seed)
        watch = LeakWatch(sc)
        for action in adb.oracle_actions(sc):
            if action.kind == "inspect_logs":
                for _ in range(3):
                    watch.step(Action.hint())
                watch.step(Action.inspect_endpoint(action.service))
            watch.step(action)


@pytest.mark.parametrize("task", adb.TASKS)
def test_no_leak_along_random_trajectories(task):
    for seed in SEEDS:
        sc = adb.load_scenario(task, seed)
        watch = LeakWatch(sc)
        agent = RandomPatchAgent(seed)
        agent.reset()
        obs = watch.ep.observations[0]
        while not watch.ep.done:
            watch.step(agent.act(obs))
            obs = watch.ep.observations[-1]
