"""Random play with garbage payloads: at least 20,000 steps per run, and the invariants hold.

(Steps the episode counted; the refused records come on top, about 13,000 more.)

Each Hypothesis example plays one of the built-in tasks for ``MOVES`` moves, a
mix of honest actions (inspections, hints, reveals, reference fixes) and
garbage: huge integers, non-string keys, bytes, sets, NaN and infinities,
values nested 10,000 deep, 1 MB strings, lone surrogates, dotted and empty
keys, malformed action records. Invariants, checked on every move:

- only the documented exceptions escape ``step``: ``ActionError`` (a refused
  record) and ``EpisodeFinishedError`` (stepping a finished episode);
- a refused action changes nothing: an ``ActionError`` leaves the step count,
  the configs and the history as they were; a rejected step changes no config;
- ``transcript()`` always works, serialises to strict JSON, and ``verify`` of
  the JSON round trip is ok (checked whenever an episode ends, and at the end);
- the grade and each of its dimensions stay in [0, 1].

The examples and moves are tuned to keep this under a minute on a 2-core machine.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb import Action, ActionError
from apidebug_nb.errors import EpisodeFinishedError

# The main run includes it; the Python matrix in .ci/run leaves it out (20,000+ random steps).
pytestmark = pytest.mark.slow

EXAMPLES, MOVES = 250, 140
MIN_STEPS = 20_000
SCENARIOS = {task: adb.load_scenario(task) for task in ("easy", "medium", "hard")}
FIXES = {
    task: [(i.service, dict(i.reference_fix)) for i in sc.issues] for task, sc in SCENARIOS.items()
}


def _deep_dict(n: int) -> Any:
    value: Any = 1
    for _ in range(n):
        value = {"a": value}
    return value


def _deep_list(n: int) -> Any:
    value: Any = 1
    for _ in range(n):
        value = [value]
    return value


MEGABYTE = "x" * 1_000_000
GARBAGE_VALUES: list[Any] = [
    10**5000,
    -(10**400),
    10**15 + 1,
    2**64,
    float("nan"),
    float("inf"),
    -float("inf"),
    1e300,
    b"bytes",
    bytearray(b"x"),
    {1, 2},
    frozenset({3}),
    object(),
    1j,
    dt.date(2026, 1, 1),
    _deep_dict(10_000),
    _deep_list(10_000),
    MEGABYTE,
    "lone \ud800 surrogate",
    {None: 1},
    {1: 2},
    {(1,): 2},
    {True: 1},
    {1.5: 2},
    {"": {"": None}},
    [1, "two", None, {"x": [float("nan")]}],
]
GARBAGE_KEYS: list[Any] = [
    None,
    1,
    (1,),
    True,
    2.5,
    "",
    ".",
    "a..b",
    ".timeout",
    "timeout.",
    "timeout.value",
    "headers.Authorization",
    "headers.",
    MEGABYTE,
    "\udfff",
]
HONEST_VALUES: list[Any] = [30, 0, -1, 2.5, "x", True, None, [], {}, [429, 503], {"b": 1}]
BAD_RECORDS: list[Any] = [
    {"action_type": "restart", "target": "x"},
    {"action_type": "submit_fix", "target": 5, "fix_payload": {"a": 1}},
    {"action_type": "hint", "target": "x"},
    {"kind": "inspect_logs"},
    {"action_type": "inspect_logs", "target": MEGABYTE},
    {"action_type": "reveal", "issue": 10**5000},
    {1: "hint"},
    {"action_type": "inspect_logs", "target": "x", "force": True},
    "hint",
    None,
    [("kind", "hint")],
    {"action_type": None},
    {"action_type": ["hint"]},
]


def _payload(task: str, n: int) -> Any:
    """A patch: honest settings, garbage values under random keys, or both."""
    services = SCENARIOS[task].services
    out: dict[Any, Any] = {}
    for k in range(1 + n % 3):
        n, pick = divmod(n, 97)
        if pick % 3 == 0:
            key = GARBAGE_KEYS[pick % len(GARBAGE_KEYS)]
        else:
            key = f"setting_{pick % 5}" if pick % 2 else "timeout"
        if pick % 4 == 0:
            value = HONEST_VALUES[pick % len(HONEST_VALUES)]
        else:
            value = GARBAGE_VALUES[(pick + k) % len(GARBAGE_VALUES)]
        try:
            out[key] = value
        except TypeError:  # an unhashable key: use the value as the whole patch instead
            return value
    del services
    return out


def _move(task: str, kind: int, n: int) -> Any:
    sc = SCENARIOS[task]
    services = [*sc.services, "nope"]
    service = services[n % len(services)]
    if kind == 0:
        return Action.inspect_logs(service)
    if kind == 1:
        return Action.inspect_config(service)
    if kind == 2:
        return Action.inspect_endpoint(service)
    if kind == 3:
        return Action.hint()
    if kind == 4:
        return {"action_type": "reveal", "target": [None, *(i.id for i in sc.issues)][n % 3]}
    if kind == 5:
        fix_service, fix = FIXES[task][n % len(FIXES[task])]
        return Action.submit_fix(fix_service, fix)
    if kind == 6:
        return BAD_RECORDS[n % len(BAD_RECORDS)]
    # 7-9: a fix with a garbage payload, as an Action or as a seed-style dict
    payload = _payload(task, n)
    if kind == 7:
        return ("make", service, payload)
    return {"action_type": "submit_fix", "target": service, "fix_payload": payload}


def _configs(ep: adb.Episode) -> str:
    return json.dumps(ep.configs, sort_keys=True, allow_nan=False)


def _check_episode(ep: adb.Episode) -> None:
    g = ep.grade()
    assert 0.0 <= g.score <= 1.0
    assert all(0.0 <= v <= 1.0 for v in g.dimensions.values()), g.dimensions
    text = json.dumps(ep.transcript(), allow_nan=False)
    v = adb.verify(json.loads(text))
    assert v.ok, v.reasons


STATS = {"attempts": 0, "steps": 0, "refused": 0, "rejected": 0, "episodes": 0}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    task=st.sampled_from(sorted(SCENARIOS)),
    moves=st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 2**40)), min_size=MOVES, max_size=MOVES
    ),
)
def _play_garbage(task: str, moves: list[tuple[int, int]]) -> None:
    ep = adb.Episode(SCENARIOS[task])
    ep.reset()
    for kind, n in moves:
        move = _move(task, kind, n)
        steps, history, configs = ep.steps, len(ep.history), _configs(ep)
        STATS["attempts"] += 1
        try:
            if isinstance(move, tuple):  # build the Action here: refusals happen at build time
                move = Action.submit_fix(move[1], move[2])
            obs, reward, terminated, truncated, info = ep.step(move)
        except ActionError as exc:
            assert str(exc)
            assert ep.steps == steps and len(ep.history) == history
            assert _configs(ep) == configs
            STATS["refused"] += 1
            continue
        except EpisodeFinishedError:
            assert ep.done and ep.steps == steps
            continue
        STATS["steps"] += 1
        assert ep.steps == steps + 1 and obs.message
        if not obs.accepted:
            STATS["rejected"] += 1
            assert _configs(ep) == configs
        if terminated or truncated:
            _check_episode(ep)
            STATS["episodes"] += 1
            ep.reset()
    _check_episode(ep)
    STATS["episodes"] += 1


def test_garbage_play_keeps_every_invariant_for_twenty_thousand_steps():
    for key in STATS:
        STATS[key] = 0
    _play_garbage()
    assert STATS["steps"] >= MIN_STEPS, STATS
    # both kinds of refusal were exercised, many times
    assert STATS["refused"] >= MIN_STEPS // 4 and STATS["rejected"] >= 1_000, STATS
    assert STATS["episodes"] >= EXAMPLES, STATS
