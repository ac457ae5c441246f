"""A dashboard that never misleads, checked in the browser (shared by JupyterLab and Voila).

On the canonical easy incident (the app's dashboard): a stale config panel says so
after a fix; a JSON error quotes the input with a caret under the spot; the editor
names its target and keeps Submit off on the external gateway; Reveal and Finish
ask first; a finished dashboard starts again on a new variant. Expected texts come
from the package's own functions over a twin episode, not from copies.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from e2e_dashboard import DashboardView
from e2e_pages import expect

import apidebug_nb as adb
from apidebug_nb.views.dashboard import CONFIRM
from apidebug_nb.views.fix_input import FixInputError, parse_fix_form
from apidebug_nb.views.panels import stale_note

CLIENT, GATEWAY = "payment_client", "payment_gateway"


def play_never_misleads(dash: DashboardView, screenshot: Callable[..., Path], prefix: str) -> None:
    twin = adb.Episode(adb.load_scenario("easy"))
    twin.reset()
    dash.wait_ready()

    # A config panel that shows an older look says so once a fix changed that config.
    dash.pick(CLIENT)
    dash.button("config").click()
    twin.step(adb.Action.inspect_config(CLIENT))
    dash.expect_header_step(1)
    expect(dash.config.locator(".adb-stale")).to_have_count(0)
    dash.type_fix("timeout", "9")
    dash.button("submit").click()
    twin.step(adb.Action.submit_fix(CLIENT, {"timeout": 9}))
    dash.expect_header_step(2)
    note = stale_note(twin, "inspect_config")
    assert note.startswith("As of step 1: the config changed since (step 2)")
    expect(dash.config.locator(".adb-stale")).to_contain_text(note)
    screenshot(f"{prefix}-stale-config", show=dash.config)

    # A JSON error quotes the text with a caret under the column; no step is used.
    bad = '{"Authorization": "x" "y"}'
    try:
        parse_fix_form("headers", bad, "")
    except FixInputError as exc:
        first, _, quoted = str(exc).partition("\n")
    assert quoted.endswith("^")
    dash.type_fix("headers", bad)
    dash.button("submit").click()
    caret = dash.message.locator("pre.adb-caret")
    expect(caret).to_be_visible()
    assert caret.text_content() == quoted
    expect(dash.message).to_contain_text(first.split(" No step")[0])
    dash.expect_header_step(2)
    screenshot(f"{prefix}-caret", show=dash.message)

    # The editor names its target; on the external gateway Submit is off, with the reason.
    target = dash.root.locator(".adb-fix-target")
    expect(target).to_have_text(f"Fix for: {CLIENT}")
    dash.pick(GATEWAY)
    expect(target).to_have_text(f"Fix for: {GATEWAY}")
    expect(dash.button("submit")).to_be_disabled()
    expect(dash.root.locator(".adb-fix-blocked")).to_contain_text(f"{GATEWAY} is external")
    screenshot(f"{prefix}-external", show=dash.root.locator(".adb-fix-editor"))
    dash.pick(CLIENT)
    expect(dash.button("submit")).to_be_enabled()

    # Reveal asks first; Cancel costs nothing; Yes reveals (one step).
    dash.button("reveal").click()
    expect(dash.confirm).to_be_visible()
    expect(dash.button("confirm")).to_have_text(CONFIRM["reveal"][1])
    screenshot(f"{prefix}-confirm-reveal", show=dash.confirm)
    dash.button("cancel").click()
    expect(dash.confirm).to_be_hidden()
    dash.expect_header_step(2)
    dash.button("reveal").click()
    dash.button("confirm").click()
    dash.expect_header_step(3)
    expect(dash.message).to_contain_text("Revealed:")

    # Finish asks first too; then the grade, and Start again on a new variant.
    dash.button("finish").click()
    expect(dash.button("confirm")).to_have_text(CONFIRM["finish"][1])
    expect(dash.finish_panel).to_be_hidden()
    dash.button("confirm").click()
    expect(dash.finish_panel).to_be_visible()
    expect(dash.header).to_contain_text("finished early and graded at step 3")
    expect(dash.button("logs")).to_be_disabled()
    screenshot(f"{prefix}-finished", show=dash.finish_panel)
    dash.button("again-new").click()
    expect(dash.header).to_contain_text("(easy-1)")
    dash.expect_header_step(0)
    expect(dash.finish_panel).to_be_hidden()
    expect(dash.button("logs")).to_be_enabled()
    dash.button("logs").click()
    dash.expect_header_step(1)
