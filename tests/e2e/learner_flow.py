"""The easy incident played by clicks, checked against a model episode taking the same steps.

Shared by the JupyterLab and the Voila test: the Voila app shows the canonical
incident, the easy lab a variant of it. Every expectation comes from a twin
:class:`~apidebug_nb.Episode` stepped alongside, so the browser is checked
against what the model says, not against copied output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from e2e_dashboard import DashboardView
from e2e_pages import expect

import apidebug_nb as adb
from apidebug_nb.views.fix_input import FixInputError, parse_fix_form
from apidebug_nb.views.panels import split_level

CLIENT, GATEWAY = "payment_client", "payment_gateway"


def malformed_message(key: str, value: str) -> str:
    """What the fix editor must say about ``value`` (it is not JSON)."""
    try:
        parse_fix_form(key, value, "")
    except FixInputError as exc:
        return str(exc)
    raise AssertionError(f"{value!r} was expected to be malformed JSON")


def play_easy_incident(
    dash: DashboardView,
    screenshot: Callable[[str], Path],
    prefix: str,
    scenario: adb.Scenario | None = None,
) -> None:
    """Pick, inspect logs and config, a malformed fix, every right fix, then the grade.

    ``scenario``: the easy incident the dashboard shows (default: the canonical one).
    """
    scenario = scenario or adb.load_scenario("easy")
    twin = adb.Episode(scenario)
    twin.reset()
    total = len(scenario.issues)
    dash.wait_ready()
    dash.expect_header(steps_left=scenario.max_steps, resolved=0, total=total)

    # Pick the vendor's gateway and read its logs: the model's lines appear.
    dash.pick(GATEWAY)
    dash.button("logs").click()
    obs, *_ = twin.step(adb.Action.inspect_logs(GATEWAY))
    dash.expect_header(steps_left=obs.steps_left, resolved=0, total=total)
    assert obs.logs, "the gateway's logs should not be empty"
    for line in obs.logs:
        expect(dash.logs).to_contain_text(split_level(line)[2])
    expect(dash.message).to_contain_text(obs.message)
    screenshot(f"{prefix}-1-logs", show=dash.logs)

    # Back to our client; its config shows its own api_key.
    dash.pick(CLIENT)
    dash.button("config").click()
    obs, *_ = twin.step(adb.Action.inspect_config(CLIENT))
    dash.expect_header(steps_left=obs.steps_left, resolved=0, total=total)
    expect(dash.config).to_contain_text(json.dumps(obs.config["api_key"]))
    steps_left = obs.steps_left

    # Malformed JSON (text without quotes): a clear message, and no step spent.
    key, bad_value = "headers.Content-Type", "application/json"
    dash.type_fix(key, bad_value)
    dash.button("submit").click()
    expect(dash.message).to_contain_text(malformed_message(key, bad_value).splitlines()[0])
    expect(dash.message).to_contain_text("No step was used")
    dash.expect_header(steps_left=steps_left, resolved=0, total=total)
    screenshot(f"{prefix}-2-malformed-json", show=dash.message)

    # Every reference fix, typed as its top-level key and a JSON value: the model agrees
    # step by step, and the first fix redraws the graph with new health.
    fixes = [a for a in adb.oracle_actions(scenario) if a.kind == "submit_fix"]
    graph_before = dash.graph_digest()
    for n, action in enumerate(fixes, start=1):
        ((top, value),) = dict(action.changes).items()
        value = json.loads(json.dumps(value, default=dict))
        dash.type_fix(top, json.dumps(value))
        dash.button("submit").click()
        obs, _, terminated, *_ = twin.step(adb.Action.submit_fix(CLIENT, {top: value}))
        assert obs.resolved == n
        dash.expect_header(steps_left=obs.steps_left, resolved=n, total=total)
        if n == 1:
            expect(dash.message).to_contain_text(obs.message)
            dash.wait_graph_change(graph_before)
            screenshot(f"{prefix}-3-first-fix", show=dash.graph)
    assert terminated and obs.resolved == total

    # Solved: the grade panel appears with the grade and every problem's explanation.
    expect(dash.finish_panel).to_be_visible()
    grade = twin.grade()
    for line in grade.render_text().splitlines():
        expect(dash.part("adb-grade-text")).to_contain_text(line.strip())
    for issue in scenario.issues:
        expect(dash.part("adb-explanations")).to_contain_text(issue.title)
    expect(dash.part("adb-grade-chart")).to_have_attribute("src", re.compile(r"."))
    expect(dash.button("logs")).to_be_disabled()
    screenshot(f"{prefix}-4-graded", show=dash.part("adb-explanations"))
