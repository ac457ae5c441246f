"""Task ``medium``: a webhook chain, sender -> receiver -> notification service.

Spec:
    Services: ``webhook_sender`` (ours, editable) -> ``webhook_receiver``
    (another team's, not editable) -> ``notification_service`` (not editable).
    Pool of 5 contracts, 3 per episode, 25 steps:

    * ``medium.rate_limit`` — the send rate must be in (0, the receiver's limit].
    * ``medium.retry_policy`` — between the receiver's min_retries and
      max_retries retries, an initial backoff of 0.5 to 30 s growing
      exponentially (multiplier 1.5 to 4) with jitter, ``Retry-After``
      honoured when the receiver sends it on 429, and only transient statuses
      retried, 429 and 503 among them; without it the receiver's transient
      503s drop events.
    * ``medium.signature`` — the sender must sign with a key id the receiver
      accepts (the receiver publishes key ids, never a secret to copy).
    * ``medium.target_path`` — the sender must post to the receiver's listen path.
    * ``medium.gzip`` — the body encoding must be one the receiver can decode
      (415 with Accept-Encoding; codings compare without case).

    One flow, ``POST webhook`` (60 events a step): sender -> receiver, then
    receiver -> notification service through a queue (202). The receiver
    sheds 5 % of requests with 503 and Retry-After (a fault nobody can edit),
    which a sound retry policy absorbs. Masks follow the pipeline: a wrong
    path (route) hides everything; a bad signature (authenticate) hides the
    rate limit, the retry policy and the encoding; the rate limit fails only
    the excess share. Starved of events, the notification service is degraded.
    Canonical episode: rate_limit,
    retry_policy, signature. Variants draw the receiver's rate limit, the
    signing key id, the listen path and the event ids.
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
    "key_id": "whk_3f9ac1d2",
    "path": PATHS[0],
}


def draw_values(rng: random.Random) -> dict[str, Any]:
    return {
        "rate_limit": rng.choice([10, 15, 20, 25, 40]),
        "rate_factor": rng.choice([2, 2.5, 3]),
        "key_id": f"whk_{hex_id(rng, 8)}",
        "path": rng.choice(PATHS),
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    limit, key_id, path = v["rate_limit"], v["key_id"], v["path"]
    good_retry = {
        "max_retries": 3,
        "backoff_s": 2,
        "multiplier": 2,
        "jitter": "full",
        "honour_retry_after": True,
        "retry_on": [429, 502, 503],
    }
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
                "signing": {"algorithm": "hmac-sha256", "header": "X-Signature", "key_id": key_id},
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
                "signing": {
                    "algorithm": "hmac-sha256",
                    "header": "X-Signature",
                    "accepted_key_ids": [key_id],
                },
                "accepted_encodings": ["identity"],
                "delivery_contract": {
                    "min_retries": 3,
                    "max_retries": 8,
                    "retry_after_429": True,
                    "retryable_statuses": [408, 429, 500, 502, 503, 504],
                },
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
                    "all": [
                        {"gt": [f"{SENDER}.send_rate_per_s", 0]},
                        {
                            "le": [
                                f"{SENDER}.send_rate_per_s",
                                {"ref": f"{RECEIVER}.rate_limit_per_s"},
                            ]
                        },
                    ]
                },
                fix={"send_rate_per_s": limit},
                hop=(SENDER, RECEIVER),
                failure="rate_limited",
                share={"excess": [f"{SENDER}.send_rate_per_s", f"{RECEIVER}.rate_limit_per_s"]},
                explanation=(
                    "The sender pushed events faster than the receiver's rate_limit_per_s, so the "
                    "receiver throttled it with 429 Too Many Requests and a Retry-After. A send rate "
                    "has two sides: above zero (a rate of 0 delivers nothing) and at most the limit. "
                    "Next time: read the consumer's published limits and configure the producer "
                    "below them."
                ),
                hints=(
                    "The receiver is pushing back on the sender. Compare how fast one sends with "
                    "how fast the other accepts.",
                    f"The setting is {SENDER}.send_rate_per_s.",
                    "The send rate must be above zero and not exceed the receiver's "
                    "rate_limit_per_s.",
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
                        {
                            "le": [
                                f"{SENDER}.retry.max_retries",
                                {"ref": f"{RECEIVER}.delivery_contract.max_retries"},
                            ]
                        },
                        {"ge": [f"{SENDER}.retry.backoff_s", 0.5]},
                        {"le": [f"{SENDER}.retry.backoff_s", 30]},
                        {"ge": [f"{SENDER}.retry.multiplier", 1.5]},
                        {"le": [f"{SENDER}.retry.multiplier", 4]},
                        {"in": [f"{SENDER}.retry.jitter", ["full", "equal", "decorrelated"]]},
                        {
                            "any": [
                                {"eq": [f"{RECEIVER}.delivery_contract.retry_after_429", False]},
                                {"eq": [f"{SENDER}.retry.honour_retry_after", True]},
                            ]
                        },
                        {
                            "subset": [
                                f"{SENDER}.retry.retry_on",
                                {"ref": f"{RECEIVER}.delivery_contract.retryable_statuses"},
                            ]
                        },
                        {"contains": [f"{SENDER}.retry.retry_on", 429]},
                        {"contains": [f"{SENDER}.retry.retry_on", 503]},
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
                    "502/503, too few times, without waiting, without jitter and ignoring Retry-After, "
                    "so throttled events were simply lost. The receiver's delivery_contract asks for retries on 429 and 503, between "
                    "min_retries and max_retries of them, and for its Retry-After to be honoured. The "
                    "waits must grow exponentially with jitter (0.5 to 30 s to start, a multiplier of "
                    "1.5 to 4), so that retries from many senders spread out instead of arriving "
                    "together: a thousand retries a millisecond apart are a retry storm, not a policy. "
                    "Only transient statuses are retried. This was masked while the sender was "
                    "throttled constantly. Next time: treat 429 and 503 as retryable, honour "
                    "Retry-After, back off exponentially with jitter and bound the attempts."
                ),
                hints=(
                    "Some events never arrive although the receiver is reachable. Look at what the "
                    "sender does after a failed delivery.",
                    f"The settings are under {SENDER}.retry.",
                    "Retries must follow the receiver's delivery_contract (how many, which statuses, "
                    "Retry-After) and wait an exponentially growing backoff with jitter between "
                    "attempts (a first wait of half a second to 30 s, a multiplier of 1.5 to 4).",
                ),
            ),
            {
                "retry": {
                    "max_retries": 0,
                    "backoff_s": 0,
                    "multiplier": 1,
                    "jitter": "none",
                    "honour_retry_after": False,
                    "retry_on": [502, 503],
                }
            },
        ),
        IssueTemplate(
            make_issue(
                id="medium.signature",
                service=SENDER,
                title="Webhooks signed with an empty key",
                category="authentication",
                severity="critical",
                check={
                    "all": [
                        {
                            "eq": [
                                f"{SENDER}.signing.algorithm",
                                {"ref": f"{RECEIVER}.signing.algorithm"},
                            ]
                        },
                        {
                            "eq": [
                                f"{SENDER}.signing.header",
                                {"ref": f"{RECEIVER}.signing.header"},
                                "header_name",
                            ]
                        },
                        {
                            "in": [
                                f"{SENDER}.signing.key_id",
                                {"ref": f"{RECEIVER}.signing.accepted_key_ids"},
                            ]
                        },
                    ]
                },
                fix={"signing": {"key_id": key_id}},
                hop=(SENDER, RECEIVER),
                failure="invalid_signature",
                detail="X-Signature does not verify with any key the receiver accepts",
                explanation=(
                    "The sender's signing key reference was empty, so it signed with an empty secret "
                    "and the HMAC it sent could never match. The secret itself lives in each side's "
                    "secret store; the receiver publishes only which key ids it accepts, and the "
                    "sender names the key it signs with. (An earlier version of this lab had students "
                    "paste the receiver's secret into the sender: in practice a secret is never copied "
                    "out of another team's config.) Next time: on a signature error, compare "
                    "algorithm, header and key id on both sides, and rotate keys by id."
                ),
                hints=(
                    "The receiver refuses events as unauthenticated. Look at how the sender signs them.",
                    f"The setting is {SENDER}.signing.key_id.",
                    "The sender must sign with a key id the receiver lists as accepted.",
                ),
            ),
            {"signing": {"key_id": ""}},
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
                    "in": [
                        f"{SENDER}.content_encoding",
                        {"ref": f"{RECEIVER}.accepted_encodings"},
                        "coding",
                    ]
                },
                fix={"content_encoding": "identity"},
                hop=(SENDER, RECEIVER),
                failure="unsupported_encoding",
                detail="cannot decode Content-Encoding {webhook_sender.content_encoding}",
                explanation=(
                    "The sender compressed bodies with gzip but the receiver only decodes the "
                    "encodings in accepted_encodings, so it answered 415 Unsupported Media Type with "
                    "an Accept-Encoding header listing what it can decode (RFC 9110; an earlier "
                    "version of this lab said 400). Next time: on a 415, read Accept-Encoding; "
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
                f"x{retry['multiplier']} jitter={retry['jitter']} on={retry['retry_on']}; "
                f"signing={s['signing']['algorithm']} key={s['signing']['key_id'] or '(none)'}",
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
