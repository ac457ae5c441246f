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

NEW = ("retry_storm", "ca_rotation", "dns_ttl", "pagination_drift", "vendor_enum", "webhook_skew")


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
    # the cart gave up (its policy) on inventory's own 503s: both ends are degraded
    assert obs.health == {"cart_service": "degraded", "inventory_service": "degraded"}


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
        # (the reference fix is midway: 6200)
        (
            "retry_storm.retry_after",
            {"retry": {"after_policy": "honour", "max_backoff_ms": 6000}},
            True,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_policy": "honour", "max_backoff_ms": 7000}},
            True,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_policy": "honour", "max_backoff_ms": 4999}},
            False,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_policy": "honour", "max_backoff_ms": 0}},
            False,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_policy": "honour", "max_backoff_ms": -6000}},
            False,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_policy": "honour", "max_backoff_ms": 600000}},
            False,
        ),
        (
            "retry_storm.retry_after",
            {"retry": {"after_policy": "ignore", "max_backoff_ms": 6000}},
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
    lines = out.splitlines()
    # names in one column, as wide as the longest ("pagination_drift", 16 letters)
    assert (
        "  retry_storm      Retry storm after a GC pause: 2 of 4 problems per episode, 20 steps"
        in lines
    )
    assert (
        "  pagination_drift Offset pagination over a changing list: 2 of 3 problems per episode, 15 steps"
        in lines
    )
    assert "level: intermediate; skills: partial failures, retry jitter" in out
    assert "level: beginner; skills: reading a 4xx" in out  # the first tasks have theirs too


# -- partner CA rotation --------------------------------------------------------------------


def test_ca_rotation_fails_old_pods_at_connect_with_no_status():
    sc = adb.load_scenario("ca_rotation")
    ep, (logs, probe) = _play(
        sc,
        [adb.Action.inspect_logs("billing_worker"), adb.Action.inspect_endpoint("billing_worker")],
    )
    text = "\n".join(logs.logs)
    # 4 of 10 pods on the old image: 12 of 30 requests fail the chain, the other 18 the name
    assert (
        "... 11 more like this in this step: POST /transfers failed: connect: x509: "
        "certificate signed by unknown authority" in text
    )
    assert (
        "... 17 more like this in this step: POST /transfers failed: connect: x509: "
        "certificate is valid for api.partnerbank.example, not legacy.partnerbank.example" in text
    )
    (span,) = probe.trace
    assert span["status"] is None and span["error"].startswith("connect: x509: ")
    assert probe.response["status"] == 502  # an application service: upstream connect failure
    assert logs.alerts == ["billing_worker: POST /transfers failing to connect (30 of 30 requests)"]
    assert not any("partner_bank_api trace=" in line for line in text.splitlines())


def test_ca_rotation_trust_bundle_must_hold_the_new_root():
    new = "PartnerBank Root CA G3"
    ok = {"tls": {"trusted_roots": ["ISRG Root X1", new]}}
    assert _resolves("ca_rotation", "ca_rotation.trust_bundle", ok)
    old = {"tls": {"trusted_roots": ["ISRG Root X1", "PartnerBank Root CA 2016"]}}
    assert not _resolves("ca_rotation", "ca_rotation.trust_bundle", old)
    # no credential of the partner's is pasted: the fix names a public root CA only
    partner = adb.load_scenario("ca_rotation").service("partner_bank_api").config
    assert not any(k in str(dict(partner)).lower() for k in ("secret", "password", "token"))


# -- DNS cached past its TTL ----------------------------------------------------------------


def test_dns_ttl_cache_masks_the_pool_until_fixed():
    sc = adb.load_scenario("dns_ttl")
    fix_dns = adb.Action.submit_fix("checkout_api", {"dns": {"ttl_policy": "record"}})
    ep, (before, fixed, after) = _play(
        sc,
        [adb.Action.inspect_logs("checkout_api"), fix_dns, adb.Action.inspect_logs("checkout_api")],
    )
    assert (
        "... 39 more like this in this step: POST /score failed: connect: dial tcp 10.41.7.23:443 "
        "(eu-west-1): i/o timeout; address cached for 86400s (ttl_policy=override)"
    ) in "\n".join(before.logs)
    assert before.alerts == ["checkout_api: POST /score failing to connect (40 of 40 requests)"]
    assert fixed.outcome.resolved == ("dns_ttl.cache",)
    assert ep.issue_status() == {"dns_ttl.cache": "resolved", "dns_ttl.pool": "active"}
    # 30 % of 40 requests ride pooled connections to the old region
    new = "\n".join(after.logs[len(before.logs) :])
    assert (
        "... 11 more like this in this step: POST /score failed: connect: i/o timeout on a pooled"
        in new
    )
    assert "... 27 more like this in this step: POST /score -> 201 Created" in new


def test_dns_ttl_a_shorter_override_is_still_an_override():
    short = {"dns": {"ttl_policy": "override", "override_ttl_s": 30}}
    assert not _resolves("dns_ttl", "dns_ttl.cache", short)
    assert _resolves("dns_ttl", "dns_ttl.cache", {"dns": {"ttl_policy": "record"}})


@pytest.mark.parametrize(
    ("age_ms", "resolved"),
    [
        # canonical: the vendor drains old connections for 300 s = 300000 ms
        (150000, True),
        (60000, True),
        (300000, True),
        (300001, False),
        (0, False),
        (-150000, False),
        (15000000, False),
        (999, False),  # under a second: keep-alive defeated
    ],
)
def test_dns_ttl_connection_age_is_two_sided(age_ms, resolved):
    patch = {"http_pool": {"max_connection_age_ms": age_ms}}
    assert _resolves("dns_ttl", "dns_ttl.pool", patch) is resolved


# -- offset pagination over a changing list -------------------------------------------------


def test_pagination_drift_answers_200_and_only_the_job_notices():
    sc = adb.load_scenario("pagination_drift")
    ep, (job, ledger, probe) = _play(
        sc,
        [
            adb.Action.inspect_logs("reconciler"),
            adb.Action.inspect_logs("ledger_api"),
            adb.Action.inspect_endpoint("reconciler"),
        ],
    )
    # 25 % of 24 pages shift (6), then 1/8 of the other 18 are clamped (2)
    assert job.alerts == [
        "reconciler: 8 requests of GET /transactions reconciled with wrong counts"
    ]
    assert job.health == {"reconciler": "degraded", "ledger_api": "healthy"}
    text = "\n".join(job.logs)
    assert (
        "WARN  reconciler trace=" in text
        and "GET /transactions -> 200 OK; reconciliation mismatch: page shifted by rows "
        "inserted while paging (mode=offset)"
        in text
    )
    assert (
        "... 5 more like this in this step: GET /transactions -> 200 OK; reconciliation "
        "mismatch: page shifted" in text
    )
    assert "asked for 2000 rows, got 500; stopped after a computed page count" in text
    ledger_lines = [line for line in ledger.logs if "ledger_api trace=" in line]
    assert ledger_lines and all(" 200 OK" in line and "INFO" in line for line in ledger_lines)
    assert not any(" 4" in line.split("->")[-1][:3] for line in text.splitlines() if "->" in line)
    assert probe.response["status"] == 200


def test_pagination_end_of_list_is_the_ledgers_signal():
    ok = {"pagination": {"end_when": "no_next_page"}}
    assert _resolves("pagination_drift", "pagination_drift.end_of_list", ok)
    computed = {"pagination": {"end_when": "computed_count", "page_size": 500}}
    assert not _resolves("pagination_drift", "pagination_drift.end_of_list", computed)
    offset = {"pagination": {"mode": "offset"}}
    assert not _resolves("pagination_drift", "pagination_drift.cursor", offset)


# -- a vendor adds an enum value ------------------------------------------------------------


def test_vendor_enum_our_500_shows_in_both_logs():
    sc = adb.load_scenario("vendor_enum")
    ep, (ours, theirs) = _play(
        sc, [adb.Action.inspect_logs("order_ingest"), adb.Action.inspect_logs("payments_vendor")]
    )
    # 20 % of 40 events carry the new value (8), 5 % of the other 32 are poison (2)
    assert ours.alerts == [
        "payments_vendor: POST /webhooks/payments failing with 500 (10 of 40 requests)"
    ]
    text = "\n".join(ours.logs)
    assert (
        "ERROR order_ingest trace=" in text
        and "POST /webhooks/payments 500: could not deserialise the body: unknown PaymentStatus "
        "'partially_refunded' (unknown_enum=reject)"
        in text
    )
    vendor = "\n".join(theirs.logs)
    assert (
        "... 7 more like this in this step: POST /webhooks/payments -> 500 Internal Server Error"
        in vendor
    )
    assert "... 29 more like this in this step: POST /webhooks/payments -> 201 Created" in vendor
    # a 5xx counts against the service that answered it: ours
    assert ours.health["order_ingest"] != "healthy"


@pytest.mark.parametrize(
    ("patch", "resolved"),
    [
        # canonical: the vendor redelivers up to 8 times
        ({"dead_letter": {"enabled": True, "max_attempts": 3}}, True),
        ({"dead_letter": {"enabled": True, "max_attempts": 8}}, True),
        ({"dead_letter": {"enabled": True, "max_attempts": 0}}, False),
        ({"dead_letter": {"enabled": True, "max_attempts": -3}}, False),
        ({"dead_letter": {"enabled": True, "max_attempts": 300}}, False),
        ({"dead_letter": {"enabled": False, "max_attempts": 3}}, False),
    ],
)
def test_vendor_enum_dead_letter_attempts_are_two_sided(patch, resolved):
    assert _resolves("vendor_enum", "vendor_enum.dead_letter", patch) is resolved


# -- webhook signatures and clock skew ------------------------------------------------------


def test_webhook_skew_signature_masks_the_clock_then_the_clock_shows():
    sc = adb.load_scenario("webhook_skew")
    raw = adb.Action.submit_fix(
        "webhook_handler", {"verification": {"hmac_input": "timestamp.raw_body"}}
    )
    ep, (first, fixed, then) = _play(
        sc,
        [
            adb.Action.inspect_logs("webhook_handler"),
            raw,
            adb.Action.inspect_endpoint("partner_events"),
        ],
    )
    assert first.alerts == [
        "partner_events: POST /hooks/partner failing with 401 (40 of 40 requests)"
    ]
    assert first.health == {
        "partner_events": "error",
        "webhook_handler": "healthy",
        "fulfilment": "degraded",
    }
    assert "401: signature mismatch: HMAC computed over timestamp.parsed_json" in "\n".join(
        first.logs
    )
    assert fixed.outcome.resolved == ("webhook_skew.raw_body",)
    assert ep.issue_status()["webhook_skew.clock"] == "active"
    (span,) = then.trace  # refused: nothing is queued for fulfilment
    assert span["status"] == 401 and span["headers"] == {
        "WWW-Authenticate": 'Signature realm="webhook_handler", error="invalid_signature", '
        'error_description="timestamp outside tolerance"'
    }


def test_webhook_skew_a_wider_window_is_not_a_fix():
    # canonical: the partner allows 300 s; the handler's clock is 412 s off
    clock, window = "webhook_skew.clock", "webhook_skew.replay_window"
    widened = {"verification": {"tolerance_s": 3600}}
    assert not _resolves("webhook_skew", clock, widened)
    assert not _resolves("webhook_skew", window, widened)  # and it opens the replay window
    assert _resolves("webhook_skew", clock, {"clock": {"ntp": {"enabled": True}}})


@pytest.mark.parametrize(
    ("tolerance_s", "resolved"),
    [(300, True), (120, True), (301, False), (0, False), (-300, False), (30000, False)],
)
def test_webhook_skew_replay_window_is_two_sided(tolerance_s, resolved):
    patch = {"verification": {"tolerance_s": tolerance_s}}
    assert _resolves("webhook_skew", "webhook_skew.replay_window", patch) is resolved


def test_webhook_skew_a_day_long_window_applies_replays_twice():
    sc = next(
        s
        for s in (adb.load_scenario("webhook_skew", n) for n in range(50))
        if s.issue_ids == ["webhook_skew.clock", "webhook_skew.replay_window"]
    )
    ntp = adb.Action.submit_fix("webhook_handler", {"clock": {"ntp": {"enabled": True}}})
    ep, (_, logs) = _play(sc, [ntp, adb.Action.inspect_logs("webhook_handler")])
    assert ep.issue_status()["webhook_skew.replay_window"] == "active"
    # 5 % of 40 events are replays, applied with 201 and logged by the handler
    assert logs.alerts == ["webhook_handler: 2 requests of POST /hooks/partner applied twice"]
    assert (
        "201: replayed event accepted: its signature is hours old but inside a 86400 s window"
        in ("\n".join(logs.logs))
    )


def test_webhook_skew_copies_no_secret():
    sc = adb.load_scenario("webhook_skew")
    partner = str(dict(sc.service("partner_events").config))
    assert "secret" not in partner.lower()
    handler = sc.service("webhook_handler").config
    assert handler["verification"]["key_ref"].startswith("vault:")
