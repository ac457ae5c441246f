"""JSON merge patches (RFC 7396) with dotted keys, checked against a reference model."""

from __future__ import annotations

import copy
import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apidebug_nb.merge_patch import (
    PatchError,
    apply_fix,
    apply_merge_patch,
    expand_dotted,
    normalise_patch,
    patch_paths,
)

KEYS = st.sampled_from(["a", "b", "c", "timeout", "Content-Type"])
scalars = st.one_of(
    st.integers(-5, 5),
    st.floats(-10, 10, allow_nan=False),
    st.booleans(),
    st.text("xy", max_size=2),
)
json_values = st.recursive(
    st.one_of(scalars, st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=10,
)
objects = st.dictionaries(KEYS, json_values, max_size=4)


class Opaque:
    """Not JSON; equal to its copies so that "unchanged" can be checked."""

    def __eq__(self, other):
        return isinstance(other, Opaque)

    __hash__ = object.__hash__


def rfc7396(target, patch):
    """The RFC's MergePatch pseudo-code, verbatim."""
    if isinstance(patch, dict):
        result = dict(target) if isinstance(target, dict) else {}
        for key, value in patch.items():
            if value is None:
                result.pop(key, None)
            else:
                result[key] = rfc7396(result.get(key), value)
        return result
    return patch


def descends_through_a_value(target, patch) -> bool:
    """The one deliberate deviation: a patch object over an existing non-object setting."""
    for key, value in patch.items():
        if isinstance(value, dict) and key in target:
            if not isinstance(target[key], dict) or descends_through_a_value(target[key], value):
                return True
    return False


def scribble(node):
    """Mutate every container inside ``node``."""
    if isinstance(node, dict):
        for v in node.values():
            scribble(v)
        node["scribbled"] = 1
    elif isinstance(node, list):
        node.append("scribbled")


@given(target=objects, patch=objects)
def test_agrees_with_rfc_7396_and_never_mutates(target, patch):
    target_before, patch_before = copy.deepcopy(target), copy.deepcopy(patch)
    if descends_through_a_value(target, patch):
        with pytest.raises(PatchError, match="cannot be set inside it"):
            apply_merge_patch(target, patch)
        assert target == target_before and patch == patch_before
        return
    result = apply_merge_patch(target, patch)
    assert result == rfc7396(target, patch)
    assert target == target_before and patch == patch_before
    assert apply_merge_patch(result, patch) == result  # patching twice changes nothing more
    expected = copy.deepcopy(result)
    scribble(patch)  # the result shares nothing with the patch
    assert result == expected


def test_null_deletes_nested_objects_merge_arrays_replace():
    target = {"timeout": 5, "headers": {"A": "1", "B": "2"}, "retry_on": [502, 503]}
    patch = {"timeout": None, "headers": {"B": "3", "C": None}, "retry_on": [429]}
    assert apply_merge_patch(target, patch) == {"headers": {"A": "1", "B": "3"}, "retry_on": [429]}
    assert apply_merge_patch({"a": 1}, {"missing": None}) == {"a": 1}
    assert apply_merge_patch({"a": 1}, {"n": {"m": {"k": 1}}}) == {"a": 1, "n": {"m": {"k": 1}}}
    assert apply_merge_patch({"h": {"x": 1}}, {"h": None}) == {}


@pytest.mark.parametrize(
    "patch", [{"timeout": {"value": 5}}, {"headers": {"A": {"deep": 1}}}, {"timeout": {}}]
)
def test_a_patch_may_not_descend_through_a_value(patch):
    target = {"timeout": 5, "headers": {"A": "1"}}
    with pytest.raises(PatchError) as info:
        apply_merge_patch(target, patch)
    message = str(info.value)
    assert "cannot be set inside it" in message and "set " in message
    assert target == {"timeout": 5, "headers": {"A": "1"}}


def test_dotted_keys():
    assert normalise_patch({"headers.Authorization": "Bearer x"}) == {
        "headers": {"Authorization": "Bearer x"}
    }
    assert normalise_patch({"a.b": 1, "a.c": 2, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}
    assert normalise_patch({"a.b": 1, "a": {"c": 2}}) == {"a": {"b": 1, "c": 2}}
    assert normalise_patch({"a": {"b.c": None}}) == {"a": {"b": {"c": None}}}
    assert apply_merge_patch({"a": {"b": 1, "c": 2}}, normalise_patch({"a.b": None})) == {
        "a": {"c": 2}
    }


def flatten(patch, prefix=""):
    out = {}
    for key, value in patch.items():
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


@given(patch=objects.filter(bool))
def test_dotted_form_expands_to_the_nested_form(patch):
    assert normalise_patch(flatten(patch)) == normalise_patch(patch) == patch
    assert sorted(patch_paths(patch)) == sorted(flatten(patch))


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"a..b": 1}, "empty segment"),
        ({".a": 1}, "empty segment"),
        ({"a.": 1}, "empty segment"),
        ({"a": 1, "a.b": 2}, "conflicts"),
        ({"a.b": 2, "a": 1}, "given twice"),
        ({"a": {"b": 1}, "a.b": 2}, "given twice"),
        ({"a.b": 2, "a": {"b": 3}}, "sets 'a.b' twice"),
        ({"": 1}, "empty segment"),
    ],
)
def test_bad_dotted_keys(patch, fragment):
    with pytest.raises(PatchError, match=fragment):
        normalise_patch(patch)


def test_a_plain_key_after_a_dotted_one_merges_into_it():
    assert normalise_patch({"a.b": 2, "a": {"c": 3}, "t": 1}) == {"a": {"b": 2, "c": 3}, "t": 1}


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"timeout": math.nan}, "finite"),
        ({"timeout": math.inf}, "finite"),
        ({"tags": {1, 2}}, "not a JSON value"),
        ({"when": dt.date(2026, 1, 1)}, "not a JSON value"),
        ({"key": b"bytes"}, "not a JSON value"),
        ({"n": 1j}, "not a JSON value"),
        ({"retry": {"retry_on": [429, Opaque()]}}, "retry.retry_on[1]"),
        ({"headers": {1: "x"}}, "not a string"),
        ([("timeout", 30)], "must be a JSON object"),
        ("timeout=30", "must be a JSON object"),
        (None, "must be a JSON object"),
        ({}, "empty"),
    ],
)
def test_non_json_patches_are_rejected(patch, fragment):
    before = copy.deepcopy(patch)
    with pytest.raises(PatchError) as info:
        normalise_patch(patch)
    assert fragment in str(info.value)
    assert patch == before


@given(patch=st.dictionaries(st.text("ab.", min_size=1, max_size=4), json_values, max_size=4))
def test_normalise_never_mutates_its_input(patch):
    before = copy.deepcopy(patch)
    try:
        normalise_patch(patch)
    except PatchError:
        pass
    assert patch == before


def new_keys(target, patch):
    return apply_fix(target, patch).new_keys


def test_new_keys_suggests_close_names():
    assert new_keys({"timeout": 5}, {"timout": 30}) == [("timout", ["timeout"])]
    assert new_keys({"headers": {"Content-Type": "x"}}, {"headers": {"Content-Typ": "y"}}) == [
        ("headers.Content-Typ", ["Content-Type"])
    ]
    assert new_keys({"timeout": 5}, {"timeout": 30, "gone": None}) == []


def test_expand_dotted_merges_siblings_in_order():
    assert expand_dotted({"h.A": 1, "h.B": 2, "t": 3}) == {"h": {"A": 1, "B": 2}, "t": 3}


def test_header_names_in_a_patch_update_the_existing_header_whatever_the_case():
    cfg = {"headers": {"Content-Type": "text/plain", "Accept": "*/*"}, "Mode": "x"}
    r = apply_fix(cfg, {"headers.content-type": "application/json"})
    assert r.config["headers"] == {"Content-Type": "application/json", "Accept": "*/*"}
    assert r.touched == ["headers.Content-Type"]
    assert r.new_keys == []
    r = apply_fix(cfg, {"headers": {"ACCEPT": None, "authorization": "Bearer k"}})
    assert r.config["headers"] == {"Content-Type": "text/plain", "authorization": "Bearer k"}
    # outside headers, keys keep their case
    assert apply_fix(cfg, {"mode": "y"}).config["Mode"] == "x"
