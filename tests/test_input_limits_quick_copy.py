"""clean_json's quick copy of small plain input agrees with the full walk on everything.

``clean_json`` first tries a quick copy for plain, shallow input and hands
anything unusual to the full iterative walk. These properties check that the
two give the same copy, or the same error (message, path, ``too_large``), on
generated JSON-like input full of nasty values, under tight and real limits.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apidebug_nb.input_limits import (
    FILE_LIMITS,
    FIX_LIMITS,
    InputError,
    Limits,
    _copy_plain,
    _Unusual,
    _walk_json,
    clean_json,
)


class Text(str):
    pass


class Number(int):
    pass


class Real(float):
    pass


class Table(dict):
    pass


class Row(list):
    pass


class Frozen(Mapping):
    """A read-only mapping that is not a dict."""

    def __init__(self, data: dict) -> None:
        self._data = data

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


LONE_SURROGATE = "\ud800"

nasty_text = (
    st.text(max_size=14)
    | st.text(st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=4)
    | st.sampled_from(["", "ok", "é", "名前", LONE_SURROGATE, "a" + LONE_SURROGATE, "x" * 40])
)
numbers = (
    st.integers(-50, 50)
    | st.sampled_from(
        [
            10**15,
            -(10**15),
            10**15 + 1,
            -(10**15) - 1,
            10**20,
            10**400,
            -(10**400),
            1e15,
            -1e15,
            1.0000000000000002e15,
            1e300,
            0.5,
            -0.0,
            math.nan,
            math.inf,
            -math.inf,
        ]
    )
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([1, -1]).map(lambda sign: sign * 10**5000)  # too long for repr()
)
scalars = (
    st.none()
    | st.booleans()
    | numbers
    | nasty_text
    | nasty_text.map(Text)
    | st.integers(-5, 5).map(Number)
    | st.sampled_from([Number(10**16), Real(2.5), Real(math.nan), True])
    | st.sampled_from([b"bytes", {1, 2}, frozenset(), object, 1j])
)
keys = (
    nasty_text
    | nasty_text.map(Text)
    | st.integers(-3, 3)
    | st.booleans()
    | st.none()
    | st.sampled_from([(1, 2), 2.5, b"k"])
)


def containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    dicts = st.dictionaries(keys, inner, max_size=4)
    lists = st.lists(inner, max_size=4)
    return (
        dicts
        | lists
        | lists.map(tuple)
        | dicts.map(Table)
        | lists.map(Row)
        | dicts.map(Frozen)
        | dicts.map(MappingProxyType)
    )


def containers_in(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list, tuple, Mapping)):
            yield item
            stack.extend(item.values() if isinstance(item, Mapping) else item)


def nested(value: Any, levels: int) -> Any:
    for n in range(levels):
        value = {"k": value} if n % 2 else [value]
    return value


json_like = st.recursive(scalars, containers, max_leaves=20)
deep_json_like = st.tuples(json_like, st.integers(0, 12)).map(lambda vl: nested(*vl))
plain_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.floats(-1e15, 1e15, allow_nan=False)
    | st.text(max_size=10)
)
plain_json = st.recursive(
    plain_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)
plain_top = st.dictionaries(st.text(max_size=6), plain_json, max_size=4) | st.lists(plain_json)


def measure(value: Any) -> tuple[int, int, int, int]:
    """(deepest non-empty container, values in total, longest text, longest key) of plain JSON."""
    depth = items = text = key = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        items += 1
        if isinstance(item, str):
            text = max(text, len(item))
        elif isinstance(item, (dict, list)) and item:
            depth = max(depth, level)
            if isinstance(item, dict):
                key = max(key, *map(len, item))
            stack.extend(
                (sub, level + 1) for sub in (item.values() if isinstance(item, dict) else item)
            )
    return depth, items, text, key


@st.composite
def limits_around(draw: st.DrawFn, value: Any) -> Limits:
    """Limits each at, just below or just above what ``value`` needs."""
    near = st.integers(-1, 1)
    depth, items, text, key = measure(value)
    return Limits(
        "the input",
        max_depth=max(0, depth + draw(near)),
        max_items=max(0, items + draw(near)),
        max_text=max(0, text + draw(near)),
        max_key=max(0, key + draw(near)),
        max_json_chars=1_000,
    )


@st.composite
def plain_at_its_bounds(draw: st.DrawFn) -> tuple[Any, Limits]:
    value = draw(plain_top)
    return value, draw(limits_around(value))


nasty_kinds = [
    st.integers(-5, 5).map(Number),
    st.floats(-5, 5).map(Real),
    st.text(max_size=4).map(Text),
    st.sampled_from([LONE_SURROGATE, "a" + LONE_SURROGATE, "é" + LONE_SURROGATE]),
    st.sampled_from([10**15 + 1, -(10**15) - 1, 1e15 * (1 + 2**-52), math.nan, math.inf, 10**400]),
    st.sampled_from([b"x", {1}, object, 1j]),
    st.sampled_from([(), (1, "a")]),
    st.builds(Table) | st.builds(Row) | st.just(0).map(lambda _: Frozen({"a": 1})),
    st.just(0).map(lambda _: MappingProxyType({"a": 1})),
    json_like,
]
nasty_keys = [
    st.text(max_size=4).map(Text),
    st.sampled_from([LONE_SURROGATE, "k" + LONE_SURROGATE]),
    st.sampled_from([0, 1, True, False, None, (1,), 2.5, b"k"]),
]


@st.composite
def one_nasty_inside(draw: st.DrawFn) -> tuple[Any, Limits]:
    """Plain JSON with one nasty value or key put into one of its containers, so the quick
    copy meets it after copying plain values; limits around the plain part's needs."""
    value = draw(plain_top)
    lim = draw(limits_around(value) | st.just(FIX_LIMITS))
    spots = [c for c in containers_in(value) if isinstance(c, (dict, list))]
    spot = spots[draw(st.integers(0, len(spots) - 1))]
    nasty_key = draw(st.booleans())
    nasty = draw(
        st.sampled_from(nasty_kinds[:-1] if nasty_key else nasty_kinds).flatmap(lambda s: s)
    )
    if isinstance(spot, dict):
        key = draw(st.sampled_from(nasty_keys).flatmap(lambda s: s)) if nasty_key else "k"
        spot[key] = nasty
    else:
        spot.insert(draw(st.integers(0, len(spot))), nasty)
    return value, lim


tight_limits = st.builds(
    Limits,
    what=st.just("the input"),
    max_depth=st.integers(0, 10),
    max_items=st.integers(0, 30),
    max_text=st.integers(0, 12),
    max_key=st.integers(0, 6),
    max_json_chars=st.just(1_000),
)
limits = tight_limits | st.sampled_from([FIX_LIMITS, FILE_LIMITS])


def typed(value: Any) -> Any:
    """``value`` with every type spelled out, so True, 1 and 1.0 (or str and a subclass)
    never compare equal; NaN never appears in a copy."""
    if isinstance(value, dict):
        return ("dict", [(type(k).__name__, k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def outcome(clean: Any, value: Any, lim: Limits) -> tuple:
    try:
        out = clean(value, lim)
    except InputError as exc:
        return ("refused", type(exc), str(exc), exc.path, exc.detail, exc.too_large)
    return ("copied", typed(out))


def assert_agree(value: Any, lim: Limits) -> None:
    quick = outcome(clean_json, value, lim)
    full = outcome(_walk_json, value, lim)
    assert quick == full
    if quick[0] == "copied":  # the copy owns every container: none is shared with the input
        originals = {id(c) for c in containers_in(value)}
        assert not any(id(c) in originals for c in containers_in(clean_json(value, lim)))


@settings(max_examples=800)
@given(value=json_like | deep_json_like, lim=limits)
def test_clean_json_agrees_with_the_full_walk_on_nasty_input(value, lim):
    assert_agree(value, lim)


@settings(max_examples=800)
@given(case=one_nasty_inside())
def test_clean_json_agrees_with_the_full_walk_on_plain_input_with_one_nasty_value(case):
    assert_agree(*case)


@settings(max_examples=500)
@given(case=plain_at_its_bounds())
def test_clean_json_agrees_with_the_full_walk_on_plain_input_at_its_bounds(case):
    assert_agree(*case)


@settings(max_examples=300)
@given(value=plain_top)
def test_the_quick_copy_takes_plain_input_and_copies_it_exactly(value):
    """Not vacuous: plain valid input really goes the quick way, and gives the walk's copy."""
    left = [FIX_LIMITS.max_items - 1 - len(value)]
    assert typed(_copy_plain(value, 1, FIX_LIMITS, left)) == typed(_walk_json(value, FIX_LIMITS))


@pytest.mark.parametrize(
    "value",
    [
        {"headers": {"Content-Type": "application/json"}, "timeout_s": 30},
        {"retry": ({"max": 3},), "on": True, "ratio": 0.25, "gone": None},
        ["a", ["b", ["c"]], {"d": -(10**15)}],
        {"名前": "値", "emoji": "🙂"},
    ],
)
def test_small_plain_fixes_take_the_quick_copy(value):
    left = [FIX_LIMITS.max_items - 1 - len(value)]
    assert _copy_plain(value, 1, FIX_LIMITS, left) == clean_json(value)


@pytest.mark.parametrize(
    "value",
    [
        {"a": LONE_SURROGATE},
        {LONE_SURROGATE: 1},
        {"a": Text("x")},
        {Text("a"): 1},
        {True: 1},
        {"a": math.nan},
        {"a": math.inf},
        {"a": 10**15 + 1},
        {"a": 1e16},
        {"a": Number(1)},
        {"a": Table()},
        {"a": Row()},
        {"a": MappingProxyType({})},
        {"a": b"x"},
        {"a": "x" * 100_001},
        {"k" * 1_001: 1},
        nested(1, 8),
    ],
)
def test_anything_unusual_leaves_the_quick_copy(value):
    """Each of these is refused, rewritten or too deep for the quick copy, so the full walk
    (the only one that words errors and converts types) decides."""
    with pytest.raises(_Unusual):
        _copy_plain(value, 1, FIX_LIMITS, [FIX_LIMITS.max_items - 1 - len(value)])


def test_a_cycle_is_refused_by_depth_not_recursion():
    loop: list = []
    loop.append(loop)
    with pytest.raises(InputError, match="nested more than 32 levels deep"):
        clean_json(loop)


def test_bounds_hold_exactly_at_the_edge():
    three = Limits("the input", max_depth=2, max_items=3, max_text=2, max_key=1, max_json_chars=9)
    assert clean_json({"a": ["xy"]}, three) == {"a": ["xy"]}
    with pytest.raises(InputError, match="holds more than 3 values"):
        clean_json({"a": ["x", 1]}, three)
    with pytest.raises(InputError, match="nested more than 2 levels deep"):
        clean_json([[[1]]], three)
    assert clean_json([[[]]], three) == [[[]]]  # an empty list past the depth is fine
    with pytest.raises(InputError, match="a text of 3 characters is too long; at most 2"):
        clean_json(["xyz"], three)
    with pytest.raises(InputError, match="a key of 2 characters is too long; at most 1"):
        clean_json({"ab": 1}, three)
    with pytest.raises(InputError, match="holds more than 0 values"):
        clean_json([], Limits("the input", 2, 0, 2, 1, 9))
