"""The built-in tasks as DESIGN section 2 describes them, and their contracts."""

from __future__ import annotations

import json
import types

import pytest
from hypothesis import given
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb.merge_patch import apply_merge_patch, normalise_patch
from apidebug_nb.model.pipeline import FAILURES
from apidebug_nb.model.rules import holds
from apidebug_nb.scenarios.records import thaw

SHAPE = {
    # task: (services, edges, editable services, pool ids, per episode, steps)
    "easy": (
        ["payment_client", "payment_gateway"],
        {("payment_client", "payment_gateway")},
        {"payment_client"},
        ["easy.missing_auth", "easy.content_type", "easy.timeout", "easy.deprecated_url"],
        2,
        15,
    ),
    "medium": (
        ["webhook_sender", "webhook_receiver", "notification_service"],
        {("webhook_sender", "webhook_receiver"), ("webhook_receiver", "notification_service")},
        {"webhook_sender"},
        [
            "medium.rate_limit",
            "medium.retry_policy",
            "medium.signature",
            "medium.target_path",
            "medium.gzip",
        ],
        3,
        25,
    ),
    "hard": (
        ["order_service", "api_gateway", "inventory_service", "shipping_service", "auth_service"],
        {
            ("order_service", "api_gateway"),
            ("order_service", "auth_service"),
            ("api_gateway", "inventory_service"),
            ("inventory_service", "shipping_service"),
        },
        {"order_service", "inventory_service"},
        [
            "hard.deprecated_url",
            "hard.timeout",
            "hard.sync_mode",
            "hard.expired_token",
            "hard.token_refresh",
            "hard.circuit_breaker",
            "hard.idempotency",
        ],
        5,
        40,
    ),
    "retry_storm": (
        ["cart_service", "inventory_service"],
        {("cart_service", "inventory_service")},
        {"cart_service"},
        [
            "retry_storm.jitter",
            "retry_storm.budget",
            "retry_storm.retry_after",
            "retry_storm.breaker",
        ],
        2,
        20,
    ),
    "ca_rotation": (
        ["billing_worker", "partner_bank_api"],
        {("billing_worker", "partner_bank_api")},
        {"billing_worker"},
        ["ca_rotation.trust_bundle", "ca_rotation.hostname", "ca_rotation.tls_version"],
        2,
        15,
    ),
    "dns_ttl": (
        ["checkout_api", "fraud_scoring"],
        {("checkout_api", "fraud_scoring")},
        {"checkout_api"},
        ["dns_ttl.cache", "dns_ttl.pool", "dns_ttl.regional_host"],
        2,
        15,
    ),
    "pagination_drift": (
        ["reconciler", "ledger_api"],
        {("reconciler", "ledger_api")},
        {"reconciler"},
        ["pagination_drift.cursor", "pagination_drift.end_of_list", "pagination_drift.sort_key"],
        2,
        15,
    ),
    "vendor_enum": (
        ["payments_vendor", "order_ingest"],
        {("payments_vendor", "order_ingest")},
        {"order_ingest"},
        ["vendor_enum.tolerant_reader", "vendor_enum.dead_letter", "vendor_enum.ack_first"],
        2,
        15,
    ),
    "webhook_skew": (
        ["partner_events", "webhook_handler", "fulfilment"],
        {("partner_events", "webhook_handler"), ("webhook_handler", "fulfilment")},
        {"webhook_handler"},
        ["webhook_skew.raw_body", "webhook_skew.clock", "webhook_skew.replay_window"],
        2,
        15,
    ),
}
# Which issue masks which with the whole pool broken, worked out from the stage order
# (route < authenticate < admit < negotiate < process < effect < consume): a contract
# that fails every request at an earlier stage, or on a downstream call made during
# processing, hides every later one. Partial failures (a share) mask nothing.
MASKS = {
    "easy.missing_auth": {"easy.deprecated_url"},
    "easy.content_type": {"easy.deprecated_url", "easy.missing_auth"},
    "easy.timeout": {"easy.deprecated_url", "easy.missing_auth", "easy.content_type"},
    "medium.signature": {"medium.target_path"},
    "medium.rate_limit": {"medium.target_path", "medium.signature"},
    "medium.retry_policy": {"medium.target_path", "medium.signature"},
    "medium.gzip": {"medium.target_path", "medium.signature"},
    "hard.expired_token": {"hard.deprecated_url"},
    "hard.token_refresh": {"hard.deprecated_url", "hard.expired_token"},
    "hard.sync_mode": {"hard.deprecated_url", "hard.expired_token"},
    "hard.timeout": {"hard.deprecated_url", "hard.expired_token", "hard.sync_mode"},
    "hard.idempotency": {"hard.deprecated_url", "hard.expired_token", "hard.sync_mode"},
    # a TLS handshake agrees on a version before it looks at any certificate
    "ca_rotation.trust_bundle": {"ca_rotation.tls_version"},
    "ca_rotation.hostname": {"ca_rotation.tls_version"},
    # a DNS cache past its TTL fails every request at the send stage, before any connection
    "dns_ttl.pool": {"dns_ttl.cache"},
    "dns_ttl.regional_host": {"dns_ttl.cache"},
    # the signature is checked before its timestamp, and both before anything is applied
    "webhook_skew.clock": {"webhook_skew.raw_body"},
    "webhook_skew.replay_window": {"webhook_skew.raw_body", "webhook_skew.clock"},
}


def pool_issue(task: str, issue_id: str) -> adb.Issue:
    return {i.id: i for i in adb.task_pool(task)}[issue_id]


def with_change(sc: adb.Scenario, service: str, patch: dict) -> dict:
    """The scenario's broken configs with ``patch`` merged into ``service``."""
    configs = sc.configs()
    configs[service] = apply_merge_patch(configs[service], normalise_patch(patch))
    return configs


# -- the catalogue --------------------------------------------------------------------------


def test_tasks_are_easy_medium_hard_then_the_incidents():
    assert adb.TASKS[:3] == ("easy", "medium", "hard")
    assert set(adb.TASKS[3:]) == set(SHAPE) - {"easy", "medium", "hard"}


@pytest.mark.parametrize("task", adb.TASKS)
def test_canonical_task_shape(task):
    services, edges, editable, pool, per_episode, steps = SHAPE[task]
    sc = adb.load_scenario(task)
    assert sc.id == task and sc.seed is None and sc.task == task
    assert sc.services == services
    assert set(sc.edges) == edges
    assert {s for s in sc.services if sc.service(s).editable} == editable
    assert [i.id for i in adb.task_pool(task)] == pool
    assert list(sc.pool) == pool
    # seed=None: the pool's first issues
    assert sc.issue_ids == pool[:per_episode]
    assert sc.max_steps == steps
    assert sc.incident_start == "2026-03-14T09:00:00"


@pytest.mark.parametrize("task", adb.TASKS)
def test_canonical_scenario_is_valid_and_solvable(task):
    sc = adb.load_scenario(task)
    assert adb.validate_scenario(sc) is sc
    ep = adb.Episode(sc)
    ep.reset()
    actions = adb.oracle_actions(sc)
    assert len(actions) <= sc.max_steps
    for action in actions:
        ep.step(action)
    assert ep.terminated and set(ep.issue_status().values()) == {"resolved"}


@pytest.mark.parametrize("task", adb.TASKS)
def test_pool_masks_are_the_designed_ones(task):
    for issue in adb.task_pool(task):
        assert set(issue.depends_on) == MASKS.get(issue.id, set()), issue.id


@pytest.mark.parametrize("task", adb.TASKS)
def test_pool_issue_records_are_complete(task):
    services = set(SHAPE[task][0])
    editable = SHAPE[task][2]
    for issue in adb.task_pool(task):
        assert issue.service in editable, issue.id
        assert issue.category in (
            "authentication",
            "protocol",
            "networking",
            "configuration",
            "resilience",
        )
        assert issue.severity in ("critical", "error", "warning")
        assert issue.title and issue.explanation
        assert all(h.strip() for h in issue.hints.levels())
        assert set(issue.hop) <= services and issue.hop in SHAPE[task][1], issue.id
        assert issue.failure in FAILURES, issue.id
        assert thaw(issue.reference_fix)  # a non-empty change set


def test_issue_and_scenario_records_are_immutable():
    sc = adb.load_scenario("hard")
    issue = sc.issues[0]
    with pytest.raises(AttributeError):
        issue.service = "api_gateway"
    with pytest.raises(TypeError):
        sc.service("order_service").config["timeout_s"] = 99
    with pytest.raises(TypeError):
        issue.check["eq"] = None
    assert isinstance(sc.service("order_service").config, types.MappingProxyType)
    # configs() and issues hand out fresh copies
    configs = sc.configs()
    configs["order_service"]["timeout_s"] = 99
    assert sc.configs()["order_service"]["timeout_s"] != 99
    sc.issues.clear()
    assert len(sc.issues) == 5


def test_graph_is_the_frozen_call_graph():
    import networkx as nx

    sc = adb.load_scenario("hard", seed=7)
    G = sc.graph
    assert isinstance(G, nx.DiGraph)
    assert set(G.edges) == SHAPE["hard"][1]
    assert list(G.nodes) == sc.services
    assert G.nodes["order_service"]["editable"] is True
    assert G.nodes["auth_service"]["editable"] is False
    with pytest.raises(nx.NetworkXError):
        G.add_edge("shipping_service", "order_service")


def test_unknown_task_names_the_valid_ones():
    with pytest.raises(adb.UnknownTaskError) as info:
        adb.load_scenario("impossible")
    assert "'impossible'" in str(info.value) and "easy, medium, hard" in str(info.value)
    with pytest.raises(adb.UnknownTaskError):
        adb.task_pool("Easy")


@pytest.mark.parametrize("seed", [-1, True, "3", 1.5])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="non-negative integer"):
        adb.load_scenario("easy", seed=seed)


def test_to_dict_is_plain_json():
    for task in adb.TASKS:
        sc = adb.load_scenario(task, seed=11)
        data = sc.to_dict()
        assert json.loads(json.dumps(data)) == data
        assert len(sc.content_hash()) == 64


# -- contracts (DESIGN section 1: an issue is resolved exactly when its rule holds) ---------


@pytest.mark.parametrize(
    ("timeout", "resolved"), [(5, False), (10, False), (15, True), (20, True), (30, True)]
)
def test_easy_timeout_needs_the_gateways_maximum_processing_time(timeout, resolved):
    sc = adb.load_scenario("easy")
    assert sc.service("payment_gateway").config["max_processing_ms"] == 12000
    issue = pool_issue("easy", "easy.timeout")
    assert holds(issue.check, with_change(sc, "payment_client", {"timeout": timeout})) is resolved


def test_easy_timeout_contract_in_an_episode():
    # a variant with the canonical 12 s gateway and the timeout issue drawn
    sc = next(
        s
        for s in (adb.load_scenario("easy", n) for n in range(200))
        if "easy.timeout" in s.issue_ids
        and s.service("payment_gateway").config["max_processing_ms"] == 12000
    )
    # at least 12 s plus a fifth (14.4 s); 3 attempts (retries 2) within deadline_s 120
    for timeout, resolved in [
        (5, False),
        (10, False),
        (12, False),  # the worst case with no margin
        (14, False),
        (15, True),
        (30, True),
        (40, True),  # 3 x 40 = 120 s: exactly the deadline
        (41, False),
        (86400, False),
    ]:
        ep = adb.Episode(sc)
        ep.reset()
        ep.step(adb.Action.submit_fix("payment_client", {"timeout": timeout}))
        assert (ep.issue_status()["easy.timeout"] == "resolved") is resolved, timeout


def test_easy_timeout_is_not_satisfied_by_a_string_or_boolean():
    sc = adb.load_scenario("easy")
    issue = pool_issue("easy", "easy.timeout")
    for value in ("30", True, None):
        configs = sc.configs()
        configs["payment_client"]["timeout"] = value
        assert not holds(issue.check, configs), value


@given(timeout=st.integers(-5, 60), seed=st.integers(0, 999))
def test_easy_timeout_contract_in_every_variant(timeout, seed):
    sc = adb.load_scenario("easy", seed)
    issue = pool_issue("easy", "easy.timeout")
    limit_ms = sc.service("payment_gateway").config["max_processing_ms"]
    configs = with_change(sc, "payment_client", {"timeout": timeout})
    # 1.2 x the worst case (in ms: timeout * 1000 >= 1.2 * limit), 3 attempts within 120 s
    expected = timeout * 10000 >= limit_ms * 12 and timeout * 3 <= 120
    assert holds(issue.check, configs) is expected


def test_hard_expired_token_only_accepts_a_valid_key():
    sc = adb.load_scenario("hard")
    issue = sc.issue("hard.expired_token")
    auth = sc.service("auth_service").config
    (valid,) = auth["accepted_key_ids"]
    (expired,) = auth["retired_key_ids"]
    assert (valid, expired) == ("ord-key-7f3a9c", "ord-key-2b81e4")
    assert sc.service("order_service").config["auth"]["key_id"] == expired
    for key_id, resolved in [
        (expired, False),
        ("ord-key-x", False),
        ("ORD-KEY-7F3A9C", False),  # key ids are compared exactly
        ("", False),
        (valid, True),
    ]:
        configs = with_change(sc, "order_service", {"auth.key_id": key_id})
        assert holds(issue.check, configs) is resolved, key_id
    ep = adb.Episode(sc)
    ep.reset()
    ep.step(
        adb.Action.submit_fix(
            "order_service", {"gateway_url": sc.service("api_gateway").config["base_url"]}
        )
    )
    ep.step(adb.Action.submit_fix("order_service", {"auth.key_id": "ord-key-x"}))
    assert ep.issue_status()["hard.expired_token"] == "active"
    ep.step(adb.Action.submit_fix("order_service", {"auth.key_id": valid}))
    assert ep.issue_status()["hard.expired_token"] == "resolved"


GOOD_RETRY = {
    "max_retries": 3,
    "backoff_s": 2,
    "multiplier": 2,
    "jitter": "full",
    "honour_retry_after": True,
    "retry_on": [429, 502, 503],
}


@pytest.mark.parametrize(
    ("change", "resolved"),
    [
        ({}, True),
        ({"max_retries": 2}, False),
        ({"max_retries": 8}, True),
        ({"max_retries": 9}, False),
        ({"max_retries": 1000, "backoff_s": 0.001}, False),  # a retry storm
        ({"backoff_s": 0}, False),
        ({"backoff_s": 0.4}, False),
        ({"backoff_s": 30}, True),
        ({"backoff_s": 31}, False),
        ({"multiplier": 1}, False),  # constant backoff is not exponential
        ({"multiplier": 1.5}, True),
        ({"multiplier": 5}, False),
        ({"jitter": "none"}, False),
        ({"jitter": "equal"}, True),
        ({"honour_retry_after": False}, False),
        ({"retry_on": [502, 503]}, False),
        ({"retry_on": [429, 502]}, False),  # the receiver sheds load with 503
        ({"retry_on": [429, 503]}, True),
        ({"retry_on": [429, 503, 400]}, False),  # a 400 never gets better by retrying
        ({"max_retries": 5, "backoff_s": 0.5, "retry_on": [429, 503, 504]}, True),
        ({"retry_on": None}, False),  # deleted: a missing setting is a broken contract
        ({"max_retries": "3"}, False),
    ],
)
def test_medium_retry_needs_the_whole_delivery_contract(change, resolved):
    sc = adb.load_scenario("medium")
    issue = sc.issue("medium.retry_policy")
    assert not holds(issue.check, sc.configs())
    configs = with_change(sc, "webhook_sender", {"retry": GOOD_RETRY})
    configs = {
        **configs,
        "webhook_sender": apply_merge_patch(configs["webhook_sender"], {"retry": change}),
    }
    assert holds(issue.check, configs) is resolved


@given(
    retries=st.integers(0, 12),
    backoff=st.one_of(st.integers(0, 40), st.floats(0, 40, allow_nan=False)),
    retry_on=st.lists(st.sampled_from([400, 408, 429, 500, 502, 503]), unique=True, max_size=6),
)
def test_medium_retry_contract_property(retries, backoff, retry_on):
    sc = adb.load_scenario("medium")
    issue = sc.issue("medium.retry_policy")
    retry = {**GOOD_RETRY, "max_retries": retries, "backoff_s": backoff, "retry_on": retry_on}
    configs = with_change(sc, "webhook_sender", {"retry": retry})
    expected = (
        3 <= retries <= 8
        and 0.5 <= backoff <= 30
        and 429 in retry_on
        and 503 in retry_on
        and 400 not in retry_on
    )
    assert holds(issue.check, configs) is expected


@given(rate=st.integers(-5, 100), seed=st.integers(0, 999))
def test_medium_rate_limit_contract_property(rate, seed):
    sc = adb.load_scenario("medium", seed)
    issue = pool_issue("medium", "medium.rate_limit")
    limit = sc.service("webhook_receiver").config["rate_limit_per_s"]
    configs = with_change(sc, "webhook_sender", {"send_rate_per_s": rate})
    assert holds(issue.check, configs) is (0 < rate <= limit)


@pytest.mark.parametrize(
    ("breaker", "resolved"),
    [
        ({"enabled": True, "failure_threshold": 5}, True),
        ({"enabled": True, "failure_threshold": 2}, True),
        ({"enabled": True, "failure_threshold": 20}, True),
        ({"enabled": True, "failure_threshold": 1}, False),  # one failure is noise
        ({"enabled": True, "failure_threshold": 21}, False),
        ({"enabled": True, "failure_threshold": 10**9}, False),
        ({"enabled": True, "failure_threshold": 0}, False),
        ({"enabled": True, "failure_threshold": 5, "reset_timeout_s": 0}, False),
        ({"enabled": True, "failure_threshold": 5, "reset_timeout_s": 301}, False),
        ({"enabled": False, "failure_threshold": 5}, False),
        ({"enabled": 1, "failure_threshold": 5}, False),  # 1 is not true
        ({"enabled": "true", "failure_threshold": 5}, False),
        ({"enabled": True, "failure_threshold": None}, False),
    ],
)
def test_hard_circuit_breaker_needs_enabled_with_a_threshold(breaker, resolved):
    sc = adb.load_scenario("hard")  # the canonical episode leaves the breaker healthy
    issue = pool_issue("hard", "hard.circuit_breaker")
    configs = with_change(sc, "order_service", {"circuit_breaker": breaker})
    assert holds(issue.check, configs) is resolved


def test_circuit_breaker_in_an_episode():
    sc = next(
        s
        for s in (adb.load_scenario("hard", n) for n in range(50))
        if "hard.circuit_breaker" in s.issue_ids
    )
    ep = adb.Episode(sc)
    ep.reset()
    ep.step(adb.Action.submit_fix("order_service", {"circuit_breaker.enabled": True}))
    assert ep.issue_status()["hard.circuit_breaker"] != "resolved"  # threshold still 0
    ep.step(adb.Action.submit_fix("order_service", {"circuit_breaker.failure_threshold": 3}))
    assert ep.issue_status()["hard.circuit_breaker"] == "resolved"
    ep.step(adb.Action.submit_fix("order_service", {"circuit_breaker.enabled": False}))
    assert ep.issue_status()["hard.circuit_breaker"] != "resolved"  # a regression reopens it
    assert ep.events[-1] == {"step": 3, "issue": "hard.circuit_breaker", "event": "reopened"}


def test_easy_missing_auth_needs_the_clients_own_key():
    sc = adb.load_scenario("easy")
    issue = sc.issue("easy.missing_auth")
    key = sc.service("payment_client").config["api_key"]
    for header, resolved in [
        (f"Bearer {key}", True),
        (key, False),
        (f"Basic {key}", False),
        ("Bearer x", False),
        (f"bearer {key}", True),  # auth schemes have no case (RFC 9110 11.1)
        (f"BEARER {key}", True),
        (f"Bearer {key.upper()}", False),  # the key does
    ]:
        configs = with_change(sc, "payment_client", {"headers.Authorization": header})
        assert holds(issue.check, configs) is resolved, header
