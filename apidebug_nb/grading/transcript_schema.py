"""The transcript format, version 2, as a JSON Schema (draft 2020-12).

A transcript is one JSON object::

    {
      "format": "apidebug-nb-transcript",
      "format_version": 2,
      "package_version": "1.2.0",
      "scenario": {"task": "hard", "seed": 7},            # a built-in task's variant, or
                  {"id": ..., "content_hash": ..., "data": {...}},   # a scenario file's data
      "learner_id": "ada" | null,
      "actions": [{"action": {"kind": "inspect_logs", "service": "order_service"},
                   "at": "2026-03-14T09:05:12.345000+00:00"}, ...],
      "finished": true,
      "claimed": {"score": 0.93, "dimensions": {...}, "steps": 12,
                  "actions": "<sha256>", "observations": "<sha256>"},
      "digest": "<sha256 of everything above>"
    }

Every object is closed (``additionalProperties: false``), so an unknown key
at any level is refused; the embedded scenario ``data`` is checked by the
scenario parser and validator instead. ``digest`` binds every other field,
so any edit the schema allows (a learner id, a time, ``true`` for ``1``) is
still detected by :func:`~apidebug_nb.grading.transcript.verify`.
"""

from __future__ import annotations

import re
from typing import Any

FORMAT = "apidebug-nb-transcript"
FORMAT_VERSION = 2

_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_UNIT = {"type": "number", "minimum": 0, "maximum": 1}

_ACTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind"],
    "properties": {
        "kind": {
            "enum": [
                "inspect_logs",
                "inspect_config",
                "inspect_endpoint",
                "submit_fix",
                "hint",
                "reveal",
            ]
        },
        "service": {"type": "string"},
        "changes": {"type": "object"},  # a JSON merge patch: any keys
        "issue": {"type": "string"},
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "apidebug_nb transcript",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "format",
        "format_version",
        "package_version",
        "scenario",
        "learner_id",
        "actions",
        "finished",
        "claimed",
        "digest",
    ],
    "properties": {
        "format": {"const": FORMAT},
        "format_version": {"const": FORMAT_VERSION},
        "package_version": {"type": "string"},
        "scenario": {
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["task", "seed"],
                    "properties": {
                        "task": {"type": "string"},
                        "seed": {"type": ["integer", "null"], "minimum": 0},
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "content_hash", "data"],
                    "properties": {
                        "id": {"type": "string"},
                        "content_hash": _SHA256,
                        "data": {"type": "object"},
                    },
                },
            ]
        },
        "learner_id": {"type": ["string", "null"]},
        "actions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["action"],
                "properties": {"action": _ACTION, "at": {"type": "string"}},
            },
        },
        "finished": {"type": "boolean"},
        "claimed": {
            "type": "object",
            "additionalProperties": False,
            "required": ["score", "dimensions", "steps", "actions", "observations"],
            "properties": {
                "score": _UNIT,
                "dimensions": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["fix", "strategy", "diagnosis", "efficiency"],
                    "properties": {
                        "fix": _UNIT,
                        "strategy": _UNIT,
                        "diagnosis": _UNIT,
                        "efficiency": _UNIT,
                    },
                },
                "steps": {"type": "integer", "minimum": 0},
                "actions": _SHA256,
                "observations": _SHA256,
            },
        },
        "digest": _SHA256,
    },
}


def schema_errors(data: Any) -> list[str]:
    """Every way ``data`` breaks :data:`SCHEMA`, as ``"at <path>: <message>"`` lines.

    A small checker for the keywords :data:`SCHEMA` uses (``type``, ``const``,
    ``enum``, ``required``, ``properties``, ``additionalProperties``, ``items``,
    ``oneOf``, ``minimum``, ``maximum``, ``pattern``), with JSON Schema's
    meaning; importing a full validator would cost seconds on every grade.

    >>> schema_errors({"format": "apidebug-nb-transcript"})[0]
    "at the top level: 'format_version' is a required property"
    """
    out: list[str] = []
    _check(SCHEMA, data, (), out)
    return out


_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}


def _check(schema: dict[str, Any], value: Any, path: tuple[Any, ...], out: list[str]) -> None:
    where = "/".join(str(p) for p in path) or "the top level"

    def fail(message: str) -> None:
        out.append(f"at {where}: {message}")

    if "oneOf" in schema:
        matches = sum(1 for option in schema["oneOf"] if not _errors_of(option, value, path))
        if matches != 1:
            fail("'scenario' needs either task and seed, or id, content_hash and data")
        return
    if "const" in schema and not _same(value, schema["const"]):
        fail(f"{schema['const']!r} was expected")
        return
    if "enum" in schema and not any(_same(value, e) for e in schema["enum"]):
        fail(f"{_short(value)} is not one of {schema['enum']!r}")
        return
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            shown = repr(types[0]) if len(types) == 1 else repr(types)
            fail(f"{_short(value)} is not of type {shown}")
            return
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            fail(f"{value!r} is less than the minimum of {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            fail(f"{value!r} is greater than the maximum of {schema['maximum']}")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        fail(f"{_short(value)} does not match {schema['pattern']!r}")
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                fail(f"{key!r} is a required property")
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            extra = sorted(str(k) for k in value if k not in props)
            if extra:
                fail(
                    "Additional properties are not allowed "
                    f"({', '.join(map(repr, extra))} {'was' if len(extra) == 1 else 'were'} "
                    "unexpected)"
                )
        for key, sub in props.items():
            if key in value:
                _check(sub, value[key], (*path, key), out)
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            _check(schema["items"], item, (*path, n), out)


def _errors_of(schema: dict[str, Any], value: Any, path: tuple[Any, ...]) -> list[str]:
    out: list[str] = []
    _check(schema, value, path, out)
    return out


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
