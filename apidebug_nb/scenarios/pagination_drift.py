"""Task ``pagination_drift``: offset pagination over a list that changes while it is read.

Spec:
    Services: ``reconciler`` (ours, editable: a reconciliation job) ->
    ``ledger_api`` (another team's, not editable; its config is the contract).
    One flow, ``GET /transactions`` (24 page requests a step).

    Every request answers ``200``: nothing fails on the wire. The evidence
    is in the reconciliation job's own log, where its counts disagree with
    the ledger's (a wrong outcome at the consume stage, noticed by the
    caller). Pool of 3 contracts, 2 per episode, 15 steps:

    * ``pagination_drift.cursor`` — the job must page with the cursor mode
      the ledger names (``pagination_mode``): with offsets, rows inserted at
      the head while the job reads shift every later page, so a share of
      pages skip or repeat rows.
    * ``pagination_drift.end_of_list`` — the job must stop when the ledger
      says the list has ended (the ``pagination_end_when`` it names), not
      after a page count it computed: the ledger clamps pages above its
      ``max_page_size`` silently, so a computed count stops before the end.
    * ``pagination_drift.sort_key`` — the cursor must be on the unique sort
      key the ledger names (``pagination_sort_key``): rows that share a
      timestamp at a page boundary are skipped by a cursor on the
      timestamp alone.

    None masks another: all act on answers that arrived. Variants draw
    the ledger's page cap, its unique sort key, the share of pages hit by
    inserts and the clock.
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

JOB, LEDGER = "reconciler", "ledger_api"

SORT_KEYS = ["created_at,id", "posted_at,id", "created_at,transaction_id"]

CANONICAL = {"max_page": 500, "shifted": 0.25, "sort_key": SORT_KEYS[0]}


def draw_values(rng: random.Random) -> dict[str, Any]:
    return {
        "max_page": rng.choice([250, 500, 1000]),
        "shifted": rng.choice([0.2, 0.25, 0.3]),
        "sort_key": rng.choice(SORT_KEYS),
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    cap, sort_key = v["max_page"], v["sort_key"]
    good_page = cap * 2 // 5
    services = (
        service(
            JOB,
            "reconciliation job (ours)",
            True,
            {
                "ledger_url": "http://ledger.internal/api",
                "schedule": "every 15 minutes",
                "pagination": {
                    "mode": "cursor",
                    "page_size": good_page,
                    "end_when": "no_next_page",
                    "sort_key": sort_key,
                },
                "compare_with": "payments warehouse",
            },
            "Compares the ledger's transactions with the payments warehouse, page by page.",
        ),
        service(
            LEDGER,
            "ledger API (another team's)",
            False,
            {
                "pagination_mode": "cursor",
                "pagination_end_when": "no_next_page",
                "pagination_sort_key": sort_key,
                "supported_modes": ["cursor", "offset"],
                "max_page_size": cap,
                "ordering": "newest first",
                "writes_per_s": 35,
            },
            "The company ledger. Not yours: its config is the contract.",
        ),
    )
    hop = (JOB, LEDGER)
    pool = (
        IssueTemplate(
            make_issue(
                id="pagination_drift.cursor",
                service=JOB,
                title="Offset paging under concurrent inserts",
                category="protocol",
                severity="error",
                check={"eq": [f"{JOB}.pagination.mode", {"ref": f"{LEDGER}.pagination_mode"}]},
                fix={"pagination": {"mode": "cursor"}},
                hop=hop,
                failure="pagination_drift",
                share={"fixed": v["shifted"]},
                detail=(
                    "reconciliation mismatch: page shifted by rows inserted while paging "
                    "(mode={reconciler.pagination.mode}); rows skipped or counted twice"
                ),
                explanation=(
                    "The ledger lists newest first and takes dozens of writes a second. With "
                    "offset paging, every row inserted while the job reads pushes the rest of "
                    "the list down, so the next page starts at the wrong row: some rows are "
                    "skipped, some counted twice, and every request still answers 200. A "
                    "cursor names the last row seen, so inserts cannot shift it. Next time: "
                    "when counts are off but nothing errors, check how the data was paged, "
                    "and never page with offsets over a list that changes."
                ),
                hints=(
                    "Nothing fails, yet the job's counts disagree with the ledger. Read the "
                    "reconciliation job's own log and look at how it walks the list.",
                    f"The setting is {JOB}.pagination.mode.",
                    "The pagination mode must be the one ledger_api's pagination_mode names, "
                    "which inserts cannot shift.",
                ),
            ),
            {"pagination": {"mode": "offset"}},
        ),
        IssueTemplate(
            make_issue(
                id="pagination_drift.end_of_list",
                service=JOB,
                title="Paging stops after a computed page count",
                category="protocol",
                severity="warning",
                check={
                    "eq": [
                        f"{JOB}.pagination.end_when",
                        {"ref": f"{LEDGER}.pagination_end_when"},
                    ]
                },
                fix={"pagination": {"end_when": "no_next_page"}},
                hop=hop,
                failure="pagination_drift",
                share={"fixed": 0.125},
                detail=(
                    "reconciliation mismatch: asked for {reconciler.pagination.page_size} rows, "
                    "got {ledger_api.max_page_size}; stopped after a computed page count "
                    "(end_when={reconciler.pagination.end_when}) before the end of the list"
                ),
                explanation=(
                    "The job asked for pages larger than the ledger's max_page_size and "
                    "computed how many pages to read from the total. The ledger clamps large "
                    "pages silently, so the pages were shorter than planned and the job stopped "
                    "before the end of the list: the last transactions were never compared. "
                    "Only the provider knows where its list ends. Next time: stop paging when "
                    "the provider says there is no next page, and keep page sizes within its "
                    "cap."
                ),
                hints=(
                    "The job finishes early and misses the newest rows, without an error. "
                    "Compare the page size it asks for with what the ledger returns.",
                    f"The setting is {JOB}.pagination.end_when.",
                    "The job must stop where the ledger_api pagination_end_when says the list "
                    "ends, not after a count it computed itself.",
                ),
            ),
            {"pagination": {"page_size": cap * 4, "end_when": "computed_count"}},
        ),
        IssueTemplate(
            make_issue(
                id="pagination_drift.sort_key",
                service=JOB,
                title="Cursor on a sort key that is not unique",
                category="protocol",
                severity="warning",
                check={
                    "eq": [f"{JOB}.pagination.sort_key", {"ref": f"{LEDGER}.pagination_sort_key"}]
                },
                fix={"pagination": {"sort_key": sort_key}},
                hop=hop,
                failure="pagination_drift",
                share={"fixed": 0.1},
                detail=(
                    "reconciliation mismatch: rows sharing a sort value at a page boundary were "
                    "skipped (cursor on {reconciler.pagination.sort_key})"
                ),
                explanation=(
                    "A cursor says 'give me what comes after this row'. On created_at alone, "
                    "several rows written in the same millisecond share the cursor's value, "
                    "and those after the page boundary were skipped. A cursor must be on a "
                    "unique key, here the timestamp with the id as a tie-breaker, as the ledger "
                    "documents. Next time: check that a cursor's sort key is unique, and test "
                    "paging with ties at the boundary."
                ),
                hints=(
                    "A few rows are missing from every run, always where two pages meet. Look "
                    "at what the job's cursor is ordered by.",
                    f"The setting is {JOB}.pagination.sort_key.",
                    "The cursor must be ordered by the key ledger_api's pagination_sort_key "
                    "names, which is unique.",
                ),
            ),
            {"pagination": {"sort_key": sort_key.split(",")[0]}},
        ),
    )

    def base_logs(cfg: Mapping[str, Mapping[str, Any]]) -> list[LogLine]:
        j, led = cfg[JOB], cfg[LEDGER]
        p = j["pagination"]
        return [
            LogLine(JOB, -60, "INFO", "reconciler 1.9.3: run started (every 15 minutes)"),
            LogLine(
                JOB,
                -59,
                "INFO",
                f"ledger={j['ledger_url']} paging mode={p['mode']} page_size={p['page_size']} "
                f"sort={p['sort_key']} stop={p['end_when']}",
            ),
            LogLine(
                LEDGER,
                -3600,
                "INFO",
                f"serving transactions {led['ordering']}; max page {led['max_page_size']} rows",
            ),
        ]

    flows = (flow("GET /transactions", JOB, 24, (JOB, LEDGER, "GET", "/transactions")),)
    return TaskParts(services, (hop,), pool, base_logs, flows)


SPEC = TaskSpec(
    id="pagination_drift",
    title="Offset pagination over a changing list",
    description=(
        "Finance says the nightly reconciliation is off by a few transactions, yet no "
        "request fails. The reconciliation job (yours) pages through the ledger API "
        "(another team's)."
    ),
    max_steps=15,
    per_episode=2,
    canonical_values=CANONICAL,
    draw_values=draw_values,
    build=build,
    level="intermediate",
    skills=(
        "wrong outcomes behind 200 OK",
        "offset vs cursor pagination",
        "reading a caller's own log",
    ),
)
