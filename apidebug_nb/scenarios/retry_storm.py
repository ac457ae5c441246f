"""Task ``retry_storm``: a cart retrying in lockstep against an inventory that sheds load.

Spec:
    Services: ``cart_service`` (ours, editable) -> ``inventory_service``
    (another team's, not editable; its config is the contract it publishes
    for clients). One flow, ``GET /stock`` (40 requests a step).

    After a long GC pause, inventory sheds a share of requests with ``503``
    and ``Retry-After`` (a fault on its side: nothing the learner may edit
    fixes it at the source, and a fix submitted to inventory is refused with
    a message that says so). Whether the cart's requests survive depends on
    the cart's own resilience: every contract below must hold for a shed
    request to be recovered, so a partial failure stays in the log (both
    outcomes, with counts) until all the selected ones hold.
    Pool of 4 contracts on the cart, 2 per episode, 20 steps:

    * ``retry_storm.jitter`` — retries wait a random share of the backoff
      (the jitter inventory's ``retry_jitter`` names), not in lockstep.
    * ``retry_storm.budget`` — a retry budget above zero and at most
      inventory's ``max_retry_budget_percent``.
    * ``retry_storm.retry_after`` — the cart honours ``Retry-After``, and its
      longest backoff covers inventory's ``min_backoff_ms`` (its Retry-After)
      yet fits a quarter of the cart's own ``deadline_ms`` (three attempts
      must fit the deadline).
    * ``retry_storm.breaker`` — a circuit breaker with a failure threshold in
      [5, 95] % and the fallback to the cached stock snapshot that inventory
      publishes for its clients (``breaker_fallback``).

    No contract masks another: all sit at the consume stage of the one hop.
    Canonical episode: jitter and budget. Variants draw the shed share, the
    cart's deadline, inventory's Retry-After and budget cap, and the
    incident clock.
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
from apidebug_nb.scenarios.records import Fault, LogLine

CART, INV = "cart_service", "inventory_service"

CANONICAL = {"shed": 0.3, "deadline_ms": 30000, "retry_after_s": 5, "budget_cap": 20}


def draw_values(rng: random.Random) -> dict[str, Any]:
    return {
        "shed": rng.choice([0.25, 0.3, 0.35, 0.4]),
        "deadline_ms": rng.choice([24000, 30000, 40000]),
        "retry_after_s": rng.choice([3, 4, 5]),
        "budget_cap": rng.choice([10, 15, 20]),
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    deadline, after_s, cap = v["deadline_ms"], v["retry_after_s"], v["budget_cap"]
    # midway between inventory's Retry-After and a quarter of the cart's deadline
    good_max_backoff = (after_s * 1000 + deadline // 4) // 200 * 100
    services = (
        service(
            CART,
            "cart service (ours)",
            True,
            {
                "inventory_url": "http://inventory.internal:8080",
                "deadline_ms": deadline,
                "timeout_ms": 1500,
                "retry": {
                    "max_attempts": 3,
                    "backoff": "exponential",
                    "base_backoff_ms": 200,
                    "max_backoff_ms": good_max_backoff,
                    "jitter": "full",
                    "budget_percent": cap // 2,
                    "after_policy": "honour",
                },
                "breaker": {
                    "failure_threshold_percent": 50,
                    "open_s": 30,
                    "fallback": "cached_stock",
                },
            },
            "Shows stock levels in the cart; asks inventory for every line item.",
        ),
        service(
            INV,
            "inventory service (another team's)",
            False,
            {
                "p99_ms": 900,
                "retry_after_s": after_s,
                "min_backoff_ms": after_s * 1000,
                "retry_jitter": "full",
                "retry_after_policy": "honour",
                "max_retry_budget_percent": cap,
                "breaker_fallback": "cached_stock",
                "status": "recovering after a 41 s stop-the-world GC pause",
            },
            "Stock levels per SKU. Owned by another team: its config is the contract it "
            "publishes for clients.",
        ),
    )
    hop = (CART, INV)
    pool = (
        IssueTemplate(
            make_issue(
                id="retry_storm.jitter",
                service=CART,
                title="Retries without jitter (a synchronised retry storm)",
                category="resilience",
                severity="error",
                check={"in": [f"{CART}.retry.jitter", ["full", "decorrelated"]]},
                fix={"retry": {"jitter": "full"}},
                hop=hop,
                failure="dropped",
                detail=(
                    "gave up after 503 from inventory_service: {cart_service.retry.max_attempts} "
                    "attempts, every client retrying at the same instants "
                    "(jitter={cart_service.retry.jitter})"
                ),
                explanation=(
                    "Inventory stopped for a long GC pause. Every cart request that failed then "
                    "retried after exactly the same backoff, so the retries of thousands of "
                    "clients arrived together in waves and kept inventory above its capacity: "
                    "a retry storm that outlives the pause. Full jitter (a random wait between "
                    "zero and the backoff) spreads the retries out and lets the service recover. "
                    "Next time: check that every retry policy randomises its waits, and look "
                    "for retry waves in the callee's request rate after a blip."
                ),
                hints=(
                    "Shed requests are retried, yet the retries fail too. Look at how the cart "
                    "spaces its retries in time.",
                    f"The setting is {CART}.retry.jitter.",
                    "Each retry must wait a random delay of the kind inventory_service's "
                    "retry_jitter names, so that clients spread out instead of retrying in "
                    "lockstep.",
                ),
            ),
            {"retry": {"jitter": "none"}},
        ),
        IssueTemplate(
            make_issue(
                id="retry_storm.budget",
                service=CART,
                title="No retry budget",
                category="resilience",
                severity="error",
                check={
                    "all": [
                        {"present": f"{CART}.retry.budget_percent"},
                        {"gt": [f"{CART}.retry.budget_percent", 0]},
                        {
                            "le": [
                                f"{CART}.retry.budget_percent",
                                {"ref": f"{INV}.max_retry_budget_percent"},
                            ]
                        },
                    ]
                },
                fix={"retry": {"budget_percent": cap // 2}},
                hop=hop,
                failure="dropped",
                detail=(
                    "gave up after 503 from inventory_service: retries are unbudgeted, so they "
                    "multiplied inventory's load while it was shedding"
                ),
                explanation=(
                    "Without a retry budget, every failed call may be retried up to "
                    "max_attempts times: when a third of the calls fail, the retries add that "
                    "much load again to a service that is already shedding, and the failure "
                    "feeds itself. A budget caps retries at a small percentage of the calls "
                    "(inventory publishes its cap), above zero so transient failures are still "
                    "retried. Next time: bound retries per client, not only per request."
                ),
                hints=(
                    "The cart retries every failure, however many there are. Look at what "
                    "limits the cart's retries as a whole.",
                    f"The setting is {CART}.retry.budget_percent.",
                    "The retry budget must be above zero and at most inventory_service's "
                    "max_retry_budget_percent.",
                ),
            ),
            {"retry": {"budget_percent": None}},
        ),
        IssueTemplate(
            make_issue(
                id="retry_storm.retry_after",
                service=CART,
                title="Retry-After ignored",
                category="resilience",
                severity="error",
                check={
                    "all": [
                        {"eq": [f"{CART}.retry.after_policy", "honour"]},
                        {
                            "ge": [
                                f"{CART}.retry.max_backoff_ms",
                                {"ref": f"{INV}.min_backoff_ms"},
                            ]
                        },
                        {
                            "le": [
                                f"{CART}.retry.max_backoff_ms",
                                {"ref": f"{CART}.deadline_ms", "factor": 0.25},
                            ]
                        },
                    ]
                },
                fix={"retry": {"after_policy": "honour", "max_backoff_ms": good_max_backoff}},
                hop=hop,
                failure="dropped",
                detail=(
                    "gave up after 503 from inventory_service: Retry-After "
                    "{inventory_service.retry_after_s}s ignored "
                    "(after_policy={cart_service.retry.after_policy}, longest wait "
                    "{cart_service.retry.max_backoff_ms} ms)"
                ),
                explanation=(
                    "Inventory's 503 answers carry Retry-After: the earliest moment a retry can "
                    "succeed. The cart ignored it and retried sooner, after at most "
                    "max_backoff_ms, so each retry hit the same shedding and was wasted. A "
                    "client must wait at least Retry-After, and its longest wait must still "
                    "leave room for all attempts inside its own deadline. Next time: read "
                    "Retry-After (seconds or an HTTP date) on 429 and 503, and cap the wait by "
                    "the caller's deadline."
                ),
                hints=(
                    "Inventory tells the cart when to come back, and the cart comes back "
                    "earlier. Compare the 503 answers' headers with the cart's retry waits.",
                    f"The settings are {CART}.retry.after_policy and {CART}.retry.max_backoff_ms.",
                    "The cart must treat the Retry-After header as inventory_service's "
                    "retry_after_policy asks, and its longest backoff must be at least "
                    "inventory_service's min_backoff_ms and at most a quarter of the cart's own "
                    "deadline_ms.",
                ),
            ),
            {"retry": {"after_policy": "ignore", "max_backoff_ms": 1000}},
        ),
        IssueTemplate(
            make_issue(
                id="retry_storm.breaker",
                service=CART,
                title="No circuit breaker or fallback while inventory is down",
                category="resilience",
                severity="critical",
                check={
                    "all": [
                        {"eq": [f"{CART}.breaker.fallback", "cached_stock"]},
                        {"ge": [f"{CART}.breaker.failure_threshold_percent", 5]},
                        {"le": [f"{CART}.breaker.failure_threshold_percent", 95]},
                    ]
                },
                fix={"breaker": {"fallback": "cached_stock", "failure_threshold_percent": 50}},
                hop=hop,
                failure="dropped",
                detail=(
                    "gave up after 503 from inventory_service: no circuit breaker, no fallback "
                    "(fallback={cart_service.breaker.fallback}); the cart page fails with it"
                ),
                explanation=(
                    "Inventory is failing on its own side, and nobody on your team can fix it at "
                    "the source. What you own is the cart's behaviour while it fails: a circuit "
                    "breaker that stops calling after a sane share of failures (not 0 %, not "
                    "never), and a fallback that serves the last known stock so the cart page "
                    "still works. Then tell inventory's owners. Next time: decide first whether "
                    "the fault is yours or the callee's; for a callee's outage, mitigate and "
                    "escalate rather than edit a contract you do not own."
                ),
                hints=(
                    "Inventory fails on its side and the cart fails with it. Look at what the "
                    "cart does while a dependency is down.",
                    f"The settings are under {CART}.breaker.",
                    "The breaker needs a failure threshold between 5 and 95 percent and the "
                    "fallback inventory_service's breaker_fallback names.",
                ),
            ),
            {"breaker": {"fallback": "none", "failure_threshold_percent": 0}},
        ),
    )

    def base_logs(cfg: Mapping[str, Mapping[str, Any]]) -> list[LogLine]:
        c, i = cfg[CART], cfg[INV]
        r, b = c["retry"], c["breaker"]
        budget = r.get("budget_percent")
        threshold = b["failure_threshold_percent"]
        return [
            LogLine(CART, -1200, "INFO", "cart service 5.2.0 starting"),
            LogLine(
                CART,
                -1199,
                "INFO",
                f"inventory={c['inventory_url']} deadline={c['deadline_ms']}ms "
                f"timeout={c['timeout_ms']}ms",
            ),
            LogLine(
                CART,
                -1198,
                "INFO",
                f"retry: attempts={r['max_attempts']} backoff={r['backoff']} "
                f"base={r['base_backoff_ms']}ms max={r['max_backoff_ms']}ms jitter={r['jitter']} "
                f"budget={'unbounded' if budget is None else f'{budget}%'} "
                f"after_policy={r['after_policy']}",
            ),
            LogLine(
                CART,
                -1197,
                "INFO",
                f"breaker: threshold={threshold}% open={b['open_s']}s fallback={b['fallback']}",
            ),
            LogLine(INV, -300, "WARN", "GC pause: 41,208 ms stop-the-world (old generation)"),
            LogLine(
                INV,
                -240,
                "INFO",
                f"load shedding on: answering 503 with Retry-After {i['retry_after_s']}s "
                "while the queue drains",
            ),
        ]

    flows = (flow("GET /stock", CART, 40, (CART, INV, "GET", "/stock")),)
    # Inventory's shedding is a fault of its own: it fails a fixed share whatever the cart does.
    faults = (Fault(hop, "overloaded", v["shed"]),)
    return TaskParts(services, (hop,), pool, base_logs, flows, faults)


SPEC = TaskSpec(
    id="retry_storm",
    title="Retry storm after a GC pause",
    description=(
        "Cart pages show errors long after inventory's GC pause ended. The cart (yours) "
        "calls inventory (another team's), which is shedding load. Make the cart survive "
        "it; inventory itself is not yours to fix."
    ),
    max_steps=20,
    per_episode=2,
    canonical_values=CANONICAL,
    draw_values=draw_values,
    build=build,
    level="intermediate",
    skills=(
        "partial failures",
        "retry jitter, budgets and Retry-After",
        "circuit breaker and fallback",
        "client-side mitigation of a callee's fault",
    ),
)
