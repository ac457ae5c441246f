"""Task ``medium``: a webhook chain, sender -> receiver -> notification service.

Spec:
    Services: ``webhook_sender`` (ours, editable) -> ``webhook_receiver``
    (another team's, not editable) -> ``notification_service`` (not editable).
    Pool of 5 contracts, 3 per episode, 25 steps:

    * ``medium.rate_limit`` — the send rate must not exceed the receiver's limit.
    * ``medium.retry_policy`` — at least 3 retries, a backoff above zero, and 429
      among the retried statuses; masked by ``rate_limit`` (while everything is
      throttled the dropped retries are lost in the noise).
    * ``medium.signature`` — the signing secret must be the receiver's secret.
    * ``medium.target_path`` — the sender must post to the receiver's listen path.
    * ``medium.gzip`` — the body encoding must be one the receiver can decode.

    Failures cascade: while an issue is unresolved the notification service is
    degraded (customers get no notifications). Canonical episode: rate_limit,
    retry_policy, signature. Variants draw the receiver's rate limit, the
    signing secret, the listen path and the event ids.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from apidebug_nb.scenarios.builder import (
    IssueTemplate,
    TaskParts,
    TaskSpec,
    hex_id,
    make_issue,
    service,
)
from apidebug_nb.scenarios.records import LogLine

SENDER, RECEIVER, NOTIFY = "webhook_sender", "webhook_receiver", "notification_service"
PATHS = ["/webhooks/incoming", "/hooks/v2/events", "/api/webhooks/orders"]

CANONICAL = {
    "rate_limit": 20,
    "rate_factor": 2.5,
    "secret": "whsec_3f9ac1d2",
    "path": PATHS[0],
    "events": ["evt_1041", "evt_1042", "evt_1043", "evt_1047"],
}


def draw_values(rng: random.Random) -> dict[str, Any]:
    return {
        "rate_limit": rng.choice([10, 15, 20, 25, 40]),
        "rate_factor": rng.choice([2, 2.5, 3]),
        "secret": f"whsec_{hex_id(rng, 8)}",
        "path": rng.choice(PATHS),
        "events": [f"evt_{n}" for n in sorted(rng.sample(range(1000, 9999), 4))],
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    limit, secret, path = v["rate_limit"], v["secret"], v["path"]
    e1, e2, e3, e4 = v["events"]
    good_retry = {"max_retries": 3, "backoff_s": 2, "retry_on": [429, 502, 503]}
    services = (
        service(
            SENDER,
            "webhook sender (ours)",
            True,
            {
                "target_url": "http://webhook-receiver.internal:8080",
                "target_path": path,
                "send_rate_per_s": limit,
                "retry": good_retry,
                "signing": {"algorithm": "hmac-sha256", "header": "X-Signature", "secret": secret},
                "content_encoding": "identity",
            },
            "Publishes order events as signed webhooks.",
        ),
        service(
            RECEIVER,
            "webhook receiver (another team's)",
            False,
            {
                "listen_path": path,
                "rate_limit_per_s": limit,
                "signing": {"algorithm": "hmac-sha256", "header": "X-Signature", "secret": secret},
                "accepted_encodings": ["identity"],
                "delivery_contract": {"min_retries": 3, "retry_after_429": True},
                "forward_to": NOTIFY,
            },
            "Verifies webhooks and forwards them. Owned by another team: its config is the contract.",
        ),
        service(
            NOTIFY,
            "notification service (another team's)",
            False,
            {
                "channels": ["email", "sms"],
                "queue": "notify-high",
                "max_batch": 100,
            },
            "Sends customers e-mails and texts for each forwarded event.",
        ),
    )
    cascade = (RECEIVER, NOTIFY)
    pool = (
        IssueTemplate(
            make_issue(
                id="medium.rate_limit",
                service=SENDER,
                title="Send rate above the receiver's limit",
                category="resilience",
                severity="error",
                check={
                    "le": [f"{SENDER}.send_rate_per_s", {"ref": f"{RECEIVER}.rate_limit_per_s"}]
                },
                fix={"send_rate_per_s": limit},
                symptoms=[
                    (
                        SENDER,
                        1,
                        "WARN",
                        f"POST {{{SENDER}.target_path}} event={e1} -> 429 Too Many Requests",
                    ),
                    (
                        SENDER,
                        2,
                        "WARN",
                        f"POST {{{SENDER}.target_path}} event={e2} -> 429 Too Many Requests",
                    ),
                    (
                        RECEIVER,
                        1,
                        "WARN",
                        f"throttling {SENDER}: {{{SENDER}.send_rate_per_s}} req/s offered, answering 429",
                    ),
                    (NOTIFY, 8, "WARN", "inbound event volume dropped sharply"),
                ],
                response=(429, {"error": "too_many_requests", "retry_after_s": 1}),
                alert=f"{SENDER}: POST webhooks failing with 429",
                resolved=[(RECEIVER, 2, "INFO", f"{SENDER} back under the rate limit")],
                cascade=cascade,
                explanation=(
                    "The sender pushed events faster than the receiver's rate_limit_per_s, so the "
                    "receiver throttled it with 429 Too Many Requests. Next time: read the consumer's "
                    "published limits and configure the producer below them."
                ),
                hints=(
                    "The receiver is pushing back on the sender. Compare how fast one sends with "
                    "how fast the other accepts.",
                    f"The setting is {SENDER}.send_rate_per_s.",
                    "The send rate must not exceed the receiver's rate_limit_per_s.",
                ),
            ),
            {"send_rate_per_s": round(limit * v["rate_factor"])},
        ),
        IssueTemplate(
            make_issue(
                id="medium.retry_policy",
                service=SENDER,
                title="Retry policy ignores 429 and has no backoff",
                category="resilience",
                severity="error",
                check={
                    "all": [
                        {
                            "ge": [
                                f"{SENDER}.retry.max_retries",
                                {"ref": f"{RECEIVER}.delivery_contract.min_retries"},
                            ]
                        },
                        {"gt": [f"{SENDER}.retry.backoff_s", 0]},
                        {"contains": [f"{SENDER}.retry.retry_on", 429]},
                    ]
                },
                fix={"retry": good_retry},
                depends_on=("medium.rate_limit",),
                symptoms=[
                    (SENDER, 5, "ERROR", f"event={e3} dropped after one 429 (no further attempt)"),
                    (NOTIFY, 9, "WARN", f"gap in event sequence: expected {e3}, got {e4}"),
                ],
                response=(
                    503,
                    {"error": "events_dropped", "message": "Some events were not delivered."},
                ),
                alert=f"{SENDER}: events dropped after 429 answers",
                resolved=[(SENDER, 3, "INFO", "throttled events are now retried with backoff")],
                cascade=(NOTIFY,),
                explanation=(
                    "Even under its limit, a receiver answers 429 in bursts. The sender retried only on "
                    "502/503, with no backoff and too few attempts, so throttled events were simply "
                    "lost. A delivery contract needs retries on 429, a backoff above zero and at least "
                    "the receiver's min_retries. This was masked while the sender was throttled "
                    "constantly. Next time: treat 429 as retryable, with exponential backoff."
                ),
                hints=(
                    "Some events never arrive although the receiver is reachable. Look at what the "
                    "sender does after a failed delivery.",
                    f"The settings are under {SENDER}.retry.",
                    "Retries must cover the rate-limit status, wait a backoff above zero between "
                    "attempts and number at least the receiver's delivery_contract.min_retries.",
                ),
            ),
            {"retry": {"max_retries": 0, "backoff_s": 0, "retry_on": [502, 503]}},
        ),
        IssueTemplate(
            make_issue(
                id="medium.signature",
                service=SENDER,
                title="Empty webhook signing secret",
                category="authentication",
                severity="critical",
                check={"eq": [f"{SENDER}.signing.secret", {"ref": f"{RECEIVER}.signing.secret"}]},
                fix={"signing": {"secret": secret}},
                symptoms=[
                    (
                        SENDER,
                        3,
                        "ERROR",
                        f"POST {{{SENDER}.target_path}} event={e2} -> 401 Unauthorized",
                    ),
                    (RECEIVER, 3, "WARN", f"event={e2}: X-Signature verification failed"),
                ],
                response=(401, {"error": "invalid_signature"}),
                alert=f"{SENDER}: POST webhooks failing with 401",
                resolved=[(RECEIVER, 2, "INFO", "signatures verify again")],
                cascade=cascade,
                explanation=(
                    "The sender signed with an empty secret, so the HMAC it sent could never match the "
                    "one the receiver computed with the shared secret. Next time: on a signature error, "
                    "compare algorithm, header and secret on both sides (and rotate secrets together)."
                ),
                hints=(
                    "The receiver refuses events as unauthenticated. Look at how the sender signs them.",
                    f"The setting is {SENDER}.signing.secret.",
                    "The signing secret must be the one the receiver verifies with.",
                ),
            ),
            {"signing": {"secret": ""}},
        ),
        IssueTemplate(
            make_issue(
                id="medium.target_path",
                service=SENDER,
                title="Wrong webhook target path",
                category="configuration",
                severity="critical",
                check={"eq": [f"{SENDER}.target_path", {"ref": f"{RECEIVER}.listen_path"}]},
                fix={"target_path": path},
                symptoms=[
                    (
                        SENDER,
                        2,
                        "ERROR",
                        f"POST {{{SENDER}.target_path}} event={e1} -> 404 Not Found",
                    ),
                    (
                        RECEIVER,
                        2,
                        "INFO",
                        "404 for POST {webhook_sender.target_path}: no such route",
                    ),
                ],
                response=(404, {"error": "not_found"}),
                alert=f"{SENDER}: POST webhooks failing with 404",
                resolved=[(RECEIVER, 2, "INFO", "events arrive on the listen path")],
                cascade=cascade,
                explanation=(
                    "The sender posted to a path the receiver does not serve, so every event got 404. "
                    "Next time: compare the full URL, path included, with the consumer's route."
                ),
                hints=(
                    "The receiver says the address does not exist, although the host answers.",
                    f"The setting is {SENDER}.target_path.",
                    "The target path must be the receiver's listen_path.",
                ),
            ),
            {"target_path": "/webhook"},
        ),
        IssueTemplate(
            make_issue(
                id="medium.gzip",
                service=SENDER,
                title="Body compressed with gzip the receiver can't decode",
                category="protocol",
                severity="error",
                check={
                    "in": [f"{SENDER}.content_encoding", {"ref": f"{RECEIVER}.accepted_encodings"}]
                },
                fix={"content_encoding": "identity"},
                symptoms=[
                    (
                        SENDER,
                        4,
                        "ERROR",
                        f"POST {{{SENDER}.target_path}} event={e3} -> 400 Bad Request",
                    ),
                    (
                        RECEIVER,
                        4,
                        "ERROR",
                        "cannot decode request body (Content-Encoding: {webhook_sender.content_encoding})",
                    ),
                ],
                response=(400, {"error": "bad_request", "message": "Body could not be decoded."}),
                alert=f"{SENDER}: POST webhooks failing with 400",
                resolved=[(RECEIVER, 2, "INFO", "request bodies decode again")],
                cascade=cascade,
                explanation=(
                    "The sender compressed bodies with gzip but the receiver only decodes the "
                    "encodings in accepted_encodings, so it could not read them (400). Next time: "
                    "negotiate compression, never assume it."
                ),
                hints=(
                    "The receiver gets the events but cannot read them.",
                    f"The setting is {SENDER}.content_encoding.",
                    "The encoding must be one of the receiver's accepted_encodings.",
                ),
            ),
            {"content_encoding": "gzip"},
        ),
    )

    def base_logs(cfg: Mapping[str, Mapping[str, Any]]) -> list[LogLine]:
        s, r = cfg[SENDER], cfg[RECEIVER]
        retry = s["retry"]
        return [
            LogLine(SENDER, -900, "INFO", "webhook sender 2.7.0 starting"),
            LogLine(
                SENDER,
                -899,
                "INFO",
                f"target={s['target_url']}{s['target_path']} rate={s['send_rate_per_s']}/s "
                f"encoding={s['content_encoding']}",
            ),
            LogLine(
                SENDER,
                -898,
                "INFO",
                f"retry: max={retry['max_retries']} backoff={retry['backoff_s']}s "
                f"on={retry['retry_on']}; signing={s['signing']['algorithm']}",
            ),
            LogLine(
                RECEIVER,
                -3000,
                "INFO",
                f"listening on {r['listen_path']}; limit {r['rate_limit_per_s']} req/s per sender",
            ),
            LogLine(NOTIFY, -2000, "INFO", "notification workers ready (email, sms)"),
        ]

    return TaskParts(services, ((SENDER, RECEIVER), (RECEIVER, NOTIFY)), pool, base_logs)


SPEC = TaskSpec(
    id="medium",
    title="Webhook delivery chain",
    description=(
        "Customers stopped getting order notifications. Your webhook sender feeds "
        "another team's receiver, which forwards to the notification service. Some "
        "failures hide others until the first is fixed."
    ),
    max_steps=25,
    per_episode=3,
    canonical_values=CANONICAL,
    draw_values=draw_values,
    build=build,
)
