"""Task ``hard``: an order pipeline across five services.

Spec:
    Services: ``order_service`` (ours, editable) calls ``api_gateway`` (platform
    team, not editable) and ``auth_service`` (not editable); the gateway routes
    to ``inventory_service`` (ours, editable), which dispatches to
    ``shipping_service`` (not editable).
    Pool of 7 contracts, 5 per episode, 40 steps:

    * ``hard.deprecated_url`` — order_service must call the gateway's current base URL.
    * ``hard.timeout`` — order_service's timeout must cover the gateway's maximum
      processing time (requests slower than it fail: a share, not all).
    * ``hard.sync_mode`` — inventory must dispatch in a mode shipping supports
      (a synchronous POST /shipments is refused with 405 and ``Allow``).
    * ``hard.expired_token`` — order_service's token must be one auth_service lists as valid.
    * ``hard.token_refresh`` — refresh must be enabled, early enough (10 % of
      requests meet an expired token).
    * ``hard.circuit_breaker`` — a circuit breaker enabled with a threshold
      (without one, 5 % of calls pile up and are never sent).
    * ``hard.idempotency`` — idempotency keys on, with the gateway's header
      (5 % of reservations are applied twice).

    One flow, ``POST /orders`` (30 a step): order -> auth (token), order ->
    gateway -> inventory -> shipping; the gateway relays its upstream's
    status. Masks follow the pipeline: the retired URL (route) hides the
    token problems (authenticate), the timeout (process) and everything
    downstream; the expired token hides the refresh problem; a refused
    shipment hides the duplicate reservations (effect).

    Canonical episode: the first five. Variants draw the gateway's maximum
    processing time, the broken timeout, the tokens and the order ids.
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
    "valid_token": "tok_live_7f3a9c",
    "expired_token": "tok_live_2b81e4",
}


def draw_values(rng: random.Random) -> dict[str, Any]:
    processing_ms = rng.choice([6000, 8000, 9000, 12000, 15000])
    return {
        "processing_ms": processing_ms,
        "broken_timeout": rng.randint(2, processing_ms // 2000),
        "valid_token": f"tok_live_{hex_id(rng)}",
        "expired_token": f"tok_live_{hex_id(rng)}",
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    good_timeout = ceil_to(v["processing_ms"] / 1000 + 2, 5)
    valid, expired = f"Bearer {v['valid_token']}", f"Bearer {v['expired_token']}"
    services = (
        service(
            ORDER,
            "order service (ours)",
            True,
            {
                "gateway_url": V2,
                "timeout_s": good_timeout,
                "auth": {"token": valid, "refresh": {"enabled": True, "before_expiry_s": 300}},
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
                "deprecated_base_urls": [V1],
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
                "valid_tokens": [valid],
                "expired_tokens": [expired],
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
                check={"eq": [f"{ORDER}.gateway_url", {"ref": f"{GW}.base_url"}]},
                fix={"gateway_url": V2},
                hop=(ORDER, GW),
                failure="gone",
                detail="{order_service.gateway_url}/orders: this API version has been retired",
                explanation=(
                    "order_service still called the retired v1 gateway API, so every order died with "
                    "410 before reaching inventory — and that hid everything behind it. Next time: "
                    "fix the first failure on the path before reading later ones."
                ),
                hints=(
                    "The first hop of every order fails. Look at where order_service sends it.",
                    f"The setting is {ORDER}.gateway_url.",
                    "The URL must be the gateway's current base_url, not a deprecated one.",
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
                    "ge": [
                        f"{ORDER}.timeout_s",
                        {"ref": f"{GW}.max_processing_ms", "factor": 0.001},
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
                    "by the deprecated URL: no request lived long enough to time out. Next time: "
                    "derive timeouts from the callee's worst case, in the right unit."
                ),
                hints=(
                    "Orders fail although the gateway finishes them. Compare how long each side waits.",
                    f"The setting is {ORDER}.timeout_s (seconds).",
                    "The timeout must be at least the gateway's max_processing_ms in seconds.",
                ),
            ),
            {"timeout_s": v["broken_timeout"]},
        ),
        IssueTemplate(
            make_issue(
                id="hard.sync_mode",
                service=INV,
                title="Synchronous dispatch races",
                category="resilience",
                severity="error",
                check={"in": [f"{INV}.dispatch_mode", {"ref": f"{SHIP}.supported_dispatch_modes"}]},
                fix={"dispatch_mode": "async"},
                hop=(INV, SHIP),
                failure="method_not_allowed",
                detail="POST /shipments not allowed: shipments arrive only through the shipping-requests queue",
                explanation=(
                    "inventory_service called shipping synchronously; concurrent orders raced on the "
                    "same stock and held shipping's workers. Shipping only supports queued (async) "
                    "dispatch. Next time: check which interaction modes a downstream supports."
                ),
                hints=(
                    "Inventory reports conflicting updates and shipping reports blocked workers.",
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
                title="Expired service token",
                category="authentication",
                severity="critical",
                check={"in": [f"{ORDER}.auth.token", {"ref": f"{AUTH}.valid_tokens"}]},
                fix={"auth": {"token": valid}},
                hop=(ORDER, GW),
                failure="invalid_token",
                detail="token rejected: it has expired and is not one auth_service lists as valid",
                explanation=(
                    "order_service presented a token the auth service had expired. Any string that "
                    "starts with 'Bearer' is not enough: the token must be one auth_service currently "
                    "lists as valid. Next time: read the 401's reason, and check token lifetimes."
                ),
                hints=(
                    "Authentication fails for order_service. Ask the auth service what it accepts.",
                    f"The setting is {ORDER}.auth.token.",
                    "The token must be one that auth_service lists as valid (not an expired one).",
                ),
            ),
            {"auth": {"token": expired}},
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
                    ]
                },
                fix={"auth": {"refresh": {"enabled": True, "before_expiry_s": 300}}},
                hop=(ORDER, GW),
                failure="expired_token",
                share={"fixed": 0.1},
                detail="token expired during the window: order_service did not renew it before expiry",
                explanation=(
                    "Even with a valid token, order_service never refreshed it, so the outage would "
                    "return when the token expired. Refresh must be enabled and happen at least "
                    "auth_service's min_refresh_before_expiry_s ahead. It was masked by the expired "
                    "token. Next time: fix the cause, not only today's symptom."
                ),
                hints=(
                    "The token works now, but look at what will happen when it expires.",
                    f"The settings are under {ORDER}.auth.refresh.",
                    "Refresh must be enabled and start at least auth_service's "
                    "min_refresh_before_expiry_s before expiry.",
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
                        {"ge": [f"{ORDER}.circuit_breaker.failure_threshold", 1]},
                    ]
                },
                fix={"circuit_breaker": {"enabled": True, "failure_threshold": 5}},
                hop=(ORDER, GW),
                failure="pile_up",
                share={"fixed": 0.05},
                explanation=(
                    "Without a circuit breaker order_service kept hammering a failing upstream, "
                    "exhausting its own workers and flooding the gateway. A breaker must be enabled "
                    "and have a failure threshold. Next time: fail fast when a dependency is down."
                ),
                hints=(
                    "order_service keeps calling an upstream that is failing.",
                    f"The settings are under {ORDER}.circuit_breaker.",
                    "The breaker must be enabled with a positive failure threshold.",
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
                    "from a new order and reserved stock twice. It was masked by the synchronous "
                    "races. Next time: make every retried write idempotent."
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
        token = o["auth"]["token"]
        return [
            LogLine(ORDER, -1200, "INFO", "order service 5.2.0 starting"),
            LogLine(
                ORDER,
                -1199,
                "INFO",
                f"gateway={o['gateway_url']} timeout={o['timeout_s']}s "
                f"token=...{token[-4:]} refresh={'on' if o['auth']['refresh']['enabled'] else 'off'}",
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
