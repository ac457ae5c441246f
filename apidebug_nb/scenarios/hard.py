"""Task ``hard``: an order pipeline across five services.

Spec:
    Services: ``order_service`` (ours, editable) calls ``api_gateway`` (platform
    team, not editable) and ``auth_service`` (not editable); the gateway routes
    to ``inventory_service`` (ours, editable), which dispatches to
    ``shipping_service`` (not editable).
    Pool of 7 contracts, 5 per episode, 40 steps:

    * ``hard.deprecated_url`` — order_service must call the gateway's current
      base URL (v1 is retired: 410 Gone; the id keeps its old name).
    * ``hard.timeout`` — order_service's timeout must cover the gateway's maximum
      processing time plus a fifth (requests slower than it fail: a share, not
      all), and its attempts and backoffs must fit order_service's deadline_s.
    * ``hard.sync_mode`` — inventory must dispatch in a mode shipping supports
      (a synchronous POST /shipments is a route shipping does not offer: 405
      with ``Allow``).
    * ``hard.expired_token`` — order_service must get its tokens with a key id
      auth_service accepts (the client's own key reference; auth_service
      publishes key ids, never a token to copy).
    * ``hard.token_refresh`` — order_service must request a new token early
      enough before expiry, but not absurdly early (10 % of requests meet an
      expired token).
    * ``hard.circuit_breaker`` — a circuit breaker enabled with a sane
      threshold and reset time (without one, 5 % of calls pile up and are
      never sent).
    * ``hard.idempotency`` — idempotency keys on, with the gateway's header
      (5 % of reservations are applied twice: a silent second 201).

    One flow, ``POST /orders`` (30 a step): order -> auth (token), order ->
    gateway -> inventory -> shipping; the gateway relays its upstream's
    status. Masks follow the pipeline: the retired URL (route) hides the
    token problems (authenticate), the timeout (process) and everything
    downstream; the expired token hides the refresh problem; a refused
    shipment hides the duplicate reservations (effect).

    Canonical episode: the first five. Variants draw the gateway's maximum
    processing time, the broken timeout, the key ids and the order ids.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from apidebug_nb.scenarios.builder import (
    IssueTemplate,
    TaskParts,
    TaskSpec,
    ceil_to,
    flow,
    hex_id,
    make_issue,
    service,
)
from apidebug_nb.scenarios.records import LogLine

ORDER, GW, INV, SHIP, AUTH = (
    "order_service",
    "api_gateway",
    "inventory_service",
    "shipping_service",
    "auth_service",
)
V2 = "https://gateway.internal/api/v2"
V1 = "https://gateway.internal/api/v1"

CANONICAL = {
    "processing_ms": 8000,
    "broken_timeout": 3,
    "valid_key": "ord-key-7f3a9c",
    "expired_key": "ord-key-2b81e4",
}


def draw_values(rng: random.Random) -> dict[str, Any]:
    processing_ms = rng.choice([6000, 8000, 9000, 12000, 15000])
    return {
        "processing_ms": processing_ms,
        "broken_timeout": rng.randint(2, processing_ms // 2000),
        "valid_key": f"ord-key-{hex_id(rng)}",
        "expired_key": f"ord-key-{hex_id(rng)}",
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    good_timeout = ceil_to(v["processing_ms"] / 1000 + 2, 5)
    valid, expired = v["valid_key"], v["expired_key"]
    services = (
        service(
            ORDER,
            "order service (ours)",
            True,
            {
                "gateway_url": V2,
                "timeout_s": good_timeout,
                "retries": 2,
                "backoff_s": 1,
                "backoff_multiplier": 2,
                "deadline_s": 120,
                "auth": {
                    "client_id": "order-service",
                    "key_id": valid,
                    "refresh": {"enabled": True, "before_expiry_s": 300},
                },
                "circuit_breaker": {"enabled": True, "failure_threshold": 5, "reset_timeout_s": 30},
                "idempotency": {"enabled": True, "header": "Idempotency-Key"},
            },
            "Takes customer orders and sends them through the API gateway.",
        ),
        service(
            GW,
            "API gateway (platform team)",
            False,
            {
                "base_url": V2,
                "retired_base_urls": [V1],
                "max_processing_ms": v["processing_ms"],
                "p50_processing_ms": v["processing_ms"] // 4,
                "idempotency_header": "Idempotency-Key",
                "routes": {"/orders": INV},
            },
            "Routes order requests to inventory. Owned by the platform team.",
            relays=True,
        ),
        service(
            INV,
            "inventory service (ours)",
            True,
            {
                "dispatch_mode": "async",
                "queue": "shipping-requests",
                "reservation_ttl_s": 900,
            },
            "Reserves stock and hands orders to shipping.",
        ),
        service(
            SHIP,
            "shipping service (logistics team)",
            False,
            {
                "supported_dispatch_modes": ["async"],
                "allowed_methods": ["GET"],
                "consumer_group": "shipping-workers",
                "sla_minutes": 30,
            },
            "Books couriers. Accepts work only through its queue.",
        ),
        service(
            AUTH,
            "auth service (identity team)",
            False,
            {
                "issuer": "https://auth.internal",
                "audience": "api-gateway",
                "accepted_key_ids": [valid],
                "retired_key_ids": [expired],
                "token_ttl_s": 3600,
                "min_refresh_before_expiry_s": 120,
            },
            "Issues and verifies service tokens.",
        ),
    )
    pool = (
        IssueTemplate(
            make_issue(
                id="hard.deprecated_url",
                service=ORDER,
                title="Retired gateway URL",
                category="configuration",
                severity="critical",
                check={"eq": [f"{ORDER}.gateway_url", {"ref": f"{GW}.base_url"}, "url"]},
                fix={"gateway_url": V2},
                hop=(ORDER, GW),
                failure="gone",
                detail="{order_service.gateway_url}/orders: this API version has been retired",
                explanation=(
                    "order_service still called the retired v1 gateway API, so every order died with "
                    "410 before reaching inventory — and that hid everything behind it. Retired is "
                    "not deprecated: a deprecated API still answers, with Deprecation and Sunset "
                    "headers and a warning. Next time: fix the first failure on the path before "
                    "reading later ones."
                ),
                hints=(
                    "The first hop of every order fails. Look at where order_service sends it.",
                    f"The setting is {ORDER}.gateway_url.",
                    "The URL must be the gateway's current base_url, not a retired one.",
                ),
            ),
            {"gateway_url": V1},
        ),
        IssueTemplate(
            make_issue(
                id="hard.timeout",
                service=ORDER,
                title="Timeout below the gateway's processing time",
                category="networking",
                severity="error",
                check={
                    "all": [
                        {
                            "ge": [
                                f"{ORDER}.timeout_s",
                                {"ref": f"{GW}.max_processing_ms", "factor": 0.0012},
                            ]
                        },
                        {
                            "deadline": {
                                "timeout": f"{ORDER}.timeout_s",
                                "retries": f"{ORDER}.retries",
                                "backoff": f"{ORDER}.backoff_s",
                                "multiplier": f"{ORDER}.backoff_multiplier",
                                "within": {"ref": f"{ORDER}.deadline_s"},
                            }
                        },
                    ]
                },
                fix={"timeout_s": good_timeout},
                hop=(ORDER, GW),
                failure="timeout",
                share={
                    "slow": [
                        f"{ORDER}.timeout_s",
                        f"{GW}.p50_processing_ms",
                        f"{GW}.max_processing_ms",
                    ]
                },
                explanation=(
                    "order_service waited fewer seconds than the gateway may take "
                    "(max_processing_ms), so slow orders were abandoned and retried. It was masked "
                    "by the retired URL: no request lived long enough to time out. The timeout needs "
                    "a margin (here a fifth) above that worst case, and an upper side too: all "
                    "attempts and the waits between them, timeout × (retries + 1) + the backoffs, must "
                    "fit order_service's own deadline_s. Next time: derive timeouts from the callee's "
                    "worst case, in the right unit, and check them against the caller's budget."
                ),
                hints=(
                    "Orders fail although the gateway finishes them. Compare how long each side waits.",
                    f"The setting is {ORDER}.timeout_s (seconds).",
                    "The timeout must be at least the gateway's max_processing_ms in seconds plus a "
                    "fifth, and timeout × (retries + 1) plus the backoffs must fit deadline_s.",
                ),
            ),
            {"timeout_s": v["broken_timeout"]},
        ),
        IssueTemplate(
            make_issue(
                id="hard.sync_mode",
                service=INV,
                title="Synchronous POST to a queue-only service",
                category="resilience",
                severity="error",
                check={"in": [f"{INV}.dispatch_mode", {"ref": f"{SHIP}.supported_dispatch_modes"}]},
                fix={"dispatch_mode": "async"},
                hop=(INV, SHIP),
                failure="method_not_allowed",
                detail="POST /shipments not allowed: shipments arrive only through the shipping-requests queue",
                explanation=(
                    "inventory_service called POST /shipments synchronously, a route shipping does "
                    "not offer: it answered 405 Method Not Allowed with Allow: GET, because it takes "
                    "work only through its queue (async dispatch). An earlier version of this lab "
                    "blamed races on the stock; call style does not decide concurrency control, "
                    "which is why duplicates have their own contract (idempotency). Next time: on a "
                    "405, read the Allow header and the interaction modes a downstream supports."
                ),
                hints=(
                    "Shipping refuses the way inventory hands work over to it.",
                    f"The setting is {INV}.dispatch_mode.",
                    "The dispatch mode must be one shipping_service lists as supported.",
                ),
            ),
            {"dispatch_mode": "sync"},
        ),
        IssueTemplate(
            make_issue(
                id="hard.expired_token",
                service=ORDER,
                title="Service tokens from an expired key",
                category="authentication",
                severity="critical",
                check={"in": [f"{ORDER}.auth.key_id", {"ref": f"{AUTH}.accepted_key_ids"}]},
                fix={"auth": {"key_id": valid}},
                hop=(ORDER, GW),
                failure="invalid_token",
                detail=(
                    "token rejected: signed with key {order_service.auth.key_id}, which auth_service "
                    "no longer accepts"
                ),
                explanation=(
                    "order_service got its tokens with a key that had expired, so every token it "
                    'presented was refused: 401 with error="invalid_token". The fix is the client\'s '
                    "own key reference, one of the key ids auth_service accepts; auth_service "
                    "publishes key ids, never a token to paste (an earlier version of this lab had "
                    "students copy a token from auth_service's config, the opposite of practice). "
                    "Next time: read the 401's WWW-Authenticate reason, and track key expiry."
                ),
                hints=(
                    "Authentication fails for order_service. Ask the auth service what it accepts.",
                    f"The setting is {ORDER}.auth.key_id.",
                    "The key id must be one auth_service lists as accepted (not a retired one).",
                ),
            ),
            {"auth": {"key_id": expired}},
        ),
        IssueTemplate(
            make_issue(
                id="hard.token_refresh",
                service=ORDER,
                title="Token refresh disabled",
                category="authentication",
                severity="warning",
                check={
                    "all": [
                        {"eq": [f"{ORDER}.auth.refresh.enabled", True]},
                        {
                            "ge": [
                                f"{ORDER}.auth.refresh.before_expiry_s",
                                {"ref": f"{AUTH}.min_refresh_before_expiry_s"},
                            ]
                        },
                        {
                            "le": [
                                f"{ORDER}.auth.refresh.before_expiry_s",
                                {"ref": f"{AUTH}.token_ttl_s", "factor": 0.5},
                            ]
                        },
                    ]
                },
                fix={"auth": {"refresh": {"enabled": True, "before_expiry_s": 300}}},
                hop=(ORDER, GW),
                failure="expired_token",
                share={"fixed": 0.1},
                detail="token expired during the window: order_service did not renew it before expiry",
                explanation=(
                    "Even with a valid key, order_service never renewed its token, so requests met "
                    'an expired token (401, error="invalid_token") each time it ran out. With the '
                    "client-credentials grant there is no refresh token: 'refresh' means requesting a "
                    "new token before expires_in. It must be enabled and start at least "
                    "auth_service's min_refresh_before_expiry_s ahead, but not more than half the "
                    "token's lifetime (token_ttl_s), or the client renews all the time. It was masked "
                    "by the expired key. Next time: fix the cause, not only today's symptom."
                ),
                hints=(
                    "The token works now, but look at what will happen when it expires.",
                    f"The settings are under {ORDER}.auth.refresh.",
                    "Refresh must be enabled and start at least auth_service's "
                    "min_refresh_before_expiry_s before expiry, and at most half its token_ttl_s.",
                ),
            ),
            {"auth": {"refresh": {"enabled": False, "before_expiry_s": 0}}},
        ),
        IssueTemplate(
            make_issue(
                id="hard.circuit_breaker",
                service=ORDER,
                title="No circuit breaker",
                category="resilience",
                severity="warning",
                check={
                    "all": [
                        {"eq": [f"{ORDER}.circuit_breaker.enabled", True]},
                        {"ge": [f"{ORDER}.circuit_breaker.failure_threshold", 2]},
                        {"le": [f"{ORDER}.circuit_breaker.failure_threshold", 20]},
                        {"ge": [f"{ORDER}.circuit_breaker.reset_timeout_s", 1]},
                        {"le": [f"{ORDER}.circuit_breaker.reset_timeout_s", 300]},
                    ]
                },
                fix={"circuit_breaker": {"enabled": True, "failure_threshold": 5}},
                hop=(ORDER, GW),
                failure="pile_up",
                share={"fixed": 0.05},
                explanation=(
                    "Without a circuit breaker order_service kept hammering a failing upstream, "
                    "exhausting its own workers and flooding the gateway. A breaker must be enabled "
                    "with a threshold in a sane range (2 to 20 consecutive failures: one failure is "
                    "noise, a billion means never) and a reset time of 1 to 300 s. Next time: fail "
                    "fast when a dependency is down."
                ),
                hints=(
                    "order_service keeps calling an upstream that is failing.",
                    f"The settings are under {ORDER}.circuit_breaker.",
                    "The breaker must be enabled, opening after 2 to 20 failures, with a reset time "
                    "of 1 to 300 seconds.",
                ),
            ),
            {"circuit_breaker": {"enabled": False, "failure_threshold": 0}},
        ),
        IssueTemplate(
            make_issue(
                id="hard.idempotency",
                service=ORDER,
                title="No idempotency key on retries",
                category="protocol",
                severity="error",
                check={
                    "all": [
                        {"eq": [f"{ORDER}.idempotency.enabled", True]},
                        {
                            "eq": [
                                f"{ORDER}.idempotency.header",
                                {"ref": f"{GW}.idempotency_header"},
                                "header_name",
                            ]
                        },
                    ]
                },
                fix={"idempotency": {"enabled": True, "header": "Idempotency-Key"}},
                hop=(GW, INV),
                failure="duplicate",
                share={"fixed": 0.05},
                detail="reservation applied twice: a retried order carried no Idempotency-Key",
                explanation=(
                    "Retried orders carried no idempotency key, so inventory could not tell a retry "
                    "from a new order and reserved stock twice: the second attempt got a silent 201, "
                    "not an error (without a key the server cannot detect the duplicate, so no 409 "
                    "ever comes). It was masked by the refused shipments: inventory only reserves "
                    "once its call to shipping succeeds. Next time: never retry a write without an "
                    "idempotency key, and look for duplicates in the callee's log."
                ),
                hints=(
                    "Some orders are reserved twice. Look at what makes a retry recognisable.",
                    f"The settings are under {ORDER}.idempotency.",
                    "Idempotency must be enabled, using the header the gateway names.",
                ),
            ),
            {"idempotency": {"enabled": False, "header": None}},
        ),
    )

    def base_logs(cfg: Mapping[str, Mapping[str, Any]]) -> list[LogLine]:
        o, g, i = cfg[ORDER], cfg[GW], cfg[INV]
        key_id = o["auth"]["key_id"]
        return [
            LogLine(ORDER, -1200, "INFO", "order service 5.2.0 starting"),
            LogLine(
                ORDER,
                -1199,
                "INFO",
                f"gateway={o['gateway_url']} timeout={o['timeout_s']}s retries={o['retries']} "
                f"key_id={key_id} refresh={'on' if o['auth']['refresh']['enabled'] else 'off'}",
            ),
            LogLine(
                ORDER,
                -1198,
                "INFO",
                f"circuit_breaker={'on' if o['circuit_breaker']['enabled'] else 'off'} "
                f"idempotency={'on' if o['idempotency']['enabled'] else 'off'}",
            ),
            LogLine(
                GW,
                -5000,
                "INFO",
                f"serving {g['base_url']}; max processing {g['max_processing_ms']} ms",
            ),
            LogLine(INV, -4000, "INFO", f"inventory 1.9.3 starting; dispatch={i['dispatch_mode']}"),
            LogLine(SHIP, -7000, "INFO", "shipping workers consuming shipping-requests"),
            LogLine(AUTH, -7200, "INFO", "token service ready; ttl 3600s"),
        ]

    edges = ((ORDER, GW), (ORDER, AUTH), (GW, INV), (INV, SHIP))
    flows = (
        flow(
            "POST /orders",
            ORDER,
            30,
            (ORDER, AUTH, "POST", "/oauth/token"),
            (ORDER, GW, "POST", f"{{{ORDER}.gateway_url}}/orders"),
            (GW, INV, "POST", "/reservations"),
            (INV, SHIP, "POST", "/shipments"),
        ),
    )
    return TaskParts(services, edges, pool, base_logs, flows)


SPEC = TaskSpec(
    id="hard",
    title="Order pipeline",
    description=(
        "Orders are failing across the pipeline. order_service calls the API gateway "
        "and auth; the gateway routes to inventory, which dispatches to shipping. Two "
        "services are yours; several failures hide behind others."
    ),
    max_steps=40,
    per_episode=5,
    canonical_values=CANONICAL,
    draw_values=draw_values,
    build=build,
)
