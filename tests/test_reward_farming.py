"""Rewards cannot be farmed: a harmless config change does not make old evidence new.

The farmer adds a harmless new key to a service it may edit, then looks at that
service's config and logs again, and repeats until the steps run out. Before the
fix it earned inspection credit on every round; now it ends at or below zero,
and its grade is 0.
"""

from __future__ import annotations

import itertools

import pytest

import apidebug_nb as adb
from apidebug_nb import Action


def farm(task: str, seed: int) -> tuple[float, adb.Episode]:
    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc)
    ep.reset()
    editable = [s.name for s in sc.service_records if s.editable]
    total = 0.0
    for n in itertools.count():
        service = editable[n % len(editable)]
        for action in (
            Action.submit_fix(service, {f"farm_note_{n}": n}),
            Action.inspect_config(service),
            Action.inspect_logs(service),
        ):
            if ep.done:
                return round(total, 6), ep
            _, reward, _, _, _ = ep.step(action)
            total += reward


@pytest.mark.parametrize("task", ["easy", "medium", "hard"])
def test_the_change_and_reinspect_farmer_ends_at_or_below_zero_with_score_zero(task):
    for seed in range(10):
        total, ep = farm(task, seed)
        assert ep.truncated and ep.grade().score == 0.0, (task, seed)
        assert total <= 0.0, (task, seed, total)
        # credit came only from first sights of visible problems, once each
        firsts = [i for o in ep.history for i in o.new_evidence]
        assert len(firsts) == len(set(firsts))


def test_the_farmer_on_easy_canonical_by_hand():
    total, ep = farm("easy", 0)
    # 15 steps at -0.01; one first sight of the one visible problem at +0.03;
    # the harmless keys resolve nothing and earn nothing
    assert ep.steps == 15
    assert [i for o in ep.history for i in o.new_evidence] == ["easy.deprecated_url"]
    assert total == -0.12
