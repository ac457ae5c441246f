"""Task ``hard``: an order pipeline across five services.

Spec:
    Services: ``order_service`` (ours, editable) calls ``api_gateway`` (platform
    team, not editable) and ``auth_service`` (not editable); the gateway routes
    to ``inventory_service`` (ours, editable), which dispatches to
    ``shipping_service`` (not editable).
    Pool of 7 contracts, 5 per episode, 40 steps:

    * ``hard.deprecated_url`` — order_service must call the gateway's current base URL.
    * ``hard.timeout`` — order_service's timeout must cover the gateway's maximum
      processing time; masked by ``deprecated_url`` (no request gets far enough).
    * ``hard.sync_mode`` — inventory must dispatch in a mode shipping supports.
    * ``hard.expired_token`` — order_service's token must be one auth_service lists as valid.
    * ``hard.token_refresh`` — refresh must be enabled, early enough; masked by
      ``expired_token``.
    * ``hard.circuit_breaker`` — a circuit breaker enabled with a threshold.
    * ``hard.idempotency`` — idempotency keys on, with the gateway's header; masked
      by ``sync_mode`` (the races hide the duplicates).

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
    hex_id,
    make_issue,
    next_order,
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
    "orders": ["ord_90211", "ord_90212", "ord_90215", "ord_90219"],
}


def draw_values(rng: random.Random) -> dict[str, Any]:
    processing_ms = rng.choice([6000, 8000, 9000, 12000, 15000])
    return {
        "processing_ms": processing_ms,
        "broken_timeout": rng.randint(2, processing_ms // 2000),
        "valid_token": f"tok_live_{hex_id(rng)}",
        "expired_token": f"tok_live_{hex_id(rng)}",
        "orders": [f"ord_{n}" for n in sorted(rng.sample(range(10000, 99999), 4))],
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    good_timeout = ceil_to(v["processing_ms"] / 1000 + 2, 5)
    valid, expired = f"Bearer {v['valid_token']}", f"Bearer {v['expired_token']}"
    o1, o2, o3, o4 = v["orders"]
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
                "idempotency_header": "Idempotency-Key",
                "routes": {"/orders": INV},
            },
            "Routes order requests to inventory. Owned by the platform team.",
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
                title="Deprecated gateway URL",
                category="configuration",
                severity="critical",
                check={"eq": [f"{ORDER}.gateway_url", {"ref": f"{GW}.base_url"}]},
                fix={"gateway_url": V2},
                symptoms=[
                    (ORDER, 1, "ERROR", f"POST /orders order={o1} -> 410 Gone"),
                    (GW, 1, "WARN", "410 for POST /api/v1/orders: API version retired"),
                    (INV, 20, "WARN", "no reservations received since the incident began"),
                ],
                response=(410, {"error": "gone", "message": "API version retired."}),
                alert=f"{ORDER}: POST /orders failing with 410",
                resolved=[(ORDER, 2, "INFO", "requests reach the gateway's current API")],
                cascade=(INV, SHIP),
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
                depends_on=("hard.deprecated_url",),
                symptoms=[
                    (
                        ORDER,
                        4,
                        "ERROR",
                        f"POST /orders order={o2} timed out after {{{ORDER}.timeout_s}}s",
                    ),
                    (
                        GW,
                        9,
                        "WARN",
                        f"order={o2}: client closed the connection before the response",
                    ),
                ],
                response=(504, {"error": "upstream_timeout"}),
                alert=f"{ORDER}: POST /orders timing out",
                resolved=[(ORDER, 3, "INFO", "orders complete within the timeout")],
                cascade=(INV,),
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
                symptoms=[
                    (
                        INV,
                        3,
                        "ERROR",
                        f"reservation for order={o3} conflicted: stock decremented twice",
                    ),
                    (SHIP, 5, "WARN", "blocking call from inventory_service held a worker for 29s"),
                ],
                response=(
                    409,
                    {"error": "conflict", "message": "Reservation state changed concurrently."},
                ),
                alert=f"{INV}: reservations conflicting (409)",
                resolved=[(INV, 2, "INFO", "dispatching through the shipping queue")],
                cascade=(SHIP,),
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
                symptoms=[
                    (
                        ORDER,
                        2,
                        "ERROR",
                        f"POST /orders order={next_order(o3, 1)} -> 401 Unauthorized (token expired)",
                    ),
                    (
                        AUTH,
                        2,
                        "WARN",
                        f"rejected token ending ...{v['expired_token'][-4:]}: expired",
                    ),
                ],
                response=(401, {"error": "unauthorized", "message": "Token expired."}),
                alert=f"{ORDER}: POST /orders failing with 401",
                resolved=[(AUTH, 2, "INFO", "order_service authenticated")],
                cascade=(INV, SHIP),
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
                depends_on=("hard.expired_token",),
                symptoms=[
                    (ORDER, 6, "WARN", "token expires in 240s; no refresh scheduled"),
                    (AUTH, 7, "INFO", "no refresh request from order_service this hour"),
                ],
                response=(401, {"error": "unauthorized", "message": "Token will expire soon."}),
                alert=f"{ORDER}: token expiring without refresh",
                resolved=[(ORDER, 2, "INFO", "token refresh scheduled")],
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
                symptoms=[
                    (
                        ORDER,
                        8,
                        "WARN",
                        "214 requests queued behind a failing upstream; pool exhausted",
                    ),
                    (GW, 8, "WARN", "retry storm from order_service: 3,100 req/min"),
                ],
                response=(
                    503,
                    {"error": "service_unavailable", "message": "Worker pool exhausted."},
                ),
                alert=f"{ORDER}: worker pool exhausted (503)",
                resolved=[(ORDER, 2, "INFO", "circuit breaker armed")],
                cascade=(GW,),
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
                depends_on=("hard.sync_mode",),
                symptoms=[
                    (INV, 6, "WARN", f"order={o4} reserved twice (retried request carried no key)"),
                    (ORDER, 6, "WARN", f"order={o4} retried after timeout"),
                ],
                response=(409, {"error": "conflict", "message": "Duplicate order."}),
                alert=f"{INV}: duplicate reservations",
                resolved=[(INV, 2, "INFO", "duplicate requests recognised by idempotency key")],
                cascade=(INV,),
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
    return TaskParts(services, edges, pool, base_logs)


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
