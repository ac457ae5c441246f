"""Browser responsiveness: a click in JupyterLab until the dashboard's DOM shows its result.

A real JupyterLab (private settings, temporary root) and headless Chromium,
as in the browser tests (``tests/e2e``). The workload is the canonical hard
task's reference solution, one click per action: "Inspect logs", "Inspect
config" and "Submit fix". Picking the service and typing the patch are not
timed. For each click the page records the click event's time stamp and
watches the dashboard until everything the click changes is on screen: the
header shows the new step, the log viewer shows the new caption (log
inspections), the config panel shows the service's config as of this step
(config inspections), and the graph image has been
replaced whenever the model says its picture changed (the old ``<img>`` is
marked stale first: the kernel keeps the old picture until the new one
arrives). The last click also waits for the grade panel. Quick mode starts no
servers and returns a skipped row.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import apidebug_nb as adb

AREA = "browser"
#: The dashboard button each action kind of the reference solution is played with.
BUTTONS = {"inspect_logs": "logs", "inspect_config": "config", "submit_fix": "submit"}
NAME = "click to updated DOM (hard, JupyterLab)"
TARGET_MS = 250.0
ROOT = Path(__file__).resolve().parents[1]
E2E = ROOT / "tests" / "e2e"

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": 'import apidebug_nb as adb\n\ndash = adb.Dashboard("hard")\ndash',
        }
    ],
    "metadata": {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        }
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}

#: Arms one measurement: the next ``click`` starts the clock; done when every expectation holds.
ARM_JS = """({header, logs, config, oldSrc, finish}) => {
  const root = document.querySelector('.adb-dashboard');
  // The graph is an HTML widget holding an <img>: each new picture is a new element.
  const img = () => root.querySelector('.adb-graph img');
  img().dataset.stale = 'true';
  const text = css => { const el = root.querySelector(css); return el ? el.textContent : ''; };
  const finishShown = () => {
    const panel = root.querySelector('.adb-finish');
    const chart = root.querySelector('img.adb-grade-chart');
    return panel && getComputedStyle(panel).display !== 'none' && chart && chart.src !== '';
  };
  const done = () => text('.adb-header').includes(header)
    && (logs === null || text('.adb-logs').includes(logs))
    && (config === null || text('.adb-config').includes(config))
    && (oldSrc === null || img().src !== oldSrc)
    && (!finish || finishShown());
  window.__adbLatency = new Promise((resolve, reject) => {
    let start = null;
    const observer = new MutationObserver(() => {
      if (start !== null && done()) {
        observer.disconnect();
        resolve(performance.now() - start);
      }
    });
    document.addEventListener('click', event => {
      start = event.timeStamp;
      observer.observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
    }, {capture: true, once: true});
    setTimeout(() => reject(new Error('the dashboard did not update within 60 s')), 60000);
  });
}"""


def skipped(note: str) -> list[dict[str, Any]]:
    return [
        {
            "area": AREA,
            "name": NAME,
            "value": None,
            "unit": "ms",
            "target": TARGET_MS,
            "better": "lower",
            "status": "skipped",
            "note": note,
        }
    ]


def _e2e_servers():
    """The browser tests' server helpers (``tests/e2e`` goes on the path, for its pages too)."""
    if str(E2E) not in sys.path:
        sys.path.insert(0, str(E2E))
    import e2e_servers

    return e2e_servers


def run(quick: bool = False) -> list[dict[str, Any]]:
    if quick:
        return skipped("quick mode starts no JupyterLab or browser; run without --quick")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        return skipped("playwright is not installed (pip install -e '.[test]')")
    e2e_servers = _e2e_servers()

    expect.set_options(timeout=60_000)
    with sync_playwright() as pw:
        executable = e2e_servers.find_chromium(pw)
        if executable is None:
            return skipped("no Chromium: apt-get install chromium")
        browser = e2e_servers.launch_chromium(pw, executable)
        try:
            return measure(browser)
        finally:
            browser.close()


def measure(browser) -> list[dict[str, Any]]:
    """The benchmark's row, with clicks in ``browser`` (a Playwright ``Browser``) on a
    JupyterLab of its own; the browser tests call this with theirs."""
    e2e_servers = _e2e_servers()
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        root, state = Path(tmp) / "root", Path(tmp) / "state"
        root.mkdir()
        (root / "bench_hard.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
        lab = e2e_servers.start_lab(root, state)
        try:
            clicks = measure_clicks(browser, lab)
        finally:
            lab.stop()
    kinds: dict[str, list[float]] = {}
    for kind, ms in clicks:
        kinds.setdefault(kind, []).append(ms)
    values = [ms for _, ms in clicks]
    each = ", ".join(
        f"{kind} {statistics.median(times):.0f} ms ({len(times)})" for kind, times in kinds.items()
    )
    note = (
        f"median of {len(values)} clicks (reference solution); {each}; "
        f"range {min(values):.0f}-{max(values):.0f} ms"
    )
    return [
        {
            "area": AREA,
            "name": NAME,
            "value": statistics.median(values),
            "unit": "ms",
            "target": TARGET_MS,
            "better": "lower",
            "note": note,
        }
    ]


def measure_clicks(browser, lab) -> list[tuple[str, float]]:
    """Play the hard task's reference solution by clicks; ``(action kind, ms)`` per click."""
    from e2e_dashboard import DashboardView
    from e2e_pages import open_notebook, run_all_cells
    from playwright.sync_api import expect

    from apidebug_nb.views.graph_raster import graph_png
    from apidebug_nb.views.panels import log_caption, log_view

    page = browser.new_page(viewport={"width": 1200, "height": 800})
    open_notebook(page, lab, "bench_hard.ipynb")
    run_all_cells(page)
    dash = DashboardView(page)
    dash.wait_ready()
    scenario = adb.load_scenario("hard")
    twin = adb.Episode(scenario)
    twin.reset()
    actions = adb.oracle_actions(scenario)
    timings = []
    for number, action in enumerate(actions, start=1):
        if dash.picker.input_value() != action.service:
            src = dash.graph.get_attribute("src")
            dash.pick(action.service)  # the picture marks the selection: wait for it
            expect(dash.graph).not_to_have_attribute("src", src)
        before = graph_png(twin, action.service)
        if action.kind == "submit_fix":
            dash.part("adb-fix-patch").locator("textarea").fill(json.dumps(action.changes))
        _, _, terminated, *_ = twin.step(action)
        expected = {
            "header": f"Step {number} of",
            "logs": log_caption(log_view(twin)) if action.kind == "inspect_logs" else None,
            "config": (
                f"Config of {action.service} (step {number}"
                if action.kind == "inspect_config"
                else None
            ),
            "oldSrc": (
                dash.graph.get_attribute("src")
                if graph_png(twin, action.service) != before
                else None
            ),
            "finish": terminated,
        }
        page.evaluate(ARM_JS, expected)
        button = BUTTONS[action.kind]
        time.sleep(0.2)  # let the previous update's rendering settle before the clock starts
        dash.button(button).click()
        timings.append((action.kind, page.evaluate("() => window.__adbLatency")))
        if action.kind == "submit_fix" and not terminated:  # a finished episode locks it
            dash.part("adb-fix-patch").locator("textarea").fill("")
    page.close()
    return timings
