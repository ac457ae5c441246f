"""The same learner flow in Voila, on the dashboard-only app: widgets, no code."""

from __future__ import annotations

import pytest
from e2e_dashboard import DashboardView
from e2e_pages import code_lines, expect, open_voila_app, visible_text
from e2e_servers import NOTEBOOKS
from learner_flow import play_easy_incident

pytestmark = pytest.mark.e2e


def test_learner_solves_the_incident_in_the_voila_app(page, voila, screenshot) -> None:
    open_voila_app(page, voila)
    dash = DashboardView(page)
    dash.wait_ready()
    screenshot("voila-0-opened")
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)

    # An app, not a notebook: no code cell inputs, and none of the app's code as text.
    code_inputs = ".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .cm-editor, div.highlight"
    expect(page.locator(code_inputs)).to_have_count(0)
    shown = visible_text(page)
    shown_lines = {line.strip() for line in page.locator("body").inner_text().splitlines()}
    lines = code_lines(NOTEBOOKS / "app.ipynb")
    assert lines, "app.ipynb should have code that builds the dashboard"
    # A one-word line ("dash") is code only as a line of its own; longer ones anywhere.
    leaked = [line for line in lines if line in shown_lines or (" " in line and line in shown)]
    assert not leaked, f"Voila shows code from app.ipynb: {leaked}"

    play_easy_incident(dash, screenshot, "voila")
