"""Task ``webhook_skew``: webhook signatures over re-serialised JSON, and a clock minutes off.

Spec:
    Services: ``partner_events`` (a partner's, not editable; it signs and
    sends webhooks) -> ``webhook_handler`` (ours, editable) ->
    ``fulfilment`` (another team's, not editable; fed through a queue).
    One flow, ``POST /hooks/partner`` (40 events a step); the handler
    queues each verified event for fulfilment (202).

    The partner signs ``timestamp.raw_body`` with HMAC-SHA256 and rejects
    nothing itself: our handler verifies. Both contracts sit at the
    authenticate stage of the handler (the callee), so the partner's log
    shows the 401s and ours shows why; fulfilment, starved of events, is
    degraded. No secret is ever copied: the key is the handler's own
    reference to a vault entry, and the partner publishes only the key id.
    Pool of 3 contracts, 2 per episode, 15 steps:

    * ``webhook_skew.raw_body`` — the handler must compute the HMAC over
      what the partner signs (``signing.signed_payload``: the raw bytes),
      not over JSON it parsed and serialised again.
    * ``webhook_skew.clock`` — the handler's clock must be synchronised
      (NTP on); widening the window instead is no fix (see the next).
    * ``webhook_skew.replay_window`` — the handler's timestamp tolerance must
      be above zero and at most the partner's ``signing.tolerance_s``: a
      window of a day accepts replayed events (a share is applied twice).

    The signature check comes first, so the HMAC problem masks the others;
    the timestamp check comes before anything is applied, so the clock
    masks the replays.
    A 401 counts against the caller in health (DESIGN section 1), so the
    partner shows as failing although the fault is the handler's: the
    handler's own log says why.
    Variants draw the clock's drift, the partner's tolerance, the layout of
    what it signs and the incident clock.
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

PARTNER, HANDLER, FULFIL = "partner_events", "webhook_handler", "fulfilment"

# What the partner signs: the raw body bytes, with or without the timestamp, in its own layout.
RECIPES = ["timestamp.raw_body", "v1:timestamp:raw_body", "raw_body+timestamp"]

CANONICAL = {"drift_s": 412, "tolerance_s": 300, "recipe": RECIPES[0]}


def draw_values(rng: random.Random) -> dict[str, Any]:
    tolerance = rng.choice([180, 300, 600])
    return {
        "drift_s": tolerance + rng.randrange(60, 900),
        "tolerance_s": tolerance,
        "recipe": rng.choice(RECIPES),
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    tolerance, drift, recipe = v["tolerance_s"], v["drift_s"], v["recipe"]
    services = (
        service(
            PARTNER,
            "partner event sender (partner's, external)",
            False,
            {
                "target": "https://hooks.shop.example/hooks/partner",
                "signing": {
                    "algorithm": "hmac-sha256",
                    "header": "X-Partner-Signature",
                    "timestamp_header": "X-Partner-Timestamp",
                    "signed_payload": recipe,
                    "tolerance_s": tolerance,
                    "key_id": "whk_2026_03",
                },
                "redelivery": {"retries": 5, "on": "any non-2xx"},
            },
            "The partner's event sender. Not yours: its config is the contract.",
        ),
        service(
            HANDLER,
            "webhook handler (ours)",
            True,
            {
                "listen_path": "/hooks/partner",
                "verification": {
                    "algorithm": "hmac-sha256",
                    "key_ref": "vault:partner/webhook-key#whk_2026_03",
                    "hmac_input": recipe,
                    "tolerance_s": tolerance,
                },
                "clock": {"timezone": "UTC", "ntp": {"enabled": True, "server": "time.internal"}},
                "forward_to": FULFIL,
            },
            "Verifies the partner's webhooks and queues them for fulfilment.",
        ),
        service(
            FULFIL,
            "fulfilment (another team's)",
            False,
            {"queue": "orders-paid", "workers": 12},
            "Ships orders once the partner confirms them.",
        ),
    )
    hop = (PARTNER, HANDLER)
    pool = (
        IssueTemplate(
            make_issue(
                id="webhook_skew.raw_body",
                service=HANDLER,
                title="HMAC computed over re-serialised JSON",
                category="authentication",
                severity="critical",
                check={
                    "eq": [
                        f"{HANDLER}.verification.hmac_input",
                        {"ref": f"{PARTNER}.signing.signed_payload"},
                    ]
                },
                fix={"verification": {"hmac_input": recipe}},
                hop=hop,
                failure="invalid_signature",
                detail=(
                    "signature mismatch: HMAC computed over {webhook_handler.verification.hmac_input}"
                    " (JSON parsed and serialised again: key order and spacing differ from the "
                    "bytes that were signed)"
                ),
                explanation=(
                    "The partner signs the exact bytes it sends. The handler parsed the JSON "
                    "first and computed the HMAC over its own serialisation: same data, "
                    "different bytes (key order, spacing, number formats), so no signature "
                    "ever matched and every event got 401. Verify over the raw body before "
                    "parsing, and compare signatures in constant time. The key itself was fine: "
                    "it stays a reference to our vault entry, never a copy of anything the "
                    "partner shows. Next time: on a signature mismatch, check what was signed "
                    "(the payload recipe) before suspecting the key."
                ),
                hints=(
                    "The partner's events are refused as unauthenticated, although the key is "
                    "the right one. Compare what the partner signs with what the handler "
                    "verifies.",
                    f"The setting is {HANDLER}.verification.hmac_input.",
                    "The handler must compute the HMAC over what the partner_events signing "
                    "signed_payload names: the bytes as received.",
                ),
            ),
            {"verification": {"hmac_input": recipe.replace("raw_body", "parsed_json")}},
        ),
        IssueTemplate(
            make_issue(
                id="webhook_skew.clock",
                service=HANDLER,
                title="Clock minutes off with NTP disabled",
                category="configuration",
                severity="critical",
                check={"eq": [f"{HANDLER}.clock.ntp.enabled", True]},
                fix={"clock": {"ntp": {"enabled": True}}},
                hop=hop,
                failure="stale_signature",
                detail=(
                    f"signature timestamp outside tolerance: signed {drift} s away from our "
                    "clock (tolerance {webhook_handler.verification.tolerance_s} s)"
                ),
                explanation=(
                    "The timestamp inside the signature protects against replays: an event "
                    "signed longer ago than the tolerance is refused. The handler's clock had "
                    "drifted minutes away because NTP was disabled on its hosts, so every "
                    "fresh event looked stale. The fix is a synchronised clock, not a wider "
                    "window: a tolerance above the partner's lets replayed events in. This was "
                    "masked while no signature matched. Next time: when timestamps are "
                    "rejected, compare the clocks first (date on both sides), and alert on "
                    "clock drift."
                ),
                hints=(
                    "Signatures now verify, yet events are refused as stale. Compare the "
                    "handler's idea of the time with the partner's.",
                    f"The setting is {HANDLER}.clock.ntp.enabled.",
                    "The handler's clock must be synchronised from its time server, not "
                    "tolerated by a wider window.",
                ),
            ),
            {"clock": {"ntp": {"enabled": False}}},
        ),
        IssueTemplate(
            make_issue(
                id="webhook_skew.replay_window",
                service=HANDLER,
                title="Replay window of a day",
                category="authentication",
                severity="error",
                check={
                    "all": [
                        {"gt": [f"{HANDLER}.verification.tolerance_s", 0]},
                        {
                            "le": [
                                f"{HANDLER}.verification.tolerance_s",
                                {"ref": f"{PARTNER}.signing.tolerance_s"},
                            ]
                        },
                    ]
                },
                fix={"verification": {"tolerance_s": tolerance}},
                hop=hop,
                failure="duplicate",
                share={"fixed": 0.05},
                detail=(
                    "replayed event accepted: its signature is hours old but inside a "
                    "{webhook_handler.verification.tolerance_s} s window, so it was applied twice"
                ),
                explanation=(
                    "The signed timestamp exists to stop replays: a captured event sent again "
                    "later still carries a valid signature, and only its age gives it away. "
                    "Someone had widened the handler's window to a day (probably to silence "
                    "timestamp errors), so replayed and redelivered events were applied again. "
                    "The window must be above zero and no wider than the partner's own "
                    "tolerance. Next time: fix clock errors at the clock, and keep replay "
                    "windows as narrow as the sender's."
                ),
                hints=(
                    "Some events are applied twice although every signature verifies. Look at "
                    "how old a signed event may be and still be accepted.",
                    f"The setting is {HANDLER}.verification.tolerance_s.",
                    "The tolerance must be above zero and at most the partner_events signing "
                    "tolerance_s.",
                ),
            ),
            {"verification": {"tolerance_s": 86400}},
        ),
    )

    def base_logs(cfg: Mapping[str, Mapping[str, Any]]) -> list[LogLine]:
        h = cfg[HANDLER]
        ntp = h["clock"]["ntp"]
        lines = [
            LogLine(HANDLER, -2400, "INFO", "webhook handler 4.2.0 starting"),
            LogLine(
                HANDLER,
                -2399,
                "INFO",
                f"verifying {h['verification']['algorithm']} over "
                f"{h['verification']['hmac_input']}, tolerance {h['verification']['tolerance_s']}s, "
                f"key {h['verification']['key_ref']}",
            ),
            LogLine(
                HANDLER,
                -2398,
                "INFO",
                f"clock: ntp {'on' if ntp['enabled'] else 'off'} ({ntp['server']})",
            ),
            LogLine(FULFIL, -3000, "INFO", "fulfilment workers ready (12)"),
        ]
        if not ntp["enabled"]:
            lines.append(LogLine(HANDLER, -2397, "WARN", "clock: not synchronised"))
        return lines

    flows = (
        flow(
            "POST /hooks/partner",
            PARTNER,
            40,
            (PARTNER, HANDLER, "POST", "/hooks/partner"),
            (HANDLER, FULFIL, "POST", "/orders-paid", True),
        ),
    )
    return TaskParts(services, (hop, (HANDLER, FULFIL)), pool, base_logs, flows)


SPEC = TaskSpec(
    id="webhook_skew",
    title="Webhook signatures and clock skew",
    description=(
        "Paid orders stopped shipping: the partner's webhooks are refused. The partner "
        "(not yours) signs each event; the webhook handler (yours) verifies it and queues "
        "it for fulfilment (another team's)."
    ),
    max_steps=15,
    per_episode=2,
    canonical_values=CANONICAL,
    draw_values=draw_values,
    build=build,
    level="advanced",
    skills=(
        "HMAC over raw bytes",
        "timestamps, tolerance and replay protection",
        "clock synchronisation",
        "masking",
    ),
)
