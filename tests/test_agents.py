"""Agents: the baseline plays well from observations alone; random patches and
looking without fixing do not score."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import statistics
from pathlib import Path

import pytest

import apidebug_nb as adb
from apidebug_nb.grading import agents
from apidebug_nb.grading.agents import BaselineAgent, InspectOnlyAgent, RandomPatchAgent, play
from apidebug_nb.scenarios.parse import scenario_from_dict
from apidebug_nb.scenarios.records import freeze

SEEDS = range(200)
#: The floors the baseline must reach (issue 3 asks for 0.7 on easy and 0.5 on hard). The
#: later incidents' floors sit a little under the means measured over seeds 0..199 with the
#: grade that asks for evidence of each problem: retry_storm 0.92, ca_rotation 0.84, dns_ttl
#: 0.81, pagination_drift 1.0, vendor_enum 0.93, webhook_skew 0.73.
BASELINE_FLOOR = {
    "easy": 0.7,
    "medium": 0.6,
    "hard": 0.5,
    "retry_storm": 0.9,
    "ca_rotation": 0.8,
    "dns_ttl": 0.78,
    "pagination_drift": 0.95,
    "vendor_enum": 0.9,
    "webhook_skew": 0.70,
}


@pytest.fixture(scope="module")
def baseline_runs() -> dict[str, list[adb.Episode]]:
    return {
        task: [play(BaselineAgent(), adb.load_scenario(task, seed)) for seed in SEEDS]
        for task in adb.TASKS
    }


@pytest.mark.parametrize("task", adb.TASKS)
def test_baseline_mean_score_reaches_the_floor(task, baseline_runs):
    scores = [ep.grade().score for ep in baseline_runs[task]]
    mean = statistics.mean(scores)
    print(f"baseline mean score on {task} over seeds 0..199: {mean:.4f} (min {min(scores):.4f})")
    assert mean >= BASELINE_FLOOR[task]


def test_baseline_fixes_without_peeking_at_the_answers(baseline_runs):
    """It never reveals, and every episode it plays ends by fixing everything."""
    for task, runs in baseline_runs.items():
        for ep in runs:
            assert ep.revealed == [] and all(a.kind != "reveal" for a in ep.actions)
            assert ep.terminated, (task, ep.scenario.id)


@pytest.mark.parametrize("task", adb.TASKS)
def test_random_patches_average_at_most_five_percent(task):
    scores = [
        play(RandomPatchAgent(seed), adb.load_scenario(task, seed)).grade().score for seed in SEEDS
    ]
    print(f"random-patch mean score on {task}: {statistics.mean(scores):.4f}")
    assert statistics.mean(scores) <= 0.05


def test_random_patch_agent_really_patches_and_is_seeded():
    sc = adb.load_scenario("hard", 1)
    a, b, c = (play(RandomPatchAgent(s), sc) for s in (1, 1, 2))
    assert [x.to_dict() for x in a.actions] == [x.to_dict() for x in b.actions]
    assert [x.to_dict() for x in a.actions] != [x.to_dict() for x in c.actions]
    fixes = [x for x in a.actions if x.kind == "submit_fix"]
    assert len(fixes) > len(a.actions) / 2
    # once it has seen a config, it patches real key paths of it
    assert any(o.accepted and o.changed for o in a.history)


def test_inspect_only_agent_never_fixes_and_runs_out_of_steps():
    for task in adb.TASKS:
        ep = play(InspectOnlyAgent(), adb.load_scenario(task, 4))
        assert {a.kind for a in ep.actions} <= {
            "inspect_logs",
            "inspect_config",
            "inspect_endpoint",
        }
        assert ep.truncated and ep.steps == ep.scenario.max_steps and ep.grade().score == 0.0


# -- the baseline sees observations only ------------------------------------------------------------


class OnlyResetAndStep:
    """An environment that exposes nothing but ``reset`` and ``step``."""

    __slots__ = ("_reset", "_step")

    def __init__(self, ep: adb.Episode):
        self._reset, self._step = ep.reset, ep.step

    def reset(self):
        return self._reset()

    def step(self, action):
        return self._step(action)


class Recorder:
    """Wraps an agent and records exactly what it is handed."""

    def __init__(self, agent):
        self.agent, self.seen = agent, []

    def reset(self):
        self.agent.reset()

    def act(self, *args, **kwargs):
        assert not kwargs and len(args) == 1
        self.seen.append(args[0])
        return self.agent.act(args[0])


def test_play_hands_the_agent_observations_and_nothing_else():
    sc = adb.load_scenario("hard", 12)
    ep = adb.Episode(sc)
    recorder = Recorder(BaselineAgent())
    env = OnlyResetAndStep(ep)
    assert play(recorder, env) is env
    assert all(type(o) is adb.Observation for o in recorder.seen)
    assert recorder.seen == list(ep.observations[:-1])  # each step's observation, in order
    assert ep.terminated
    direct = play(BaselineAgent(), sc)
    assert [a.to_dict() for a in direct.actions] == [a.to_dict() for a in ep.actions]


def anonymised(sc: adb.Scenario) -> adb.Scenario:
    """The same system with every issue's texts and reference fix replaced."""
    issues = tuple(
        dataclasses.replace(
            issue,
            title=f"Problem {n}",
            explanation="Nothing to read here.",
            reference_fix=freeze({"unrelated_setting": n}),
        )
        for n, issue in enumerate(sc.issues)
    )
    return dataclasses.replace(sc, issue_records=issues, explanations=freeze({}))


@pytest.mark.parametrize("task", adb.TASKS)
def test_baseline_behaves_identically_without_issue_texts_or_reference_fixes(task):
    for seed in (None, *range(0, 200, 10)):
        sc = adb.load_scenario(task, seed)
        original, blind = play(BaselineAgent(), sc), play(BaselineAgent(), anonymised(sc))
        assert [a.to_dict() for a in original.actions] == [a.to_dict() for a in blind.actions]
        assert original.grade().dimensions == blind.grade().dimensions
        # the texts really differ where they are shown (resolution messages)
        assert [o.message for o in original.observations] != [o.message for o in blind.observations]


def test_agents_module_never_touches_answers():
    source = Path(agents.__file__).read_text()
    for forbidden in ("reference_fix", ".check", ".issues", "explanation", "issue_records", ".sim"):
        assert forbidden not in source, forbidden
    for cls in (BaselineAgent, RandomPatchAgent, InspectOnlyAgent):
        body = inspect.getsource(cls)
        for name in ("Episode", "Scenario", "scenario", "issue_status", "statuses", "revealed"):
            assert not re.search(rf"\b{name}\b", body), (cls.__name__, name)


# -- the baseline falls back on hints -------------------------------------------------------------


def unguessable_easy() -> adb.Scenario:
    """The canonical easy task with the gateway's content-type list renamed so that no
    heuristic matches it: only the hints' words lead to it."""
    data = adb.load_scenario("easy").to_dict()
    data.update(id="easy-renamed", task=None)
    gateway = data["services"][1]["config"]
    gateway["body_formats"] = gateway.pop("accepted_content_types")
    for issue in data["issues"]:
        text = json.dumps(issue).replace("accepted_content_types", "body_formats")
        issue.clear()
        issue.update(json.loads(text))
    issue = next(i for i in data["issues"] if i["id"] == "easy.content_type")
    issue["hints"]["contract"] = "The Content-Type must be one of the gateway's body formats."
    sc = scenario_from_dict(data, source="test")
    adb.validate_scenario(sc)
    return sc


def test_baseline_uses_hints_when_its_heuristics_run_dry():
    sc = unguessable_easy()
    ep = play(BaselineAgent(), sc)
    assert ep.terminated and ep.revealed == []
    assert ep.hint_levels == {"easy.content_type": 3}
    g = ep.grade()
    assert g.dimensions["fix"] == 1.0 and g.hint_penalty == pytest.approx(0.09)
    assert 0.5 < g.score < 1.0
    # the fix it found came from the hint's words, applied after the third level
    last_hint = max(n for n, a in enumerate(ep.actions) if a.kind == "hint")
    assert ep.actions[last_hint + 1].changes == {"headers": {"Content-Type": "application/json"}}


def test_play_resets_a_used_episode_and_a_reused_agent():
    sc = adb.load_scenario("medium", 8)
    agent = BaselineAgent()
    first = [a.to_dict() for a in play(agent, sc).actions]
    ep = adb.Episode(sc)
    ep.reset()
    ep.step(adb.Action.hint())
    again = play(agent, ep)
    assert again is ep and [a.to_dict() for a in ep.actions] == first


#: The baseline's floor on generated systems (12 services, 6 problems), measured at
#: a mean of 0.74 (min 0.665) over seeds 0..19 with the grade that asks for evidence of
#: each problem (0.87 under the earlier grade).
GENERATED_FLOOR = 0.7


def test_baseline_solves_generated_systems_comparing_each_dependency_with_its_own_contract():
    scores = []
    for seed in range(20):
        ep = play(BaselineAgent(), adb.generate_scenario(12, 6, seed))
        assert ep.terminated and ep.revealed == [], seed
        scores.append(ep.grade().score)
    print(f"baseline mean score on generated 12x6 systems: {statistics.mean(scores):.4f}")
    assert statistics.mean(scores) >= GENERATED_FLOOR


def test_per_dependency_blocks_are_found_one_or_two_levels_down():
    configs = {"a": {}, "b": {}, "c": {}}
    config = {"upstreams": {"b": {"timeout_s": 5}}, "c": {"x": 1}, "headers": {"b": "not a block"}}
    assert agents._per_service_blocks(config, configs) == {"b": ("upstreams", "b"), "c": ("c",)}
    assert agents._per_service_blocks({"timeout_s": 5}, configs) == {}


def test_a_key_id_is_matched_with_the_list_in_a_block_of_its_own_name():
    configs = {
        "client": {"upstreams": {"api": {"signing": {"key_id": ""}, "auth": {"key_id": "k-old"}}}},
        "api": {
            "auth": {"accepted_key_ids": ["k-new"]},
            "signing": {"accepted_key_ids": ["s-1"]},
        },
        "other": {"signing": {"accepted_key_ids": ["s-other"]}},
    }
    found = agents.find_candidates(configs, {"client": True})
    assert sorted((c.path, c.value) for c in found) == [
        (("upstreams", "api", "auth", "key_id"), "k-new"),
        (("upstreams", "api", "signing", "key_id"), "s-1"),
    ]
