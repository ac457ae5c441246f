"""The grade: four dimensions, process credit gated by results.

``score = 0.40·fix + fix·(0.25·strategy + 0.20·diagnosis + 0.15·efficiency) − hint penalty``

- fix: problems resolved (and not revealed) at the end, over all problems.
- diagnosis: share of those fixes preceded, after the problem became visible
  and before the fixing step, by a look that showed evidence of *that*
  problem (its failing stage in a log or trace on its call), and, where its
  contract lives in another service's config, a look at that config.
- strategy: (1 − share of fixes made blind: the problem not visible, or no
  evidence of it seen) × the mean of three parts that each lose
  :data:`MISTAKE_COST` per mistake: ineffective fixes (accepted, resolving
  nothing, not a first near miss), repeated inspections with nothing changed,
  rejected actions.
- efficiency: 1 at the careful engineer's step count (per problem: a look at
  its evidence and the fix, plus one read of each contract), falling linearly
  to 0 at ``max_steps``.

One pass over the history (O(steps + problems)); the scenario's facts come
from :func:`~apidebug_nb.episode.evidence_index.evidence_index`, computed once
per scenario. The grade is a pure function of the action list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apidebug_nb.episode.evidence_index import evidence_index
from apidebug_nb.model.simulation import ACTIVE, RESOLVED

if TYPE_CHECKING:
    from apidebug_nb.episode.episode import Episode

WEIGHTS = {"fix": 0.40, "strategy": 0.25, "diagnosis": 0.20, "efficiency": 0.15}
HINT_PENALTY = 0.03  # per hint level used
MAX_HINT_PENALTY = 0.30
MISTAKE_COST = 0.2  # each ineffective fix, repeated look or rejected action


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


@dataclass
class _Walk:
    """What one pass over the history found."""

    fixed_at: dict[str, int] = field(default_factory=dict)  # final resolution step
    diagnosed: dict[str, bool] = field(default_factory=dict)
    blind: dict[str, bool] = field(default_factory=dict)
    looked: dict[str, bool] = field(default_factory=dict)  # evidence seen before the fix
    reopened: dict[str, int] = field(default_factory=dict)
    masked_fix: set[str] = field(default_factory=set)
    ineffective: int = 0
    repeats: int = 0
    rejected: int = 0


def _walk(ep: Episode) -> _Walk:
    index = evidence_index(ep.sim)
    statuses = ep.status_history
    w = _Walk()
    seen: set[str] = set()  # issues whose evidence was seen in their current visible spell
    configs_read: set[str] = set()
    for o in ep.history:
        before, after = statuses[o.index - 1], statuses[o.index]
        if not o.accepted:
            w.rejected += 1
        elif o.repeat:
            w.repeats += 1
        if o.accepted and o.kind == "inspect_config" and o.service is not None:
            configs_read.add(o.service)
        elif o.accepted and o.kind in ("inspect_logs", "inspect_endpoint"):
            seen.update(i for i in index.seen_by(o.kind, o.service) if before[i] == ACTIVE)
        elif o.accepted and o.kind == "submit_fix" and not o.resolved and not o.near_miss:
            w.ineffective += 1
        for iid in o.resolved:
            visible = before[iid] == ACTIVE
            evidence = visible and iid in seen
            w.fixed_at[iid] = o.index
            w.looked[iid] = evidence
            w.blind[iid] = not evidence
            w.diagnosed[iid] = evidence and all(c in configs_read for c in index.contracts[iid])
            if not visible:
                w.masked_fix.add(iid)
        for iid in o.reopened:
            w.reopened[iid] = w.reopened.get(iid, 0) + 1
            for table in (w.fixed_at, w.diagnosed, w.blind, w.looked):
                table.pop(iid, None)
        if o.changed:  # a spell of visibility ends when the problem stops being active
            seen = {i for i in seen if after[i] == ACTIVE}
    return w


def _credited(ep: Episode, w: _Walk) -> list[str]:
    statuses = ep.statuses
    return [
        i
        for i in ep.sim.order
        if statuses[i] == RESOLVED and i not in ep.revealed and i in w.fixed_at
    ]


def fix_dimension(ep: Episode) -> tuple[float, str]:
    total = len(ep.sim.order)
    statuses = ep.statuses
    credited = [i for i in ep.sim.order if statuses[i] == RESOLVED and i not in ep.revealed]
    value = len(credited) / total if total else 1.0
    note = f" ({len(ep.revealed)} revealed, no credit)" if ep.revealed else ""
    return value, f"{len(credited)} of {total} problems fixed{note}."


def diagnosis_dimension(ep: Episode, w: _Walk | None = None) -> tuple[float, str]:
    w = w or _walk(ep)
    fixes = _credited(ep, w)
    if not fixes:
        return 0.0, "No fix to diagnose yet."
    good = sum(1 for i in fixes if w.diagnosed[i])
    return good / len(fixes), (
        f"{good} of {len(fixes)} fixes followed evidence of that problem, seen after it "
        "showed, and a read of its contract."
    )


def _part(mistakes: int) -> float:
    return max(0.0, 1.0 - MISTAKE_COST * mistakes)


def strategy_dimension(ep: Episode, w: _Walk | None = None) -> tuple[float, str]:
    w = w or _walk(ep)
    fixes = _credited(ep, w)
    blind = sum(1 for i in fixes if w.blind[i])
    sighted = 1.0 - blind / len(fixes) if fixes else 1.0
    parts = (_part(w.ineffective), _part(w.repeats), _part(w.rejected))
    value = sighted * sum(parts) / len(parts)
    notes = []
    if blind:
        notes.append(
            f"{blind} of {len(fixes)} fixes made blind (the problem hidden, or no evidence "
            "of it seen)"
        )
    for n, one, many in (
        (w.ineffective, "fix that fixed nothing", "fixes that fixed nothing"),
        (w.repeats, "repeated inspection", "repeated inspections"),
        (w.rejected, "rejected action", "rejected actions"),
    ):
        if n:
            notes.append(f"{n} {one if n == 1 else many}")
    text = "; ".join(notes)
    return value, (
        "Methodical: every fix followed its evidence; no wasted or rejected moves."
        if not notes
        else text[0].upper() + text[1:] + "."
    )


def efficiency_dimension(ep: Episode, careful_steps: int) -> tuple[float, str]:
    used, budget = ep.steps, ep.scenario.max_steps
    if used <= careful_steps:
        value = 1.0
    elif budget <= careful_steps:
        value = 0.0
    else:
        value = max(0.0, (budget - used) / (budget - careful_steps))
    return value, (
        f"{used} steps used; a careful engineer needs {careful_steps} of {budget} "
        "(a look at each problem's evidence and contract, and its fix)."
    )


def grade_episode(ep: Episode) -> Grade:
    """Grade an episode from its history (pure: same actions, same grade)."""
    careful_steps = evidence_index(ep.sim).careful_steps()
    w = _walk(ep)
    fix, fix_s = fix_dimension(ep)
    strategy, strategy_s = strategy_dimension(ep, w)
    diagnosis, diagnosis_s = diagnosis_dimension(ep, w)
    efficiency, efficiency_s = efficiency_dimension(ep, careful_steps)
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
    statuses = ep.statuses
    for iid in ep.sim.order:
        issue = ep.sim.issues[iid]
        outcome = (
            "revealed"
            if iid in ep.revealed
            else "resolved"
            if statuses[iid] == RESOLVED
            else "unresolved"
        )
        outcomes.append(
            IssueOutcome(
                id=iid,
                title=issue.title,
                outcome=outcome,
                fixed_at_step=w.fixed_at.get(iid),
                inspected_first=w.looked.get(iid, False),
                fixed_while_masked=iid in w.masked_fix,
                reopened=w.reopened.get(iid, 0),
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
        reference_steps=careful_steps,
        max_steps=ep.scenario.max_steps,
    )
