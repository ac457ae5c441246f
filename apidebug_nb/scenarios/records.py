"""Typed, immutable records that describe a scenario.

A scenario is data: services with configs, call edges, and issues. An issue is
a broken contract between a caller and what it calls; whether it is resolved is
never stored, it is derived by evaluating the issue's ``check`` rule over the
current configs (see :mod:`apidebug_nb.model.rules`).

Configs, rules and patches are deep-frozen (mappings become read-only,
lists become tuples) so a scenario can be shared freely; :func:`thaw` turns
them back into plain JSON-like dicts and lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from apidebug_nb.input_limits import JSON_SCALARS

if TYPE_CHECKING:
    import networkx as nx

CATEGORIES = ("authentication", "protocol", "networking", "configuration", "resilience")
SEVERITIES = ("critical", "error", "warning")
LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")


def freeze(value: Any) -> Any:
    """Return a deep read-only copy of a JSON-like value.

    >>> f = freeze({"a": [1, {"b": 2}]})
    >>> f["a"][1]["b"]
    2
    >>> thaw(f)
    {'a': [1, {'b': 2}]}
    """
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if t is MappingProxyType:
        return value  # already frozen all the way down (only freeze() makes them)
    if t is dict or isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if t is list or t is tuple:
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Return a plain, mutable deep copy (dicts and lists) of a frozen value."""
    t = type(value)
    # scalars are copied in the comprehensions, without a call per leaf
    if t is MappingProxyType or t is dict:
        return {k: v if type(v) in JSON_SCALARS else thaw(v) for k, v in value.items()}
    if t is tuple or t is list:
        return [v if type(v) in JSON_SCALARS else thaw(v) for v in value]
    if t in JSON_SCALARS:
        return value  # before the abstract Mapping check below, which is slow
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class LogLine:
    """One log line of a service, at ``offset_s`` seconds from a reference time.

    Start-up lines (the scenario's ``base_logs``) are relative to the
    incident start; everything else in a log is rendered from traffic.
    """

    service: str
    offset_s: float
    level: str
    text: str


@dataclass(frozen=True)
class Hop:
    """One call of a flow: ``caller`` calls ``method path`` on ``callee``.

    An ``asynchronous`` hop (a queue) is acknowledged with 202: its failures
    show in the consumer's log and never reach the caller.
    """

    caller: str
    callee: str
    method: str = "POST"
    path: str = "/"
    asynchronous: bool = False

    @property
    def edge(self) -> tuple[str, str]:
        return (self.caller, self.callee)


@dataclass(frozen=True)
class Flow:
    """A named request type: ``requests`` per step enter at ``entry`` and travel ``hops``.

    ``hops`` is an ordered tree in call order: a hop's parent is the latest
    earlier hop whose callee is its caller (the entry's own calls have none).
    """

    name: str
    entry: str
    requests: int
    hops: tuple[Hop, ...]


@dataclass(frozen=True)
class Fault:
    """A condition nobody can edit, failing a fixed share of a hop at one stage.

    Faults are transient: a client whose retry policy covers them recovers.
    """

    hop: tuple[str, str]
    failure: str
    share: float


@dataclass(frozen=True)
class Hints:
    """Three hint levels: where to look, which setting, what must hold."""

    nudge: str
    setting: str
    contract: str

    def levels(self) -> tuple[str, str, str]:
        return (self.nudge, self.setting, self.contract)


@dataclass(frozen=True)
class Service:
    """A service: its name, role, config and whether the learner may edit it."""

    name: str
    role: str
    config: Mapping[str, Any]
    editable: bool
    description: str = ""
    relays: bool = False  # a gateway: relays its upstream's status instead of answering 502


@dataclass(frozen=True)
class Issue:
    """A broken contract.

    Attributes:
        id: unique within the scenario, e.g. ``"hard.expired_token"``.
        service: the editable service whose config must change.
        title: short name, shown only once resolved or revealed.
        category: one of :data:`CATEGORIES`.
        severity: one of :data:`SEVERITIES`.
        check: the rule (plain data) that holds exactly when the issue is resolved.
        reference_fix: a JSON merge patch for ``service`` that satisfies ``check``.
        hop: the call ``(caller, callee)`` whose contract this is.
        failure: a failure kind of :data:`apidebug_nb.model.pipeline.FAILURES`;
            it fixes the stage, the status and the headers.
        detail: the callee's (or, for caller-side stages, the caller's) log
            text for this failure, with ``{service.key}`` placeholders filled
            from the current configs; empty for the kind's default text.
        share: which requests fail while the check fails: ``None`` for all,
            else ``{"fixed": f}``, ``{"excess": [rate, limit]}`` (the share
            of ``rate`` above ``limit``) or ``{"slow": [timeout_s, p50_ms,
            max_ms]}`` (the share slower than the timeout); at least one
            request per step fails.
        depends_on: issues that mask this one, computed from the pipeline
            (no request reaches its stage while they are broken).
        explanation: root cause and what to check next time (shown after).
        hints: three hint levels, none containing the answer value.
    """

    id: str
    service: str
    title: str
    category: str
    severity: str
    check: Mapping[str, Any]
    reference_fix: Mapping[str, Any]
    hop: tuple[str, str] = ("", "")
    failure: str = "bad_body"
    detail: str = ""
    share: Mapping[str, Any] | None = None
    depends_on: tuple[str, ...] = ()
    explanation: str = ""
    hints: Hints = field(default_factory=lambda: Hints("", "", ""))

    @property
    def symptom_services(self) -> tuple[str, ...]:
        """Services whose logs show this issue's failures, the issue's own first."""
        seen = [self.service]
        for s in self.hop:
            if s not in seen:
                seen.append(s)
        return tuple(seen)


@dataclass(frozen=True, eq=False)
class Scenario:
    """An incident: services, call edges, flows of requests, issues and start-up logs.

    ``services`` is the list of service names and ``issues`` the list of
    issues (both fresh lists); ``service(name)`` gives a service record and
    ``graph`` the read-only call graph (caller -> callee). Scenarios compare
    by identity; compare ``to_dict()`` or ``content_hash()`` for content.
    """

    id: str
    title: str
    description: str
    max_steps: int
    service_records: tuple[Service, ...]
    edges: tuple[tuple[str, str], ...]
    issue_records: tuple[Issue, ...]
    flows: tuple[Flow, ...] = ()
    faults: tuple[Fault, ...] = ()
    base_logs: tuple[LogLine, ...] = ()
    incident_start: str = "2026-03-14T09:00:00"
    step_seconds: int = 45
    task: str | None = None
    seed: int | None = None
    pool: tuple[str, ...] = ()
    explanations: Mapping[str, Any] = field(default_factory=lambda: freeze({}))

    @property
    def services(self) -> list[str]:
        return [s.name for s in self.service_records]

    @property
    def issues(self) -> list[Issue]:
        return list(self.issue_records)

    def service(self, name: str) -> Service:
        """Return the service record called ``name`` (KeyError naming the valid ones)."""
        for s in self.service_records:
            if s.name == name:
                return s
        raise KeyError(f"unknown service {name!r}; services are: {', '.join(self.services)}")

    def issue(self, issue_id: str) -> Issue:
        """Return the issue called ``issue_id`` (KeyError naming the valid ones)."""
        for i in self.issue_records:
            if i.id == issue_id:
                return i
        raise KeyError(f"unknown issue {issue_id!r}; issues are: {', '.join(self.issue_ids)}")

    @property
    def issue_ids(self) -> list[str]:
        return [i.id for i in self.issue_records]

    def configs(self) -> dict[str, dict[str, Any]]:
        """A fresh, mutable copy of every service's broken config."""
        return {s.name: thaw(s.config) for s in self.service_records}

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The call graph (caller -> callee), frozen: copy it to modify."""
        import networkx as nx  # imported on first use: it is slow to import

        g = nx.DiGraph()
        for s in self.service_records:
            g.add_node(s.name, role=s.role, editable=s.editable)
        g.add_edges_from(self.edges)
        return nx.freeze(g)

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-compatible dict of the whole scenario (canonical order)."""
        return scenario_to_dict(self)

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON dump; equal hashes mean equal scenarios."""
        return self._content_hash

    @cached_property
    def _content_hash(self) -> str:
        # computed once: transcripts (autosaved after every click) ask for it each time
        import hashlib
        import json

        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _line_to_dict(line: LogLine) -> dict[str, Any]:
    return {
        "service": line.service,
        "offset_s": line.offset_s,
        "level": line.level,
        "text": line.text,
    }


FORMAT = 2  # scenario data format: 2 = traffic over contracts (flows, stages)


def _hop_to_dict(h: Hop) -> dict[str, Any]:
    d: dict[str, Any] = {"caller": h.caller, "callee": h.callee, "method": h.method, "path": h.path}
    if h.asynchronous:
        d["async"] = True
    return d


def scenario_to_dict(sc: Scenario) -> dict[str, Any]:
    """Serialise a scenario to plain data (the inverse of :func:`scenario_from_dict`)."""
    return {
        "format": FORMAT,
        "id": sc.id,
        "title": sc.title,
        "description": sc.description,
        "max_steps": sc.max_steps,
        "incident_start": sc.incident_start,
        "step_seconds": sc.step_seconds,
        "task": sc.task,
        "seed": sc.seed,
        "pool": list(sc.pool),
        "services": [
            {
                "name": s.name,
                "role": s.role,
                "editable": s.editable,
                "description": s.description,
                "relays": s.relays,
                "config": thaw(s.config),
            }
            for s in sc.service_records
        ],
        "edges": [list(e) for e in sc.edges],
        "flows": [
            {
                "name": f.name,
                "entry": f.entry,
                "requests": f.requests,
                "hops": [_hop_to_dict(h) for h in f.hops],
            }
            for f in sc.flows
        ],
        "faults": [{"hop": list(x.hop), "failure": x.failure, "share": x.share} for x in sc.faults],
        "base_logs": [_line_to_dict(x) for x in sc.base_logs],
        "issues": [
            {
                "id": i.id,
                "service": i.service,
                "title": i.title,
                "category": i.category,
                "severity": i.severity,
                "check": thaw(i.check),
                "reference_fix": thaw(i.reference_fix),
                "hop": list(i.hop),
                "failure": i.failure,
                "detail": i.detail,
                "share": thaw(i.share),
                "depends_on": list(i.depends_on),
                "explanation": i.explanation,
                "hints": {
                    "nudge": i.hints.nudge,
                    "setting": i.hints.setting,
                    "contract": i.hints.contract,
                },
            }
            for i in sc.issue_records
        ],
        "explanations": thaw(sc.explanations),
    }
