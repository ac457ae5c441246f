"""The contract rule interpreter, by example: each operator, each error."""

from __future__ import annotations

import copy

import pytest

from apidebug_nb.errors import MissingPathError, RuleError
from apidebug_nb.model.rules import (
    OPERATORS,
    compile_rule,
    evaluate,
    holds,
    literal_values,
    lookup,
    rule_paths,
    rule_services,
)
from apidebug_nb.scenarios.records import freeze

CFG = {
    "client": {
        "timeout": 15,
        "mode": "async",
        "api_key": "k1",
        "headers": {"Authorization": "Bearer k1", "Content-Type": "application/json"},
        "retry": {"retry_on": [429, 503], "backoff_s": 0.5},
        "url": "https://api.example/v2",
        "enabled": True,
        "token": "t2",
    },
    "gw": {
        "max_ms": 12000,
        "types": ["application/json"],
        "valid": ["t1", "t2"],
        "limit": 20,
        "url": "https://api.example/v2",
    },
}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"eq": ["client.mode", "async"]}, True),
        ({"eq": ["client.mode", "sync"]}, False),
        ({"ne": ["client.mode", "sync"]}, True),
        ({"eq": ["client.url", {"ref": "gw.url"}]}, True),
        ({"ge": ["client.timeout", {"ref": "gw.max_ms", "factor": 0.001}]}, True),
        ({"gt": ["client.timeout", {"ref": "gw.max_ms", "factor": 0.001}]}, True),
        ({"lt": ["client.timeout", {"ref": "gw.max_ms", "factor": 0.001}]}, False),
        ({"le": ["client.timeout", {"ref": "gw.limit"}]}, True),
        ({"ge": ["client.timeout", 16]}, False),
        (
            {
                "eq": [
                    "client.headers.Authorization",
                    {"ref": "client.api_key", "prefix": "Bearer "},
                ]
            },
            True,
        ),
        ({"in": ["client.headers.Content-Type", {"ref": "gw.types"}]}, True),
        ({"in": ["client.token", {"ref": "gw.valid"}]}, True),
        ({"in": ["client.mode", ["sync", "queued"]]}, False),
        ({"contains": ["client.retry.retry_on", 429]}, True),
        ({"contains": ["client.retry.retry_on", 502]}, False),
        ({"matches": ["client.url", r"https://.*/v2"]}, True),
        ({"matches": ["client.url", r"/v2"]}, False),  # a full match, not a search
        ({"present": "client.headers.Authorization"}, True),
        ({"present": "client.headers.X-Trace"}, False),
        ({"absent": "client.headers.X-Trace"}, True),
        ({"absent": "client.timeout"}, False),
        ({"all": [{"eq": ["client.mode", "async"]}, {"ge": ["client.timeout", 10]}]}, True),
        ({"all": [{"eq": ["client.mode", "async"]}, {"ge": ["client.timeout", 20]}]}, False),
        ({"any": [{"eq": ["client.mode", "sync"]}, {"ge": ["client.timeout", 10]}]}, True),
        ({"not": {"eq": ["client.enabled", True]}}, False),
        ({"subset": ["client.retry.retry_on", [429, 502, 503]]}, True),
        ({"subset": ["client.retry.retry_on", [429]]}, False),
        # 15 s x (2 + 1) attempts = 45 s, within 45 s but not within 44 s
        ({"deadline": {"timeout": "client.timeout", "retries": 2, "within": 45}}, True),
        ({"deadline": {"timeout": "client.timeout", "retries": 2, "within": 44}}, False),
    ],
)
def test_each_operator(rule, expected):
    assert evaluate(rule, CFG) is expected
    assert compile_rule(rule)(CFG) is expected
    assert evaluate(freeze(rule), freeze(CFG)) is expected  # scenarios hold frozen data


def test_every_operator_has_an_example():
    used = set()
    for case in test_each_operator.pytestmark[0].args[1]:

        def walk(rule):
            ((op, arg),) = rule.items()
            used.add(op)
            if op in ("all", "any"):
                for r in arg:
                    walk(r)
            elif op == "not":
                walk(arg)

        walk(case[0])
    assert used == set(OPERATORS)


def test_strings_never_satisfy_numeric_bounds():
    for value in ("30", None, [30], True):
        cfg = {"client": {"timeout": value}}
        for op in ("ge", "gt", "le", "lt"):
            assert evaluate({op: ["client.timeout", 10]}, cfg) is False, (op, value)


def test_true_is_not_one_and_false_is_not_zero():
    assert evaluate({"eq": ["client.enabled", 1]}, CFG) is False
    assert evaluate({"eq": ["c.x", True]}, {"c": {"x": 1}}) is False
    assert evaluate({"eq": ["c.x", False]}, {"c": {"x": 0}}) is False
    assert evaluate({"ne": ["c.x", True]}, {"c": {"x": 1}}) is True
    assert evaluate({"in": ["c.x", [1, 2]]}, {"c": {"x": True}}) is False
    assert evaluate({"contains": ["c.x", 1]}, {"c": {"x": [True]}}) is False


def test_list_literals_compare_by_content():
    """A check is stored frozen (tuples); configs are plain lists: still equal."""
    rule = {"eq": ["client.retry.retry_on", [429, 503]]}
    assert evaluate(rule, CFG) is True
    assert evaluate(freeze(rule), CFG) is True
    assert evaluate(rule, freeze(CFG)) is True
    assert evaluate(freeze({"in": ["client.retry.retry_on", [[429, 503]]]}), CFG) is True
    # and nested booleans stay booleans
    assert evaluate({"eq": ["c.x", [1]]}, {"c": {"x": [True]}}) is False


def test_a_factor_on_a_non_number_matches_nothing():
    cfg = {"c": {"x": None, "y": "abc"}}
    assert evaluate({"eq": ["c.x", {"ref": "c.y", "factor": 2}]}, cfg) is False
    assert evaluate({"ge": ["c.x", {"ref": "c.y", "factor": 2}]}, cfg) is False


def test_all_and_any_short_circuit_so_a_guard_protects_a_read():
    cfg = {"client": {}}
    guarded = {"all": [{"present": "client.x"}, {"eq": ["client.x", 1]}]}
    assert evaluate(guarded, cfg) is False
    assert evaluate({"any": [{"absent": "client.x"}, {"eq": ["client.x", 1]}]}, cfg) is True


def test_missing_path_is_a_clear_error_and_holds_says_not_met():
    rule = {"ge": ["client.retries", 3]}
    with pytest.raises(MissingPathError) as info:
        evaluate(rule, CFG)
    err = info.value
    assert err.path == "client.retries" and err.rule == rule
    assert "'client.retries'" in str(err) and '"ge"' in str(err) and "not set" in str(err)
    assert isinstance(err, RuleError) and isinstance(err, KeyError)
    assert holds(rule, CFG) is False
    # in a reference, and below a non-object
    with pytest.raises(MissingPathError, match="gw.nothing"):
        evaluate({"ge": ["client.timeout", {"ref": "gw.nothing"}]}, CFG)
    with pytest.raises(MissingPathError, match="client.timeout.value"):
        evaluate({"eq": ["client.timeout.value", 1]}, CFG)


def test_unknown_service_is_a_rule_error_naming_the_services():
    rule = {"eq": ["ghost.mode", "async"]}
    for call in (evaluate, holds):
        with pytest.raises(RuleError) as info:
            call(rule, CFG)
        assert not isinstance(info.value, MissingPathError)
        assert "'ghost'" in str(info.value) and "services are: client, gw" in str(info.value)
    with pytest.raises(RuleError, match="unknown service 'ghost'"):
        evaluate({"present": "ghost.mode"}, CFG)


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({}, "exactly one operator"),
        ({"eq": ["c.x", 1], "ne": ["c.x", 2]}, "exactly one operator"),
        ([{"eq": ["c.x", 1]}], "exactly one operator"),
        ({"equals": ["c.x", 1]}, "unknown rule operator 'equals'"),
        ({"eq": "c.x"}, "[path, value]"),
        ({"eq": ["c.x"]}, "[path, value]"),
        ({"eq": ["timeout", 1]}, "must be 'service.key'"),
        ({"eq": ["c..x", 1]}, "must be 'service.key'"),
        ({"present": 3}, "must be 'service.key'"),
        ({"eq": ["c.x", {"ref": "c.y", "scale": 2}]}, "a reference must look like"),
        ({"eq": ["c.x", {"value": 2}]}, "a reference must look like"),
        ({"ge": ["c.x", {"ref": "c.y", "factor": "1000"}]}, "'factor' must be a number"),
        ({"ge": ["c.x", {"ref": "c.y", "factor": True}]}, "'factor' must be a number"),
        ({"eq": ["c.x", {"ref": "c.y", "prefix": 1}]}, "'prefix' must be a string"),
        ({"matches": ["c.x", 5]}, "needs a regex string"),
        ({"matches": ["c.x", "(unclosed"]}, "bad regex"),
        ({"all": []}, "non-empty list"),
        ({"any": {"eq": ["c.x", 1]}}, "non-empty list"),
        ({"not": {"nope": 1}}, "unknown rule operator 'nope'"),
    ],
)
def test_malformed_rules_are_refused_when_compiled(rule, fragment):
    with pytest.raises(RuleError) as info:
        compile_rule(rule)  # before any config is read
    assert fragment in str(info.value)
    if isinstance(rule, dict) and len(rule) == 1:
        assert "operators are:" in str(info.value) or fragment != "unknown rule operator"


def test_evaluation_mutates_neither_rule_nor_configs():
    rule = {
        "all": [{"in": ["client.token", {"ref": "gw.valid"}]}, {"not": {"absent": "client.mode"}}]
    }
    before_rule, before_cfg = copy.deepcopy(rule), copy.deepcopy(CFG)
    evaluate(rule, CFG)
    holds(rule, CFG)
    assert rule == before_rule and CFG == before_cfg


def test_rules_are_data_never_code():
    cfg = {"c": {"x": "__import__('os').system('false')"}}
    assert evaluate({"eq": ["c.x", "__import__('os').system('false')"]}, cfg) is True
    assert evaluate({"eq": ["c.x", "0"]}, {"c": {"x": 0}}) is False  # no coercion either


def test_rule_paths_services_and_literals():
    rule = {
        "all": [
            {"present": "a.x"},
            {"le": ["a.x", {"ref": "b.y", "factor": 2}]},
            {"not": {"eq": ["a.mode", "sync"]}},
            {"contains": ["c.list", 429]},
        ]
    }
    assert list(rule_paths(rule)) == ["a.x", "a.x", "b.y", "a.mode", "c.list"]
    assert rule_services(rule) == {"a", "b", "c"}
    assert list(literal_values(rule)) == ["sync", 429]


def test_lookup():
    assert lookup(CFG, "client.headers.Content-Type") == "application/json"
    assert lookup(CFG, "client.nothing", default=None) is None
    with pytest.raises(KeyError):
        lookup(CFG, "client.timeout.deeper")
