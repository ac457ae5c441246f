"""The browser benchmark keeps up with the dashboard: it plays the whole reference solution.

The benchmark runs outside pytest (``python -m benchmarks``), so nothing else
notices when a change to the dashboard or to the reference solution breaks it.
Here it runs in the browser tests' Chromium; its speed is not asserted.
"""

from __future__ import annotations

import math
import re

import pytest

import apidebug_nb as adb
from benchmarks import bench_browser

pytestmark = pytest.mark.e2e


def test_the_browser_benchmark_times_one_click_per_reference_action(browser):
    rows = bench_browser.measure(browser)
    assert len(rows) == 1
    row = rows[0]
    actions = adb.oracle_actions(adb.load_scenario("hard"))
    assert len(actions) == 13  # 5 log looks, 3 config looks, 5 fixes
    assert math.isfinite(row["value"]) and row["value"] > 0
    assert re.match(
        r"median of 13 clicks \(reference solution\); inspect_logs .* \(5\), "
        r"inspect_config .* \(3\), submit_fix .* \(5\);",
        row["note"],
    ), row["note"]
