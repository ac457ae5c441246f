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

import functools
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
    """Every way ``data`` breaks :data:`SCHEMA`, as ``"at <path>: <message>"`` lines."""
    validator = _validator()
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(p) for p in err.absolute_path) or "the top level"
        out.append(f"at {where}: {_short(err)}")
    return out


@functools.cache
def _validator() -> Any:
    import jsonschema  # imported on first use: only grading needs it

    return jsonschema.Draft202012Validator(SCHEMA)


def _short(err: Any) -> str:
    if err.validator == "oneOf" and list(err.absolute_path) == ["scenario"]:
        return "'scenario' needs either task and seed, or id, content_hash and data"
    message = str(err.message)
    return message if len(message) <= 200 else message[:197] + "..."
