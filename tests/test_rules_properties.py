"""Properties of the rule interpreter: combinator algebra, comparisons, errors."""

from __future__ import annotations

import operator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apidebug_nb.errors import MissingPathError, RuleError
from apidebug_nb.model.rules import COMPARISONS, compile_rule, evaluate, holds, rule_paths
from apidebug_nb.scenarios.records import freeze

PY = {
    "eq": operator.eq,
    "ne": operator.ne,
    "ge": operator.ge,
    "gt": operator.gt,
    "le": operator.le,
    "lt": operator.lt,
}
PATHS = ["a.x", "a.y", "a.s", "b.x", "b.y", "b.list"]

numbers = st.one_of(
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(numbers, st.booleans(), st.text("abc0", max_size=3), st.none())


@st.composite
def configs(draw):
    """Two services; every path in PATHS is set."""
    return {
        "a": {"x": draw(scalars), "y": draw(numbers), "s": draw(st.text("abc0", max_size=3))},
        "b": {"x": draw(scalars), "y": draw(numbers), "list": draw(st.lists(scalars, max_size=4))},
    }


def comparison():
    literal = st.builds(
        lambda op, p, v: {op: [p, v]}, st.sampled_from(COMPARISONS), st.sampled_from(PATHS), scalars
    )
    reference = st.builds(
        lambda op, p, q, f: {op: [p, {"ref": q, "factor": f} if f is not None else {"ref": q}]},
        st.sampled_from(COMPARISONS),
        st.sampled_from(PATHS),
        st.sampled_from(PATHS),
        st.one_of(st.none(), st.sampled_from([0.001, 2, 1000])),
    )
    return st.one_of(literal, reference)


atoms = st.one_of(
    comparison(),
    st.builds(lambda p, vs: {"in": [p, vs]}, st.sampled_from(PATHS), st.lists(scalars, max_size=3)),
    st.builds(lambda p: {"in": [p, {"ref": "b.list"}]}, st.sampled_from(PATHS)),
    st.builds(lambda v: {"contains": ["b.list", v]}, scalars),
    st.builds(
        lambda p, rx: {"matches": [p, rx]},
        st.sampled_from(PATHS),
        st.sampled_from(["a.*", "[0-9]+", ".*", "abc"]),
    ),
    # presence reads paths that may be absent, and never fails on them
    st.builds(
        lambda op, p: {op: p},
        st.sampled_from(["present", "absent"]),
        st.sampled_from([*PATHS, "a.nope", "b.x.deeper"]),
    ),
)

rules = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.builds(lambda rs: {"all": rs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda rs: {"any": rs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda r: {"not": r}, inner),
    ),
    max_leaves=8,
)


@given(rule=rules, cfg=configs())
def test_compiled_equals_evaluated_and_is_a_bool(rule, cfg):
    result = evaluate(rule, cfg)
    assert type(result) is bool
    assert compile_rule(rule)(cfg) is result
    assert holds(rule, cfg) is result  # nothing is missing here
    assert evaluate(freeze(rule), freeze(cfg)) is result


@given(rule=rules, cfg=configs())
def test_double_negation_and_singletons(rule, cfg):
    value = evaluate(rule, cfg)
    assert evaluate({"not": {"not": rule}}, cfg) is value
    assert evaluate({"all": [rule]}, cfg) is value
    assert evaluate({"any": [rule]}, cfg) is value


@given(rs=st.lists(rules, min_size=1, max_size=4), cfg=configs())
def test_de_morgan_and_python_semantics(rs, cfg):
    values = [evaluate(r, cfg) for r in rs]
    nots = [{"not": r} for r in rs]
    assert evaluate({"all": rs}, cfg) is all(values)
    assert evaluate({"any": rs}, cfg) is any(values)
    assert evaluate({"not": {"all": rs}}, cfg) is evaluate({"any": nots}, cfg)
    assert evaluate({"not": {"any": rs}}, cfg) is evaluate({"all": nots}, cfg)
    assert evaluate({"any": rs}, cfg) is evaluate({"not": {"all": nots}}, cfg)
    assert evaluate({"all": rs}, cfg) is evaluate({"all": rs[::-1]}, cfg)


@given(op=st.sampled_from(COMPARISONS), a=numbers, b=numbers)
def test_comparisons_agree_with_python_on_numbers(op, a, b):
    assert evaluate({op: ["s.v", b]}, {"s": {"v": a}}) is PY[op](a, b)


@given(
    op=st.sampled_from(COMPARISONS),
    a=numbers,
    b=numbers,
    factor=st.sampled_from([0.001, 0.5, 1, 60, 1000]),
)
def test_reference_with_a_factor_agrees_with_python(op, a, b, factor):
    cfg = {"c": {"v": a}, "g": {"w": b}}
    assert evaluate({op: ["c.v", {"ref": "g.w", "factor": factor}]}, cfg) is PY[op](a, b * factor)
    assert evaluate({op: ["c.v", {"ref": "g.w"}]}, cfg) is PY[op](a, b)


@given(
    op=st.sampled_from(["ge", "gt", "le", "lt"]),
    a=st.one_of(st.text(max_size=3), st.booleans(), st.none()),
    b=numbers,
)
def test_bounds_need_numbers_on_both_sides(op, a, b):
    assert evaluate({op: ["c.v", b]}, {"c": {"v": a}}) is False
    assert evaluate({op: ["c.v", a]}, {"c": {"v": b}}) is False


@given(flag=st.booleans(), n=st.integers(-2, 2))
def test_a_boolean_never_equals_a_number(flag, n):
    for left, right in ((flag, n), (n, flag)):
        cfg = {"c": {"v": left, "vs": [left]}}
        assert evaluate({"eq": ["c.v", right]}, cfg) is False
        assert evaluate({"ne": ["c.v", right]}, cfg) is True
        assert evaluate({"in": ["c.v", [right]]}, cfg) is False
        assert evaluate({"contains": ["c.vs", right]}, cfg) is False
    cfg = {"c": {"v": flag}}
    assert evaluate({"eq": ["c.v", True]}, cfg) is flag
    assert evaluate({"eq": ["c.v", False]}, cfg) is (not flag)


@given(items=st.lists(scalars, max_size=4), value=scalars)
def test_membership_is_python_membership_with_booleans_apart(items, value):
    def same(x, y):
        return x == y and (isinstance(x, bool) == isinstance(y, bool))

    cfg = {"c": {"v": value, "vs": items}}
    expected = any(same(value, x) for x in items)
    assert evaluate({"in": ["c.v", items]}, cfg) is expected
    assert evaluate({"in": ["c.v", {"ref": "c.vs"}]}, cfg) is expected
    assert evaluate({"contains": ["c.vs", value]}, cfg) is expected


def missing_rules():
    missing = st.sampled_from(["a.nope", "a.x.deeper", "b.list.0"])
    direct = st.one_of(
        st.builds(lambda op, p, v: {op: [p, v]}, st.sampled_from(COMPARISONS), missing, numbers),
        st.builds(lambda op, p: {op: ["a.y", {"ref": p}]}, st.sampled_from(COMPARISONS), missing),
        st.builds(lambda p: {"in": [p, [1, 2]]}, missing),
        st.builds(lambda p: {"contains": [p, 1]}, missing),
        st.builds(lambda p: {"matches": [p, ".*"]}, missing),
    )
    return direct


@given(rule=missing_rules(), cfg=configs(), wrap=st.sampled_from(["bare", "not", "all", "any"]))
def test_a_missing_path_raises_naming_rule_and_path(rule, cfg, wrap):
    # ``all`` after a true rule and ``any`` after a false one must reach the missing read
    wrapped = {
        "bare": rule,
        "not": {"not": rule},
        "all": {"all": [{"present": "a.y"}, rule]},
        "any": {"any": [{"absent": "a.y"}, rule]},
    }[wrap]
    with pytest.raises(MissingPathError) as info:
        evaluate(wrapped, cfg)
    err = info.value
    assert err.path in list(rule_paths(rule))
    assert err.rule == rule
    assert repr(err.path) in str(err) and next(iter(rule)) in str(err)
    assert holds(wrapped, cfg) is False
    with pytest.raises(MissingPathError):
        compile_rule(wrapped)(cfg)


@given(
    rule=st.one_of(
        st.builds(lambda op: {op: ["ghost.v", 1]}, st.sampled_from(COMPARISONS)),
        st.builds(lambda op: {op: ["a.y", {"ref": "ghost.v"}]}, st.sampled_from(COMPARISONS)),
        st.builds(lambda op: {op: "ghost.v"}, st.sampled_from(["present", "absent"])),
        st.just({"in": ["ghost.v", [1]]}),
    ),
    cfg=configs(),
)
def test_an_unknown_service_is_a_rule_error_not_a_missing_setting(rule, cfg):
    for call in (evaluate, holds):
        with pytest.raises(RuleError) as info:
            call(rule, cfg)
        assert not isinstance(info.value, MissingPathError)
        assert "'ghost'" in str(info.value)
