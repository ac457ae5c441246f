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

One pass over the history, O(steps + problems), plus at each config change a
look at the problems whose evidence is in view (to end the spells of those no
longer active). The scenario's facts come from
:func:`~apidebug_nb.episode.evidence_index.evidence_index`, arranged for the
pass once per scenario; the numbers and sentences are cached by the counts
they come from. The grade is a pure function of the action list.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from apidebug_nb.episode.evidence_index import evidence_index
from apidebug_nb.episode.record_makers import filled
from apidebug_nb.model.simulation import ACTIVE, RESOLVED, Simulation

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


@dataclass(slots=True)
class _Walk:
    """What one pass over the history found.

    ``fixes`` holds the issues whose latest resolution still stands: ``(step,
    evidence seen before it, diagnosed)``; a fix without its evidence was made
    blind.
    """

    fixes: dict[str, tuple[int, bool, bool]] = field(default_factory=dict)
    reopened: dict[str, int] = field(default_factory=dict)
    masked_fix: set[str] = field(default_factory=set)  # resolved while masked, at any step
    ineffective: int = 0
    repeats: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class _Facts:
    """What grading needs of one scenario, looked up once per scenario.

    Attributes:
        shows: look kind -> service -> the problems that look can show
            (from the evidence index).
        contracts: problem -> the services whose config holds its contract.
        careful_steps: the careful engineer's step count.
        titles: ``(problem, title)`` in ideal order.
        outcomes: the issue outcomes made so far, by ``(problem, outcome, fix,
            fixed while masked, reopened, hints)`` (see :func:`_outcome`).
    """

    shows: dict[str, dict[str, tuple[str, ...]]]
    contracts: dict[str, tuple[str, ...]]
    careful_steps: int
    titles: tuple[tuple[str, str], ...]
    outcomes: dict[tuple[Any, ...], IssueOutcome]  # see :func:`_outcome`


# id(simulation) -> its facts; an entry goes when its simulation does (so an id
# is never reused while its entry is here).
_FACTS: dict[int, _Facts] = {}


def _facts(sim: Simulation) -> _Facts:
    facts = _FACTS.get(id(sim))
    if facts is None:
        index = evidence_index(sim)
        shows: dict[str, dict[str, tuple[str, ...]]] = {}
        for (kind, service), shown in index.shows.items():
            shows.setdefault(kind, {})[service] = shown
        facts = _FACTS[id(sim)] = _Facts(
            shows=shows,
            contracts=dict(index.contracts),
            careful_steps=index.careful_steps(),
            titles=tuple((i, sim.issues[i].title) for i in sim.order),
            outcomes={},
        )
        weakref.finalize(sim, _FACTS.pop, id(sim), None).atexit = False
    return facts


def _walk(ep: Episode, facts: _Facts | None = None) -> _Walk:
    facts = facts or _facts(ep.sim)
    shows, contracts = facts.shows, facts.contracts
    statuses = ep._status_history  # read only; the public view copies it
    fixes: dict[str, tuple[int, bool, bool]] = {}
    reopened: dict[str, int] = {}
    masked_fix: set[str] = set()
    ineffective = repeats = rejected = 0
    seen: set[str] = set()  # issues whose evidence was seen in their current visible spell
    configs_read: set[str] = set()
    for o in ep._history:
        resolved, changed = o.resolved, o.changed
        if o.accepted:
            kind = o.kind
            if kind == "inspect_config":
                if o.service is not None:
                    configs_read.add(o.service)
            elif kind == "submit_fix":
                if not resolved and not o.near_miss:
                    ineffective += 1
            elif (table := shows.get(kind)) is not None:  # a look that can show evidence
                shown = table.get(o.service or "")
                if shown:
                    before = statuses[o.index - 1]
                    for i in shown:
                        if before[i] == ACTIVE:
                            seen.add(i)
            if o.repeat:
                repeats += 1
        else:
            rejected += 1
        if resolved:
            step = o.index
            before = statuses[step - 1]
            for iid in resolved:
                if before[iid] == ACTIVE:
                    evidence = iid in seen
                    diagnosed = evidence and configs_read.issuperset(contracts[iid])
                    fixes[iid] = (step, evidence, diagnosed)
                else:
                    fixes[iid] = (step, False, False)
                    masked_fix.add(iid)
        if o.reopened:
            for iid in o.reopened:
                reopened[iid] = reopened.get(iid, 0) + 1
                fixes.pop(iid, None)
        if changed and seen:  # a visible spell ends when the problem stops being active
            after = statuses[o.index]
            for i in tuple(seen):
                if after[i] != ACTIVE:
                    seen.discard(i)
    return _Walk(fixes, reopened, masked_fix, ineffective, repeats, rejected)


def _credited(ep: Episode, w: _Walk) -> list[str]:
    statuses = ep.statuses
    revealed = set(ep.revealed)
    return [
        i for i in ep.sim.order if statuses[i] == RESOLVED and i not in revealed and i in w.fixes
    ]


# Each dimension's value and sentence, from counts.


def _fix(fixed: int, total: int, revealed: int) -> tuple[float, str]:
    value = fixed / total if total else 1.0
    note = f" ({revealed} revealed, no credit)" if revealed else ""
    return value, f"{fixed} of {total} problems fixed{note}."


def _diagnosis(good: int, fixes: int) -> tuple[float, str]:
    if not fixes:
        return 0.0, "No fix to diagnose yet."
    return good / fixes, (
        f"{good} of {fixes} fixes followed evidence of that problem, seen after it "
        "showed, and a read of its contract."
    )


def _part(mistakes: int) -> float:
    return max(0.0, 1.0 - MISTAKE_COST * mistakes)


def _strategy(
    blind: int, fixes: int, ineffective: int, repeats: int, rejected: int
) -> tuple[float, str]:
    sighted = 1.0 - blind / fixes if fixes else 1.0
    parts = (_part(ineffective), _part(repeats), _part(rejected))
    value = sighted * sum(parts) / len(parts)
    notes = []
    if blind:
        notes.append(
            f"{blind} of {fixes} fixes made blind (the problem hidden, or no evidence of it seen)"
        )
    for n, one, many in (
        (ineffective, "fix that fixed nothing", "fixes that fixed nothing"),
        (repeats, "repeated inspection", "repeated inspections"),
        (rejected, "rejected action", "rejected actions"),
    ):
        if n:
            notes.append(f"{n} {one if n == 1 else many}")
    text = "; ".join(notes)
    return value, (
        "Methodical: every fix followed its evidence; no wasted or rejected moves."
        if not notes
        else text[0].upper() + text[1:] + "."
    )


def _efficiency(used: int, careful_steps: int, budget: int) -> tuple[float, str]:
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


def fix_dimension(ep: Episode) -> tuple[float, str]:
    statuses = ep.statuses
    revealed = set(ep.revealed)
    fixed = sum(1 for i in ep.sim.order if statuses[i] == RESOLVED and i not in revealed)
    return _fix(fixed, len(ep.sim.order), len(ep.revealed))


def diagnosis_dimension(ep: Episode, w: _Walk | None = None) -> tuple[float, str]:
    w = w or _walk(ep)
    fixes = _credited(ep, w)
    return _diagnosis(sum(1 for i in fixes if w.fixes[i][2]), len(fixes))


def strategy_dimension(ep: Episode, w: _Walk | None = None) -> tuple[float, str]:
    w = w or _walk(ep)
    fixes = _credited(ep, w)
    blind = sum(1 for i in fixes if not w.fixes[i][1])
    return _strategy(blind, len(fixes), w.ineffective, w.repeats, w.rejected)


def efficiency_dimension(ep: Episode, careful_steps: int) -> tuple[float, str]:
    return _efficiency(ep.steps, careful_steps, ep.scenario.max_steps)


_GATE = " (process credit counts only once something is fixed)"


@lru_cache(maxsize=1024)
def _summary(
    fixed: int,
    total: int,
    revealed: int,
    fixes: int,
    good: int,
    blind: int,
    ineffective: int,
    repeats: int,
    rejected: int,
    used: int,
    careful_steps: int,
    budget: int,
    hints: int,
) -> tuple[float, dict[str, float], dict[str, str], float]:
    """The score, the rounded dimensions, their sentences and the rounded hint penalty.

    A pure function of these counts, cached (episodes share few distinct
    counts): callers copy the two dicts before handing them out.
    """
    fix, fix_s = _fix(fixed, total, revealed)
    strategy, strategy_s = _strategy(blind, fixes, ineffective, repeats, rejected)
    diagnosis, diagnosis_s = _diagnosis(good, fixes)
    efficiency, efficiency_s = _efficiency(used, careful_steps, budget)
    penalty = min(MAX_HINT_PENALTY, HINT_PENALTY * hints)
    raw = WEIGHTS["fix"] * fix + fix * (
        WEIGHTS["strategy"] * strategy
        + WEIGHTS["diagnosis"] * diagnosis
        + WEIGHTS["efficiency"] * efficiency
    )
    if fix == 0:
        strategy_s, diagnosis_s, efficiency_s = (
            s + _GATE for s in (strategy_s, diagnosis_s, efficiency_s)
        )
    dimensions = {
        "fix": round(fix, 4),
        "strategy": round(strategy, 4),
        "diagnosis": round(diagnosis, 4),
        "efficiency": round(efficiency, 4),
    }
    sentences = {
        "fix": fix_s,
        "strategy": strategy_s,
        "diagnosis": diagnosis_s,
        "efficiency": efficiency_s,
    }
    score = round(min(1.0, max(0.0, raw - penalty)), 4)
    return score, dimensions, sentences, round(penalty, 4)


_OUTCOMES_KEPT = 256  # per scenario


def _outcome(
    made: dict[tuple[Any, ...], IssueOutcome], key: tuple[Any, ...], title: str
) -> IssueOutcome:
    """The outcome record of ``key`` (see :class:`_Facts`), kept for the next grade.

    Records are frozen, so grades can share them.
    """
    iid, outcome, fix, masked, reopened, hints = key
    if len(made) >= _OUTCOMES_KEPT:
        made.clear()
    record = made[key] = filled(
        IssueOutcome,
        {
            "id": iid,
            "title": title,
            "outcome": outcome,
            "fixed_at_step": None if fix is None else fix[0],
            "inspected_first": False if fix is None else fix[1],
            "fixed_while_masked": masked,
            "reopened": reopened,
            "hints": hints,
        },
    )
    return record


def grade_episode(ep: Episode) -> Grade:
    """Grade an episode from its history (pure: same actions, same grade)."""
    facts = _facts(ep.sim)
    w = _walk(ep, facts)
    standing, masked_fix, reopened = w.fixes, w.masked_fix, w.reopened
    statuses = ep._statuses  # read only; the public view wraps it
    revealed = ep.revealed
    revealed_set = set(revealed) if revealed else ()
    hint_levels = ep.hint_levels
    made = facts.outcomes
    fixed = fixes = good = blind = 0
    outcomes = []
    for iid, title in facts.titles:
        fix = standing.get(iid)
        if iid in revealed_set:
            outcome = "revealed"
        elif statuses[iid] == RESOLVED:
            outcome = "resolved"
            fixed += 1
            if fix is not None:
                fixes += 1
                good += fix[2]
                blind += not fix[1]
        else:
            outcome = "unresolved"
        key = (
            iid,
            outcome,
            fix,
            iid in masked_fix,
            reopened.get(iid, 0) if reopened else 0,
            hint_levels.get(iid, 0) if hint_levels else 0,
        )
        record = made.get(key)
        outcomes.append(record if record is not None else _outcome(made, key, title))
    budget = ep.scenario.max_steps
    score, dims, sentences, penalty = _summary(
        fixed,
        len(facts.titles),
        len(revealed),
        fixes,
        good,
        blind,
        w.ineffective,
        w.repeats,
        w.rejected,
        ep.steps,
        facts.careful_steps,
        budget,
        sum(hint_levels.values()) if hint_levels else 0,
    )
    return filled(
        Grade,
        {
            "score": score,
            "dimensions": dims.copy(),
            "sentences": sentences.copy(),
            "issues": outcomes,
            "hint_penalty": penalty,
            "steps_used": ep.steps,
            "reference_steps": facts.careful_steps,
            "max_steps": budget,
            "details": {},
        },
    )
