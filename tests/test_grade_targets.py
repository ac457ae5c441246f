"""The grade measures debugging (DESIGN section 4), over built-in tasks, seeds 0..49.

- blind play (the reference fixes, no inspection) averages at most 0.60;
- careful play averages at least 0.85: every service's logs, config and endpoint
  looked at first, then each fix after re-reading the logs of its call once the
  problem has surfaced (a problem hidden behind another has no evidence to see
  before that). Looking at everything once and then fixing everything leaves the
  hidden problems fixed blind, and scores between the two;
- the reference solver scores exactly 1.0 and doing nothing 0.
"""

from __future__ import annotations

import statistics

import pytest

import apidebug_nb as adb
from apidebug_nb import Action

SEEDS = range(50)
BUILT_IN = ("easy", "medium", "hard")
LOOKS = (Action.inspect_logs, Action.inspect_config, Action.inspect_endpoint)


def _fixes(sc: adb.Scenario) -> list[tuple[str, Action]]:
    order = adb.Episode(sc).sim.order
    fixes = [a for a in adb.oracle_actions(sc) if a.kind == "submit_fix"]
    return list(zip(order, fixes, strict=True))


def blind(sc: adb.Scenario) -> list[Action]:
    return [fix for _, fix in _fixes(sc)]


def careful(sc: adb.Scenario) -> list[Action]:
    actions = [look(s) for s in sc.services for look in LOOKS]
    for n, (iid, fix) in enumerate(_fixes(sc)):
        if n:  # the next problem surfaced after the last fix: read its call's logs again
            actions += [Action.inspect_logs(s) for s in sc.issue(iid).hop]
        actions.append(fix)
    return actions


def look_once_then_fix(sc: adb.Scenario) -> list[Action]:
    return [look(s) for s in sc.services for look in LOOKS] + blind(sc)


def mean_score(task: str, strategy) -> float:
    scores = []
    for seed in SEEDS:
        sc = adb.load_scenario(task, seed)
        ep = adb.Episode(sc)
        ep.reset()
        for action in strategy(sc):
            if ep.done:
                break
            ep.step(action)
        scores.append(ep.grade().score)
    return statistics.mean(scores)


@pytest.mark.parametrize("task", BUILT_IN)
def test_blind_play_averages_at_most_0_60(task):
    value = mean_score(task, blind)
    print(f"{task}: blind mean {value:.4f}")
    assert value <= 0.60
    assert value == pytest.approx(0.55)  # 0.40 + 0.15 efficiency: nothing for process


@pytest.mark.parametrize("task", BUILT_IN)
def test_careful_play_averages_at_least_0_85(task):
    value = mean_score(task, careful)
    print(f"{task}: careful mean {value:.4f}")
    assert value >= 0.85


@pytest.mark.parametrize("task", BUILT_IN)
def test_looking_only_before_the_hidden_problems_surface_scores_between(task):
    value = mean_score(task, look_once_then_fix)
    print(f"{task}: look once, then fix mean {value:.4f}")
    assert mean_score(task, blind) < value < mean_score(task, careful)


@pytest.mark.parametrize("task", BUILT_IN)
def test_the_reference_solver_scores_one_and_doing_nothing_zero(task):
    assert mean_score(task, adb.oracle_actions) == 1.0
    assert mean_score(task, lambda sc: []) == 0.0
