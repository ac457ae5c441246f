"""The observation record returned by ``reset`` and ``step``."""

from __future__ import annotations

import copy
import dataclasses
import operator
from dataclasses import dataclass, field, fields
from typing import Any

from apidebug_nb.episode.outcome import ActionOutcome


@dataclass(frozen=True)
class Observation:
    """What the learner or agent sees after an action.

    Nothing here names an issue's title, explanation or fix before that issue
    is resolved or revealed.

    Attributes:
        step: steps taken so far.
        time: the incident clock, ISO 8601 UTC with milliseconds.
        service: the service the action was about, if any.
        logs: log lines of an ``inspect_logs``, oldest first (else empty).
        config: the config of an ``inspect_config`` (else ``None``).
        response: the answer to an ``inspect_endpoint`` test request of the
            first flow (else ``None``): ``status`` (``None`` when no answer
            came), ``headers``, ``body``, ``request_id``, ``trace_id``.
        health: service -> ``"healthy" | "degraded" | "error"``.
        alerts: symptom-level alerts of visible problems.
        message: what happened, in a sentence or two.
        accepted: False when the action was rejected.
        resolved, total: problems fixed so far, and how many there are.
        steps_left, hints_used: the remaining budget, and hint levels used.
        masked_services: services where a problem waits that no request reaches yet.
        trace: the test request's spans hop by hop (``caller``, ``callee``,
            ``method``, ``path``, ``status``, ``error``, ``headers``,
            ``latency_ms``, ``failing`` on the first failing span).
        probes: every flow's ``{"response", "trace"}`` of an ``inspect_endpoint``.
        outcome: the step's result as data (:class:`ActionOutcome`): programs
            read this, never ``message``.
    """

    step: int
    time: str
    service: str | None
    logs: list[str]
    config: dict[str, Any] | None
    response: dict[str, Any] | None
    health: dict[str, str]
    alerts: list[str]
    message: str
    accepted: bool
    resolved: int
    total: int
    steps_left: int
    hints_used: int
    masked_services: list[str] = field(default_factory=list)
    trace: list[dict[str, Any]] = field(default_factory=list)
    probes: list[dict[str, Any]] = field(default_factory=list)
    outcome: ActionOutcome = field(default_factory=lambda: ActionOutcome(None))

    def to_dict(self) -> dict[str, Any]:
        """A deep, JSON-compatible copy."""
        out = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}
        out["outcome"] = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(self.outcome).items()
        }
        return out


def observation_fingerprint(obs: Observation, previous: Observation | None = None) -> bytes:
    """Canonical bytes of an observation (what transcripts hash).

    The repr of every field's value, in field order; dicts keep their
    insertion order, which the engine builds deterministically. Given the
    observation handed out just before (``previous``), the fields only a fix
    changes are written as their change: ``health`` as the services whose
    health differs, ``alerts`` and ``masked_services`` as ``None`` when equal.
    The fingerprints of an episode's observations, in order, therefore still
    determine every observation, and a step's fingerprint costs what the step
    changed, not the size of the scenario.

    >>> from apidebug_nb.episode.outcome import ActionOutcome
    >>> a = Observation(0, "t", None, [], None, None, {"x": "error", "y": "healthy"},
    ...                 ["x: failing"], "", True, 0, 1, 5, 0)
    >>> b = Observation(1, "t", None, [], None, None, {"x": "healthy", "y": "healthy"},
    ...                 ["x: failing"], "", True, 1, 1, 4, 0)
    >>> observation_fingerprint(b, a) == observation_fingerprint(b, b)
    False
    >>> b"{'x': 'healthy'}, None" in observation_fingerprint(b, a)
    True
    """
    if previous is None:
        return fingerprint(obs, obs.health, obs.alerts, obs.masked_services)
    before = previous.health
    return fingerprint(
        obs,
        {s: h for s, h in obs.health.items() if before.get(s) != h},
        None if obs.alerts == previous.alerts else obs.alerts,
        None if obs.masked_services == previous.masked_services else obs.masked_services,
    )


def fingerprint(obs: Observation, health: Any, alerts: Any, masked: Any, **fields: Any) -> bytes:
    """The bytes of :func:`observation_fingerprint` with ``health``, ``alerts`` and
    ``masked_services`` written as given (the engine knows what changed), and any
    other field given by name written as given instead of ``obs``'s."""
    values = list(_FIELD_VALUES(obs))
    values[_HEALTH], values[_ALERTS], values[_MASKED] = health, alerts, masked
    for name, value in fields.items():
        values[_INDEX[name]] = value
    return repr(values).encode("utf-8")


_NAMES = tuple(f.name for f in fields(Observation))
_INDEX = {name: n for n, name in enumerate(_NAMES)}
_FIELD_VALUES = operator.attrgetter(*_NAMES)
_HEALTH, _ALERTS, _MASKED = (_INDEX[n] for n in ("health", "alerts", "masked_services"))
