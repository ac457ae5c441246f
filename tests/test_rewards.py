"""Reward shaping (DESIGN section 3): what each piece pays, and what cannot be farmed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb import Action
from apidebug_nb.episode.rewards import REWARD_PIECES, RewardPiece, step_cost
from apidebug_nb.scenarios.records import thaw

V1 = "https://gateway.internal/api/v1"
V2 = "https://gateway.internal/api/v2"


def new(task: str = "hard", seed: int | None = None) -> adb.Episode:
    ep = adb.Episode(adb.load_scenario(task, seed))
    ep.reset()
    return ep


def parts(ep: adb.Episode, action) -> tuple[float, dict[str, float]]:
    _, reward, _, _, info = ep.step(action)
    return reward, info["reward_parts"]


def test_the_reward_is_the_sum_of_its_named_parts():
    ep = new()
    reward, p = parts(ep, Action.inspect_logs("order_service"))
    assert (
        set(p)
        == {piece.name for piece in REWARD_PIECES}
        == {
            "step_cost",
            "inspection_value",
            "resolution_reward",
            "rejection_penalty",
            "reopen_penalty",
            "near_miss_credit",
            "completion_bonus",
        }
    )
    assert reward == round(sum(p.values()), 6)


def test_inspection_credit_only_for_the_first_sight_of_evidence_of_a_visible_problem():
    ep = new()  # hard, canonical: only the retired URL is visible at first
    steps = [
        (Action.inspect_config("order_service"), 0.0, -0.01),  # a config is no evidence
        (Action.inspect_config("order_service"), -0.02, -0.03),  # a repeat
        (Action.inspect_logs("order_service"), 0.03, 0.02),  # the 410: first sight
        (Action.inspect_logs("order_service"), 0.0, -0.01),  # seen already
        (Action.inspect_logs("api_gateway"), 0.0, -0.01),  # the same problem elsewhere
        (Action.submit_fix("order_service", {"gateway_url": V2}), 0.0, 0.29),  # 0.25 + 0.05 - 0.01
        (Action.inspect_endpoint("order_service"), 0.03, 0.02),  # the expired token surfaced
        (Action.submit_fix("order_service", {"note": "x"}), 0.0, -0.01),  # a harmless change
        (Action.inspect_logs("order_service"), 0.0, -0.01),  # ...does not make old evidence new
        (Action.inspect_config("nope"), 0.0, -0.06),  # rejected: -0.01 - 0.05
    ]
    for action, value, total in steps:
        reward, p = parts(ep, action)
        assert (p["inspection_value"], reward) == (value, total), action.label()
    assert [o.new_evidence for o in ep.history if o.new_evidence] == [
        ("hard.deprecated_url",),
        ("hard.expired_token",),
    ]


def test_resolution_pays_a_quarter_plus_a_bonus_when_inspected_first():
    blind, looked = new(), new()
    _, p_blind = parts(blind, Action.submit_fix("order_service", {"gateway_url": V2}))
    looked.step(Action.inspect_config("order_service"))
    _, p_looked = parts(looked, Action.submit_fix("order_service", {"gateway_url": V2}))
    assert p_blind["resolution_reward"] == 0.25
    assert p_looked["resolution_reward"] == pytest.approx(0.30)


def test_two_resolutions_in_one_patch_pay_twice():
    sc = adb.load_scenario("easy")  # canonical: both issues live in the client's headers
    ep = adb.Episode(sc)
    ep.reset()
    patch = {}
    for issue in sc.issues:
        patch.setdefault("headers", {}).update(thaw(issue.reference_fix)["headers"])
    reward, p = parts(ep, Action.submit_fix("payment_client", patch))
    assert p["resolution_reward"] == 0.5 and p["completion_bonus"] == 0.5
    assert reward == pytest.approx(-0.01 + 0.5 + 0.5)


def test_rejected_actions_are_penalised():
    ep = new()
    for action in (
        Action.submit_fix("api_gateway", {"base_url": V1}),
        Action.submit_fix("order_service", {}),
        Action.inspect_logs("nope"),
        Action.reveal("hard.nope"),
    ):
        reward, p = parts(ep, action)
        assert p["rejection_penalty"] == -0.05 and reward == pytest.approx(-0.06)


def test_reopening_is_penalised_by_the_reward_it_earned():
    ep = new()
    _, p_fix = parts(ep, Action.submit_fix("order_service", {"gateway_url": V2}))
    reward, p = parts(ep, Action.submit_fix("order_service", {"gateway_url": V1}))
    assert p["reopen_penalty"] == -p_fix["resolution_reward"] == -0.25
    assert p["near_miss_credit"] == 0.0  # the regression itself earns nothing back
    assert reward == pytest.approx(-0.26)


def test_near_miss_credit_is_paid_at_most_once_per_issue():
    ep = new()
    # requests reach the gateway's processing only once the URL, token and dispatch are right
    ep.step(Action.submit_fix("order_service", {"gateway_url": V2}))
    ep.step(Action.submit_fix("order_service", {"auth": {"key_id": "ord-key-7f3a9c"}}))
    ep.step(Action.submit_fix("inventory_service", {"dispatch_mode": "async"}))
    paid = [parts(ep, Action.submit_fix("order_service", {"timeout_s": t}))[1] for t in (1, 2, 1)]
    assert [p["near_miss_credit"] for p in paid] == [0.02, 0.0, 0.0]
    assert ep.history[-3].near_miss == ("hard.timeout",)
    assert ep.history[-2].near_miss == ()
    # a masked issue's setting earns nothing (it cannot be seen yet)
    masked = new()
    _, p = parts(masked, Action.submit_fix("order_service", {"timeout_s": 1}))
    assert p["near_miss_credit"] == 0.0


def test_the_completion_bonus_is_paid_once_on_the_last_resolution():
    for task in adb.TASKS:
        sc = adb.load_scenario(task, 2)
        ep = adb.Episode(sc)
        ep.reset()
        bonuses = [parts(ep, a)[1]["completion_bonus"] for a in adb.oracle_actions(sc)]
        assert bonuses == [0.0] * (len(bonuses) - 1) + [0.5]
        with pytest.raises(adb.EpisodeFinishedError):
            ep.step(Action.hint())


def test_custom_reward_pieces():
    ep = adb.Episode(adb.load_scenario("easy"), reward_pieces=(RewardPiece("cost", step_cost),))
    ep.reset()
    for action in adb.oracle_actions(ep.scenario):
        _, reward, _, _, info = ep.step(action)
        assert reward == -0.01 and info["reward_parts"] == {"cost": -0.01}


def test_two_lambda_pieces_keep_their_own_names():
    pieces = (RewardPiece("a", lambda o: 0.1), RewardPiece("b", lambda o: 0.2))
    ep = adb.Episode(adb.load_scenario("easy"), reward_pieces=pieces)
    ep.reset()
    _, reward, _, _, info = ep.step(Action.hint())
    assert info["reward_parts"] == {"a": 0.1, "b": 0.2} and reward == pytest.approx(0.3)


def test_unnamed_or_clashing_pieces_are_refused():
    with pytest.raises(TypeError, match="RewardPiece"):
        adb.Episode(adb.load_scenario("easy"), reward_pieces=(step_cost,))
    with pytest.raises(ValueError, match="distinct"):
        adb.Episode(
            adb.load_scenario("easy"),
            reward_pieces=(RewardPiece("a", step_cost), RewardPiece("a", step_cost)),
        )


ACTIONS = st.one_of(
    st.builds(
        Action,
        st.sampled_from(["inspect_logs", "inspect_config", "inspect_endpoint"]),
        st.sampled_from(["order_service", "api_gateway", "inventory_service", "nope"]),
    ),
    st.builds(
        lambda key, value: Action.submit_fix("order_service", {key: value}),
        st.sampled_from(["gateway_url", "timeout_s", "auth.token", "auth.refresh.enabled"]),
        st.sampled_from([V1, V2, 1, 30, True, False, "Bearer x", None]),
    ),
    st.just(Action.hint()),
    st.just(Action.reveal()),
)


@settings(max_examples=60)
@given(st.lists(ACTIONS, max_size=40))
def test_every_step_costs_and_nothing_is_farmed(actions):
    sc = adb.load_scenario("hard")
    ep = adb.Episode(sc)
    ep.reset()
    near, completions, resolved, reopened = {}, 0, 0, 0
    for action in actions:
        if ep.done:
            break
        _, reward, _, _, info = ep.step(action)
        p = info["reward_parts"]
        assert p["step_cost"] == -0.01
        assert reward == round(sum(p.values()), 6)
        for iid in ep.history[-1].near_miss:
            near[iid] = near.get(iid, 0) + 1
        completions += p["completion_bonus"] > 0
        resolved += len(info["resolved"])
        reopened += len(info["reopened"])
    assert all(n == 1 for n in near.values())
    assert completions == (1 if ep.terminated else 0)
    assert resolved - reopened == sum(s == "resolved" for s in ep.issue_status().values())
