"""The engine's cheap record constructors build the same frozen records as the classes."""

import dataclasses

import pytest

import apidebug_nb as adb
from apidebug_nb.episode.observation import Observation
from apidebug_nb.episode.outcome import ActionOutcome, StepOutcome
from apidebug_nb.episode.record_makers import (
    action_outcome_maker,
    filled,
    step_outcome_maker,
)


def test_step_outcome_maker_matches_the_constructor():
    made = step_outcome_maker()(4, "submit_fix", "api", {"changed": True, "resolved": ("x.y",)})
    built = StepOutcome(4, "submit_fix", "api", changed=True, resolved=("x.y",))
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert made.accepted is True and made.near_miss == () and made.revealed is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.index = 5  # type: ignore[misc]


def test_action_outcome_maker_matches_the_constructor():
    made = action_outcome_maker()("submit_fix", {"applied": ("api.timeout",)})
    assert made == ActionOutcome("submit_fix", applied=("api.timeout",))
    assert dataclasses.asdict(made)["accepted"] is True


def test_filled_keeps_the_dict_it_is_given_and_stays_frozen():
    values = {"kind": "hint", "accepted": False, "rejected": "x", "applied": (), "resolved": (),
              "reopened": (), "level": None, "hint": None, "editable": None,
              "exhausted": False, "nothing_visible": False, "repeat": False}  # fmt: skip
    made = filled(ActionOutcome, values)
    assert made == ActionOutcome("hint", accepted=False, rejected="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.kind = "reveal"  # type: ignore[misc]


def test_an_episode_hands_out_records_equal_to_ones_built_by_their_classes():
    ep = adb.Episode(adb.load_scenario("easy"))
    ep.reset()
    obs, *_ = ep.step(adb.Action.submit_fix("payment_client", {"headers.Content-Type": "x/y"}))
    rebuilt = Observation(**{f.name: getattr(obs, f.name) for f in dataclasses.fields(obs)})
    assert obs == rebuilt and repr(obs) == repr(rebuilt)
    (outcome,) = ep.history
    assert outcome == StepOutcome(1, "submit_fix", "payment_client", changed=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        obs.step = 3  # type: ignore[misc]
