"""Task ``vendor_enum``: a vendor adds an enum value and our strict reader answers 500.

Spec:
    Services: ``payments_vendor`` (a vendor's, not editable; it pushes
    webhooks) -> ``order_ingest`` (ours, editable; it deserialises them).
    One flow, ``POST /webhooks/payments`` (40 events a step).

    The vendor rolled out a new payment status value. Our deserialiser
    rejects unknown enum values with an unhandled error, so it answers 500;
    the vendor redelivers, and a backlog builds on its side. The failures
    sit at the negotiate stage of our service (the callee), so the vendor's
    log shows the 500s and our log shows why. Pool of 3 contracts, 2 per
    episode, 15 steps:

    * ``vendor_enum.tolerant_reader`` — unknown enum values are kept as the
      vendor's ``schema_evolution.unknown_enum`` policy asks, not rejected;
      the share of events carrying the new value fails until then.
    * ``vendor_enum.dead_letter`` — an event the handler cannot process goes
      to a dead-letter queue after a bounded number of attempts (above zero,
      at most the vendor's ``delivery.retries``) instead of failing forever.
    * ``vendor_enum.ack_first`` — ingest acknowledges an event once it is
      queued (the ``processing_ack`` the vendor asks of receivers), not after
      processing it: processed inline, the slow share outlasts the vendor's
      ``timeout_s``, so the vendor gives up and delivers it again.

    None masks another (each fails its own share; the timeout is checked
    after the body was read). Variants draw the new value, its share of
    events, the vendor's retry count, the handling of unknown values its
    policy asks for (kept as is, or mapped to an ``unknown`` member) and
    the clock.
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
    make_issue,
    service,
)
from apidebug_nb.scenarios.records import LogLine

VENDOR, INGEST = "payments_vendor", "order_ingest"
KNOWN = ["authorised", "captured", "refunded", "failed"]

POLICIES = ["preserve", "map_to_unknown"]  # what a receiver does with a value it does not know

CANONICAL = {"new_value": "partially_refunded", "share": 0.2, "retries": 8, "policy": "preserve"}


def draw_values(rng: random.Random) -> dict[str, Any]:
    return {
        "new_value": rng.choice(["partially_refunded", "disputed", "pending_review"]),
        "share": rng.choice([0.15, 0.2, 0.25]),
        "retries": rng.choice([6, 8, 10]),
        "policy": rng.choice(POLICIES),
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    new, retries, policy = v["new_value"], v["retries"], v["policy"]
    services = (
        service(
            VENDOR,
            "payments vendor (external)",
            False,
            {
                "webhook_url": "https://ingest.shop.example/webhooks/payments",
                "event_schema": "payment.v4",
                "status_values": [*KNOWN, new],
                "schema_evolution": {"unknown_enum": policy, "policy": "additive changes"},
                "timeout_s": 10,
                "processing_ack": "after_enqueue",
                "delivery": {"retries": retries, "backoff": "exponential", "gives_up_after_h": 24},
            },
            "The payment vendor. It pushes a webhook per payment event and redelivers on 5xx.",
        ),
        service(
            INGEST,
            "order ingest (ours)",
            True,
            {
                "listen_path": "/webhooks/payments",
                "parser": {"status_values": KNOWN, "unknown_enum": policy},
                "dead_letter": {"enabled": True, "queue": "payments-dlq", "max_attempts": 3},
                "processing": {"ack": "after_enqueue", "workers": 8},
                "p50_processing_ms": 900,
                "max_processing_ms": 14000,
            },
            "Turns payment webhooks into order updates.",
        ),
    )
    hop = (VENDOR, INGEST)
    pool = (
        IssueTemplate(
            make_issue(
                id="vendor_enum.tolerant_reader",
                service=INGEST,
                title="Strict deserialiser rejects a new enum value",
                category="protocol",
                severity="critical",
                check={
                    "eq": [
                        f"{INGEST}.parser.unknown_enum",
                        {"ref": f"{VENDOR}.schema_evolution.unknown_enum"},
                    ]
                },
                fix={"parser": {"unknown_enum": policy}},
                hop=hop,
                failure="unknown_enum",
                share={"fixed": v["share"]},
                detail=(
                    f"could not deserialise the body: unknown PaymentStatus '{new}' "
                    "(unknown_enum={order_ingest.parser.unknown_enum})"
                ),
                explanation=(
                    "The vendor added a status value, an additive change its schema policy "
                    "allows. Our deserialiser knew a fixed list and threw on anything else, so "
                    "it answered 500; the vendor, seeing a server error, redelivered, and a "
                    "backlog grew on its side while our orders stalled. A tolerant reader keeps "
                    "unknown values (and routes them to a safe default) instead of failing the "
                    "whole event. Next time: treat enums from another team as open sets, and "
                    "read a provider's schema-evolution policy before pinning its values."
                ),
                hints=(
                    "Our ingest answers some of the vendor's events with a server error. Read "
                    "its log: what can it not read in those events?",
                    f"The setting is {INGEST}.parser.unknown_enum.",
                    "The parser must handle an unknown enum value the way the payments_vendor "
                    "schema_evolution unknown_enum policy asks.",
                ),
            ),
            {"parser": {"unknown_enum": "reject"}},
        ),
        IssueTemplate(
            make_issue(
                id="vendor_enum.dead_letter",
                service=INGEST,
                title="No dead-letter queue for events that cannot be processed",
                category="resilience",
                severity="error",
                check={
                    "all": [
                        {"eq": [f"{INGEST}.dead_letter.enabled", True]},
                        {"gt": [f"{INGEST}.dead_letter.max_attempts", 0]},
                        {
                            "le": [
                                f"{INGEST}.dead_letter.max_attempts",
                                {"ref": f"{VENDOR}.delivery.retries"},
                            ]
                        },
                    ]
                },
                fix={"dead_letter": {"enabled": True, "max_attempts": 3}},
                hop=hop,
                failure="unknown_enum",
                share={"fixed": 0.05},
                detail=(
                    "could not process the event (refund without an original payment); no "
                    "dead-letter queue, so it fails on every redelivery"
                ),
                explanation=(
                    "Some events can never be processed, whatever the parser: here, refunds "
                    "for payments we never saw. Without a dead-letter queue the handler failed "
                    "them on every redelivery, so they sat in the vendor's retry backlog ahead "
                    "of good events. After a bounded number of attempts (no more than the "
                    "vendor will make) such an event belongs in a dead-letter queue, "
                    "acknowledged, for a person to look at. Next time: give every consumer a "
                    "poison-message path, and alert on the dead-letter queue's depth."
                ),
                hints=(
                    "A few events fail on every delivery, and the vendor keeps sending them "
                    "again. Look at what ingest does with an event it cannot process.",
                    f"The settings are under {INGEST}.dead_letter.",
                    "The dead-letter queue must be enabled, with a number of attempts above "
                    "zero and at most the payments_vendor delivery retries.",
                ),
            ),
            {"dead_letter": {"enabled": False, "max_attempts": 0}},
        ),
        IssueTemplate(
            make_issue(
                id="vendor_enum.ack_first",
                service=INGEST,
                title="Events acknowledged only after processing",
                category="resilience",
                severity="error",
                check={"eq": [f"{INGEST}.processing.ack", {"ref": f"{VENDOR}.processing_ack"}]},
                fix={"processing": {"ack": "after_enqueue"}},
                hop=hop,
                failure="timeout",
                share={"fixed": 0.3},
                detail=(
                    "processed the event before answering (processing.ack="
                    "{order_ingest.processing.ack}); the vendor had given up at "
                    "{payments_vendor.timeout_s}s and will deliver it again (client_gone)"
                ),
                explanation=(
                    "Ingest did all its work (order lookup, stock, e-mails) before answering "
                    "the webhook. The slow share took longer than the vendor waits, so the "
                    "vendor gave up, counted a failure and delivered the same event again: "
                    "double work and a growing backlog, although nothing was wrong with the "
                    "events. A receiver should acknowledge as soon as the event is safely "
                    "queued and process it afterwards. Next time: keep webhook handlers "
                    "short, and compare their worst case with the sender's timeout."
                ),
                hints=(
                    "The vendor gives up on some deliveries that ingest completes anyway. "
                    "Compare when ingest answers with how long the vendor waits.",
                    f"The setting is {INGEST}.processing.ack.",
                    "Ingest must acknowledge at the moment the payments_vendor processing_ack "
                    "names, before the slow work.",
                ),
            ),
            {"processing": {"ack": "after_processing"}},
        ),
    )

    def base_logs(cfg: Mapping[str, Mapping[str, Any]]) -> list[LogLine]:
        i, vend = cfg[INGEST], cfg[VENDOR]
        dlq = i["dead_letter"]
        return [
            LogLine(INGEST, -5400, "INFO", "order ingest 3.0.7 starting"),
            LogLine(
                INGEST,
                -5399,
                "INFO",
                f"listening on {i['listen_path']}; PaymentStatus values: "
                f"{', '.join(i['parser']['status_values'])}; unknown={i['parser']['unknown_enum']}",
            ),
            LogLine(
                INGEST,
                -5398,
                "INFO",
                f"dead-letter queue {dlq['queue']}: "
                f"{'on' if dlq['enabled'] else 'off'}, max_attempts={dlq['max_attempts']}; "
                f"ack={i['processing']['ack']}",
            ),
            LogLine(
                VENDOR, -1800, "INFO", f"schema {vend['event_schema']}: new PaymentStatus '{new}'"
            ),
            LogLine(
                VENDOR,
                -120,
                "WARN",
                f"redelivery backlog for this endpoint growing; retrying up to "
                f"{vend['delivery']['retries']} times with exponential backoff",
            ),
        ]

    flows = (
        flow("POST /webhooks/payments", VENDOR, 40, (VENDOR, INGEST, "POST", "/webhooks/payments")),
    )
    return TaskParts(services, (hop,), pool, base_logs, flows)


SPEC = TaskSpec(
    id="vendor_enum",
    title="A vendor adds an enum value",
    description=(
        "Orders stop updating for some payments and the payment vendor reports a growing "
        "redelivery backlog. The vendor (not yours) pushes webhooks to order ingest (yours)."
    ),
    max_steps=15,
    per_episode=2,
    canonical_values=CANONICAL,
    draw_values=draw_values,
    build=build,
    level="intermediate",
    skills=(
        "tolerant readers and open enums",
        "dead-letter queues for poison messages",
        "whose 500 is it (our side as the callee)",
    ),
)
