"""The grade: four dimensions, process credit gated by results.

``score = 0.40·fix + fix·(0.25·strategy + 0.20·diagnosis + 0.15·efficiency) − hint penalty``

Each dimension is a small pure function of the episode's history, so the
grade is a pure function of the action list: same actions, same grade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apidebug_nb.episode.actions import INSPECT_KINDS
from apidebug_nb.model.simulation import RESOLVED

if TYPE_CHECKING:
    from apidebug_nb.episode.episode import Episode

WEIGHTS = {"fix": 0.40, "strategy": 0.25, "diagnosis": 0.20, "efficiency": 0.15}
HINT_PENALTY = 0.03  # per hint level used
MAX_HINT_PENALTY = 0.30


@dataclass(frozen=True)
class IssueOutcome:
    """How one issue ended."""

    id: str
    title: str
    outcome: str  # "resolved" | "revealed" | "unresolved"
    fixed_at_step: int | None
    inspected_first: bool
    fixed_while_masked: bool
    reopened: int
    hints: int


@dataclass(frozen=True)
class Grade:
    """A score in [0, 1], per-dimension values with a sentence each, per-issue outcomes."""

    score: float
    dimensions: dict[str, float]
    sentences: dict[str, str]
    issues: list[IssueOutcome]
    hint_penalty: float
    steps_used: int
    reference_steps: int
    max_steps: int
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "dimensions": dict(self.dimensions),
            "sentences": dict(self.sentences),
            "hint_penalty": self.hint_penalty,
            "steps_used": self.steps_used,
            "reference_steps": self.reference_steps,
            "max_steps": self.max_steps,
            "issues": [vars(i).copy() for i in self.issues],
        }

    def render_text(self) -> str:
        """The grade as plain text (the text twin of the grade chart)."""
        lines = [f"Score: {self.score:.2f} / 1.00"]
        for name, value in self.dimensions.items():
            lines.append(f"  {name:<10} {value:.2f}  {self.sentences[name]}")
        if self.hint_penalty:
            lines.append(f"  hint penalty -{self.hint_penalty:.2f}")
        for i in self.issues:
            lines.append(f"  [{i.outcome}] {i.title}")
        return "\n".join(lines)


def _final_resolution_step(ep: Episode, iid: str) -> int | None:
    step = None
    for o in ep.history:
        if iid in o.resolved:
            step = o.index
        if iid in o.reopened:
            step = None
    return step


def fix_dimension(ep: Episode) -> tuple[float, str]:
    total = len(ep.sim.order)
    credited = [i for i in ep.sim.order if ep.statuses[i] == RESOLVED and i not in ep.revealed]
    value = len(credited) / total if total else 1.0
    note = f" ({len(ep.revealed)} revealed, no credit)" if ep.revealed else ""
    return value, f"{len(credited)} of {total} problems fixed{note}."


def diagnosis_dimension(ep: Episode) -> tuple[float, str]:
    fixes = [
        (i, step)
        for i in ep.sim.order
        if ep.statuses[i] == RESOLVED and i not in ep.revealed
        if (step := _final_resolution_step(ep, i)) is not None  # no step, no fix to diagnose
    ]
    if not fixes:
        return 0.0, "No fix to diagnose yet."
    looked = 0
    for iid, step in fixes:
        where = set(ep.sim.issues[iid].symptom_services)
        if any(
            o.index < step and o.kind in INSPECT_KINDS and o.accepted and o.service in where
            for o in ep.history
        ):
            looked += 1
    return looked / len(
        fixes
    ), f"{looked} of {len(fixes)} fixes followed an inspection of the failing path."


def strategy_dimension(ep: Episode) -> tuple[float, str]:
    h = ep.history
    fixes = [o for o in h if o.kind == "submit_fix"]
    first_fix = fixes[0].index if fixes else None
    looked_first = (
        1.0
        if first_fix is None
        or any(o.kind in INSPECT_KINDS and o.accepted and o.index < first_fix for o in h)
        else 0.0
    )
    repeats = sum(1 for o in h if o.repeat)
    rejected = sum(1 for o in h if not o.accepted)
    resolutions = sum(len(o.resolved) for o in h)
    blind = sum(len(o.resolved_masked) for o in h)
    parts = [
        looked_first,
        max(0.0, 1.0 - 0.2 * repeats),
        1.0 - blind / resolutions if resolutions else 1.0,
        max(0.0, 1.0 - 0.2 * rejected),
    ]
    value = sum(parts) / len(parts)
    notes = []
    if not looked_first:
        notes.append("fixed before inspecting anything")
    if repeats:
        notes.append(
            f"{repeats} repeated inspection{'s' if repeats > 1 else ''} with nothing changed"
        )
    if blind:
        notes.append(f"{blind} problem{'s' if blind > 1 else ''} fixed while still hidden")
    if rejected:
        notes.append(f"{rejected} rejected action{'s' if rejected > 1 else ''}")
    return value, (
        "Methodical: looked first, no wasted or blind moves."
        if not notes
        else "; ".join(notes).capitalize() + "."
    )


def efficiency_dimension(ep: Episode, reference_steps: int) -> tuple[float, str]:
    used, budget = ep.steps, ep.scenario.max_steps
    if used <= reference_steps:
        value = 1.0
    elif budget <= reference_steps:
        value = 0.0
    else:
        value = max(0.0, (budget - used) / (budget - reference_steps))
    return value, f"{used} steps used; the reference solver needs {reference_steps} of {budget}."


def grade_episode(ep: Episode) -> Grade:
    """Grade an episode from its history (pure: same actions, same grade)."""
    from apidebug_nb.grading.oracle import oracle_actions

    reference_steps = len(oracle_actions(ep.scenario))
    fix, fix_s = fix_dimension(ep)
    strategy, strategy_s = strategy_dimension(ep)
    diagnosis, diagnosis_s = diagnosis_dimension(ep)
    efficiency, efficiency_s = efficiency_dimension(ep, reference_steps)
    hints = sum(ep.hint_levels.values())
    penalty = min(MAX_HINT_PENALTY, HINT_PENALTY * hints)
    raw = WEIGHTS["fix"] * fix + fix * (
        WEIGHTS["strategy"] * strategy
        + WEIGHTS["diagnosis"] * diagnosis
        + WEIGHTS["efficiency"] * efficiency
    )
    score = round(min(1.0, max(0.0, raw - penalty)), 4)
    dims = {
        "fix": round(fix, 4),
        "strategy": round(strategy, 4),
        "diagnosis": round(diagnosis, 4),
        "efficiency": round(efficiency, 4),
    }
    if fix == 0:
        gate = " (process credit counts only once something is fixed)"
        strategy_s, diagnosis_s, efficiency_s = (
            s + gate for s in (strategy_s, diagnosis_s, efficiency_s)
        )
    outcomes = []
    for iid in ep.sim.order:
        issue = ep.sim.issues[iid]
        step = _final_resolution_step(ep, iid)
        where = set(issue.symptom_services)
        outcome = (
            "revealed"
            if iid in ep.revealed
            else "resolved"
            if ep.statuses[iid] == RESOLVED
            else "unresolved"
        )
        outcomes.append(
            IssueOutcome(
                id=iid,
                title=issue.title,
                outcome=outcome,
                fixed_at_step=step,
                inspected_first=step is not None
                and any(
                    o.index < step and o.kind in INSPECT_KINDS and o.accepted and o.service in where
                    for o in ep.history
                ),
                fixed_while_masked=any(iid in o.resolved_masked for o in ep.history),
                reopened=sum(1 for o in ep.history if iid in o.reopened),
                hints=ep.hint_levels.get(iid, 0),
            )
        )
    return Grade(
        score=score,
        dimensions=dims,
        sentences={
            "fix": fix_s,
            "strategy": strategy_s,
            "diagnosis": diagnosis_s,
            "efficiency": efficiency_s,
        },
        issues=outcomes,
        hint_penalty=round(penalty, 4),
        steps_used=ep.steps,
        reference_steps=reference_steps,
        max_steps=ep.scenario.max_steps,
    )
