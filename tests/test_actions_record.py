"""The Action record: every way to build one checks the same things, in the same order.

``Action(...)``, the constructors (``Action.inspect_logs`` and friends) and
``Action.from_dict`` must give the same record, or the same ``ActionError``
message, as the straightforward reference below (each field checked in turn
and the fix cleaned by the full walk), on generated input full of nasty values.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apidebug_nb import Action, ActionError
from apidebug_nb.input_limits import FIX_LIMITS, InputError, _walk_json, brief

KINDS = ["inspect_logs", "inspect_config", "inspect_endpoint", "submit_fix", "hint", "reveal"]


class Text(str):
    pass


def reference_name(value: Any, what: str, kind: str) -> str:
    if not isinstance(value, str):
        raise ActionError(f"{kind} needs {what} (a string), got {brief(value)}")
    if len(value) > 200:
        raise ActionError(
            f"{kind} got {what} of {len(value):,} characters; names are at most 200 characters"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ActionError(
            f"{kind} got {what} {brief(value)} holding a lone surrogate (not valid Unicode)"
        ) from None
    return str.__str__(value)


def reference(kind: Any, service: Any = None, changes: Any = None, issue: Any = None) -> tuple:
    """The fields an Action must hold, checked one after another."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ActionError(f"unknown action {brief(kind)}; actions are: {', '.join(KINDS)}")
    kind = str.__str__(kind)
    if kind in KINDS[:4]:
        service = reference_name(service, "a service name", kind)
    elif service is not None:
        raise ActionError(f"{kind} takes no service, got {brief(service)}")
    if kind != "submit_fix" and changes is not None:
        raise ActionError(f"only submit_fix takes changes, not {kind}")
    if kind != "reveal" and issue is not None:
        raise ActionError(f"only reveal names an issue, not {kind}")
    if issue is not None:
        issue = reference_name(issue, "an issue id", "reveal")
    if kind == "submit_fix":
        try:
            changes = _walk_json(changes, FIX_LIMITS)
        except InputError as exc:
            raise ActionError(f"not a usable fix: {exc}. No step was used.") from None
    return kind, service, changes, issue


def typed(value: Any) -> Any:
    if isinstance(value, dict):
        return ("dict", [(type(k).__name__, k, typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(v) for v in value])
    return (type(value).__name__, value)


def outcome(build: Any, *args: Any, **kwargs: Any) -> tuple:
    try:
        made = build(*args, **kwargs)
    except ActionError as exc:
        return ("refused", str(exc))
    if isinstance(made, Action):
        assert type(made) is Action
        made = (made.kind, made.service, made.changes, made.issue)
    return ("built", typed(made))


names = (
    st.text(max_size=8)
    | st.sampled_from(
        ["order_service", "é", "名前", "\ud800", "a\udfff", "x" * 200, "x" * 201, "é" * 201]
    )
    | st.text(max_size=4).map(Text)
    | st.sampled_from([None, 5, True, 2.5, b"svc", ("svc",), 10**400])
)
kinds = (
    st.sampled_from(KINDS)
    | st.sampled_from(["", "Hint", "inspect", 5, None, True])
    | (st.sampled_from(KINDS).map(Text))
)
fixes = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from([10**15, 10**15 + 1, 1e15, math.nan, math.inf, 10**400, "\ud800", b"x"])
    | st.text(max_size=6)
    | st.text(max_size=4).map(Text),
    lambda inner: (
        st.dictionaries(st.text(max_size=4) | st.integers(0, 2) | st.booleans(), inner, max_size=3)
        | st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3).map(MappingProxyType)
    ),
    max_leaves=12,
)
maybe = st.none() | st.none() | names  # a field is often left out


@settings(max_examples=1000)
@given(kind=kinds, service=maybe, changes=st.none() | fixes, issue=maybe)
def test_action_checks_its_fields_as_the_reference_does(kind, service, changes, issue):
    assert outcome(Action, kind, service, changes, issue) == outcome(
        reference, kind, service, changes, issue
    )


@settings(max_examples=600)
@given(service=names, changes=fixes, issue=st.none() | names)
def test_constructors_agree_with_the_reference(service, changes, issue):
    for kind in KINDS[:3]:
        assert outcome(getattr(Action, kind), service) == outcome(reference, kind, service)
    assert outcome(Action.submit_fix, service, changes) == outcome(
        reference, "submit_fix", service, changes
    )
    assert outcome(Action.hint) == outcome(reference, "hint")
    assert outcome(Action.reveal, issue) == outcome(reference, "reveal", issue=issue)


@settings(max_examples=300)
@given(kind=kinds, service=maybe, changes=st.none() | fixes)
def test_from_dict_agrees_with_the_reference(kind, service, changes):
    data: dict[str, Any] = {"action_type": kind}
    if service is not None:
        data["target"] = service
    if changes is not None:
        data["fix_payload"] = changes
    if kind == "reveal":  # a seed-style reveal names its issue as the target
        expected = outcome(reference, kind, None, changes, service)
    else:
        expected = outcome(reference, kind, service, changes)
    assert outcome(Action.from_dict, data) == expected


def test_names_and_kinds_become_plain_strings():
    a = Action(Text("inspect_logs"), Text("svc"))
    assert (type(a.kind), type(a.service)) == (str, str)
    assert a == Action.inspect_logs("svc")
    b = Action.reveal(Text("hard.timeout"))
    assert type(b.issue) is str and b.issue == "hard.timeout"


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: Action.inspect_logs("x" * 201), "inspect_logs got a service name of 201 "),
        (
            lambda: Action.inspect_config("a\ud800"),
            r"inspect_config got a service name 'a\\ud800' holding a lone surrogate",
        ),
        (lambda: Action.inspect_endpoint(5), "inspect_endpoint needs a service name (a string)"),
        (
            lambda: Action.submit_fix(None, {}),
            "submit_fix needs a service name (a string), got None",
        ),
        (lambda: Action.submit_fix("s", {1: 2}), "not a usable fix: key 1 is not a string"),
        (lambda: Action.reveal("é" * 201), "reveal got an issue id of 201 characters"),
        (lambda: Action.reveal(True), "reveal needs an issue id (a string), got True"),
        (lambda: Action("hint", changes={}), "only submit_fix takes changes, not hint"),
        (lambda: Action("hint", issue="x"), "only reveal names an issue, not hint"),
        (lambda: Action("reveal", "svc"), "reveal takes no service, got 'svc'"),
        (lambda: Action("Hint"), "unknown action 'Hint'; actions are: inspect_logs, "),
    ],
)
def test_each_refusal_says_what_was_wrong(build, message):
    with pytest.raises(ActionError) as caught:
        build()
    assert str(caught.value).startswith(message)


def test_a_name_of_200_characters_is_the_longest():
    assert Action.inspect_logs("é" * 200).service == "é" * 200
    assert Action.inspect_logs("s" * 200).service == "s" * 200


def test_the_record_stays_a_frozen_dataclass_of_four_fields():
    a = Action.submit_fix("svc", ({"timeout_s": 30},))
    assert [f.name for f in dataclasses.fields(Action)] == ["kind", "service", "changes", "issue"]
    assert (
        repr(a)
        == "Action(kind='submit_fix', service='svc', changes=[{'timeout_s': 30}], issue=None)"
    )
    assert a == Action("submit_fix", "svc", [{"timeout_s": 30}])
    assert a != Action.submit_fix("svc", [{"timeout_s": 31}])
    assert hash(Action.hint()) == hash(Action("hint"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.service = "other"  # type: ignore[misc]
    assert copy.deepcopy(a) == a and pickle.loads(pickle.dumps(a)) == a
    assert dataclasses.replace(a, service="b").service == "b"
    with pytest.raises(ActionError, match="only submit_fix takes changes, not hint"):
        dataclasses.replace(a, kind="hint", service=None)


def test_a_subclass_is_built_and_checked_by_its_own_init():
    seen = []

    class Logged(Action):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            seen.append(args)
            super().__init__(*args, **kwargs)

    a = Logged.inspect_logs("svc")
    assert (
        type(a) is Logged and a.service == "svc" and seen == [("inspect_logs", "svc", None, None)]
    )
    with pytest.raises(ActionError, match="needs a service name"):
        Logged.submit_fix(5, {})


def test_a_mapping_fix_becomes_a_plain_dict():
    class Frozen(Mapping):
        def __getitem__(self, key: str) -> int:
            return {"a": 1}[key]

        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(["a"])

        def __len__(self) -> int:
            return 1

    a = Action.submit_fix("svc", {"m": Frozen(), "t": (True, 1, 1.5)})
    assert typed(a.changes) == typed({"m": {"a": 1}, "t": [True, 1, 1.5]})
