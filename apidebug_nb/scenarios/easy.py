"""Task ``easy``: a checkout's payment client calling a vendor payment gateway.

Spec:
    Services: ``payment_client`` (ours, editable) -> ``payment_gateway``
    (the vendor's, not editable; its config is the contract).
    One flow, ``POST /payments`` (40 requests a step), client -> gateway.
    Pool of 4 contracts, 2 per episode, 15 steps. Masks follow the pipeline
    (route, authenticate, negotiate, process): a retired URL hides every
    other problem, missing credentials hide the Content-Type.

    * ``easy.missing_auth`` — the client must send ``Authorization: Bearer <api_key>``.
    * ``easy.content_type`` — the client's Content-Type must be one the gateway accepts.
    * ``easy.timeout`` — the client's timeout (s) must cover the gateway's
      maximum processing time (ms) plus a fifth, and all its attempts
      (timeout × (retries + 1)) must fit the checkout's own deadline_s;
      requests slower than the timeout fail, so a short timeout fails a share
      of them, not all.
    * ``easy.deprecated_url`` — the client must call the gateway's current base URL
      (v1 is retired: 410 Gone). The id keeps its old name; the API is retired,
      not deprecated (a deprecated one would still answer).

    HTTP is compared as HTTP compares it: the Authorization scheme, the
    Content-Type's media type (parameters such as a charset allowed) and
    header names without case, the key and URL path exactly.

    Canonical episode: ``missing_auth`` and ``content_type``. Variants move the
    incident clock and draw the API key, the gateway's maximum processing time,
    the broken timeout and the order ids.
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

CLIENT, GATEWAY = "payment_client", "payment_gateway"
V2 = "https://api.paygate.example/v2"
V1 = "https://api.paygate.example/v1"

CANONICAL = {
    "api_key": "sk_live_51hq7xa9",
    "processing_ms": 12000,
    "broken_timeout": 5,
}


def draw_values(rng: random.Random) -> dict[str, Any]:
    processing_ms = rng.choice([8000, 9500, 12000, 14000, 18000, 24000])
    return {
        "api_key": f"sk_live_{hex_id(rng, 8)}",
        "processing_ms": processing_ms,
        "broken_timeout": rng.randint(2, processing_ms // 2000),
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    key = v["api_key"]
    good_timeout = ceil_to(v["processing_ms"] / 1000 + 3, 5)
    services = (
        service(
            CLIENT,
            "checkout payment client (ours)",
            True,
            {
                "base_url": V2,
                "endpoint": "/payments",
                "api_key": key,
                "headers": {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {key}",
                    "User-Agent": "checkout/3.4",
                },
                "timeout": good_timeout,
                "retries": 2,
                "deadline_s": 120,
            },
            "Sends card payments for the checkout to the vendor's gateway.",
        ),
        service(
            GATEWAY,
            "payment gateway (vendor, external)",
            False,
            {
                "base_url": V2,
                "retired_base_urls": [V1],
                "auth_scheme": "Bearer",
                "accepted_content_types": ["application/json"],
                "max_processing_ms": v["processing_ms"],
                "p50_processing_ms": v["processing_ms"] // 5,
                "rate_limit_per_s": 100,
            },
            "The vendor's gateway. You cannot change it: its config is the contract.",
        ),
    )
    pool = (
        IssueTemplate(
            make_issue(
                id="easy.missing_auth",
                service=CLIENT,
                title="Missing Bearer authentication",
                category="authentication",
                severity="critical",
                check={
                    "all": [
                        {"present": f"{CLIENT}.headers.Authorization"},
                        {
                            "eq": [
                                f"{CLIENT}.headers.Authorization",
                                {"ref": f"{CLIENT}.api_key", "prefix": "Bearer "},
                                "credentials",
                            ]
                        },
                    ]
                },
                fix={"headers": {"Authorization": f"Bearer {key}"}},
                hop=(CLIENT, GATEWAY),
                failure="missing_credentials",
                explanation=(
                    "The client never sent an Authorization header, so the gateway could not tell who "
                    "was calling and answered 401 before looking at the payment. The gateway's "
                    "auth_scheme is Bearer and the credential is the client's api_key, so the header "
                    f"must be 'Bearer {key}' (the scheme name has no case; the key is exact). The "
                    "key is the client's own: the gateway's config names the scheme, never a key to "
                    "copy. Next time: on a 401, read WWW-Authenticate and compare the request's "
                    "credentials with the scheme the provider documents."
                ),
                hints=(
                    "The gateway refuses the client's requests before reading them. Compare the "
                    "headers the client sends with what the gateway expects.",
                    f"The setting is {CLIENT}.headers.Authorization.",
                    "The header must carry the client's own api_key using the gateway's auth_scheme "
                    "(scheme, a space, then the key).",
                ),
            ),
            {"headers": {"Authorization": None}},
        ),
        IssueTemplate(
            make_issue(
                id="easy.content_type",
                service=CLIENT,
                title="Wrong Content-Type header",
                category="protocol",
                severity="error",
                check={
                    "in": [
                        f"{CLIENT}.headers.Content-Type",
                        {"ref": f"{GATEWAY}.accepted_content_types"},
                        "media_type",
                    ]
                },
                fix={"headers": {"Content-Type": "application/json"}},
                hop=(CLIENT, GATEWAY),
                failure="unsupported_media_type",
                detail="body declared as {payment_client.headers.Content-Type} cannot be parsed",
                explanation=(
                    "The client labelled its JSON body as text/plain. The gateway only parses the media "
                    "types in its accepted_content_types, so it answered 415 Unsupported Media Type "
                    "and listed them in its Accept header. Media types compare without case, and "
                    "parameters such as '; charset=utf-8' are allowed. Next time: on a 415, compare "
                    "the request's Content-Type with the answer's Accept header."
                ),
                hints=(
                    "The gateway says it cannot parse what it receives. Look at how the client "
                    "labels its request body.",
                    f"The setting is {CLIENT}.headers.Content-Type.",
                    "The Content-Type's media type must be one of the gateway's "
                    "accepted_content_types (a charset parameter may follow it).",
                ),
            ),
            {"headers": {"Content-Type": "text/plain"}},
        ),
        IssueTemplate(
            make_issue(
                id="easy.timeout",
                service=CLIENT,
                title="Timeout shorter than the gateway's processing time",
                category="networking",
                severity="error",
                check={
                    "all": [
                        {
                            "ge": [
                                f"{CLIENT}.timeout",
                                {"ref": f"{GATEWAY}.max_processing_ms", "factor": 0.0012},
                            ]
                        },
                        {
                            "deadline": {
                                "timeout": f"{CLIENT}.timeout",
                                "retries": f"{CLIENT}.retries",
                                "within": {"ref": f"{CLIENT}.deadline_s"},
                            }
                        },
                    ]
                },
                fix={"timeout": good_timeout},
                hop=(CLIENT, GATEWAY),
                failure="timeout",
                share={
                    "slow": [
                        f"{CLIENT}.timeout",
                        f"{GATEWAY}.p50_processing_ms",
                        f"{GATEWAY}.max_processing_ms",
                    ]
                },
                explanation=(
                    "The client gave up before the gateway could finish: its timeout (seconds) was "
                    "below the gateway's max_processing_ms. The payment often succeeded anyway, so the "
                    "customer could be charged while checkout reported a failure. A timeout has two "
                    "sides: at least the provider's worst case plus a margin (here a fifth), and short "
                    "enough that every attempt, timeout × (retries + 1), fits the checkout's own "
                    "deadline_s; a huge timeout only moves the failure to the shopper. Next time: set "
                    "timeouts from the provider's documented worst case, with a margin, mind units, "
                    "and check the budget of the caller above you."
                ),
                hints=(
                    "Requests fail although the gateway logs show the payments completing. Compare "
                    "how long each side waits.",
                    f"The setting is {CLIENT}.timeout (seconds).",
                    "The timeout must be at least the gateway's max_processing_ms, converted to "
                    "seconds, plus a fifth, and timeout × (retries + 1) must fit the client's "
                    "deadline_s.",
                ),
            ),
            {"timeout": v["broken_timeout"]},
        ),
        IssueTemplate(
            make_issue(
                id="easy.deprecated_url",
                service=CLIENT,
                title="Retired v1 base URL",
                category="configuration",
                severity="critical",
                check={"eq": [f"{CLIENT}.base_url", {"ref": f"{GATEWAY}.base_url"}, "url"]},
                fix={"base_url": V2},
                hop=(CLIENT, GATEWAY),
                failure="gone",
                detail="{payment_client.base_url}/payments: this API version has been retired",
                explanation=(
                    "The client still called the v1 API, which the vendor retired; 410 Gone means the "
                    "resource existed once and will not come back. A deprecated version would still "
                    "answer, with Deprecation and Sunset headers and a warning in the logs; a retired "
                    "one answers nothing but 410. Next time: watch for Deprecation and Sunset headers "
                    "before the sunset date, and keep base URLs in one place."
                ),
                hints=(
                    "The gateway says the address the client calls no longer exists.",
                    f"The setting is {CLIENT}.base_url.",
                    "The base URL must be the gateway's current base_url, not a retired one.",
                ),
            ),
            {"base_url": V1},
        ),
    )

    def base_logs(cfg: Mapping[str, Mapping[str, Any]]) -> list[LogLine]:
        c, g = cfg[CLIENT], cfg[GATEWAY]
        auth = "present" if "Authorization" in c["headers"] else "absent"
        return [
            LogLine(CLIENT, -600, "INFO", "checkout payment client 3.4.1 starting"),
            LogLine(
                CLIENT,
                -599,
                "INFO",
                f"config: base_url={c['base_url']} timeout={c['timeout']}s retries={c['retries']}"
                f" content_type={c['headers']['Content-Type']} authorization={auth}",
            ),
            LogLine(CLIENT, -598, "INFO", "ready"),
            LogLine(
                GATEWAY,
                -3600,
                "INFO",
                f"gateway healthy; p50 {g['p50_processing_ms']} ms, "
                f"max {g['max_processing_ms']} ms",
            ),
            LogLine(GATEWAY, -30, "INFO", "12,041 payments processed in the last hour"),
        ]

    flows = (flow("POST /payments", CLIENT, 40, (CLIENT, GATEWAY, "POST", "/payments")),)
    return TaskParts(services, ((CLIENT, GATEWAY),), pool, base_logs, flows)


SPEC = TaskSpec(
    id="easy",
    title="Payment gateway integration",
    description=(
        "Checkout payments fail. The payment client (yours) calls a vendor's payment "
        "gateway (not yours). Find what the client does wrong and fix its config."
    ),
    max_steps=15,
    per_episode=2,
    canonical_values=CANONICAL,
    draw_values=draw_values,
    build=build,
)
