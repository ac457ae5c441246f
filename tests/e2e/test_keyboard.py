"""One inspection and one fix with the keyboard alone: Tab to move, Enter and Space to press."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from e2e_dashboard import DashboardView
from e2e_pages import expect, open_voila_app
from learner_flow import CLIENT

import apidebug_nb as adb
from apidebug_nb.views.panels import split_level

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

#: Far more Tab presses than the dashboard has controls: reaching none means it is not focusable.
MAX_TABS = 40
#: A brisk typist; Space on Submit follows the last keystroke with no pause at all.
TYPING_DELAY_MS = 30
#: The fix editor's controls and the accessible names a screen reader announces.
EDITOR_FIELDS = ("Key path", "JSON value", "or patch")


def focused_inside(page: Page, css: str) -> bool:
    return page.evaluate(
        "css => document.activeElement !== null && document.activeElement.closest(css) !== null",
        css,
    )


def tab_to(page: Page, css: str) -> int:
    """Press Tab until focus is inside ``css``; return how many presses it took."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if focused_inside(page, css):
            return presses
    raise AssertionError(f"{css} is not reachable with Tab ({MAX_TABS} presses)")


def test_inspect_and_fix_with_the_keyboard_alone(page, voila, screenshot) -> None:
    scenario = adb.load_scenario("easy")
    twin = adb.Episode(scenario)
    twin.reset()
    total = len(scenario.issues)
    open_voila_app(page, voila)
    dash = DashboardView(page)
    dash.wait_ready()
    page.locator("body").focus()
    # Every control of the fix editor is named for assistive technology.
    for name in EDITOR_FIELDS:
        expect(dash.root.get_by_role("textbox", name=name, exact=True)).to_have_count(1)
    expect(dash.root.get_by_role("button", name="Submit fix", exact=True)).to_have_count(1)

    # The picker is reachable and shows our client; then Tab to "Inspect logs" and press Enter.
    tab_to(page, ".adb-service-picker")
    expect(dash.picker).to_have_value(CLIENT)
    tab_to(page, ".adb-btn-logs")
    page.keyboard.press("Enter")
    obs, *_ = twin.step(adb.Action.inspect_logs(CLIENT))
    dash.expect_header(steps_left=obs.steps_left, resolved=0, total=total)
    for line in obs.logs:
        expect(dash.logs).to_contain_text(split_level(line)[2])

    # A fix typed into the editor and submitted with Enter on the focused button.
    key, value = "headers.Content-Type", "application/json"
    tab_to(page, ".adb-fix-key")
    page.keyboard.type(key, delay=TYPING_DELAY_MS)
    tab_to(page, ".adb-fix-value")
    page.keyboard.type(json.dumps(value), delay=TYPING_DELAY_MS)
    tab_to(page, ".adb-btn-submit")
    page.keyboard.press("Space")
    obs, *_ = twin.step(adb.Action.submit_fix(CLIENT, {key: value}))
    assert obs.resolved == 1
    dash.expect_header(steps_left=obs.steps_left, resolved=1, total=total)
    expect(dash.message).to_contain_text(obs.message)
    screenshot("keyboard-fix-submitted", show=dash.message)
    # Focus stays on Submit after pressing it, so a second press needs no hunting.
    assert focused_inside(page, ".adb-btn-submit")
