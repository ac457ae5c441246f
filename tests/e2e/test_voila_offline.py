"""On a classroom network without internet the Voila app asks nothing of any other host.

Voila's stock ``lab`` template links Font Awesome from a CDN; the package's ``apidebug``
template (share/jupyter/voila/templates/apidebug) does not. Every request the page makes
that does not go to this machine is recorded and refused, as an offline network would.
The stock template, opened from the same server, is the control: it does make such
requests, so a count of zero for ours proves something.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from e2e_dashboard import DashboardView
from e2e_pages import expect
from e2e_servers import REPO, spawn_voila

pytestmark = pytest.mark.e2e
LOCAL = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="module")
def offline_voila(browser, notebook_root: Path, tmp_path_factory):
    """Voila on the app with the offline template, found the way a checkout finds it."""
    env = {"JUPYTER_PATH": str(REPO / "share" / "jupyter")}
    port = int(os.environ.get("APIDEBUG_E2E_VOILA_PORT", "0"))
    server = spawn_voila(
        notebook_root / "app.ipynb",
        tmp_path_factory.mktemp("offline-voila"),
        ["--template=apidebug"],
        env,
        port,
    )
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def outside_requests(page, url: str) -> list[str]:
    """Open ``url`` with every non-local request refused; return those requests."""
    refused: list[str] = []

    def route(r):
        if urlsplit(r.request.url).hostname in LOCAL or r.request.url.startswith("data:"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort("internetdisconnected")

    page.route("**/*", route)
    page.goto(url)
    DashboardView(page).wait_ready()
    page.wait_for_load_state("networkidle")
    page.unroute("**/*")
    return refused


def test_the_offline_template_requests_nothing_from_outside(page, offline_voila, screenshot):
    stock = outside_requests(page, offline_voila.url("/?template=lab"))
    assert any("fontawesome" in url for url in stock), f"control: the stock template asked {stock}"

    ours = outside_requests(page, offline_voila.url("/"))
    screenshot("voila-offline")
    assert ours == [], f"the offline app asked other hosts for: {ours}"
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)
