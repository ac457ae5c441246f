"""The observation record returned by ``reset`` and ``step``."""

from __future__ import annotations

import copy
import operator
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Observation:
    """What the learner or agent sees after an action.

    Nothing here names an issue's title, explanation or fix before that issue
    is resolved or revealed.

    Attributes:
        step: steps taken so far.
        time: the incident clock, ``"YYYY-MM-DD HH:MM:SS"``.
        service: the service the action was about, if any.
        logs: log lines of an ``inspect_logs``, oldest first (else empty).
        config: the config of an ``inspect_config`` (else ``None``).
        response: the answer of an ``inspect_endpoint`` (else ``None``).
        health: service -> ``"healthy" | "degraded" | "error"``.
        alerts: symptom-level alerts of visible problems.
        message: what happened, in a sentence or two.
        accepted: False when the action was rejected.
        resolved, total: problems fixed so far, and how many there are.
        steps_left, hints_used: the remaining budget, and hint levels used.
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

    def to_dict(self) -> dict[str, Any]:
        """A deep, JSON-compatible copy."""
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}


def observation_fingerprint(obs: Observation) -> bytes:
    """Canonical bytes of an observation (what transcripts hash).

    The repr of every field's value, in field order; dicts keep their
    insertion order, which the engine builds deterministically. Several times
    cheaper than a sorted JSON dump, and it is paid on every step.
    """
    return repr(_FIELD_VALUES(obs)).encode("utf-8")


_FIELD_VALUES = operator.attrgetter(*(f.name for f in fields(Observation)))
