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


def observation_fingerprint(obs: Observation) -> bytes:
    """Canonical bytes of an observation (what transcripts hash).

    The repr of every field's value, in field order; dicts keep their
    insertion order, which the engine builds deterministically. Several times
    cheaper than a sorted JSON dump, and it is paid on every step.
    """
    return repr(_FIELD_VALUES(obs)).encode("utf-8")


_FIELD_VALUES = operator.attrgetter(*(f.name for f in fields(Observation)))
