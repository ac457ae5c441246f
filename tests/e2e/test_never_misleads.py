"""Confirmations, Start again, stale markers, Submit off on external services, the caret:
in Voila (the app) and in JupyterLab (the same app notebook, run by Run All)."""

from __future__ import annotations

import pytest
from e2e_dashboard import DashboardView
from e2e_pages import open_notebook, open_voila_app, run_all_cells
from never_misleads import play_never_misleads

pytestmark = pytest.mark.e2e


def test_the_dashboard_never_misleads_in_voila(page, voila, screenshot) -> None:
    open_voila_app(page, voila)
    play_never_misleads(DashboardView(page), screenshot, "voila")


def test_the_dashboard_never_misleads_in_jupyterlab(page, lab, screenshot) -> None:
    open_notebook(page, lab, "app.ipynb")
    run_all_cells(page)
    play_never_misleads(DashboardView(page), screenshot, "lab")
