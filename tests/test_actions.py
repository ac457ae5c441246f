"""Actions: typed and frozen records, seed-style dicts, and a catalogue of bad actions.

Every bad action must say what was wrong and what would be valid, and change
no config. Two kinds of refusal exist by design:

* a malformed action *record* (unknown kind or field, wrong types, absurd
  size) raises :class:`ActionError` before anything happens: no step is used;
* a well-formed action the system refuses (unknown service, non-editable
  service, bad patch) is answered with ``accepted=False`` and a message, and
  costs its step like any other action.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb import Action, ActionError

HARD_SERVICES = [
    "order_service",
    "api_gateway",
    "inventory_service",
    "shipping_service",
    "auth_service",
]


def deep(n: int) -> dict:
    value: object = 1
    for _ in range(n):
        value = {"a": value}
    return value  # type: ignore[return-value]


def deep_list(n: int) -> list:
    value: list = []
    for _ in range(n):
        value = [value]
    return value


def digest(configs: dict) -> str:
    return hashlib.sha256(json.dumps(configs, sort_keys=True).encode()).hexdigest()


@pytest.fixture
def ep() -> adb.Episode:
    episode = adb.Episode(adb.load_scenario("hard"))
    episode.reset()
    return episode


# -- the record -------------------------------------------------------------------------


def test_constructors_give_kind_service_and_changes():
    a = Action.submit_fix("order_service", {"timeout_s": 30})
    assert (a.kind, a.service, a.changes) == ("submit_fix", "order_service", {"timeout_s": 30})
    assert Action.inspect_logs("x").kind == "inspect_logs"
    assert Action.inspect_config("x").kind == "inspect_config"
    assert Action.inspect_endpoint("x").kind == "inspect_endpoint"
    assert (Action.hint().kind, Action.hint().service) == ("hint", None)
    assert Action.reveal("hard.timeout").issue == "hard.timeout"


def test_action_is_frozen_and_owns_a_copy_of_its_changes():
    changes = {"auth": {"token": "a"}}
    a = Action.submit_fix("order_service", changes)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.kind = "hint"  # type: ignore[misc]
    changes["auth"]["token"] = "b"
    assert a.changes == {"auth": {"token": "a"}}
    out = a.to_dict()
    out["changes"]["auth"]["token"] = "c"
    assert a.changes == {"auth": {"token": "a"}}


def test_unknown_fields_are_refused():
    with pytest.raises(TypeError):
        Action("hint", bogus=1)  # type: ignore[call-arg]
    with pytest.raises(ActionError, match="unknown action field 'bogus'.*action_type"):
        Action.from_dict({"action_type": "hint", "bogus": 1})


def test_seed_style_dicts_are_accepted_and_equal_to_typed_actions():
    assert Action.from_dict(
        {"action_type": "submit_fix", "target": "order_service", "fix_payload": {"timeout_s": 30}}
    ) == Action.submit_fix("order_service", {"timeout_s": 30})
    assert Action.from_dict({"action_type": "inspect_logs", "target": "x"}) == Action.inspect_logs(
        "x"
    )
    assert Action.from_dict({"action_type": "hint"}) == Action.hint()
    # the seed named the issue of a reveal as its target
    assert Action.from_dict({"action_type": "reveal", "target": "hard.timeout"}) == Action.reveal(
        "hard.timeout"
    )


def test_dict_and_typed_actions_play_identically():
    fix = {"gateway_url": "https://gateway.internal/api/v2"}
    typed, dicts = adb.Episode(adb.load_scenario("hard")), adb.Episode(adb.load_scenario("hard"))
    typed.reset()
    dicts.reset()
    a = typed.step(Action.submit_fix("order_service", fix))
    b = dicts.step({"action_type": "submit_fix", "target": "order_service", "fix_payload": fix})
    assert a[0] == b[0] and a[1:4] == b[1:4]
    assert typed.configs == dicts.configs and typed.issue_status() == dicts.issue_status()


action_strategy = st.one_of(
    st.sampled_from(HARD_SERVICES + ["nope"]).flatmap(
        lambda s: st.sampled_from(
            [Action.inspect_logs(s), Action.inspect_config(s), Action.inspect_endpoint(s)]
        )
    ),
    st.builds(
        Action.submit_fix,
        st.sampled_from(HARD_SERVICES),
        st.dictionaries(
            st.text(min_size=1, max_size=8),
            st.integers(-(10**15), 10**15) | st.text(max_size=5),
        ),
    ),
    st.just(Action.hint()),
    st.builds(Action.reveal, st.none() | st.text(max_size=12)),
)


@given(action_strategy)
def test_to_dict_round_trips_through_json(action):
    assert Action.from_dict(json.loads(json.dumps(action.to_dict()))) == action


def test_dotted_keys_are_shorthand_for_nesting():
    a, b = adb.Episode(adb.load_scenario("hard")), adb.Episode(adb.load_scenario("hard"))
    a.reset()
    b.reset()
    enabled = a.configs["order_service"]["auth"]["refresh"]["enabled"]
    a.step(Action.submit_fix("order_service", {"auth.refresh.before_expiry_s": 600}))
    b.step(Action.submit_fix("order_service", {"auth": {"refresh": {"before_expiry_s": 600}}}))
    assert a.configs == b.configs
    assert a.configs["order_service"]["auth"]["refresh"] == {
        "enabled": enabled,  # a merge patch keeps the siblings it does not name
        "before_expiry_s": 600,
    }


def test_null_deletes_a_key(ep):
    ep.step(Action.submit_fix("order_service", {"circuit_breaker": {"reset_timeout_s": None}}))
    assert "reset_timeout_s" not in ep.configs["order_service"]["circuit_breaker"]


# -- the catalogue of bad actions -------------------------------------------------------

#: (id, action, fragments the message must contain: what was wrong and what is valid)
REJECTED_BY_STEP = [
    (
        "logs-typo",
        Action.inspect_logs("order_servce"),
        [
            "unknown service 'order_servce'",
            "Did you mean 'order_service'",
            "Services are: order_service, api_gateway",
        ],
    ),
    (
        "config-unknown",
        Action.inspect_config("billing"),
        ["unknown service 'billing'", "Services are:"],
    ),
    ("endpoint-empty-name", Action.inspect_endpoint(""), ["unknown service ''", "Services are:"]),
    (
        "endpoint-case",
        Action.inspect_endpoint("Order_Service"),
        ["unknown service", "Did you mean 'order_service'"],
    ),
    (
        "fix-unknown-service",
        Action.submit_fix("orders", {"timeout_s": 30}),
        ["unknown service 'orders'", "Services are:"],
    ),
    (
        "fix-gateway",
        Action.submit_fix("api_gateway", {"base_url": "x"}),
        [
            "not yours to change",
            "Fix the client side",
            "you can edit: order_service, inventory_service",
        ],
    ),
    (
        "fix-auth",
        Action.submit_fix("auth_service", {"valid_tokens": []}),
        ["not yours to change", "Fix the client side"],
    ),
    (
        "fix-shipping",
        Action.submit_fix("shipping_service", {"supported_dispatch_modes": ["sync"]}),
        ["Fix the client side"],
    ),
    ("empty-patch", Action.submit_fix("order_service", {}), ["empty", '{"timeout": 30}']),
    (
        "list-patch",
        Action.submit_fix("order_service", [{"timeout_s": 30}]),
        ["JSON object", "got a list"],
    ),
    (
        "string-patch",
        Action.submit_fix("order_service", "timeout_s=30"),
        ["JSON object", "got a string"],
    ),
    ("number-patch", Action.submit_fix("order_service", 30), ["JSON object", "got a number"]),
    ("null-patch", Action.submit_fix("order_service", None), ["JSON object", "got null"]),
    ("bool-patch", Action.submit_fix("order_service", True), ["JSON object", "got a boolean"]),
    (
        "through-number",
        Action.submit_fix("order_service", {"timeout_s.value": 5}),
        ["'timeout_s' is a number", "set 'timeout_s' itself"],
    ),
    (
        "through-string",
        Action.submit_fix("order_service", {"auth": {"key_id": {"value": "x"}}}),
        ["'auth.key_id' is a string", "set 'auth.key_id' itself"],
    ),
    (
        "through-boolean",
        Action.submit_fix("order_service", {"circuit_breaker.enabled.now": True}),
        ["is a boolean", "set 'circuit_breaker.enabled' itself"],
    ),
    (
        "double-dot",
        Action.submit_fix("order_service", {"auth..token": "x"}),
        ["empty segment", "'a.b'"],
    ),
    ("leading-dot", Action.submit_fix("order_service", {".timeout_s": 30}), ["empty segment"]),
    ("trailing-dot", Action.submit_fix("order_service", {"timeout_s.": 30}), ["empty segment"]),
    (
        "dotted-conflict",
        Action.submit_fix("order_service", {"auth.token": "x", "auth.token.kind": "y"}),
        ["conflicts"],
    ),
    (
        "reveal-unknown",
        Action.reveal("hard.nope"),
        ["unknown issue 'hard.nope'", "issues you can see are: hard.deprecated_url ("],
    ),
    (
        "reveal-not-in-episode",
        Action.reveal("hard.idempotency"),
        ["unknown issue", "issues you can see are:"],
    ),
]

#: (id, raw action, fragments of the ActionError)
REFUSED_AS_RECORDS = [
    (
        "unknown-kind",
        {"action_type": "restart_service", "target": "order_service"},
        ["unknown action 'restart_service'", "inspect_logs, inspect_config"],
    ),
    (
        "unknown-field",
        {"action_type": "inspect_logs", "target": "order_service", "force": True},
        ["unknown action field 'force'", "action_type", "fix_payload"],
    ),
    ("no-kind", {"target": "order_service"}, ["needs 'action_type'", "submit_fix"]),
    ("kind-twice", {"kind": "hint", "action_type": "hint"}, ["given twice"]),
    (
        "service-not-a-string",
        {"action_type": "inspect_logs", "target": 42},
        ["needs a service name (a string)", "42"],
    ),
    (
        "service-missing",
        {"action_type": "submit_fix", "fix_payload": {"a": 1}},
        ["needs a service name"],
    ),
    (
        "hint-with-service",
        {"action_type": "hint", "target": "order_service"},
        ["hint takes no service"],
    ),
    (
        "changes-on-inspect",
        {"action_type": "inspect_config", "target": "order_service", "fix_payload": {"a": 1}},
        ["only submit_fix takes changes"],
    ),
    ("issue-not-a-string", {"action_type": "reveal", "issue": 5}, ["issue id (a string)"]),
    ("a-string", "inspect_logs order_service", ["an Action or a dict", "str"]),
    ("none", None, ["an Action or a dict", "NoneType"]),
    ("a-list", [("action_type", "hint")], ["an Action or a dict", "list"]),
    (
        "nested-1000-deep",
        {"action_type": "submit_fix", "target": "order_service", "fix_payload": deep(1000)},
        ["nested more than 32 levels"],
    ),
    (
        "list-nested-1000-deep",
        {
            "action_type": "submit_fix",
            "target": "order_service",
            "fix_payload": {"a": deep_list(1000)},
        },
        ["nested more than"],
    ),
    (
        "ten-megabyte-string",
        {
            "action_type": "submit_fix",
            "target": "order_service",
            "fix_payload": {"timeout_s": "x" * 10_000_000},
        },
        ["10,000,000 characters", "at most 100,000"],
    ),
    # Values that are not JSON, or are far out of range, are refused before the
    # step: they cost nothing and are never recorded (a transcript stays JSON).
    *[
        (
            name,
            {"action_type": "submit_fix", "target": "order_service", "fix_payload": payload},
            fragments,
        )
        for name, payload, fragments in [
            ("nan", {"timeout_s": math.nan}, ["timeout_s: nan", "finite", "No step was used"]),
            ("infinity", {"timeout_s": math.inf}, ["inf", "finite"]),
            ("minus-infinity-in-list", {"x": [1, -math.inf]}, ["x[1]", "finite"]),
            ("nan-deep-inside", {"a": [{"b": math.nan}]}, ["a[0].b", "finite"]),
            ("huge-int", {"timeout": 10**5000}, ["an integer of 5001 digits", "at most"]),
            ("big-int", {"timeout": 10**15 + 1}, ["1000000000000001", "1,000,000,000,000,000"]),
            ("big-float", {"timeout": 1e300}, ["1e+300", "too large"]),
            ("set-value", {"timeout_s": {1, 2}}, ["type set is not a JSON value", "use a string"]),
            ("object-value", {"timeout_s": object()}, ["type object is not", "use a string"]),
            ("bytes-value", {"auth.token": b"tok"}, ["type bytes is not a JSON value"]),
            ("complex-value", {"timeout_s": 1j}, ["type complex is not a JSON value"]),
            ("datetime-value", {"timeout_s": dt.date(2026, 1, 1)}, ["type date is not"]),
            ("int-key", {1: 2}, ["key 1 is not a string", "JSON keys are strings"]),
            ("none-key", {None: 2}, ["key None is not a string"]),
            ("tuple-key", {(1,): 2}, ["key a value of type tuple is not a string"]),
            ("bool-key", {True: 2}, ["key True is not a string"]),
            ("float-key", {1.5: 2}, ["key 1.5 is not a string"]),
            ("surrogate", {"auth.token": "a\ud800b"}, ["lone surrogate"]),
            ("surrogate-key", {"a\udfff": 1}, ["lone surrogate"]),
        ]
    ],
    (
        "huge-patch",
        {
            "action_type": "submit_fix",
            "target": "order_service",
            "fix_payload": {f"k{i}": i for i in range(20_000)},
        },
        ["more than 10,000 values"],
    ),
]


def test_the_catalogue_is_large():
    assert len(REJECTED_BY_STEP) + len(REFUSED_AS_RECORDS) >= 30


@pytest.mark.parametrize(
    "action, fragments", [c[1:] for c in REJECTED_BY_STEP], ids=[c[0] for c in REJECTED_BY_STEP]
)
def test_refused_actions_say_why_cost_a_step_and_change_nothing(ep, action, fragments):
    before, configs = digest(ep.configs), copy.deepcopy(ep.configs)
    status = ep.issue_status()
    obs, reward, terminated, truncated, info = ep.step(action)
    assert obs.accepted is False and info["accepted"] is False
    assert obs.message.startswith("Rejected: ") and "nothing changed" in obs.message
    for fragment in fragments:
        assert fragment in obs.message, (fragment, obs.message)
    assert digest(ep.configs) == before and ep.configs == configs
    assert ep.issue_status() == status
    assert ep.steps == 1 and not terminated and not truncated
    assert reward < -0.01  # the step cost plus the rejection penalty
    assert obs.logs == [] and obs.config is None and obs.response is None


@pytest.mark.parametrize(
    "raw, fragments", [c[1:] for c in REFUSED_AS_RECORDS], ids=[c[0] for c in REFUSED_AS_RECORDS]
)
def test_malformed_action_records_raise_action_error_and_use_no_step(ep, raw, fragments):
    before = digest(ep.configs)
    with pytest.raises(ActionError) as err:
        ep.step(raw)
    for fragment in fragments:
        assert fragment in str(err.value), (fragment, str(err.value))
    assert digest(ep.configs) == before
    assert ep.steps == 0 and ep.history == () and len(ep.observations) == 1


def test_a_patch_that_changes_nothing_is_accepted_but_said_so(ep):
    current = ep.configs["order_service"]["gateway_url"]
    obs, *_ = ep.step(Action.submit_fix("order_service", {"gateway_url": current}))
    assert obs.accepted and "changes nothing" in obs.message
    assert not ep.history[-1].changed


def test_a_new_key_is_applied_with_a_did_you_mean(ep):
    obs, *_ = ep.step(Action.submit_fix("order_service", {"timeout": 30}))
    assert obs.accepted and "'timeout' is a new setting" in obs.message
    assert "Did you mean 'timeout_s'?" in obs.message


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # includes nan and infinities
    st.text(max_size=6),
    st.sampled_from([set(), object(), b"x", 1j]),
)
garbage = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=150)
@given(
    service=st.sampled_from(HARD_SERVICES + ["nope"]),
    changes=garbage,
)
def test_no_patch_escapes_step(service, changes):
    """Whatever the patch, it is refused as a record (no step) or step answers with a
    message; a refusal changes nothing."""
    ep = adb.Episode(adb.load_scenario("hard"))
    ep.reset()
    before = digest(ep.configs)
    try:
        action = Action.submit_fix(service, changes)
    except ActionError as exc:
        assert "No step was used" in str(exc)
        assert ep.steps == 0 and digest(ep.configs) == before
        return
    obs, *_ = ep.step(action)
    assert obs.message
    if not obs.accepted:
        assert digest(ep.configs) == before
    else:
        json.dumps(ep.configs, allow_nan=False)  # accepted patches keep configs plain JSON
