"""A learner in JupyterLab: open the easy lab, Run All Cells, solve the incident by clicks."""

from __future__ import annotations

import re

import pytest
from e2e_dashboard import DashboardView
from e2e_pages import expect, open_notebook, run_all_cells
from e2e_servers import NOTEBOOKS
from learner_flow import play_easy_incident

import apidebug_nb as adb

pytestmark = pytest.mark.e2e

EASY_LAB = "01_easy_payment_gateway.ipynb"


def test_learner_solves_the_easy_lab_in_jupyterlab(page, lab, screenshot) -> None:
    open_notebook(page, lab, EASY_LAB)
    run_all_cells(page)
    screenshot("lab-0-after-run-all")
    # Every widget output rendered: none shows the front end's error placeholder.
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)
    # The lab's dashboard opens the variant its source names.
    seed = re.search(
        r'adb\.Dashboard\("easy", seed=(\d+)\)',
        (NOTEBOOKS / "src" / "01_easy_payment_gateway.py").read_text(),
    )
    assert seed, "the easy lab should open a seeded variant"
    scenario = adb.load_scenario("easy", int(seed.group(1)))
    play_easy_incident(DashboardView(page, 0), screenshot, "lab", scenario)
    # Its solution stays behind the walk-through button until pressed.
    walk = page.locator("button.adb-btn-walkthrough")
    expect(walk).to_have_text("Show the walk-through")
    expect(page.locator(".adb-walkthrough pre")).to_have_count(0)
