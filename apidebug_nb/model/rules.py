"""The contract rule interpreter.

A rule is plain data: a dict with exactly one operator key. Paths are dotted,
``"service.key.subkey"``; the first segment names a service.

Comparisons (left is a path, right is a literal or a reference)::

    {"eq": ["svc.mode", "async"]}
    {"ne": ["svc.secret", ""]}
    {"ge": ["client.timeout", {"ref": "gateway.max_processing_ms", "factor": 0.001}]}
    {"gt" | "le" | "lt": [...]}
    {"eq": ["client.headers.Authorization", {"ref": "client.api_key", "prefix": "Bearer "}]}

Membership, pattern and presence::

    {"in": ["client.token", {"ref": "auth.valid_tokens"}]}     # value in a list
    {"contains": ["sender.retry.retry_on", 429]}                # list holds a value
    {"matches": ["client.base_url", "^https://"]}               # full match, RE2 syntax
    {"present": "client.headers.Authorization"}
    {"absent": "client.legacy_flag"}

Combinators: ``{"all": [r, ...]}``, ``{"any": [r, ...]}``, ``{"not": r}``.
``all`` and ``any`` short-circuit left to right, so ``{"all": [{"present": p},
{"eq": [p, 1]}]}`` never reads a missing ``p``.

Evaluation is a small recursive interpreter: there is no ``eval``/``exec`` and
no code from a scenario file ever runs. Reading a path that is absent raises
:class:`~apidebug_nb.errors.MissingPathError` naming the rule and the path; an
unknown operator or a malformed operand raises :class:`~apidebug_nb.errors.RuleError`.
A rule nested more than :data:`MAX_RULE_DEPTH` levels deep is a ``RuleError`` too,
found before any recursion goes that deep.

Patterns use RE2 (the ``google-re2`` package), which matches in time linear in
the text: a pattern such as ``^(a+)+$`` cannot backtrack catastrophically, as
it would with Python's ``re``. RE2 refuses what needs backtracking
(backreferences, lookaround) with a clear "bad regex" error. Measured on the
development machine (``benchmarks/bench_regex.py``): ``^(a+)+$`` against 26
``a`` and a ``b`` takes 5.2 s with ``re`` and 0.2 ms with RE2; a typical full
match costs about 16 us with RE2 against 1 us with ``re``, which a check
evaluated once per fix never notices.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from apidebug_nb.errors import MissingPathError, RuleError

COMPARISONS = ("eq", "ne", "ge", "gt", "le", "lt")
OPERATORS = COMPARISONS + ("in", "contains", "matches", "present", "absent", "all", "any", "not")

_MISSING = object()  # "the path is absent", returned by lookup(..., default=_MISSING)
_RAISE = object()  # lookup's own default: raise KeyError
_NOT_A_NUMBER = object()  # a factor applied to a non-number: equal to nothing, not even null


def _show(rule: Any) -> str:
    try:
        return json.dumps(rule, sort_keys=True, default=_jsonable)
    except (TypeError, ValueError):
        return repr(rule)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError


def lookup(configs: Mapping[str, Any], path: str, default: Any = _RAISE) -> Any:
    """Return the value at dotted ``path`` (``"service.key.sub"``) in ``configs``.

    >>> lookup({"gw": {"limits": {"rps": 20}}}, "gw.limits.rps")
    20
    >>> lookup({"gw": {}}, "gw.rps", default=None) is None
    True
    """
    node: Any = configs
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            if default is _RAISE:
                raise KeyError(path)
            return default
    return node


def _operator(rule: Any) -> tuple[str, Any]:
    if not isinstance(rule, Mapping) or len(rule) != 1:
        raise RuleError(
            f"a rule must be a dict with exactly one operator key, got {_show(rule)}; "
            f"operators are: {', '.join(OPERATORS)}"
        )
    ((op, arg),) = rule.items()
    if op not in OPERATORS:
        raise RuleError(
            f"unknown rule operator {op!r} in {_show(rule)}; operators are: {', '.join(OPERATORS)}"
        )
    return op, arg


_MAPPINGS = (dict, MappingProxyType)


def _get(configs: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    node: Any = configs
    for part in parts:
        if type(node) in _MAPPINGS and part in node:
            node = node[part]
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def _path(path: Any, rule: Any) -> tuple[str, ...]:
    if not isinstance(path, str) or "." not in path or "" in path.split("."):
        raise RuleError(f"path {path!r} in rule {_show(rule)} must be 'service.key'")
    return tuple(path.split("."))


def _reader(path: Any, rule: Any) -> Callable[[Mapping[str, Any]], Any]:
    """A function reading ``path``: unknown service -> RuleError, absent key -> MissingPathError."""
    parts = _path(path, rule)
    service = parts[0]

    def read(configs: Mapping[str, Any]) -> Any:
        value = _get(configs, parts)
        if value is _MISSING:
            if service not in configs:
                raise RuleError(
                    f"rule {_show(rule)} refers to unknown service {service!r}; "
                    f"services are: {', '.join(sorted(configs))}"
                )
            raise MissingPathError(
                f"rule {_show(rule)} reads {path!r}, which is not set", path=path, rule=rule
            )
        return value

    return read


def _operand(raw: Any, rule: Any) -> Callable[[Mapping[str, Any]], Any]:
    if not isinstance(raw, Mapping):
        return lambda configs: raw
    if "ref" not in raw or set(raw) - {"ref", "factor", "prefix"}:
        raise RuleError(
            "a reference must look like {'ref': 'svc.key', 'factor': 1, 'prefix': ''}, "
            f"got {_show(raw)} in {_show(rule)}"
        )
    read = _reader(raw["ref"], rule)
    factor, prefix = raw.get("factor"), raw.get("prefix")
    if factor is not None and (isinstance(factor, bool) or not isinstance(factor, (int, float))):
        raise RuleError(f"'factor' must be a number, got {factor!r} in {_show(rule)}")
    if prefix is not None and not isinstance(prefix, str):
        raise RuleError(f"'prefix' must be a string, got {prefix!r} in {_show(rule)}")

    def value(configs: Mapping[str, Any]) -> Any:
        resolved = read(configs)
        if factor is not None:
            resolved = resolved * factor if _is_number(resolved) else _NOT_A_NUMBER
        if prefix is not None:
            resolved = f"{prefix}{resolved}"
        return resolved

    return value


def _is_number(value: Any) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and not (isinstance(value, float) and math.isnan(value))
    )


def _pair(arg: Any, rule: Any) -> tuple[str, Any]:
    if not isinstance(arg, (list, tuple)) or len(arg) != 2:
        raise RuleError(f"operator needs [path, value], got {_show(arg)} in {_show(rule)}")
    return arg[0], arg[1]


MAX_RULE_DEPTH = 24  # all/any/not nesting; real contracts use three or four
MAX_PATTERN_LENGTH = 1_000


@lru_cache(maxsize=512)
def _regex(pattern: str) -> Any:
    """An RE2 pattern (linear-time matching); ``re2.error`` for a bad one."""
    import re2  # imported on first use: only files with 'matches' rules need it

    options = re2.Options()
    options.log_errors = False  # say what is wrong in our own message, not on stderr
    return re2.compile(pattern, options)


def _check_depth(depth: int, rule: Any) -> None:
    if depth > MAX_RULE_DEPTH:
        raise RuleError(
            f"the rule is nested more than {MAX_RULE_DEPTH} levels deep (all/any/not); "
            "a contract needs a few"
        )


def _rules(op: str, arg: Any) -> tuple[Any, ...]:
    if not isinstance(arg, (list, tuple)) or not arg:
        raise RuleError(f"{op!r} needs a non-empty list of rules, got {_show(arg)}")
    return tuple(arg)


Contract = Callable[[Mapping[str, Any]], bool]

_BOUNDS = {
    "ge": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "le": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}


def compile_rule(rule: Mapping[str, Any]) -> Contract:
    """Check a rule's structure once and return a function ``configs -> bool``.

    Structural mistakes (unknown operator, malformed operand, bad regex) are
    reported here; unknown services and absent settings when it is called.

    >>> timeout_ok = compile_rule({"ge": ["c.timeout", 10]})
    >>> timeout_ok({"c": {"timeout": 15}}), timeout_ok({"c": {"timeout": 5}})
    (True, False)

    Rules are data, and the same check recurs across variants and scenarios, so
    compiled rules are memoised by the rule's text (the repr of its JSON-like
    value, which tells every operand's type apart).
    """
    key = repr(rule)
    found = _COMPILED.get(key)
    if found is None:
        found = _compile(rule, 1)
        if len(_COMPILED) >= _MEMO_SIZE:
            _COMPILED.clear()
        _COMPILED[key] = found
    return found


_MEMO_SIZE = 4096
_COMPILED: dict[str, Contract] = {}
_PATHS: dict[str, tuple[str, ...]] = {}


def _compile(rule: Mapping[str, Any], depth: int) -> Contract:
    _check_depth(depth, rule)
    op, arg = _operator(rule)
    if op in ("all", "any"):
        parts = tuple(_compile(r, depth + 1) for r in _rules(op, arg))
        if op == "all":
            return lambda configs: all(p(configs) for p in parts)
        return lambda configs: any(p(configs) for p in parts)
    if op == "not":
        inner = _compile(arg, depth + 1)
        return lambda configs: not inner(configs)
    if op in ("present", "absent"):
        parts_ = _path(arg, rule)
        service = parts_[0]
        want = op == "present"

        def presence(configs: Mapping[str, Any]) -> bool:
            if service not in configs:
                raise RuleError(
                    f"rule {_show(rule)} refers to unknown service {service!r}; "
                    f"services are: {', '.join(sorted(configs))}"
                )
            return (_get(configs, parts_) is not _MISSING) == want

        return presence
    path, raw = _pair(arg, rule)
    left = _reader(path, rule)
    right = _operand(raw, rule)
    if op == "eq":
        return lambda configs: _same(left(configs), right(configs))
    if op == "ne":
        return lambda configs: not _same(left(configs), right(configs))
    if op in _BOUNDS:
        compare = _BOUNDS[op]

        def bound(configs: Mapping[str, Any]) -> bool:
            a, b = left(configs), right(configs)
            # a string where a number belongs never satisfies a bound
            return _is_number(a) and _is_number(b) and compare(a, b)

        return bound
    if op == "in":

        def member(configs: Mapping[str, Any]) -> bool:
            value, options = left(configs), right(configs)
            return isinstance(options, (list, tuple)) and any(_same(value, x) for x in options)

        return member
    if op == "contains":

        def contains(configs: Mapping[str, Any]) -> bool:
            items, value = left(configs), right(configs)
            return isinstance(items, (list, tuple)) and any(_same(x, value) for x in items)

        return contains
    # matches
    if not isinstance(raw, str):
        raise RuleError(f"'matches' needs a regex string, got {_show(raw)} in {_show(rule)}")
    if len(raw) > MAX_PATTERN_LENGTH:
        raise RuleError(
            f"the regex in {_show(rule)[:80]}... is {len(raw):,} characters; "
            f"at most {MAX_PATTERN_LENGTH:,}"
        )
    import re2

    try:
        pattern = _regex(raw)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise RuleError(
            f"bad regex {raw!r} in {_show(rule)}: {reason} (patterns use RE2 syntax: "
            "no backreferences or lookaround)"
        ) from None

    def matches(configs: Mapping[str, Any]) -> bool:
        value = left(configs)
        return isinstance(value, str) and pattern.fullmatch(value) is not None

    return matches


def evaluate(rule: Mapping[str, Any], configs: Mapping[str, Any]) -> bool:
    """Return whether ``rule`` holds over ``configs`` (service -> config dict).

    >>> cfg = {"client": {"timeout": 15}, "gw": {"max_ms": 12000}}
    >>> evaluate({"ge": ["client.timeout", {"ref": "gw.max_ms", "factor": 0.001}]}, cfg)
    True
    >>> evaluate({"not": {"eq": ["client.timeout", 15]}}, cfg)
    False
    >>> evaluate({"eq": ["client.retries", 3]}, cfg)
    Traceback (most recent call last):
    ...
    apidebug_nb.errors.MissingPathError: rule {"eq": ["client.retries", 3]} reads 'client.retries', which is not set
    """
    return compile_rule(rule)(configs)


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a contract asking for true must not accept 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    # Checks are stored frozen (tuples, read-only mappings), configs are plain
    # lists and dicts: compare containers by content, element by element.
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def holds(rule: Mapping[str, Any], configs: Mapping[str, Any]) -> bool:
    """Like :func:`evaluate`, but a missing setting means the contract is not met.

    This is what an episode uses: a learner who deletes a key has not satisfied
    the contract, and the episode must not crash.

    >>> holds({"eq": ["client.retries", 3]}, {"client": {}})
    False
    """
    try:
        return evaluate(rule, configs)
    except MissingPathError:
        return False


def lenient(contract: Contract) -> Contract:
    """Wrap a compiled rule so that an absent setting means "not met"."""

    def check(configs: Mapping[str, Any]) -> bool:
        try:
            return contract(configs)
        except MissingPathError:
            return False

    return check


def rule_paths(rule: Mapping[str, Any]) -> Iterator[str]:
    """Yield every path a rule reads, in order, references included.

    >>> list(rule_paths({"all": [{"present": "a.x"}, {"le": ["a.x", {"ref": "b.y"}]}]}))
    ['a.x', 'a.x', 'b.y']
    """
    key = repr(rule)
    found = _PATHS.get(key)
    if found is None:
        found = tuple(_paths(rule, 1))
        if len(_PATHS) >= _MEMO_SIZE:
            _PATHS.clear()
        _PATHS[key] = found
    yield from found


def _paths(rule: Mapping[str, Any], depth: int) -> Iterator[str]:
    _check_depth(depth, rule)
    op, arg = _operator(rule)
    if op in ("all", "any"):
        for r in _rules(op, arg):
            yield from _paths(r, depth + 1)
    elif op == "not":
        yield from _paths(arg, depth + 1)
    elif op in ("present", "absent"):
        _path(arg, rule)
        yield arg
    else:
        path, raw = _pair(arg, rule)
        _path(path, rule)
        yield path
        if isinstance(raw, Mapping):
            if "ref" not in raw or set(raw) - {"ref", "factor", "prefix"}:
                raise RuleError(
                    "a reference must look like {'ref': 'svc.key', 'factor': 1, 'prefix': ''}, "
                    f"got {_show(raw)} in {_show(rule)}"
                )
            _path(raw["ref"], rule)
            yield raw["ref"]


def rule_services(rule: Mapping[str, Any]) -> set[str]:
    """The services a rule reads (the first segment of each path)."""
    return {p.split(".", 1)[0] for p in rule_paths(rule)}


def literal_values(rule: Mapping[str, Any]) -> Iterator[Any]:
    """Yield the literal operands of a rule (used to find hints that leak answers)."""
    yield from _literals(rule, 1)


def _literals(rule: Mapping[str, Any], depth: int) -> Iterator[Any]:
    _check_depth(depth, rule)
    op, arg = _operator(rule)
    if op in ("all", "any"):
        for r in _rules(op, arg):
            yield from _literals(r, depth + 1)
    elif op == "not":
        yield from _literals(arg, depth + 1)
    elif op not in ("present", "absent"):
        _, raw = _pair(arg, rule)
        if not isinstance(raw, Mapping):
            yield raw
