"""The grade equals a plain reading of DESIGN section 4 for any action list.

The reference below grades from the public record only (``history``,
``status_history``, ``statuses``, ``revealed``, ``hint_levels``), issue by
issue and step by step, with the weights and costs written out as the design
states them. It takes two scenario facts from elsewhere: which look shows which
problem and where its contract lives (the evidence index), and the careful
engineer's step count (the length of the reference solver's path). Episodes
are random action lists on several built-in tasks and a generated scenario:
looks at any service (and at one that does not exist), reference fixes, fixes
that put a setting back as it was (so problems break again), patches that
change something else, hints and reveals.
"""

from __future__ import annotations

import gc
import weakref
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb import Action
from apidebug_nb.episode.evidence_index import evidence_index
from apidebug_nb.grading.rubric import Grade, IssueOutcome
from apidebug_nb.instructor.generator import generate_scenario
from apidebug_nb.model.simulation import Simulation
from apidebug_nb.scenarios.records import thaw

TASKS = ("easy", "medium", "hard", "retry_storm", "webhook_skew")
LOOKS = ("inspect_logs", "inspect_config", "inspect_endpoint")


@cache
def _scenario(name: str, seed: int) -> adb.Scenario:
    if name == "generated":
        return generate_scenario(24, 6, seed=seed)
    return adb.load_scenario(name, seed)


def _part(mistakes: int) -> float:
    return max(0.0, 1.0 - 0.2 * mistakes)


def reference_grade(ep: adb.Episode) -> dict:
    """The grade as DESIGN section 4 words it, computed the long way round."""
    sc, history, statuses = ep.scenario, ep.history, ep.status_history
    order = [i.id for i in sorted(sc.issue_records, key=lambda i: ep.sim.order.index(i.id))]
    index = evidence_index(ep.sim)

    def evidence_before(iid: str, k: int) -> bool:
        """A look at step s < k showed iid, and iid stayed active from before s to before k."""
        for s in range(1, k):
            o = history[s - 1]
            if o.accepted and iid in index.seen_by(o.kind, o.service):
                if all(statuses[j][iid] == "active" for j in range(s - 1, k)):
                    return True
        return False

    def contracts_read_before(iid: str, k: int) -> bool:
        read = {o.service for o in history[: k - 1] if o.accepted and o.kind == "inspect_config"}
        return all(c in read for c in index.contracts[iid])

    outcomes = []
    standing = {}
    for iid in order:
        fixed_steps = [o.index for o in history if iid in o.resolved]
        broken_steps = [o.index for o in history if iid in o.reopened]
        last = max(fixed_steps, default=None)
        if last is not None and any(b > last for b in broken_steps):
            last = None
        seen = last is not None and statuses[last - 1][iid] == "active"
        seen = seen and evidence_before(iid, last)
        if last is not None:
            standing[iid] = (seen, seen and contracts_read_before(iid, last))
        outcome = (
            "revealed"
            if iid in ep.revealed
            else "resolved"
            if ep.statuses[iid] == "resolved"
            else "unresolved"
        )
        outcomes.append(
            {
                "id": iid,
                "title": sc.issue(iid).title,
                "outcome": outcome,
                "fixed_at_step": last,
                "inspected_first": seen,
                "fixed_while_masked": any(statuses[k - 1][iid] != "active" for k in fixed_steps),
                "reopened": len(broken_steps),
                "hints": ep.hint_levels.get(iid, 0),
            }
        )

    total = len(order)
    fixed = [o for o in outcomes if o["outcome"] == "resolved"]
    credited = [o["id"] for o in fixed if o["id"] in standing]
    fix = len(fixed) / total
    good = sum(1 for i in credited if standing[i][1])
    blind = sum(1 for i in credited if not standing[i][0])
    diagnosis = good / len(credited) if credited else 0.0
    ineffective = sum(
        1
        for o in history
        if o.accepted and o.kind == "submit_fix" and not o.resolved and not o.near_miss
    )
    repeats = sum(1 for o in history if o.accepted and o.repeat)
    rejected = sum(1 for o in history if not o.accepted)
    sighted = 1.0 - blind / len(credited) if credited else 1.0
    strategy = sighted * (_part(ineffective) + _part(repeats) + _part(rejected)) / 3
    careful, used, budget = len(adb.oracle_actions(sc)), ep.steps, sc.max_steps
    if used <= careful:
        efficiency = 1.0
    elif budget <= careful:
        efficiency = 0.0
    else:
        efficiency = max(0.0, (budget - used) / (budget - careful))
    penalty = min(0.30, 0.03 * sum(ep.hint_levels.values()))
    raw = 0.40 * fix + fix * (0.25 * strategy + 0.20 * diagnosis + 0.15 * efficiency)

    notes = []
    if blind:
        notes.append(
            f"{blind} of {len(credited)} fixes made blind (the problem hidden, or no "
            "evidence of it seen)"
        )
    for n, word in ((ineffective, "fix"), (repeats, "inspection"), (rejected, "action")):
        if n:
            kind = {"fix": "that fixed nothing", "inspection": "", "action": ""}[word]
            noun = {
                "fix": ("fix", "fixes"),
                "inspection": ("repeated inspection", "repeated inspections"),
                "action": ("rejected action", "rejected actions"),
            }[word][n != 1]
            notes.append(f"{n} {noun} {kind}".rstrip())
    strategy_s = (
        "; ".join(notes)[0].upper() + "; ".join(notes)[1:] + "."
        if notes
        else "Methodical: every fix followed its evidence; no wasted or rejected moves."
    )
    revealed_note = f" ({len(ep.revealed)} revealed, no credit)" if ep.revealed else ""
    gate = "" if fix else " (process credit counts only once something is fixed)"
    return {
        "score": round(min(1.0, max(0.0, raw - penalty)), 4),
        "dimensions": {
            "fix": round(fix, 4),
            "strategy": round(strategy, 4),
            "diagnosis": round(diagnosis, 4),
            "efficiency": round(efficiency, 4),
        },
        "sentences": {
            "fix": f"{len(fixed)} of {total} problems fixed{revealed_note}.",
            "strategy": strategy_s + gate,
            "diagnosis": (
                f"{good} of {len(credited)} fixes followed evidence of that problem, seen "
                "after it showed, and a read of its contract."
                if credited
                else "No fix to diagnose yet."
            )
            + gate,
            "efficiency": f"{used} steps used; a careful engineer needs {careful} of {budget} "
            "(a look at each problem's evidence and contract, and its fix)." + gate,
        },
        "hint_penalty": round(penalty, 4),
        "steps_used": used,
        "reference_steps": careful,
        "max_steps": budget,
        "issues": outcomes,
    }


def _action(sc: adb.Scenario, pick: tuple[int, int, int]) -> Action:
    what, a, b = pick
    services = [*sc.services, "no_such_service"]
    issues = sc.issue_records
    issue = issues[a % len(issues)]
    if what < 3:  # any look anywhere
        return Action(LOOKS[b % 3], services[a % len(services)])
    if what < 5:  # a look at either end of a problem's call, where its evidence shows
        return Action(LOOKS[b % 3], issue.hop[b % 2])
    if what < 8:
        return Action.submit_fix(issue.service, thaw(issue.reference_fix))
    if what == 8:  # the settings put back as they were: a fixed problem breaks again
        broken = thaw(issue.reference_fix)
        _put_back(broken, thaw(sc.service(issue.service).config))
        return Action.submit_fix(issue.service, broken)
    if what == 9 and b % 2:  # the right settings, wrong values: a near miss
        return Action.submit_fix(issue.service, _wrong(thaw(issue.reference_fix)))
    if what == 9:
        return Action.submit_fix(services[b % len(services)], {"note": f"change {b}"})
    return Action.hint() if what == 10 else Action.reveal()


def _wrong(patch: dict) -> dict:
    """The same settings as a merge patch, each set to a value that is not the fix."""
    out = {}
    for key, value in patch.items():
        if isinstance(value, dict):
            out[key] = _wrong(value)
        elif isinstance(value, bool):
            out[key] = not value
        elif isinstance(value, (int, float)):
            out[key] = -1
        else:
            out[key] = "wrong"
    return out


def _put_back(patch: dict, original: dict) -> None:
    """Each value of a merge patch replaced by the original's (None where it had none)."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(original.get(key), dict):
            _put_back(value, original[key])
        else:
            patch[key] = original.get(key)


@settings(max_examples=500)
@given(
    task=st.sampled_from((*TASKS, "generated")),
    seed=st.integers(0, 5),
    picks=st.lists(
        st.tuples(st.integers(0, 11), st.integers(0, 50), st.integers(0, 50)), max_size=40
    ),
)
def test_the_grade_equals_the_reference_reading_of_the_design(task, seed, picks):
    sc = _scenario(task, seed)
    ep = adb.Episode(sc)
    ep.reset()
    for pick in picks:
        if ep.done:
            break
        ep.step(_action(sc, pick))
    g = ep.grade()
    assert g.to_dict() == reference_grade(ep)
    assert g.sentences == reference_grade(ep)["sentences"]
    assert g == ep.grade()  # grading twice changes nothing


def test_the_reference_meets_the_hand_worked_grade():
    """The reference itself, on the hand-worked easy episode of test_grade.py."""
    ep = adb.Episode(adb.load_scenario("easy"))
    ep.reset()
    for a in [
        Action.inspect_endpoint("payment_gateway"),
        Action.inspect_logs("payment_client"),
        Action.submit_fix("payment_client", {"headers.Authorization": "Bearer sk_live_51hq7xa9"}),
        Action.inspect_logs("payment_client"),
        Action.submit_fix("payment_gateway", {"timeout": 60}),
        Action.submit_fix("payment_client", {"headers.Content-Type": "application/json"}),
    ]:
        ep.step(a)
    ref = reference_grade(ep)
    assert ref["dimensions"] == {
        "fix": 1.0,
        "strategy": 0.9333,
        "diagnosis": 0.5,
        "efficiency": 0.9,
    }
    assert ref["score"] == 0.8683
    assert ref["sentences"]["strategy"] == "1 rejected action."


def test_records_are_those_their_constructors_make():
    ep = adb.Episode(adb.load_scenario("medium", 3))
    ep.reset()
    for a in [Action.hint(), *adb.oracle_actions(ep.scenario)[:5]]:  # two of three fixes
        ep.step(a)
    g = ep.grade()
    assert type(g) is Grade and all(type(i) is IssueOutcome for i in g.issues)
    assert g == Grade(**vars(g))
    assert list(vars(g)) == [
        "score",
        "dimensions",
        "sentences",
        "issues",
        "hint_penalty",
        "steps_used",
        "reference_steps",
        "max_steps",
        "details",
    ]
    for i in g.issues:
        assert i == IssueOutcome(**vars(i))
        assert list(vars(i)) == [
            "id",
            "title",
            "outcome",
            "fixed_at_step",
            "inspected_first",
            "fixed_while_masked",
            "reopened",
            "hints",
        ]
    # a grade's dicts and list are its own: editing one leaves the next grade alone
    g.dimensions["fix"] = 9.0
    g.sentences["fix"] = "edited"
    g.issues.clear()
    again = ep.grade()
    assert again.dimensions["fix"] == 0.6667  # 2 of 3 fixed
    assert again.sentences["fix"] == "2 of 3 problems fixed."
    assert len(again.issues) == 3


def test_a_dropped_simulation_leaves_no_tables_behind():
    from apidebug_nb.episode import evidence_index as ei
    from apidebug_nb.grading import rubric

    sim = Simulation(adb.load_scenario("hard", 2))  # not the shared one
    # five problems, each a look and a fix, and two contracts read elsewhere
    assert rubric._facts(sim).careful_steps == evidence_index(sim).careful_steps() == 12
    key, gone = id(sim), weakref.ref(sim)
    assert key in ei._CACHE and key in rubric._FACTS
    del sim
    gc.collect()
    assert gone() is None
    assert key not in ei._CACHE and key not in rubric._FACTS


# -- a visible spell ends when the problem stops being active (easy, canonical) ----------------

AUTH = Action.submit_fix("payment_client", {"headers.Authorization": "Bearer sk_live_51hq7xa9"})
UNAUTH = Action.submit_fix("payment_client", {"headers.Authorization": None})  # breaks it again
CT = Action.submit_fix("payment_client", {"headers.Content-Type": "application/json"})
CLIENT_LOGS = Action.inspect_logs("payment_client")


def _played(actions: list[Action]) -> adb.Episode:
    ep = adb.Episode(adb.load_scenario("easy"))
    ep.reset()
    for a in actions:
        ep.step(a)
    return ep


def test_evidence_seen_before_a_fix_was_undone_does_not_count_for_the_next_fix():
    ep = _played([CLIENT_LOGS, AUTH, UNAUTH, AUTH])
    g = ep.grade()
    # missing_auth fixed at 2, broken at 3, fixed at 4 with no look since it broke: blind.
    # fix 1/2; strategy 0 (its one credited fix blind); diagnosis 0/1; efficiency 1 (4 <= 5)
    # score = 0.40*0.5 + 0.5*(0 + 0 + 0.15*1) = 0.275
    assert g.dimensions == {"fix": 0.5, "strategy": 0.0, "diagnosis": 0.0, "efficiency": 1.0}
    assert g.score == 0.275
    auth = g.issues[0]
    assert (auth.fixed_at_step, auth.inspected_first, auth.reopened) == (4, False, 1)
    assert g.sentences["strategy"] == (
        "1 of 1 fixes made blind (the problem hidden, or no evidence of it seen); "
        "1 fix that fixed nothing."
    )
    assert g.to_dict() == reference_grade(ep)


def test_evidence_seen_before_a_problem_was_hidden_again_does_not_count():
    # content_type shows once the auth is fixed (look at 3), hides when the auth breaks
    # again (4), shows again after the auth fix (5) and is fixed (6) with no look since.
    ep = _played([CLIENT_LOGS, AUTH, CLIENT_LOGS, UNAUTH, AUTH, CT])
    assert [s["easy.content_type"] for s in ep.status_history] == [
        "masked",
        "masked",
        "active",
        "active",
        "masked",
        "active",
        "resolved",
    ]
    g = ep.grade()
    # both fixes blind: strategy 0, diagnosis 0; efficiency (15 - 6) / (15 - 5) = 0.9
    # score = 0.40 + 1*(0 + 0 + 0.15*0.9) = 0.535
    assert g.dimensions == {"fix": 1.0, "strategy": 0.0, "diagnosis": 0.0, "efficiency": 0.9}
    assert g.score == 0.535
    assert [i.inspected_first for i in g.issues] == [False, False]
    assert [i.fixed_at_step for i in g.issues] == [5, 6]
    assert g.to_dict() == reference_grade(ep)
