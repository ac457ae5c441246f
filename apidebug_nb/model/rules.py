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
    {"matches": ["client.base_url", "^https://"]}               # re.fullmatch
    {"present": "client.headers.Authorization"}
    {"absent": "client.legacy_flag"}

Combinators: ``{"all": [r, ...]}``, ``{"any": [r, ...]}``, ``{"not": r}``.
``all`` and ``any`` short-circuit left to right, so ``{"all": [{"present": p},
{"eq": [p, 1]}]}`` never reads a missing ``p``.

Evaluation is a small recursive interpreter: there is no ``eval``/``exec`` and
no code from a scenario file ever runs. Reading a path that is absent raises
:class:`~apidebug_nb.errors.MissingPathError` naming the rule and the path; an
unknown operator or a malformed operand raises :class:`~apidebug_nb.errors.RuleError`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from apidebug_nb.errors import MissingPathError, RuleError

COMPARISONS = ("eq", "ne", "ge", "gt", "le", "lt")
OPERATORS = COMPARISONS + ("in", "contains", "matches", "present", "absent", "all", "any", "not")

_MISSING = object()  # "the path is absent", returned by lookup(..., default=_MISSING)
_RAISE = object()  # lookup's own default: raise KeyError


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


def _read(configs: Mapping[str, Any], path: Any, rule: Any) -> Any:
    if not isinstance(path, str) or "." not in path:
        raise RuleError(f"path {path!r} in rule {_show(rule)} must be 'service.key'")
    service = path.split(".", 1)[0]
    if service not in configs:
        raise RuleError(
            f"rule {_show(rule)} refers to unknown service {service!r}; "
            f"services are: {', '.join(sorted(configs))}"
        )
    value = lookup(configs, path, _MISSING)
    if value is _MISSING:
        raise MissingPathError(
            f"rule {_show(rule)} reads {path!r}, which is not set", path=path, rule=rule
        )
    return value


def _operand(configs: Mapping[str, Any], value: Any, rule: Any) -> Any:
    if isinstance(value, Mapping):
        if "ref" not in value or set(value) - {"ref", "factor", "prefix"}:
            raise RuleError(
                f"a reference must look like {{'ref': 'svc.key', 'factor': 1, "
                f"'prefix': ''}}, got {_show(value)} in {_show(rule)}"
            )
        resolved = _read(configs, value["ref"], rule)
        if "factor" in value:
            resolved = _number(resolved, value["ref"], rule) * value["factor"]
        if "prefix" in value:
            resolved = f"{value['prefix']}{resolved}"
        return resolved
    return value


def _number(value: Any, where: str, rule: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and math.isnan(value))
    ):
        raise _NotComparable(where)
    return value


class _NotComparable(Exception):
    """A bound was compared with something that is not a number (the rule fails)."""


def _pair(arg: Any, rule: Any) -> tuple[str, Any]:
    if not isinstance(arg, (list, tuple)) or len(arg) != 2:
        raise RuleError(f"operator needs [path, value], got {_show(arg)} in {_show(rule)}")
    return arg[0], arg[1]


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


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
    op, arg = _operator(rule)
    if op == "all" or op == "any":
        if not isinstance(arg, (list, tuple)) or not arg:
            raise RuleError(f"{op!r} needs a non-empty list of rules, got {_show(arg)}")
        if op == "all":
            return all(evaluate(r, configs) for r in arg)
        return any(evaluate(r, configs) for r in arg)
    if op == "not":
        return not evaluate(arg, configs)
    if op in ("present", "absent"):
        if not isinstance(arg, str) or "." not in arg:
            raise RuleError(f"{op!r} needs a path 'service.key', got {_show(arg)}")
        service = arg.split(".", 1)[0]
        if service not in configs:
            raise RuleError(
                f"rule {_show(rule)} refers to unknown service {service!r}; "
                f"services are: {', '.join(sorted(configs))}"
            )
        found = lookup(configs, arg, _MISSING) is not _MISSING
        return found if op == "present" else not found
    path, raw = _pair(arg, rule)
    left = _read(configs, path, rule)
    right = _operand(configs, raw, rule)
    if op == "eq":
        return _same(left, right)
    if op == "ne":
        return not _same(left, right)
    if op in ("ge", "gt", "le", "lt"):
        try:
            a = _number(left, path, rule)
            b = _number(right, "value", rule)
        except _NotComparable:
            return False  # a string where a number belongs never satisfies a bound
        return {"ge": a >= b, "gt": a > b, "le": a <= b, "lt": a < b}[op]
    if op == "in":
        return isinstance(right, (list, tuple)) and any(_same(left, x) for x in right)
    if op == "contains":
        return isinstance(left, (list, tuple)) and any(_same(x, right) for x in left)
    # matches
    if not isinstance(right, str):
        raise RuleError(f"'matches' needs a regex string, got {_show(right)} in {_show(rule)}")
    try:
        pattern = _regex(right)
    except re.error as exc:
        raise RuleError(f"bad regex {right!r} in {_show(rule)}: {exc}") from None
    return isinstance(left, str) and pattern.fullmatch(left) is not None


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a contract asking for true must not accept 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
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


def rule_paths(rule: Mapping[str, Any]) -> Iterator[str]:
    """Yield every path a rule reads, in order, references included.

    >>> list(rule_paths({"all": [{"present": "a.x"}, {"le": ["a.x", {"ref": "b.y"}]}]}))
    ['a.x', 'a.x', 'b.y']
    """
    op, arg = _operator(rule)
    if op in ("all", "any"):
        for r in arg:
            yield from rule_paths(r)
    elif op == "not":
        yield from rule_paths(arg)
    elif op in ("present", "absent"):
        yield arg
    else:
        path, raw = _pair(arg, rule)
        yield path
        if isinstance(raw, Mapping) and "ref" in raw:
            yield raw["ref"]


def rule_services(rule: Mapping[str, Any]) -> set[str]:
    """The services a rule reads (the first segment of each path)."""
    return {p.split(".", 1)[0] for p in rule_paths(rule)}


def literal_values(rule: Mapping[str, Any]) -> Iterator[Any]:
    """Yield the literal operands of a rule (used to find hints that leak answers)."""
    op, arg = _operator(rule)
    if op in ("all", "any"):
        for r in arg:
            yield from literal_values(r)
    elif op == "not":
        yield from literal_values(arg)
    elif op not in ("present", "absent"):
        _, raw = _pair(arg, rule)
        if not isinstance(raw, Mapping):
            yield raw
