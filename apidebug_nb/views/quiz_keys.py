"""The answer keys of the notebooks' self-checks, kept out of the cells learners read.

One entry per lesson (the notebook's file stem): question id -> {option letter:
(is it correct, why)}. The questions themselves are in the notebooks;
:meth:`apidebug_nb.views.lab.Quiz.for_lesson` turns an entry into feedback.
"""

from __future__ import annotations

QUIZZES: dict[str, dict[str, dict[str, tuple[bool, str]]]] = {
    "00_start_here": {
        "Q1": {
            "A": (
                False,
                "A wrong URL or retired version answers 404 or 410; 401 means the "
                "callee did not accept who you are.",
            ),
            "B": (
                True,
                "401 means missing, malformed or invalid credentials: compare the "
                "header and scheme you send with what the callee documents.",
            ),
            "C": (
                False,
                "A timeout shows up as the caller giving up ('timed out'), not as "
                "an answer from the callee.",
            ),
        },
        "Q2": {
            "A": (
                False,
                "An external service's config is its contract: you cannot change "
                "it, and the fix must be on your side.",
            ),
            "B": (True, "The caller adapts to the callee's published limit."),
            "C": (
                False,
                "Only the caller's side is yours; the vendor's limit is the "
                "contract you must meet.",
            ),
        },
        "Q3": {
            "A": (
                False,
                "A merge patch merges objects key by key; only a null value would "
                "delete max_retries.",
            ),
            "B": (True, "Objects merge: backoff_s is replaced, max_retries stays."),
            "C": (
                False,
                "The patch is a well-formed JSON object naming an existing block, "
                "so it is applied.",
            ),
        },
    },
    "01_easy_payment_gateway": {
        "Q1": {
            "A": (
                False,
                "The gateway finishes within its published maximum; it "
                "is the caller that stopped waiting.",
            ),
            "B": (
                True,
                "The caller gave up although the provider finished: its "
                "timeout must cover the provider's worst case.",
            ),
            "C": (
                False,
                "Both sides logged the same request id and the gateway "
                "completed it, so the network delivered it.",
            ),
        },
        "Q2": {
            "A": (
                False,
                "30000 ms is 30 s, but a timeout equal to the worst case leaves no margin: "
                "the slowest payments would still be abandoned.",
            ),
            "B": (
                True,
                "40 s covers the 30 s worst case with a margin of a fifth and more, and "
                "three attempts of 40 s still fit the 120 s deadline.",
            ),
            "C": (
                False,
                "The client's timeout is in seconds: 30000 s is over "
                "eight hours, breaks the deadline and hides real outages.",
            ),
        },
        "Q3": {
            "A": (
                False,
                "The 401 fix is right: the 415 was hidden behind it all "
                "along, and undoing the fix would hide it again.",
            ),
            "B": (False, "The evidence already points at the body's label; a hint costs score."),
            "C": (
                True,
                "A 415 names the media type: compare the header with accepted_content_types.",
            ),
        },
    },
    "02_medium_webhook_chain": {
        "Q1": {
            "A": (
                False,
                "It is not yours, and nothing is wrong with it: it gets "
                "no events because they are refused before they reach "
                "it.",
            ),
            "B": (
                True,
                "A service starved of traffic by a failure in front of "
                "it shows degraded; it heals when that failure is "
                "fixed.",
            ),
            "C": (
                False,
                "It is not yours, and the chain is right: the events "
                "stop at the receiver's signature check.",
            ),
        },
        "Q2": {
            "A": (
                True,
                "A request stops at the first check it fails: while "
                "every event gets 401, none reaches the rate limit, and "
                "none gets a 429 or 503 to retry.",
            ),
            "B": (
                False,
                "Nothing here depends on the time of day; the clock only orders the log lines.",
            ),
            "C": (
                False,
                "The receiver's logs were readable all along; the 429s "
                "and dropped events simply did not exist yet.",
            ),
        },
        "Q3": {
            "A": (
                False,
                "A problem's state is derived from the current config: "
                "40/s is above the limit again.",
            ),
            "B": (
                True,
                "The rate contract fails again, so the problem reopens "
                "and the message reports a regression.",
            ),
            "C": (
                False,
                "The sender is yours, so the change is applied; it just breaks the contract again.",
            ),
        },
    },
    "03_hard_order_pipeline": {
        "Q1": {
            "A": (False, "60 s before expiry is later than the auth service's minimum of 120 s."),
            "B": (
                True,
                "Refresh must be on and start at least min_refresh_before_expiry_s before expiry.",
            ),
            "C": (
                False,
                "A timeout bounds one request; it does nothing about a token running out.",
            ),
        },
        "Q2": {
            "A": (False, "Shipping is not yours, and its supported modes are the contract."),
            "B": (
                True,
                "Inventory dispatches synchronously, which shipping does "
                "not support: switch it to a supported mode.",
            ),
            "C": (
                False,
                "The refusal happens between inventory and shipping, "
                "behind the gateway; the 502 is only relayed.",
            ),
        },
        "Q3": {
            "A": (
                True,
                "A request stops at the first check it fails: refused at "
                "the route, none reaches the point where it could time "
                "out.",
            ),
            "B": (
                False,
                "Fixes are order-independent for the fix dimension; order "
                "matters for seeing evidence (and for strategy).",
            ),
            "C": (
                False,
                "Any well-formed fix on a service you own is applied; it "
                "just cannot be confirmed yet.",
            ),
        },
    },
    "04_grading_and_agents": {
        "Q1": {
            "A": (False, "Process credit is multiplied by the fix result, which is 0 here."),
            "B": (
                True,
                "No fix, no credit: looking is only worth something when it leads to a fix.",
            ),
            "C": (False, "0.40 is the weight of fix, and fix is 0."),
        },
        "Q2": {
            "A": (False, "The weights already sum to 1; the product is about gating, not scale."),
            "B": (
                True,
                "A methodical process that fixes nothing should not "
                "outscore a messy one that fixes everything.",
            ),
            "C": (
                False,
                "All dimensions are in [0, 1]; the product gates process credit by results.",
            ),
        },
        "Q3": {
            "A": (False, "A claim is just a number in a file; anyone can edit it."),
            "B": (True, "Grades come from replaying the actions, never from the claim."),
            "C": (
                False,
                "A mismatch means the claim is wrong (or edited); only the replay counts.",
            ),
        },
    },
    "05_instructor_guide": {
        "Q1": {
            "A": (
                False,
                "A syntax error is reported by the parser, with its line; "
                "this one is about the rules.",
            ),
            "B": (
                True,
                "An issue whose check already holds is resolved at reset: validation refuses it.",
            ),
            "C": (False, "Leaking hints get their own error naming the hint level."),
        },
        "Q2": {
            "A": (False, "Convenience is a bonus; the point is reproducibility."),
            "B": (
                True,
                "The transcript names task and seed, so replay rebuilds exactly that variant.",
            ),
            "C": (
                False,
                "Custom scenarios are graded too: their transcript carries "
                "the full data and a content hash.",
            ),
        },
        "Q3": {
            "A": (
                True,
                "verify replays the actions and compares; it says nothing about who took them.",
            ),
            "B": (False, "No transcript can prove that; it records actions, not people."),
            "C": (
                False,
                "Hints are actions in the transcript and count in the grade, "
                "but verify does not forbid them.",
            ),
        },
    },
}
