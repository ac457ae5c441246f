"""The easy incident played by clicks, checked against a model episode taking the same steps.

Shared by the JupyterLab and the Voila test: both show ``adb.Dashboard("easy")``
(the canonical incident). Every expectation comes from a twin
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


def play_easy_incident(dash: DashboardView, screenshot: Callable[[str], Path], prefix: str) -> None:
    """Pick, inspect logs and config, a malformed fix, both right fixes, then the grade."""
    scenario = adb.load_scenario("easy")
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

    # Back to our client; its config shows the broken Content-Type, no Authorization.
    dash.pick(CLIENT)
    dash.button("config").click()
    obs, *_ = twin.step(adb.Action.inspect_config(CLIENT))
    dash.expect_header(steps_left=obs.steps_left, resolved=0, total=total)
    content_type = obs.config["headers"]["Content-Type"]
    assert content_type not in scenario.service(GATEWAY).config["accepted_content_types"]
    expect(dash.config).to_contain_text(json.dumps(content_type))
    expect(dash.config).to_contain_text(json.dumps(obs.config["api_key"]))
    expect(dash.config).not_to_contain_text("Authorization")
    steps_left = obs.steps_left

    # Malformed JSON (text without quotes): a clear message, and no step spent.
    key, bad_value = "headers.Content-Type", "application/json"
    dash.type_fix(key, bad_value)
    dash.button("submit").click()
    expect(dash.message).to_contain_text(malformed_message(key, bad_value))
    expect(dash.message).to_contain_text("No step was used")
    dash.expect_header(steps_left=steps_left, resolved=0, total=total)
    screenshot(f"{prefix}-2-malformed-json", show=dash.message)

    # The right Content-Type: one problem resolved, and the graph redrawn with new health.
    graph_before = dash.graph_digest()
    dash.type_fix(key, json.dumps("application/json"))
    dash.button("submit").click()
    obs, *_ = twin.step(adb.Action.submit_fix(CLIENT, {key: "application/json"}))
    assert obs.resolved == 1
    dash.expect_header(steps_left=obs.steps_left, resolved=1, total=total)
    expect(dash.message).to_contain_text(obs.message)
    dash.wait_graph_change(graph_before)
    screenshot(f"{prefix}-3-first-fix", show=dash.graph)

    # The Authorization header, in the gateway's scheme with the client's own key.
    scheme = scenario.service(GATEWAY).config["auth_scheme"]
    auth = f"{scheme} {scenario.service(CLIENT).config['api_key']}"
    dash.type_fix("headers.Authorization", json.dumps(auth))
    dash.button("submit").click()
    obs, _, terminated, *_ = twin.step(
        adb.Action.submit_fix(CLIENT, {"headers.Authorization": auth})
    )
    assert terminated and obs.resolved == total
    dash.expect_header(steps_left=obs.steps_left, resolved=total, total=total)

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
