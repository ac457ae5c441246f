"""Task ``dns_ttl``: a vendor fails over to another region; our DNS cache does not notice.

Spec:
    Services: ``checkout_api`` (ours, editable) -> ``fraud_scoring`` (a
    vendor's, not editable; its config is the contract).
    One flow, ``POST /score`` (40 requests a step).

    The vendor moved its service to another region and changed its DNS
    record, published with a short TTL. Our client keeps the old address
    long past that TTL, so requests time out connecting to a region that is
    gone. Both failures happen at the send stage (the client's own DNS
    cache and connection pool): no status, only a connect error. Pool of 3
    contracts, 2 per episode, 15 steps:

    * ``dns_ttl.cache`` — the client's DNS cache must honour each record's
      own TTL (the ``dns_ttl_policy`` the vendor asks of clients), not a
      fixed override; an override of a day fails every request. A shorter
      override is still an override: it is not accepted as the fix.
    * ``dns_ttl.pool`` — pooled keep-alive connections must be recycled
      within the vendor's ``connection_drain_s`` and live at least a second
      (a younger limit defeats keep-alive; 0 meant forever); until then the
      share of requests sent on old connections still goes to the old region.
    * ``dns_ttl.regional_host`` — the client must call the vendor's global
      ``base_url``, not the failed region's own host name (which the vendor
      retired): no TTL helps a name that only ever points at one region.

    The stale cache fails every request first (send stage), so it masks the
    others: the pooled connections' failures and the regional host's refused
    connections appear only once the cache honours the TTL.
    Variants draw the TTL, the drain time, the share of pooled requests, the
    vendor's API path and the incident clock.
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

CLIENT, VENDOR = "checkout_api", "fraud_scoring"
HOST = "score.fraudco.example"
REGIONAL_HOST = "score.eu-west-1.fraudco.example"
API_PATHS = ["/v1", "/v2", "/api/v2"]

CANONICAL = {"ttl_s": 60, "drain_s": 300, "pooled": 0.3, "api_path": "/v1"}


def draw_values(rng: random.Random) -> dict[str, Any]:
    return {
        "ttl_s": rng.choice([30, 60, 120]),
        "drain_s": rng.choice([180, 300, 600]),
        "pooled": rng.choice([0.2, 0.3, 0.4]),
        "api_path": rng.choice(API_PATHS),
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    ttl, drain = v["ttl_s"], v["drain_s"]
    url = f"https://{HOST}{v['api_path']}"
    regional_url = f"https://{REGIONAL_HOST}{v['api_path']}"
    services = (
        service(
            CLIENT,
            "checkout API (ours)",
            True,
            {
                "fraud_url": url,
                "timeout_s": 3,
                "dns": {"resolver": "10.0.0.2", "ttl_policy": "record"},
                "http_pool": {"max_connections": 50, "max_connection_age_ms": drain * 500},
            },
            "Takes orders at checkout; scores each one for fraud with the vendor first.",
        ),
        service(
            VENDOR,
            "fraud scoring API (vendor, external)",
            False,
            {
                "base_url": url,
                "retired_base_urls": [regional_url],
                "hostname": HOST,
                "dns_ttl_s": ttl,
                "dns_ttl_policy": "record",
                "active_region": "eu-central-1",
                "failed_over_from": "eu-west-1",
                "connection_drain_s": drain,
                "max_processing_ms": 800,
            },
            "The vendor's scoring API. Not yours: its config is the contract.",
        ),
    )
    hop = (CLIENT, VENDOR)
    pool = (
        IssueTemplate(
            make_issue(
                id="dns_ttl.cache",
                service=CLIENT,
                title="DNS answers cached far past their TTL",
                category="networking",
                severity="critical",
                check={"eq": [f"{CLIENT}.dns.ttl_policy", {"ref": f"{VENDOR}.dns_ttl_policy"}]},
                fix={"dns": {"ttl_policy": "record"}},
                hop=hop,
                failure="dns_stale",
                detail=(
                    "connect: dial tcp 10.41.7.23:443 (eu-west-1): i/o timeout; address cached "
                    "for {checkout_api.dns.override_ttl_s}s (ttl_policy={checkout_api.dns.ttl_policy})"
                ),
                explanation=(
                    "The vendor failed over to another region by changing its DNS record, "
                    "published with a short TTL so that clients follow within a minute or two. "
                    "The checkout API overrode the TTL and kept the old address for a day, so "
                    "every request timed out connecting to a region that no longer serves. "
                    "Caching a DNS answer longer than its TTL breaks the provider's failover, "
                    "and a shorter fixed override only guesses at it: the record's own TTL is "
                    "the contract. "
                    "Next time: when connects time out to one address, resolve the name again "
                    "and compare; never pin DNS longer than the record's TTL."
                ),
                hints=(
                    "Every request times out while connecting, before any HTTP answer. Compare "
                    "the address the client uses with where the vendor serves now.",
                    f"The setting is {CLIENT}.dns.ttl_policy.",
                    "The DNS cache must follow the fraud_scoring dns_ttl_policy: each answer "
                    "kept only as long as its own TTL allows, never a fixed override.",
                ),
            ),
            {"dns": {"ttl_policy": "override", "override_ttl_s": 86400}},
        ),
        IssueTemplate(
            make_issue(
                id="dns_ttl.pool",
                service=CLIENT,
                title="Pooled connections outlive the failover",
                category="networking",
                severity="error",
                check={
                    "all": [
                        {"ge": [f"{CLIENT}.http_pool.max_connection_age_ms", 1000]},
                        {
                            "le": [
                                f"{CLIENT}.http_pool.max_connection_age_ms",
                                {"ref": f"{VENDOR}.connection_drain_s", "factor": 1000},
                            ]
                        },
                    ]
                },
                fix={"http_pool": {"max_connection_age_ms": drain * 500}},
                hop=hop,
                failure="stale_connection",
                share={"fixed": v["pooled"]},
                detail=(
                    "connect: i/o timeout on a pooled connection to 10.41.7.23 (eu-west-1), "
                    "opened before the failover; max_connection_age_ms="
                    "{checkout_api.http_pool.max_connection_age_ms}"
                ),
                explanation=(
                    "Even with fresh DNS answers, the client reused keep-alive connections "
                    "opened to the old region before the failover; with no maximum age (0 "
                    "meant forever) they were never re-resolved. Recycling connections within "
                    "the vendor's drain time makes every connection follow DNS. This was masked "
                    "while the DNS cache failed every request. Next time: a connection pool is "
                    "a second DNS cache; bound connection age as well as DNS TTL."
                ),
                hints=(
                    "A share of requests still times out connecting to the old address, although "
                    "name lookups are fresh. Look at how long the client keeps connections.",
                    f"The setting is {CLIENT}.http_pool.max_connection_age_ms.",
                    "The connection age (ms) must be at least a second and at most the "
                    "fraud_scoring connection_drain_s, converted to milliseconds.",
                ),
            ),
            {"http_pool": {"max_connection_age_ms": 0}},
        ),
        IssueTemplate(
            make_issue(
                id="dns_ttl.regional_host",
                service=CLIENT,
                title="Client pinned to the failed region's host name",
                category="configuration",
                severity="critical",
                check={"eq": [f"{CLIENT}.fraud_url", {"ref": f"{VENDOR}.base_url"}]},
                fix={"fraud_url": url},
                hop=hop,
                failure="connect_refused",
                detail=(
                    "connect: dial tcp 10.41.7.23:443: connection refused "
                    "({checkout_api.fraud_url} names the failed region itself)"
                ),
                explanation=(
                    "Someone had pointed the client at the region-specific host name to shave "
                    "a hop. That name only ever resolves to one region, so when the vendor "
                    "failed over, no TTL could move the client: every connection was refused "
                    "by the dead region. The global name is the one the vendor moves between "
                    "regions. This was masked while the stale DNS cache failed every request "
                    "first. Next time: call the provider's documented endpoint, never a "
                    "regional or internal name of its deployment."
                ),
                hints=(
                    "Names now resolve afresh, yet connections to the vendor are refused. "
                    "Compare the host the client calls with the vendor's documented one.",
                    f"The setting is {CLIENT}.fraud_url.",
                    "The URL must be the fraud_scoring base_url, not one it has retired.",
                ),
            ),
            {"fraud_url": regional_url},
        ),
    )

    def base_logs(cfg: Mapping[str, Mapping[str, Any]]) -> list[LogLine]:
        c, f = cfg[CLIENT], cfg[VENDOR]
        return [
            LogLine(CLIENT, -4000, "INFO", "checkout api 12.4.2 starting"),
            LogLine(
                CLIENT,
                -3999,
                "INFO",
                f"fraud={c['fraud_url']} timeout={c['timeout_s']}s "
                f"dns_ttl_policy={c['dns']['ttl_policy']}"
                + (f" ({c['dns']['override_ttl_s']}s)" if "override_ttl_s" in c["dns"] else "")
                + f" pool_max_age={c['http_pool']['max_connection_age_ms']}ms",
            ),
            LogLine(CLIENT, -3998, "INFO", f"resolved {HOST} -> 10.41.7.23 (eu-west-1)"),
            LogLine(
                VENDOR,
                -600,
                "WARN",
                f"regional failover: {f['failed_over_from']} -> {f['active_region']}; "
                f"{HOST} now 10.87.2.14, TTL {f['dns_ttl_s']}s",
            ),
        ]

    flows = (flow("POST /score", CLIENT, 40, (CLIENT, VENDOR, "POST", "/score")),)
    return TaskParts(services, (hop,), pool, base_logs, flows)


SPEC = TaskSpec(
    id="dns_ttl",
    title="DNS cached past its TTL",
    description=(
        "Checkout stalls: calls to the fraud-scoring vendor time out while connecting. "
        "The vendor failed over to another region ten minutes ago. The checkout API is "
        "yours; the vendor is not."
    ),
    max_steps=15,
    per_episode=2,
    canonical_values=CANONICAL,
    draw_values=draw_values,
    build=build,
    level="intermediate",
    skills=(
        "connect timeouts without a status",
        "DNS TTLs and failover",
        "connection pools as a hidden cache",
        "masking",
    ),
)
