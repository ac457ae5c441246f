"""A learner in JupyterLab: open the easy lab, Run All Cells, solve the incident by clicks."""

from __future__ import annotations

import pytest
from e2e_dashboard import DashboardView
from e2e_pages import expect, open_notebook, run_all_cells
from learner_flow import play_easy_incident

pytestmark = pytest.mark.e2e

EASY_LAB = "01_easy_payment_gateway.ipynb"


def test_learner_solves_the_easy_lab_in_jupyterlab(page, lab, screenshot) -> None:
    open_notebook(page, lab, EASY_LAB)
    run_all_cells(page)
    screenshot("lab-0-after-run-all")
    # Every widget output rendered: none shows the front end's error placeholder.
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)
    # The lab's own dashboard is the first one (a practice dashboard follows further down).
    play_easy_incident(DashboardView(page, 0), screenshot, "lab")
