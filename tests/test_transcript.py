"""Transcripts (DESIGN section 5): JSON round trip, replay, and verify catching edits."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb import Action, TranscriptError
from apidebug_nb.grading.agents import BaselineAgent, RandomPatchAgent, play
from apidebug_nb.grading.transcript import FORMAT_VERSION

V2 = "https://gateway.internal/api/v2"


def played(task: str = "hard", seed: int | None = None, actions=None) -> adb.Episode:
    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc, learner_id="ada")
    ep.reset()
    for a in adb.oracle_actions(sc) if actions is None else actions:
        ep.step(a)
    return ep


PARTIAL = [
    Action.inspect_logs("order_service"),
    Action.submit_fix("order_service", {"gateway_url": V2}),
    Action.hint(),
    Action.submit_fix("order_service", {"timeout_s": 30}),
    Action.inspect_endpoint("order_service"),
    Action.submit_fix("api_gateway", {"base_url": "x"}),  # rejected
]


def test_the_transcript_is_json_and_round_trips():
    ep = played(actions=PARTIAL)
    t = ep.transcript()
    assert json.loads(json.dumps(t)) == t
    assert t["format_version"] == FORMAT_VERSION and t["package_version"] == adb.__version__
    assert t["scenario"] == {"task": "hard", "seed": None} and t["learner_id"] == "ada"
    assert [e["action"] for e in t["actions"]] == [a.to_dict() for a in PARTIAL]
    assert all("at" in e for e in t["actions"])  # wall-clock times, for the instructor
    assert t["finished"] is False and t["claimed"]["score"] == ep.grade().score


def test_replay_reproduces_every_observation_and_the_grade():
    for task, seed in (("easy", None), ("medium", 3), ("hard", 17)):
        for ep in (
            played(task, seed),
            play(RandomPatchAgent(seed or 0), adb.load_scenario(task, seed)),
        ):
            again = adb.replay(json.dumps(ep.transcript()))
            assert again.observations == ep.observations
            assert again.grade() == ep.grade()
            assert again.issue_status() == ep.issue_status() and again.configs == ep.configs
            assert again.learner_id == ep.learner_id
            assert again.action_times == [e.get("at") for e in ep.transcript()["actions"]]


def test_a_replayed_transcript_gives_the_same_transcript():
    t = played(actions=PARTIAL).transcript()
    assert adb.replay(t).transcript() == t


@pytest.mark.parametrize("task", adb.TASKS)
def test_verify_passes_every_untouched_transcript(task):
    for seed in range(50):
        sc = adb.load_scenario(task, seed)
        for ep in (played(task, seed), play(BaselineAgent(), sc)):
            v = adb.verify(ep.transcript())
            assert v.ok and v.reasons == [], (task, seed, v.reasons)
            assert v.score == v.claimed_score == ep.grade().score and v.steps == ep.steps


def test_verify_passes_a_transcript_with_an_embedded_scenario():
    sc = adb.load_scenario("easy")
    custom = dataclasses.replace(sc, id="easy-custom", title="A custom lab", task=None)
    ep = adb.Episode(custom)
    ep.reset()
    for a in adb.oracle_actions(custom):
        ep.step(a)
    t = json.loads(json.dumps(ep.transcript()))
    assert set(t["scenario"]) == {"id", "content_hash", "data"}
    assert adb.verify(t).ok and adb.replay(t).grade().score == 1.0


# -- tampering -----------------------------------------------------------------------------


def tampered(edit, t=None):
    t = copy.deepcopy(t if t is not None else played(actions=PARTIAL).transcript())
    edit(t)
    return adb.verify(t)


def test_an_edited_score_is_caught():
    v = tampered(lambda t: t["claimed"].update(score=1.0))
    assert not v.ok and v.claimed_score == 1.0 and v.score < 1.0
    assert any("claimed score 1.0 but replay gives" in r for r in v.reasons)


def test_edited_dimensions_or_step_count_are_caught():
    assert not tampered(lambda t: t["claimed"]["dimensions"].update(diagnosis=0.123)).ok
    v = tampered(lambda t: t["claimed"].update(steps=3))
    assert not v.ok and any("claimed 3 steps" in r for r in v.reasons)


def test_an_edited_action_is_caught_even_when_its_observations_are_the_same():
    # 30 and 31 seconds both fix the timeout: only the action digest can tell
    v = tampered(lambda t: t["actions"][3]["action"]["changes"].update(timeout_s=31))
    assert not v.ok and any("actions differ" in r for r in v.reasons)
    v = tampered(lambda t: t["actions"][0]["action"].update(service="auth_service"))
    assert not v.ok and any("observations differ" in r for r in v.reasons)


def test_a_removed_or_added_action_is_caught():
    v = tampered(lambda t: t["actions"].pop(2))  # the hint: the score even rises
    assert not v.ok and any("steps" in r for r in v.reasons)
    v = tampered(lambda t: t["actions"].append({"action": {"kind": "hint"}}))
    assert not v.ok


def test_another_variant_is_caught():
    v = tampered(lambda t: t["scenario"].update(seed=3))
    assert not v.ok and any("observations differ" in r for r in v.reasons)


def test_edited_embedded_scenario_data_or_hash_is_caught():
    sc = dataclasses.replace(adb.load_scenario("easy"), id="easy-custom", task=None)
    ep = adb.Episode(sc)
    ep.reset()
    ep.step(Action.inspect_logs("payment_client"))
    t = ep.transcript()

    def edit_config(t):
        t["scenario"]["data"]["services"][1]["config"]["max_processing_ms"] = 1

    for edit in (
        edit_config,
        lambda t: t["scenario"]["data"].update(title="Another lab"),
        lambda t: t["scenario"].update(content_hash="0" * 64),
    ):
        v = tampered(edit, t)
        assert not v.ok and any("content hash" in r for r in v.reasons), v.reasons


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda t: t.update(format_version=1), "unsupported transcript format_version 1"),
        (lambda t: t.update(format_version=True), "unsupported transcript format_version True"),
        (lambda t: t.update(format="other"), "not an apidebug_nb transcript"),
        (lambda t: t.pop("actions"), "no 'actions' field"),
        (lambda t: t.pop("claimed"), "at the top level: 'claimed' is a required property"),
        (lambda t: t.update(actions="all"), "'actions' must be a list"),
        (lambda t: t.update(extra=1), "unknown transcript fields ['extra']"),
        (
            lambda t: t["actions"][0].update(action={"kind": "dance"}),
            "at actions/0/action/kind: 'dance' is not one of",
        ),
        (
            lambda t: t["actions"][0].update(action={"kind": "inspect_logs"}),
            "action 1 is invalid",
        ),
        (lambda t: t["actions"].__setitem__(0, 5), "at actions/0: 5 is not of type 'object'"),
        (lambda t: t["scenario"].update(task="impossible"), "bad scenario reference"),
    ],
)
def test_malformed_transcripts_are_not_ok_with_a_reason(edit, fragment):
    v = tampered(edit)
    assert not v.ok and any(fragment in r for r in v.reasons), v.reasons


def test_actions_after_the_end_are_refused():
    t = played("easy").transcript()
    t["actions"].append({"action": {"kind": "inspect_logs", "service": "payment_client"}})
    with pytest.raises(TranscriptError, match="after the episode ended"):
        adb.replay(t)
    assert not adb.verify(t).ok


def test_truncated_json_text_is_a_clear_error():
    text = json.dumps(played(actions=PARTIAL).transcript())
    for cut in (len(text) // 3, len(text) - 2, 1):
        with pytest.raises(TranscriptError, match="not valid JSON"):
            adb.replay(text[:cut])
        v = adb.verify(text[:cut])
        assert not v.ok and "not valid JSON" in v.reasons[0]
    with pytest.raises(TranscriptError, match="a JSON object"):
        adb.replay("[1, 2]")


TRANSCRIPT = played("medium", 5, actions=None).transcript()
BASE = played(actions=PARTIAL).transcript()


@settings(max_examples=60)
@given(data=st.data())
def test_any_single_edit_to_an_action_or_the_claimed_grade_is_caught(data):
    t = copy.deepcopy(BASE)
    where = data.draw(st.sampled_from(["action", "score", "dimension"]))
    if where == "action":
        n = data.draw(st.integers(0, len(t["actions"]) - 1))
        original = t["actions"][n]["action"]
        replacement = data.draw(
            st.one_of(
                st.builds(
                    lambda kind, svc: {"kind": kind, "service": svc},
                    st.sampled_from(["inspect_logs", "inspect_config", "inspect_endpoint"]),
                    st.sampled_from(adb.load_scenario("hard").services),
                ),
                st.builds(
                    lambda key, value: {
                        "kind": "submit_fix",
                        "service": "order_service",
                        "changes": {key: value},
                    },
                    st.sampled_from(["timeout_s", "gateway_url", "retries"]),
                    st.integers(0, 100) | st.text(max_size=4),
                ),
                st.just({"kind": "hint"}),
                st.just({"kind": "reveal"}),
            ).filter(lambda a: a != original)
        )
        t["actions"][n]["action"] = replacement
    elif where == "score":
        t["claimed"]["score"] = data.draw(
            st.floats(0, 1).filter(lambda s: s != BASE["claimed"]["score"])
        )
    else:
        name = data.draw(st.sampled_from(sorted(t["claimed"]["dimensions"])))
        t["claimed"]["dimensions"][name] = data.draw(
            st.floats(0, 1).filter(lambda s: s != BASE["claimed"]["dimensions"][name])
        )
    assert not adb.verify(t).ok


def test_module_level_transcripts_are_valid():
    assert adb.verify(TRANSCRIPT).ok and adb.verify(BASE).ok


def test_an_episode_reset_with_a_seed_verifies():
    """Gymnasium-style ``reset(seed=...)`` must not make its own transcript unverifiable."""
    for scenario, seed in ((adb.load_scenario("hard"), 5), (adb.load_scenario("hard", 5), 5)):
        ep = adb.Episode(scenario)
        ep.reset(seed=seed)
        ep.step(Action.inspect_endpoint("order_service"))  # shows a request id
        ep.step(Action.hint())
        t = ep.transcript()
        assert t["scenario"] == {"task": "hard", "seed": 5}
        assert adb.verify(t).ok
        assert adb.replay(t).observations == ep.observations


def test_editing_an_observation_after_the_fact_does_not_make_the_transcript_look_tampered():
    sc = adb.load_scenario("easy")
    ep = adb.Episode(sc)
    ep.reset()
    obs, *_ = ep.step(adb.Action.inspect_logs("payment_client"))
    obs.logs.sort(reverse=True)  # a learner playing with their own observation
    obs.health["payment_client"] = "healthy"
    verdict = adb.verify(json.dumps(ep.transcript()))
    assert verdict.ok, verdict.reasons


def test_editing_every_container_of_every_observation_leaves_the_transcript_verifiable():
    # Fingerprints are written when the digest is asked for: they must come from
    # what the engine kept, not from the lists and dicts it handed out.
    sc = adb.load_scenario("easy")
    ep = adb.Episode(sc)
    ep.reset()
    for action in (
        adb.Action.inspect_logs("payment_client"),
        adb.Action.inspect_config("payment_client"),
        adb.Action.inspect_endpoint("payment_client"),
        adb.Action.submit_fix("payment_client", {"api_key": "sk_live_x"}),
        adb.Action.inspect_config("payment_client"),
        adb.Action.hint(),
    ):
        ep.step(action)
    for obs in ep.observations:
        obs.logs.append("forged line")
        obs.alerts.append("forged alert")
        obs.masked_services.append("forged_service")
        obs.trace.append({"forged": True})
        obs.probes.append({"forged": True})
        obs.health["forged_service"] = "healthy"
        if obs.config is not None:
            obs.config["forged"] = 1
        if obs.response is not None:
            obs.response["headers"]["forged"] = "1"
    verdict = adb.verify(json.dumps(ep.transcript()))
    assert verdict.ok, verdict.reasons
