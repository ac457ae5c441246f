"""Task ``medium``: a webhook chain, sender -> receiver -> notification service.

Spec:
    Services: ``webhook_sender`` (ours, editable) -> ``webhook_receiver``
    (another team's, not editable) -> ``notification_service`` (not editable).
    Pool of 5 contracts, 3 per episode, 25 steps:

    * ``medium.rate_limit`` — the send rate must not exceed the receiver's limit.
    * ``medium.retry_policy`` — at least 3 retries, a backoff above zero, and 429
      among the retried statuses; without it the receiver's transient 503s
      drop events.
    * ``medium.signature`` — the signing secret must be the receiver's secret.
    * ``medium.target_path`` — the sender must post to the receiver's listen path.
    * ``medium.gzip`` — the body encoding must be one the receiver can decode.

    One flow, ``POST webhook`` (60 events a step): sender -> receiver, then
    receiver -> notification service through a queue (202). The receiver
    sheds 5 % of requests with 503 and Retry-After (a fault nobody can edit),
    which a sound retry policy absorbs. Masks follow the pipeline: a wrong
    path (route) hides everything; a bad signature (authenticate) hides the
    rate limit, the retry policy and the encoding; the rate limit fails only
    the excess share. Starved of events, the notification service is degraded.
    Canonical episode: rate_limit,
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
    flow,
    hex_id,
    make_issue,
    service,
)
from apidebug_nb.scenarios.records import Fault, LogLine

SENDER, RECEIVER, NOTIFY = "webhook_sender", "webhook_receiver", "notification_service"
PATHS = ["/webhooks/incoming", "/hooks/v2/events", "/api/webhooks/orders"]

CANONICAL = {
    "rate_limit": 20,
    "rate_factor": 2.5,
    "secret": "whsec_3f9ac1d2",
    "path": PATHS[0],
}


def draw_values(rng: random.Random) -> dict[str, Any]:
    return {
        "rate_limit": rng.choice([10, 15, 20, 25, 40]),
        "rate_factor": rng.choice([2, 2.5, 3]),
        "secret": f"whsec_{hex_id(rng, 8)}",
        "path": rng.choice(PATHS),
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    limit, secret, path = v["rate_limit"], v["secret"], v["path"]
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
                hop=(SENDER, RECEIVER),
                failure="rate_limited",
                share={"excess": [f"{SENDER}.send_rate_per_s", f"{RECEIVER}.rate_limit_per_s"]},
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
                hop=(SENDER, RECEIVER),
                failure="dropped",
                detail=(
                    "event dropped after a 503 from webhook_receiver: retry policy "
                    "max_retries={webhook_sender.retry.max_retries}, "
                    "backoff_s={webhook_sender.retry.backoff_s}"
                ),
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
                hop=(SENDER, RECEIVER),
                failure="invalid_signature",
                detail="X-Signature does not verify with the shared signing secret",
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
                hop=(SENDER, RECEIVER),
                failure="not_found",
                detail="no route for POST {webhook_sender.target_path}",
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
                hop=(SENDER, RECEIVER),
                failure="unsupported_encoding",
                detail="cannot decode Content-Encoding {webhook_sender.content_encoding}",
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

    flows = (
        flow(
            "POST webhook",
            SENDER,
            60,
            (SENDER, RECEIVER, "POST", f"{{{SENDER}.target_path}}"),
            (RECEIVER, NOTIFY, "POST", "/notify", True),
        ),
    )
    # The receiver sheds a little load at any rate: a sender's retries must cover it.
    faults = (Fault((SENDER, RECEIVER), "overloaded", 0.05),)
    edges = ((SENDER, RECEIVER), (RECEIVER, NOTIFY))
    return TaskParts(services, edges, pool, base_logs, flows, faults)


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
