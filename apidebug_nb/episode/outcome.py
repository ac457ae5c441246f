"""What one step did: the facts that rewards and the grade are computed from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepOutcome:
    """The facts of one step, recorded in the episode's history.

    Attributes:
        index: 1-based step number.
        kind, service: the action's kind and service.
        accepted: False for a rejected action (unknown service, bad patch...).
        changed: True when a fix changed some config.
        new_info: an inspection that showed something not seen before.
        repeat: an inspection identical to an earlier one with no change since.
        new_evidence: visible, unresolved issues whose evidence this inspection
            showed for the first time (see :mod:`apidebug_nb.episode.evidence_index`).
        resolved: issues that became resolved at this step.
        resolved_inspected: of those, the ones whose symptom services were
            inspected at an earlier step.
        resolved_masked: of those, the ones that were masked before the step.
        reopened: issues that were resolved and broke again at this step.
        near_miss: issues whose settings the fix touched while their check
            still fails (first time for that issue only).
        hint_levels: hint levels consumed at this step (0 or 1).
        revealed: the issue revealed at this step, if any.
        completed: every issue resolved after this step.
    """

    index: int
    kind: str
    service: str | None
    accepted: bool = True
    changed: bool = False
    new_info: bool = False
    repeat: bool = False
    new_evidence: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    resolved_inspected: tuple[str, ...] = ()
    resolved_masked: tuple[str, ...] = ()
    reopened: tuple[str, ...] = ()
    near_miss: tuple[str, ...] = ()
    hint_levels: int = 0
    revealed: str | None = None
    completed: bool = False


@dataclass(frozen=True)
class ActionOutcome:
    """A step's result as data, for programs (``obs.outcome``): never parse ``message``.

    Attributes:
        kind: the action's kind (``None`` for the observation of ``reset``).
        accepted: False when the action was rejected.
        rejected: why, as a code: ``"unknown_service"``, ``"not_editable"``,
            ``"bad_patch"``, ``"unknown_issue"``, ``"nothing_to_reveal"``,
            ``"already_fixed"``; ``None`` when accepted.
        applied: the config paths a fix changed.
        resolved, reopened: issue ids fixed or broken again at this step.
        level: the hint level given (1-3), else ``None``.
        hint: that hint's text (what was asked for, as data), else ``None``.
        editable: for ``inspect_config``, whether the learner may change that
            service's config; else ``None``.
        exhausted: a hint was asked for but none is left for that problem.
        nothing_visible: no visible unresolved problem is left to hint at.
        repeat: an inspection identical to an earlier one, with no change since.
    """

    kind: str | None
    accepted: bool = True
    rejected: str | None = None
    applied: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    reopened: tuple[str, ...] = ()
    level: int | None = None
    hint: str | None = None
    editable: bool | None = None
    exhausted: bool = False
    nothing_visible: bool = False
    repeat: bool = False
