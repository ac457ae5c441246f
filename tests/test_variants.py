"""Seeded variants of the built-in tasks (DESIGN section 2), for seeds 0..999.

Each variant is played once (see :func:`play`): every service's logs and
endpoint inspected at reset, then the reference solver's actions, with every
service's log read again after each fix. The tests below check what those runs
showed. Failures list every offending seed, not just the first.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

import apidebug_nb as adb
from apidebug_nb.merge_patch import apply_merge_patch, normalise_patch
from apidebug_nb.model import graphs
from apidebug_nb.model.rules import holds
from apidebug_nb.scenarios.records import thaw

# The main run includes it; the Python matrix in .ci/run leaves it out (plays 1,000 variants of every task).
pytestmark = pytest.mark.slow

PER_EPISODE = {
    "easy": 2,
    "medium": 3,
    "hard": 5,
    "retry_storm": 2,
    "ca_rotation": 2,
    "dns_ttl": 2,
    "pagination_drift": 2,
    "vendor_enum": 2,
    "webhook_skew": 2,
}
POOL_SIZE = {
    "easy": 4,
    "medium": 5,
    "hard": 7,
    "retry_storm": 4,
    "ca_rotation": 3,
    "dns_ttl": 3,
    "pagination_drift": 3,
    "vendor_enum": 3,
    "webhook_skew": 3,
}
MAX_STEPS = {
    "easy": 15,
    "medium": 25,
    "hard": 40,
    "retry_storm": 20,
    "ca_rotation": 15,
    "dns_ttl": 15,
    "pagination_drift": 15,
    "vendor_enum": 15,
    "webhook_skew": 15,
}
STAMP = "%Y-%m-%dT%H:%M:%S"


# -- playing a variant -----------------------------------------------------------------


def visible_logs(ep: adb.Episode, service: str) -> list[str]:
    """What ``inspect_logs(service)`` would show now, without spending a step.

    Needed once the episode has terminated; ``test_visible_logs_matches_inspect_logs``
    proves it shows the same as the real action.
    """
    return ep.log_lines(service)


def endpoints(ep: adb.Episode) -> list[dict[str, Any]]:
    """Every service's test-request answer now (first flow), without spending a step."""
    sc = ep.scenario
    out = []
    for s in sc.services:
        probes = ep.sim.probe(s, ep.traffic, ep.resolved, ep.configs, ep.steps, 0)
        out += [p["response"] for p in probes[:1]]
    return out


def clock(ep: adb.Episode) -> dt.datetime:
    return dt.datetime.fromisoformat(ep.scenario.incident_start) + dt.timedelta(seconds=ep.time_s)


@dataclass
class Snapshot:
    """Every service's log as shown at one moment, and the clock at that moment."""

    when: dt.datetime
    logs: dict[str, list[str]]
    label: str


@dataclass
class Run:
    scenario: adb.Scenario
    reset_status: dict[str, str]
    reset_logs: dict[str, list[str]] = field(default_factory=dict)
    reset_endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    reset_alerts: list[str] = field(default_factory=list)
    later_endpoints: list[dict[str, Any]] = field(default_factory=list)
    alerts_seen: list[str] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    fix_results: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    final_status: dict[str, str] = field(default_factory=dict)
    terminated: bool = False
    steps: int = 0


def play(sc: adb.Scenario) -> Run:
    ep = adb.Episode(sc)
    obs, _ = ep.reset()
    run = Run(sc, ep.issue_status(), reset_alerts=list(obs.alerts))
    for svc in sc.services:
        obs = ep.step(adb.Action.inspect_logs(svc))[0]
        run.reset_logs[svc] = list(obs.logs)
        run.alerts_seen.extend(obs.alerts)
    reset_clock = clock(ep)  # a look shows the traffic up to the moment of the look
    for svc in sc.services:
        obs = ep.step(adb.Action.inspect_endpoint(svc))[0]
        run.reset_endpoints[svc] = obs.response
    run.snapshots.append(Snapshot(reset_clock, run.reset_logs, "reset"))
    for action in adb.oracle_actions(sc):
        obs, _, terminated, truncated, info = ep.step(action)
        looked_at = clock(ep)
        run.alerts_seen.extend(obs.alerts)
        if action.kind == "inspect_logs":
            run.snapshots.append(
                Snapshot(looked_at, {action.service: list(obs.logs)}, "oracle inspect_logs")
            )
        elif action.kind == "submit_fix":
            fixed = [i.id for i in sc.issues if thaw(i.reference_fix) == action.changes]
            run.fix_results.append((fixed[0], info["resolved"], info["reopened"]))
            logs = {svc: visible_logs(ep, svc) for svc in sc.services}
            run.snapshots.append(Snapshot(clock(ep), logs, f"after fixing {fixed[0]}"))
            run.later_endpoints += endpoints(ep)
        if terminated or truncated:
            break
    run.final_status = ep.issue_status()
    run.terminated = ep.terminated
    run.steps = ep.steps
    return run


@pytest.fixture(scope="module")
def runs(variants):
    """``runs(task)``: every variant of ``task`` played once (cached for the module)."""
    cache: dict[str, tuple[Run, ...]] = {}

    def get(task: str) -> tuple[Run, ...]:
        if task not in cache:
            cache[task] = tuple(play(sc) for sc in variants[task])
        return cache[task]

    return get


def failures(task: str, problems: list[str], limit: int = 15) -> str:
    head = "\n".join(problems[:limit])
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{task}: {len(problems)} problem(s):\n{head}{more}"


def log_texts(lines: list[str]) -> list[str]:
    # "2026-03-14T09:00:02.123Z ERROR service text": drop the stamp, level and service
    return [line.split(" ", 1)[1].lstrip().split(" ", 2)[-1] for line in lines]


# -- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("task", adb.TASKS)
def test_exact_issue_count_and_pool(task, variants):
    pool = [i.id for i in adb.task_pool(task)]
    assert len(pool) == POOL_SIZE[task]
    problems = []
    for seed, sc in enumerate(variants[task]):
        ids = sc.issue_ids
        if len(ids) != PER_EPISODE[task] or len(set(ids)) != len(ids):
            problems.append(f"seed {seed}: issues {ids}")
        if not set(ids) <= set(pool):
            problems.append(f"seed {seed}: issues outside the pool: {sorted(set(ids) - set(pool))}")
        if sc.max_steps != MAX_STEPS[task] or sc.id != f"{task}-{seed}" or sc.seed != seed:
            problems.append(f"seed {seed}: id {sc.id!r}, seed {sc.seed}, max_steps {sc.max_steps}")
    assert not problems, failures(task, problems)


@pytest.mark.parametrize("task", adb.TASKS)
def test_selection_is_closed_under_depends_on(task, variants):
    problems = []
    for seed, sc in enumerate(variants[task]):
        chosen = set(sc.issue_ids)
        for issue in sc.issues:
            missing = set(issue.depends_on) - chosen
            if missing:
                problems.append(f"seed {seed}: {issue.id} without its mask {sorted(missing)}")
    assert not problems, failures(task, problems)


@pytest.mark.parametrize("task", adb.TASKS)
def test_selections_cover_the_pool(task, variants):
    # A seeded selection that never drew some issue (or never a masked one) would
    # pass the closure test trivially.
    drawn = {iid for sc in variants[task] for iid in sc.issue_ids}
    assert drawn == {i.id for i in adb.task_pool(task)}
    subsets = {tuple(sc.issue_ids) for sc in variants[task]}
    assert len(subsets) > 1


@pytest.mark.parametrize("task", adb.TASKS)
def test_each_check_fails_broken_and_passes_after_its_reference_fix(task, variants):
    problems = []
    for seed, sc in enumerate(variants[task]):
        broken = sc.configs()
        for issue in sc.issues:
            if holds(issue.check, broken):
                problems.append(f"seed {seed}: {issue.id} already holds on the broken config")
            fixed = sc.configs()
            patch = normalise_patch(thaw(issue.reference_fix))
            fixed[issue.service] = apply_merge_patch(fixed[issue.service], patch)
            if not holds(issue.check, fixed):
                problems.append(f"seed {seed}: {issue.id} fails after its own reference fix")
    assert not problems, failures(task, problems)


@pytest.mark.parametrize("task", adb.TASKS)
def test_unselected_contracts_hold_in_the_variant(task, variants):
    """Configs are broken only where a selected issue says so."""
    pool = adb.task_pool(task)
    problems = []
    for seed, sc in enumerate(variants[task]):
        configs = sc.configs()
        for issue in pool:
            if issue.id not in sc.issue_ids and not holds(issue.check, configs):
                problems.append(f"seed {seed}: unselected {issue.id} is broken in the configs")
    assert not problems, failures(task, problems)


@pytest.mark.parametrize("task", adb.TASKS)
def test_validate_scenario_passes(task, variants):
    problems = []
    for seed, sc in enumerate(variants[task]):
        try:
            assert adb.validate_scenario(sc) is sc
        except adb.ScenarioError as exc:
            problems.append(f"seed {seed}: {exc}")
    assert not problems, failures(task, problems)


@pytest.mark.parametrize("task", adb.TASKS)
def test_reference_fixes_in_ideal_order_resolve_everything(task, runs):
    problems = []
    for run in runs(task):
        sc = run.scenario
        order = [fixed for fixed, _, _ in run.fix_results]
        dag = graphs.dependency_dag(sc)
        expected = graphs.ideal_order(dag, {iid: n for n, iid in enumerate(sc.issue_ids)})
        if order != expected:
            problems.append(f"{sc.id}: fixes applied in {order}, ideal order is {expected}")
        for n, iid in enumerate(order):
            if not set(sc.issue(iid).depends_on) <= set(order[:n]):
                problems.append(f"{sc.id}: {iid} fixed before its mask")
        for fixed, resolved, reopened in run.fix_results:
            if fixed not in resolved or reopened:
                problems.append(f"{sc.id}: fixing {fixed} resolved {resolved}, reopened {reopened}")
        if not run.terminated or set(run.final_status.values()) != {"resolved"}:
            problems.append(f"{sc.id}: after every fix: {run.final_status}")
        healthy = [a["status"] for a in run.later_endpoints[-len(sc.services) :]]
        if not all(isinstance(x, int) and x < 300 for x in healthy):
            problems.append(f"{sc.id}: after every fix the endpoints answer {healthy}")
        if run.steps > sc.max_steps:
            problems.append(f"{sc.id}: {run.steps} steps, budget {sc.max_steps}")
    assert not problems, failures(task, problems)


@pytest.mark.parametrize("task", adb.TASKS)
def test_every_log_is_chronological_and_never_ahead_of_the_clock(task, runs):
    problems = []
    for run in runs(task):
        assert set(run.reset_logs) == set(run.scenario.services)
        for snap in run.snapshots:
            for svc, lines in snap.logs.items():
                stamps = [dt.datetime.strptime(line[:23], STAMP + ".%f") for line in lines]
                if stamps != sorted(stamps):
                    problems.append(f"{run.scenario.id} {snap.label}: {svc} out of order")
                if stamps and stamps[-1] > snap.when:
                    problems.append(
                        f"{run.scenario.id} {snap.label}: {svc} shows {stamps[-1]} "
                        f"before the clock reaches it ({snap.when})"
                    )
    assert not problems, failures(task, problems)


@pytest.mark.parametrize("task", adb.TASKS)
def test_every_failure_comes_from_a_selected_issue_or_a_fault(task, variants):
    """No request fails for a contract the variant did not break."""
    problems = []
    for sc in variants[task]:
        ep = adb.Episode(sc)
        ep.reset()
        selected = set(sc.issue_ids) | {"fault"}
        for groups in ep.traffic.groups:
            for g in groups:
                for r in g.results:
                    if (r.failed or r.dropped or r.wrong_outcome) and r.source not in selected:
                        problems.append(f"{sc.id}: a failure from {r.source}")
        active = [i for i, s in ep.issue_status().items() if s == "active"]
        if not active or not ep.observations[0].alerts:
            problems.append(f"{sc.id}: nothing visible at reset ({active})")
    assert not problems, failures(task, problems)


def test_visible_logs_matches_inspect_logs():
    sc = adb.load_scenario("hard", seed=5)
    ep = adb.Episode(sc)
    ep.reset()
    ep.step(adb.Action.submit_fix("order_service", {"timeout_s": 1}))  # adds a reload line
    for svc in sc.services:
        shown = ep.step(adb.Action.inspect_logs(svc))[0].logs
        assert shown == visible_logs(ep, svc)
        assert any("config reloaded; changed: timeout_s" in line for line in shown) == (
            svc == "order_service"
        )


# -- contract values vary between students -----------------------------------------------


def fix_resolves(issue: adb.Issue, fix: Any, sc: adb.Scenario) -> bool:
    """Whether ``fix`` (a reference fix from some variant) resolves ``issue`` in ``sc``."""
    configs = sc.configs()
    configs[issue.service] = apply_merge_patch(configs[issue.service], normalise_patch(thaw(fix)))
    return holds(issue.check, configs)


def incompatible_pair(scenarios: list[adb.Scenario], limit: int = 60):
    """The first (seed A, seed B, issue id) where neither reference fix works in the other."""
    by_issue: dict[str, list[adb.Scenario]] = {}
    for sc in scenarios:
        for iid in sc.issue_ids:
            by_issue.setdefault(iid, []).append(sc)
    for iid, having in sorted(by_issue.items()):
        having = having[:limit]
        for n, a in enumerate(having):
            for b in having[n + 1 :]:
                fa, fb = a.issue(iid).reference_fix, b.issue(iid).reference_fix
                if not fix_resolves(b.issue(iid), fa, b) and not fix_resolves(a.issue(iid), fb, a):
                    return a, b, iid
    return None


@pytest.mark.parametrize("task", adb.TASKS)
def test_two_variants_need_different_fix_values(task, variants):
    found = incompatible_pair(variants[task])
    assert found is not None, f"{task}: every variant accepts every other variant's fixes"
    a, b, iid = found
    fix_a, fix_b = thaw(a.issue(iid).reference_fix), thaw(b.issue(iid).reference_fix)
    assert fix_a != fix_b
    # each fix works where it belongs and nowhere else
    assert fix_resolves(a.issue(iid), fix_a, a) and fix_resolves(b.issue(iid), fix_b, b)
    assert not fix_resolves(b.issue(iid), fix_a, b), (a.id, b.id, iid, fix_a)
    assert not fix_resolves(a.issue(iid), fix_b, a), (a.id, b.id, iid, fix_b)
    # and the episode agrees: B's student submitting A's answer is not done
    ep = adb.Episode(b)
    ep.reset()
    ep.step(adb.Action.submit_fix(b.issue(iid).service, fix_a))
    assert ep.issue_status()[iid] != "resolved"


# -- regressions for the defects of the seed scenario file ------------------------------


@pytest.mark.parametrize(("task", "seed"), [("medium", 16), ("hard", 0)])
def test_seed_selection_keeps_dependencies_regression(task, seed):
    sc = adb.load_scenario(task, seed)
    chosen = set(sc.issue_ids)
    for issue in sc.issues:
        assert set(issue.depends_on) <= chosen, (sc.id, issue.id, sc.issue_ids)
    # masked issues really are masked at reset, and unmask in ideal order
    status = adb.Episode(sc).issue_status()
    for issue in sc.issues:
        if issue.depends_on:
            assert status[issue.id] == "masked"


def test_incident_clock_moves_date_and_time_of_day(variants):
    for task in adb.TASKS:
        canonical = dt.datetime.fromisoformat(adb.load_scenario(task).incident_start)
        starts = [dt.datetime.fromisoformat(sc.incident_start) for sc in variants[task]]
        times = {s.time() for s in starts}
        assert len(times) >= 0.9 * len(starts), f"{task}: only {len(times)} times of day"
        assert len({s.hour for s in starts}) >= 10, f"{task}: the hour barely moves"
        assert len({s.date() for s in starts}) >= 200, f"{task}: the date barely moves"
        moved = sum(s.time() != canonical.time() for s in starts)
        assert moved >= 0.99 * len(starts)


@pytest.mark.parametrize("task", adb.TASKS)
def test_logs_follow_the_moved_clock(task, runs):
    """Reset logs sit around each variant's own incident start, not a fixed time of day."""
    last_times = set()
    for run in runs(task):
        start = dt.datetime.fromisoformat(run.scenario.incident_start)
        stamps = [
            dt.datetime.strptime(line[:19], STAMP)
            for lines in run.reset_logs.values()
            for line in lines
        ]
        assert all(
            # the learner arrives 5 minutes in; each look is one more step (at most 5 x 45 s)
            start - dt.timedelta(hours=3) <= s <= start + dt.timedelta(minutes=9)
            for s in stamps
        ), run.scenario.id
        last_times.add(max(stamps).time())
    assert len(last_times) >= 0.9 * len(runs(task))


def test_easy_text_plain_only_with_the_content_type_issue_regression(runs):
    """The seed file logged "Content-Type=text/plain" even when that issue was not drawn."""
    with_issue = without_issue = 0
    for run in runs("easy"):
        sc = run.scenario
        seen = [line for snap in run.snapshots for lines in snap.logs.values() for line in lines]
        seen += run.alerts_seen + [json.dumps(a) for a in run.reset_endpoints.values()]
        seen += [json.dumps(c) for c in sc.configs().values()]
        mentions = [text for text in seen if "text/plain" in text]
        if "easy.content_type" in sc.issue_ids:
            with_issue += 1
            startup = [t for t in run.reset_logs["payment_client"] if "content_type=" in t]
            assert startup and "content_type=text/plain" in startup[0], sc.id
        else:
            without_issue += 1
            assert not mentions, (sc.id, mentions)
    assert with_issue and without_issue


@pytest.mark.parametrize("task", adb.TASKS)
def test_start_up_lines_quote_the_actual_config(task, variants):
    problems = []
    for sc in variants[task][:300]:
        c = sc.configs()
        logs = " | ".join(line.text for line in sc.base_logs)
        if task == "easy":
            pc = c["payment_client"]
            auth = "present" if "Authorization" in pc["headers"] else "absent"
            wanted = [
                f"base_url={pc['base_url']}",
                f"timeout={pc['timeout']}s",
                f"content_type={pc['headers']['Content-Type']}",
                f"authorization={auth}",
                f"max {c['payment_gateway']['max_processing_ms']} ms",
            ]
        elif task == "medium":
            s, r = c["webhook_sender"], c["webhook_receiver"]
            wanted = [
                f"{s['target_url']}{s['target_path']}",
                f"rate={s['send_rate_per_s']}/s",
                f"encoding={s['content_encoding']}",
                f"max={s['retry']['max_retries']} backoff={s['retry']['backoff_s']}s",
                f"limit {r['rate_limit_per_s']} req/s",
            ]
        elif task == "retry_storm":
            cart, inv = c["cart_service"], c["inventory_service"]
            r, b = cart["retry"], cart["breaker"]
            budget = "unbounded" if "budget_percent" not in r else f"{r['budget_percent']}%"
            wanted = [
                f"deadline={cart['deadline_ms']}ms",
                f"max={r['max_backoff_ms']}ms jitter={r['jitter']} budget={budget}",
                f"after_policy={r['after_policy']}",
                f"threshold={b['failure_threshold_percent']}% open=30s fallback={b['fallback']}",
                f"Retry-After {inv['retry_after_s']}s",
            ]
        elif task == "ca_rotation":
            w = c["billing_worker"]
            wanted = [
                f"partner={w['base_url']} timeout=10s",
                "mounted trust bundle: " + "; ".join(w["tls"]["trusted_roots"]),
                f"tls: versions 1.2 to {w['tls']['max_version']}",
            ]
        elif task == "dns_ttl":
            d = c["checkout_api"]
            wanted = [
                f"fraud={d['fraud_url']} timeout=3s dns_ttl_policy={d['dns']['ttl_policy']}",
                f"pool_max_age={d['http_pool']['max_connection_age_ms']}ms",
            ]
        elif task == "pagination_drift":
            p = c["reconciler"]["pagination"]
            wanted = [
                f"paging mode={p['mode']} page_size={p['page_size']}",
                f"sort={p['sort_key']} stop={p['end_when']}",
            ]
        elif task == "vendor_enum":
            i = c["order_ingest"]
            on = {True: "on", False: "off"}
            wanted = [
                f"unknown={i['parser']['unknown_enum']}",
                f"{on[i['dead_letter']['enabled']]}, max_attempts={i['dead_letter']['max_attempts']}",
                f"ack={i['processing']['ack']}",
            ]
        elif task == "webhook_skew":
            v = c["webhook_handler"]["verification"]
            on = {True: "on", False: "off"}
            wanted = [
                f"over {v['hmac_input']}, tolerance {v['tolerance_s']}s",
                f"clock: ntp {on[c['webhook_handler']['clock']['ntp']['enabled']]}",
            ]
        else:
            o = c["order_service"]
            on = {True: "on", False: "off"}
            wanted = [
                f"gateway={o['gateway_url']} timeout={o['timeout_s']}s",
                f"key_id={o['auth']['key_id']}",
                f"refresh={on[o['auth']['refresh']['enabled']]}",
                f"circuit_breaker={on[o['circuit_breaker']['enabled']]}",
                f"idempotency={on[o['idempotency']['enabled']]}",
                f"dispatch={c['inventory_service']['dispatch_mode']}",
                f"max processing {c['api_gateway']['max_processing_ms']} ms",
            ]
        problems += [f"{sc.id}: start-up logs lack {w!r}" for w in wanted if w not in logs]
    assert not problems, failures(task, problems)


def test_hard_expired_token_needs_a_key_auth_accepts_regression(variants):
    """The seed file accepted any "Bearer ..." string, even the expired token itself;
    now the client names its own key, and only a key id auth_service accepts will do."""
    checked = 0
    for sc in variants["hard"]:
        if "hard.expired_token" not in sc.issue_ids:
            continue
        issue = sc.issue("hard.expired_token")
        auth = sc.service("auth_service").config
        valid, expired = list(auth["accepted_key_ids"]), list(auth["retired_key_ids"])
        broken = sc.service("order_service").config["auth"]["key_id"]
        assert broken in expired and broken not in valid, sc.id
        wrong = [broken, "ord-key-x", "", valid[0] + " ", valid[0].upper(), broken[::-1]]
        for key_id in wrong:
            assert not fix_resolves(issue, {"auth": {"key_id": key_id}}, sc), (sc.id, key_id)
        for key_id in valid:
            assert fix_resolves(issue, {"auth": {"key_id": key_id}}, sc), (sc.id, key_id)
        checked += 1
    assert checked > 100
