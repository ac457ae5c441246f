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

A comparison may name how HTTP compares the two sides, as a third element::

    {"in": ["client.headers.Content-Type", {"ref": "gw.accepted_content_types"}, "media_type"]}
    {"eq": ["client.headers.Authorization", {"ref": "client.api_key", "prefix": "Bearer "},
            "credentials"]}

Kinds (:data:`~apidebug_nb.model.http_compare.KINDS`): ``media_type``
(type/subtype without case, parameters such as ``; charset=utf-8`` allowed),
``coding`` and ``header_name`` (without case), ``credentials`` (the auth
scheme without case, the token exactly), ``url`` (after RFC 3986
normalisation: scheme and host lowercased, default port dropped), ``host``
(without case or a trailing dot) and ``retry_after`` (delay seconds or an
HTTP date); see :mod:`apidebug_nb.model.http_compare`. Paths and token values
stay case-sensitive.
Under a ``headers`` mapping a path finds its header without case:
``client.headers.content-type`` reads ``Content-Type``.

Lists and budgets::

    {"subset": ["sender.retry.retry_on", [408, 429, 500, 502, 503, 504]]}  # every item allowed
    {"deadline": {"timeout": "c.timeout_s", "retries": "c.retries", "backoff": "c.backoff_s",
                  "multiplier": "c.multiplier", "within": {"ref": "c.deadline_s"}}}

``deadline`` holds when the worst case of a call with its retries,
``timeout × (retries + 1) + backoff × (1 + m + … + m^(retries-1))``, fits
``within``; the timeout must be above zero, the retries a whole number
≥ 0, the backoff ≥ 0 and the multiplier ≥ 1 (``retries``, ``backoff`` and
``multiplier`` may be left out: none, 0 and 1).

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
from apidebug_nb.model.http_compare import KINDS, normaliser

COMPARISONS = ("eq", "ne", "ge", "gt", "le", "lt")
OPERATORS = COMPARISONS + (
    "in",
    "contains",
    "subset",
    "matches",
    "present",
    "absent",
    "deadline",
    "all",
    "any",
    "not",
)
_KINDED = COMPARISONS + ("in", "contains", "subset")
_DEADLINE_KEYS = ("timeout", "retries", "backoff", "multiplier", "within")

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
    node = _get(configs, tuple(path.split(".")))
    if node is _MISSING:
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
_PLAIN = frozenset({int, float, str, type(None)})  # compared by ==; bool is not among them


def _get(configs: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    node: Any = configs
    previous = ""
    for part in parts:
        if type(node) in _MAPPINGS and part in node:
            node = node[part]
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, Mapping) and previous.lower() == "headers":
            # header names have no case (RFC 9110 5.1): content-type finds Content-Type
            wanted = part.lower()
            node = next(
                (v for k, v in node.items() if isinstance(k, str) and k.lower() == wanted),
                _MISSING,
            )
            if node is _MISSING:
                return _MISSING
        else:
            return _MISSING
        previous = part
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
        node: Any = configs
        try:  # the usual case: every key is there, in plain JSON objects
            for part in parts:
                node = node[part]
            return node
        except (KeyError, TypeError):  # absent, or not an object: the careful walk says
            pass
        value = _get(configs, parts)
        if value is _MISSING:
            if service not in configs:
                raise RuleError(
                    f"rule {_show(rule)} refers to unknown service {service!r}; "
                    f"services are: {', '.join(sorted(configs))}"
                )
            raise MissingPathError(_NotSet(rule, path), path=path, rule=rule)
        return value

    return read


class _NotSet:
    """The message of a :class:`MissingPathError`, written when it is read: an episode
    checks contracts over configs that lack a setting at almost every fix, and only
    needs to know that the setting is absent."""

    __slots__ = ("rule", "path")

    def __init__(self, rule: Any, path: str):
        self.rule, self.path = rule, path

    def __str__(self) -> str:
        return f"rule {_show(self.rule)} reads {self.path!r}, which is not set"

    def __repr__(self) -> str:
        return repr(str(self))


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
    t = type(value)
    if t is int:
        return True
    if t is float:
        return value == value  # NaN is not a number a bound can hold
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and not (isinstance(value, float) and math.isnan(value))
    )


def _pair(arg: Any, rule: Any) -> tuple[str, Any]:
    if not isinstance(arg, (list, tuple)) or len(arg) != 2:
        raise RuleError(f"operator needs [path, value], got {_show(arg)} in {_show(rule)}")
    return arg[0], arg[1]


def _triple(op: str, arg: Any, rule: Any) -> tuple[str, Any, str | None]:
    """``[path, value]`` or, for a comparison, ``[path, value, kind]``."""
    if op in _KINDED and isinstance(arg, (list, tuple)) and len(arg) == 3:
        kind = arg[2]
        if kind not in KINDS:
            raise RuleError(
                f"unknown comparison kind {kind!r} in {_show(rule)}; kinds are: {', '.join(KINDS)}"
            )
        return arg[0], arg[1], kind
    if op in _KINDED and not (isinstance(arg, (list, tuple)) and len(arg) == 2):
        raise RuleError(
            f"operator needs [path, value] or [path, value, kind], got {_show(arg)} in {_show(rule)}"
        )
    path, raw = _pair(arg, rule)
    return path, raw, None


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
        # loops, not all()/any() over a generator: contracts are checked at every fix
        if op == "all":

            def every(configs: Mapping[str, Any]) -> bool:
                for p in parts:
                    if not p(configs):
                        return False
                return True

            return every

        def some(configs: Mapping[str, Any]) -> bool:
            for p in parts:
                if p(configs):
                    return True
            return False

        return some
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
    if op == "deadline":
        return _deadline(arg, rule)
    path, raw, kind = _triple(op, arg, rule)
    read_left = _reader(path, rule)
    read_right = _operand(raw, rule)
    norm = normaliser(kind)
    if kind is None:
        left, right = read_left, read_right
    else:

        def left(configs: Mapping[str, Any]) -> Any:
            return _each(norm, read_left(configs))

        def right(configs: Mapping[str, Any]) -> Any:
            return _each(norm, read_right(configs))

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
    if op == "subset":

        def subset(configs: Mapping[str, Any]) -> bool:
            items, allowed = left(configs), right(configs)
            return (
                isinstance(items, (list, tuple))
                and bool(items)
                and isinstance(allowed, (list, tuple))
                and all(any(_same(x, a) for a in allowed) for x in items)
            )

        return subset
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


def _each(norm: Callable[[Any], Any], value: Any) -> Any:
    """``norm`` applied to a value, or to each item of a list."""
    if isinstance(value, (list, tuple)):
        return [norm(v) for v in value]
    return norm(value)


def _deadline_spec(arg: Any, rule: Any) -> Mapping[str, Any]:
    if not isinstance(arg, Mapping) or "timeout" not in arg or "within" not in arg:
        raise RuleError(
            "'deadline' needs {timeout: path, within: value or {ref: ...}} and optionally "
            f"retries, backoff, multiplier; got {_show(arg)} in {_show(rule)}"
        )
    unknown = set(arg) - set(_DEADLINE_KEYS)
    if unknown:
        raise RuleError(
            f"'deadline' has unknown key(s) {', '.join(sorted(map(str, unknown)))} in "
            f"{_show(rule)}; keys are: {', '.join(_DEADLINE_KEYS)}"
        )
    return arg


def _deadline_part(raw: Any, rule: Any) -> Callable[[Mapping[str, Any]], Any]:
    """A deadline's setting: a path, a number, or (for ``within``) a reference."""
    if isinstance(raw, str):
        return _reader(raw, rule)
    if isinstance(raw, Mapping):
        return _operand(raw, rule)
    if not _is_number(raw):
        raise RuleError(
            f"'deadline' values are paths or numbers, got {_show(raw)} in {_show(rule)}"
        )
    return lambda configs: raw


def _deadline(arg: Any, rule: Any) -> Contract:
    spec = _deadline_spec(arg, rule)
    timeout = _deadline_part(spec["timeout"], rule)
    within = _deadline_part(spec["within"], rule)
    retries = _deadline_part(spec.get("retries", 0), rule)
    backoff = _deadline_part(spec.get("backoff", 0), rule)
    multiplier = _deadline_part(spec.get("multiplier", 1), rule)

    def fits(configs: Mapping[str, Any]) -> bool:
        t, r, b, m, limit = (
            timeout(configs),
            retries(configs),
            backoff(configs),
            multiplier(configs),
            within(configs),
        )
        if not all(_is_number(x) for x in (t, r, b, m, limit)):
            return False
        if t <= 0 or r < 0 or r != int(r) or b < 0 or m < 1:
            return False
        return worst_case_s(t, int(r), b, m) <= limit

    return fits


def worst_case_s(timeout: float, retries: int, backoff: float, multiplier: float) -> float:
    """How long a call may take with its retries: every attempt times out, every wait is full.

    >>> worst_case_s(10, 2, 1, 2)  # 3 attempts of 10 s, waits of 1 s and 2 s
    33.0
    >>> worst_case_s(5, 0, 0, 1)
    5.0
    """
    try:
        if multiplier == 1:
            waits = backoff * retries
        else:
            waits = backoff * (multiplier**retries - 1) / (multiplier - 1)
        return float(timeout * (retries + 1) + waits)
    except OverflowError:
        return math.inf


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
    if type(a) in _PLAIN and type(b) in _PLAIN:  # the usual case, without the checks below
        return bool(a == b)
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
    elif op == "deadline":
        spec = _deadline_spec(arg, rule)
        for key in _DEADLINE_KEYS:
            raw = spec.get(key)
            if isinstance(raw, str):
                _path(raw, rule)
                yield raw
            elif isinstance(raw, Mapping) and "ref" in raw:
                _path(raw["ref"], rule)
                yield raw["ref"]
    else:
        path, raw, _ = _triple(op, arg, rule)
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
    elif op == "deadline":
        within = _deadline_spec(arg, rule)["within"]
        if _is_number(within):
            yield within
    elif op not in ("present", "absent"):
        _, raw, _ = _triple(op, arg, rule)
        if not isinstance(raw, Mapping):
            yield raw
