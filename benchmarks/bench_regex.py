"""Rule regexes: RE2 (linear time, what ``matches`` rules use) against Python's ``re``.

The choice between a linear-time engine and a restricted, validated ``re``
syntax was made on these figures: ``re`` needs seconds for ``^(a+)+$`` on a
few dozen characters (and doubles with each one more), RE2 stays under a
millisecond on a million; RE2 costs more per typical match (the binding
encodes the text to UTF-8), but a check runs once per fix.
"""

from __future__ import annotations

import re
import time
from typing import Any

AREA = "regex"
PATTERNS = (
    r"https://.*/v2",
    r"^https://",
    r"[a-z0-9._-]+\.internal:\d+",
    r"Bearer [A-Za-z0-9._~+/-]+=*",
    r"application/json(;\s*charset=utf-8)?",
)
TEXTS = (
    "https://api.example.com/v2",
    "https://x",
    "orders.internal:8443",
    "Bearer abc.def",
    "application/json; charset=utf-8",
)
EVIL = r"^(a+)+$"


def _per_match_us(compile_: Any, repeats: int) -> float:
    compiled = [compile_(p) for p in PATTERNS]
    start = time.perf_counter()
    for _ in range(repeats):
        for c, text in zip(compiled, TEXTS, strict=True):
            c.fullmatch(text)
    return (time.perf_counter() - start) / (repeats * len(PATTERNS)) * 1e6


def run(quick: bool) -> list[dict[str, Any]]:
    import re2

    from apidebug_nb.model.rules import _regex

    repeats = 500 if quick else 20_000
    n_re = 18 if quick else 24  # each extra character doubles re's time
    evil_text = "a" * n_re + "b"
    start = time.perf_counter()
    re.fullmatch(EVIL, evil_text)
    re_ms = (time.perf_counter() - start) * 1e3
    long_text = "a" * 1_000_000 + "b"
    start = time.perf_counter()
    _regex(EVIL).fullmatch(long_text)
    re2_ms = (time.perf_counter() - start) * 1e3
    return [
        {
            "area": AREA,
            "name": f"re: {EVIL} on {n_re} a's and a b",
            "value": round(re_ms, 2),
            "unit": "ms",
            "note": "backtracking: doubles with every further character",
        },
        {
            "area": AREA,
            "name": f"RE2: {EVIL} on 1,000,000 a's and a b",
            "value": round(re2_ms, 2),
            "unit": "ms",
            "target": 50.0,
            "better": "lower",
            "note": "linear time: what matches rules use",
        },
        {
            "area": AREA,
            "name": "re: typical full match",
            "value": round(_per_match_us(re.compile, repeats), 2),
            "unit": "us",
        },
        {
            "area": AREA,
            "name": "RE2: typical full match",
            "value": round(_per_match_us(re2.compile, repeats), 2),
            "unit": "us",
            "target": 100.0,
            "better": "lower",
        },
    ]
