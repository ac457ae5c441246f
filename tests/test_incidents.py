"""The incidents after easy, medium and hard: each a lab-sized story on the pipeline.

Per incident: its evidence as a learner meets it (worked out by hand from the
canonical values in the module's docstring), its contracts two-sided, the
oracle solving every variant, and variants that are deterministic and closed
under ``depends_on``.
"""

from __future__ import annotations

import pytest

import apidebug_nb as adb
from apidebug_nb.merge_patch import apply_merge_patch, normalise_patch
from apidebug_nb.model.rules import holds

NEW = ("retry_storm",)


def _resolves(task: str, issue_id: str, patch: dict) -> bool:
    """Whether ``patch`` on the issue's service satisfies its check (canonical configs)."""
    issue = {i.id: i for i in adb.task_pool(task)}[issue_id]
    sc = adb.load_scenario(task)
    configs = sc.configs()
    configs[issue.service] = apply_merge_patch(configs[issue.service], normalise_patch(patch))
    return holds(issue.check, configs)


def _play(sc: adb.Scenario, actions) -> tuple[adb.Episode, list]:
    ep = adb.Episode(sc)
    ep.reset()
    return ep, [ep.step(a)[0] for a in actions]


# -- the catalogue --------------------------------------------------------------------------


def test_new_incidents_follow_easy_medium_hard():
    assert adb.TASKS[:3] == ("easy", "medium", "hard")
    assert adb.TASKS[3:] == NEW


@pytest.mark.parametrize("task", NEW)
def test_each_incident_states_a_level_and_skills(task):
    from apidebug_nb.scenarios.catalogue import task_spec

    spec = task_spec(task)
    assert spec.level in ("beginner", "intermediate", "advanced")
    assert len(spec.skills) >= 2 and all(s.strip() for s in spec.skills)


@pytest.mark.slow
@pytest.mark.parametrize("task", NEW)
def test_oracle_solves_every_variant_with_full_score(task):
    for seed in range(200):
        sc = adb.load_scenario(task, seed)
        actions = adb.oracle_actions(sc)
        assert len(actions) <= sc.max_steps
        ep, _ = _play(sc, actions)
        assert ep.terminated, sc.id
        assert ep.grade().score == 1.0, sc.id


@pytest.mark.parametrize("task", NEW)
def test_variants_are_deterministic_valid_and_closed_under_depends_on(task):
    for seed in range(40):
        a, b = adb.load_scenario(task, seed), adb.load_scenario(task, seed)
        assert a.content_hash() == b.content_hash()
        adb.validate_scenario(a)
        ids = set(a.issue_ids)
        for issue in a.issues:
            assert set(issue.depends_on) <= ids, (a.id, issue.id)


# -- retry storm ----------------------------------------------------------------------------


def test_retry_storm_is_a_partial_failure_with_both_outcomes_counted():
    sc = adb.load_scenario("retry_storm")
    ep, (obs,) = _play(sc, [adb.Action.inspect_logs("cart_service")])
    # 30 % of 40 requests are shed with 503 and not recovered; the other 28 succeed
    assert obs.alerts == ["cart_service: GET /stock failing with 503 (12 of 40 requests)"]
    text = "\n".join(obs.logs)
    assert "... 11 more like this in this step: GET /stock -> 503 Service Unavailable" in text
    assert "... 27 more like this in this step: GET /stock -> 200 OK" in text
    assert "GET /stock -> 503 Service Unavailable; Retry-After: 5" in text
    assert ep.issue_status() == {"retry_storm.jitter": "active", "retry_storm.budget": "active"}


def test_retry_storm_retry_after_header_is_inventorys_own_value():
    sc = next(
        s
        for s in (adb.load_scenario("retry_storm", n) for n in range(50))
        if s.service("inventory_service").config["retry_after_s"] == 3
    )
    ep, (obs,) = _play(sc, [adb.Action.inspect_logs("cart_service")])
    assert "Retry-After: 3" in "\n".join(obs.logs)
    assert "Retry-After: 5" not in "\n".join(obs.logs)


def test_retry_storm_refuses_a_fix_to_inventory_and_teaches_mitigation():
    sc = adb.load_scenario("retry_storm")
    ep, (obs,) = _play(sc, [adb.Action.submit_fix("inventory_service", {"retry_after_s": 0})])
    assert obs.outcome.rejected == "not_editable"
    assert "cannot fix it at the source" in obs.message
    assert "Fix the client side" in obs.message and "fall back" in obs.message
    assert ep.configs["inventory_service"]["retry_after_s"] == 5


def test_retry_storm_heals_once_the_cart_mitigates():
    sc = adb.load_scenario("retry_storm")
    ep, seen = _play(sc, adb.oracle_actions(sc))
    assert ep.terminated
    assert seen[-1].health == {"cart_service": "healthy", "inventory_service": "healthy"}
    assert seen[-1].alerts == []


@pytest.mark.parametrize(
    ("issue", "patch", "resolved"),
    [
        # canonical: inventory caps the budget at 20 %
        ("retry_storm.budget", {"retry": {"budget_percent": 10}}, True),
        ("retry_storm.budget", {"retry": {"budget_percent": 15}}, True),
        ("retry_storm.budget", {"retry": {"budget_percent": 0}}, False),
        ("retry_storm.budget", {"retry": {"budget_percent": -10}}, False),
        ("retry_storm.budget", {"retry": {"budget_percent": 1000}}, False),
        # Retry-After 5 s: the longest wait must be >= 5000 ms and <= 30000 / 4 = 7500 ms
        (
            "retry_storm.retry_after",
            {"retry": {"after_header": "honour", "max_backoff_ms": 6000}},
            True,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_header": "honour", "max_backoff_ms": 7000}},
            True,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_header": "honour", "max_backoff_ms": 4999}},
            False,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_header": "honour", "max_backoff_ms": 0}},
            False,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_header": "honour", "max_backoff_ms": -6000}},
            False,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_header": "honour", "max_backoff_ms": 600000}},
            False,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_header": "ignore", "max_backoff_ms": 6000}},
            False,
        ),
        (
            "retry_storm.breaker",
            {"breaker": {"fallback": "cached_stock", "failure_threshold_percent": 50}},
            True,
        ),
        (
            "retry_storm.breaker",
            {"breaker": {"fallback": "cached_stock", "failure_threshold_percent": 30}},
            True,
        ),
        (
            "retry_storm.breaker",
            {"breaker": {"fallback": "cached_stock", "failure_threshold_percent": 0}},
            False,
        ),
        (
            "retry_storm.breaker",
            {"breaker": {"fallback": "cached_stock", "failure_threshold_percent": -50}},
            False,
        ),
        (
            "retry_storm.breaker",
            {"breaker": {"fallback": "cached_stock", "failure_threshold_percent": 5000}},
            False,
        ),
        (
            "retry_storm.breaker",
            {"breaker": {"fallback": "none", "failure_threshold_percent": 50}},
            False,
        ),
        ("retry_storm.jitter", {"retry": {"jitter": "decorrelated"}}, True),
        ("retry_storm.jitter", {"retry": {"jitter": "none"}}, False),
    ],
)
def test_retry_storm_contracts_are_two_sided(issue, patch, resolved):
    assert _resolves("retry_storm", issue, patch) is resolved


def test_list_shows_each_tasks_level_and_skills(capsys):
    from apidebug_nb.cli import main

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert (
        "  retry_storm  Retry storm after a GC pause: 2 of 4 problems per episode, 20 steps" in out
    )
    assert "level: intermediate; skills: partial failures, retry jitter" in out
    assert "level: beginner; skills: reading a 4xx" in out  # the first tasks have theirs too
