"""Parse plain data (from YAML, TOML or JSON) into a :class:`Scenario`.

Only the *shape* is checked here: required fields, types, unknown fields.
Whether the scenario makes sense (rules, dependencies, fixes, hints) is
checked by :func:`apidebug_nb.model.validation.validate_scenario`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from apidebug_nb.errors import ScenarioError
from apidebug_nb.input_limits import brief
from apidebug_nb.scenarios.records import (
    CATEGORIES,
    FORMAT,
    LOG_LEVELS,
    SEVERITIES,
    Fault,
    Flow,
    Hints,
    Hop,
    Issue,
    LogLine,
    Scenario,
    Service,
    freeze,
)

_TOP = {
    "format": int,
    "id": str,
    "title": str,
    "description": str,
    "max_steps": int,
    "services": list,
    "edges": list,
    "flows": list,
    "faults": list,
    "issues": list,
    "base_logs": list,
    "incident_start": str,
    "step_seconds": int,
    "task": (str, type(None)),
    "seed": (int, type(None)),
    "pool": list,
    "explanations": dict,
}
_TOP_REQUIRED = ("format", "id", "max_steps", "services", "edges", "flows", "issues")
FORMAT_1_GONE = (
    "format 1 is no longer supported: evidence is now derived from simulated requests, "
    "so a scenario declares `format: 2`, its `flows` (request types: name, entry, requests, "
    "hops of caller/callee/method/path) and, per issue, the `hop` [caller, callee] and the "
    "`failure` kind (which fixes stage, status and headers) instead of hand-written "
    "symptoms, response, alert, cascade and resolved_logs; see the example scenarios"
)
_FORMAT_1_FIELDS = ("symptoms", "response", "alert", "cascade", "resolved_logs")
# Bounds a scenario someone wrote stays far inside; checked before anything is built.
MAX_STEPS = 10_000
MAX_STEP_SECONDS = 86_400  # one step is at most a day of incident time
MAX_OFFSET_S = 30 * 86_400  # a log line is at most 30 days from the incident start
COUNTS = {"services": 2_000, "edges": 20_000, "issues": 500, "lines": 2_000, "flows": 500}
_SERVICE = {
    "name": str,
    "role": str,
    "editable": bool,
    "description": str,
    "relays": bool,
    "config": dict,
}
_FLOW = {"name": str, "entry": str, "requests": int, "hops": list}
_HOP = {"caller": str, "callee": str, "method": str, "path": str, "async": bool}
_FAULT = {"hop": list, "failure": str, "share": (int, float)}
MAX_REQUESTS = 10_000  # per flow and step
_ISSUE = {
    "id": str,
    "service": str,
    "title": str,
    "category": str,
    "severity": str,
    "check": dict,
    "reference_fix": dict,
    "hop": list,
    "failure": str,
    "detail": str,
    "share": (dict, type(None)),
    "depends_on": list,
    "explanation": str,
    "hints": dict,
}
_ISSUE_REQUIRED = (
    "id",
    "service",
    "title",
    "category",
    "severity",
    "check",
    "reference_fix",
    "hop",
    "failure",
    "explanation",
    "hints",
)
_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list",
    dict: "a mapping",
    float: "a number",
}


def _type_name(t: Any) -> str:
    if isinstance(t, tuple):
        return " or ".join(_TYPE_NAMES.get(x, "null") for x in t)
    return _TYPE_NAMES[t]


class _Ctx:
    def __init__(self, source: str, lines: Mapping[str, int] | None):
        self.source = source
        self.lines = lines or {}

    def fail(
        self,
        message: str,
        *,
        issue: str | None = None,
        field: str | None = None,
        rule: str = "shape",
    ) -> ScenarioError:
        line = self.lines.get(f"{issue}:{field}") or self.lines.get(str(issue))
        return ScenarioError(
            message, scenario=self.source, issue=issue, field=field, rule=rule, line=line
        )


def _fields(
    ctx: _Ctx,
    data: Any,
    spec: Mapping[str, Any],
    required: tuple[str, ...],
    what: str,
    *,
    issue: str | None = None,
    prefix: str = "",
) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ctx.fail(
            f"{what} must be a mapping, got {type(data).__name__}",
            issue=issue,
            field=prefix.rstrip(".") or None,
        )
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise ctx.fail(
            f"unknown field {unknown[0]!r} in {what}; valid fields: {', '.join(spec)}",
            issue=issue,
            field=prefix + unknown[0],
        )
    for key in required:
        if key not in data:
            raise ctx.fail(
                f"{what} is missing required field {key!r}", issue=issue, field=prefix + key
            )
    for key, value in data.items():
        t = spec[key]
        ok = isinstance(value, t) and not (t is int and isinstance(value, bool))
        if not ok:
            raise ctx.fail(
                f"must be {_type_name(t)}, got {value!r}", issue=issue, field=prefix + key
            )
    return dict(data)


def _count(ctx: _Ctx, raw: list[Any], limit: int, field: str, issue: str | None = None) -> None:
    if len(raw) > limit:
        raise ctx.fail(
            f"{len(raw):,} entries is too many; a scenario has at most {limit:,} here",
            issue=issue,
            field=field,
            rule="too-large",
        )


def _lines(ctx: _Ctx, raw: list[Any], field: str, issue: str | None) -> tuple[LogLine, ...]:
    _count(ctx, raw, COUNTS["lines"], field, issue)
    out = []
    for n, item in enumerate(raw):
        where = f"{field}[{n}]"
        if (
            not isinstance(item, Mapping)
            or set(item) - {"service", "offset_s", "level", "text"}
            or not {"service", "text"} <= set(item)
        ):
            raise ctx.fail(
                "a log line needs service and text (and may have offset_s, level)",
                issue=issue,
                field=where,
            )
        offset = item.get("offset_s", 0)
        level = item.get("level", "INFO")
        if (
            isinstance(offset, bool)
            or not isinstance(offset, (int, float))
            or not math.isfinite(offset)
            or abs(offset) > MAX_OFFSET_S
        ):
            raise ctx.fail(
                f"offset_s must be a number of seconds within {MAX_OFFSET_S:,} of the "
                f"incident start, got {brief(offset)}",
                issue=issue,
                field=where + ".offset_s",
            )
        if level not in LOG_LEVELS:
            raise ctx.fail(
                f"unknown log level {level!r}; levels: {', '.join(LOG_LEVELS)}",
                issue=issue,
                field=where + ".level",
            )
        if not isinstance(item["service"], str) or not isinstance(item["text"], str):
            raise ctx.fail("service and text must be strings", issue=issue, field=where)
        out.append(LogLine(item["service"], offset, level, item["text"]))
    return tuple(out)


def _strings(ctx: _Ctx, raw: list[Any], field: str, issue: str | None) -> tuple[str, ...]:
    for n, x in enumerate(raw):
        if not isinstance(x, str):
            raise ctx.fail(
                f"must be a list of strings, item {n} is {x!r}", issue=issue, field=field
            )
    return tuple(raw)


# The pipeline's failure kinds (apidebug_nb.model.pipeline.FAILURES, which checks
# this list at import), named here so that parsing a file needs no model import.
FAILURE_KINDS = (
    "pile_up",
    "connect_refused",
    "not_found",
    "method_not_allowed",
    "gone",
    "missing_credentials",
    "invalid_token",
    "invalid_signature",
    "expired_token",
    "insufficient_scope",
    "rate_limited",
    "retry_burst",
    "overloaded",
    "unsupported_media_type",
    "unsupported_encoding",
    "bad_body",
    "timeout",
    "duplicate",
    "dropped",
    "dns_stale",
    "stale_connection",
    "tls_protocol",
    "tls_untrusted",
    "tls_hostname",
    "stale_signature",
    "unknown_enum",
    "pagination_drift",
)


def _pair(ctx: _Ctx, raw: Any, issue: str | None, field: str) -> tuple[str, str]:
    if not (
        isinstance(raw, (list, tuple)) and len(raw) == 2 and all(isinstance(x, str) for x in raw)
    ):
        raise ctx.fail(f"a hop is [caller, callee], got {brief(raw)}", issue=issue, field=field)
    return (raw[0], raw[1])


def _share(ctx: _Ctx, share: Mapping[str, Any], iid: str) -> None:
    shapes = {"fixed": 1, "excess": 2, "slow": 3}
    if len(share) != 1 or next(iter(share)) not in shapes:
        raise ctx.fail(
            "share is {fixed: f}, {excess: [rate, limit]} or {slow: [timeout_s, p50_ms, max_ms]}",
            issue=iid,
            field="share",
        )
    ((kind, value),) = share.items()
    if kind == "fixed":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            raise ctx.fail(
                f"share.fixed must be a number in (0, 1], got {brief(value)}",
                issue=iid,
                field="share.fixed",
            )
    elif not (
        isinstance(value, list)
        and len(value) == shapes[kind]
        and all(isinstance(x, str) and "." in x for x in value)
    ):
        raise ctx.fail(
            f"share.{kind} must be a list of {shapes[kind]} setting paths (service.key)",
            issue=iid,
            field=f"share.{kind}",
        )


def _flows(ctx: _Ctx, raw: list[Any]) -> tuple[Flow, ...]:
    _count(ctx, raw, COUNTS["flows"], "flows")
    out = []
    for n, item in enumerate(raw):
        where = f"flows[{n}]"
        f = _fields(
            ctx, item, _FLOW, ("name", "entry", "requests", "hops"), "a flow", prefix=where + "."
        )
        if not 1 <= f["requests"] <= MAX_REQUESTS:
            raise ctx.fail(
                f"requests (per step) must be from 1 to {MAX_REQUESTS:,}, got "
                f"{brief(f['requests'])}",
                field=where + ".requests",
            )
        _count(ctx, f["hops"], COUNTS["edges"], where + ".hops")
        if not f["hops"]:
            raise ctx.fail("a flow needs at least one hop", field=where + ".hops")
        hops = []
        for k, h in enumerate(f["hops"]):
            d = _fields(ctx, h, _HOP, ("caller", "callee"), "a hop", prefix=f"{where}.hops[{k}].")
            hops.append(
                Hop(
                    d["caller"],
                    d["callee"],
                    d.get("method", "POST"),
                    d.get("path", "/"),
                    d.get("async", False),
                )
            )
        out.append(Flow(f["name"], f["entry"], f["requests"], tuple(hops)))
    return tuple(out)


def _faults(ctx: _Ctx, raw: list[Any]) -> tuple[Fault, ...]:
    _count(ctx, raw, COUNTS["issues"], "faults")
    out = []
    for n, item in enumerate(raw):
        where = f"faults[{n}]"
        d = _fields(ctx, item, _FAULT, ("hop", "failure", "share"), "a fault", prefix=where + ".")
        if d["failure"] not in FAILURE_KINDS:
            raise ctx.fail(
                f"unknown failure kind {d['failure']!r}; kinds: {', '.join(FAILURE_KINDS)}",
                field=where + ".failure",
                rule="unknown-failure",
            )
        share = d["share"]
        if isinstance(share, bool) or not 0 < share <= 1:
            raise ctx.fail(f"share must be in (0, 1], got {brief(share)}", field=where + ".share")
        out.append(Fault(_pair(ctx, d["hop"], None, where + ".hop"), d["failure"], float(share)))
    return tuple(out)


def _issue(ctx: _Ctx, raw: Any, n: int) -> Issue:
    iid: str = (
        raw["id"] if isinstance(raw, Mapping) and isinstance(raw.get("id"), str) else f"#{n + 1}"
    )
    d = _fields(ctx, raw, _ISSUE, _ISSUE_REQUIRED, "an issue", issue=iid)
    if d["category"] not in CATEGORIES:
        raise ctx.fail(
            f"unknown category {d['category']!r}; categories: {', '.join(CATEGORIES)}",
            issue=iid,
            field="category",
        )
    if d["severity"] not in SEVERITIES:
        raise ctx.fail(
            f"unknown severity {d['severity']!r}; severities: {', '.join(SEVERITIES)}",
            issue=iid,
            field="severity",
        )
    hints = _fields(
        ctx,
        d["hints"],
        {"nudge": str, "setting": str, "contract": str},
        ("nudge", "setting", "contract"),
        "hints",
        issue=iid,
        prefix="hints.",
    )
    hop = _pair(ctx, d["hop"], iid, "hop")
    if d["failure"] not in FAILURE_KINDS:
        raise ctx.fail(
            f"unknown failure kind {d['failure']!r}; kinds: {', '.join(FAILURE_KINDS)}",
            issue=iid,
            field="failure",
            rule="unknown-failure",
        )
    share = d.get("share")
    if share is not None:
        _share(ctx, share, iid)
    return Issue(
        id=iid,
        service=d["service"],
        title=d["title"],
        category=d["category"],
        severity=d["severity"],
        check=freeze(d["check"]),
        reference_fix=freeze(d["reference_fix"]),
        hop=hop,
        failure=d["failure"],
        detail=d.get("detail", ""),
        share=freeze(share) if share is not None else None,
        depends_on=_strings(ctx, d.get("depends_on", []), "depends_on", iid),
        explanation=d["explanation"],
        hints=Hints(hints["nudge"], hints["setting"], hints["contract"]),
    )


def scenario_from_dict(
    data: Any, *, source: str = "<data>", lines: Mapping[str, int] | None = None
) -> Scenario:
    """Build a scenario from plain data, with errors naming source, issue and field.

    ``lines`` optionally maps ``"issue_id"`` or ``"issue_id:field"`` to a line
    number in the source file, so errors can point at it.
    """
    ctx = _Ctx(source, lines)
    if isinstance(data, Mapping) and data.get("format") != FORMAT:
        old = any(
            isinstance(i, Mapping) and any(k in i for k in _FORMAT_1_FIELDS)
            for i in (data.get("issues") or [] if isinstance(data.get("issues"), list) else [])
        )
        if old or "format" not in data:
            raise ctx.fail(FORMAT_1_GONE, field="format", rule="old-format")
        raise ctx.fail(
            f"unknown scenario format {brief(data.get('format'))}; this version reads format "
            f"{FORMAT}",
            field="format",
            rule="old-format",
        )
    d = _fields(ctx, data, _TOP, _TOP_REQUIRED, "a scenario")
    if not 1 <= d["max_steps"] <= MAX_STEPS:
        raise ctx.fail(
            f"max_steps must be from 1 to {MAX_STEPS:,}, got {brief(d['max_steps'])}",
            field="max_steps",
        )
    step_seconds = d.get("step_seconds", 45)
    if not 1 <= step_seconds <= MAX_STEP_SECONDS:
        raise ctx.fail(
            f"step_seconds must be from 1 to {MAX_STEP_SECONDS:,} (a step is at most a day "
            f"of incident time), got {brief(step_seconds)}",
            field="step_seconds",
            rule="bad-clock",
        )
    for key in ("services", "edges", "issues"):
        _count(ctx, d[key], COUNTS[key], key)
    for key in ("services", "issues"):
        if not d[key]:
            raise ctx.fail(
                f"the scenario has no {key}; it needs at least one "
                + ("service" if key == "services" else "issue (a problem to fix)"),
                field=key,
            )
    services = []
    for n, raw in enumerate(d["services"]):
        s = _fields(ctx, raw, _SERVICE, ("name", "config"), "a service", prefix=f"services[{n}].")
        services.append(
            Service(
                name=s["name"],
                role=s.get("role", ""),
                config=freeze(s["config"]),
                editable=s.get("editable", True),
                description=s.get("description", ""),
                relays=s.get("relays", False),
            )
        )
    edges = []
    for n, e in enumerate(d["edges"]):
        if not (
            isinstance(e, (list, tuple)) and len(e) == 2 and all(isinstance(x, str) for x in e)
        ):
            raise ctx.fail(f"an edge is [caller, callee], got {e!r}", field=f"edges[{n}]")
        edges.append((e[0], e[1]))
    issues = tuple(_issue(ctx, raw, n) for n, raw in enumerate(d["issues"]))
    return Scenario(
        id=d["id"],
        title=d.get("title", d["id"]),
        description=d.get("description", ""),
        max_steps=d["max_steps"],
        service_records=tuple(services),
        edges=tuple(edges),
        issue_records=issues,
        flows=_flows(ctx, d["flows"]),
        faults=_faults(ctx, d.get("faults", [])),
        base_logs=_lines(ctx, d.get("base_logs", []), "base_logs", None),
        incident_start=d.get("incident_start", "2026-03-14T09:00:00"),
        step_seconds=d.get("step_seconds", 45),
        task=d.get("task"),
        seed=d.get("seed"),
        pool=_strings(ctx, d.get("pool", []), "pool", None),
        explanations=freeze(d.get("explanations", {})),
    )
