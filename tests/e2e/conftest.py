"""Fixtures for the real-browser tests: one JupyterLab and one Voila per session, one Chromium.

The notebooks are copied into a temporary root (outside the repository, so
nbval never collects the copies and autosave never touches the originals).
Without a browser the tests skip with a reason that says how to install one;
in CI (``CI=true``) they fail instead, so a broken install cannot pass silently.
Screenshots go to ``test-artifacts/e2e/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from e2e_servers import (
    ARTIFACTS,
    NOTEBOOKS,
    Server,
    copy_notebooks,
    find_chromium,
    launch_chromium,
    spawn_lab,
    spawn_voila,
)

if TYPE_CHECKING:  # playwright may be missing: the fixtures then skip (or fail in CI)
    from playwright.sync_api import Locator

VIEWPORT = {"width": 1200, "height": 800}
#: Kernel start, matplotlib import and widget rendering take seconds on a busy 2-core machine.
EXPECT_TIMEOUT_MS = 60_000

INSTALL_HINT = (
    "install Debian's Chromium (`apt-get install chromium`, it lands at /usr/bin/chromium) "
    "or Playwright's own (`python -m playwright install chromium`)"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing_prerequisite(reason: str) -> None:
    """Skip with ``reason``; in CI, fail, because CI promises to run these tests."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_api() -> Iterator[object]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        missing_prerequisite(
            "the Python package playwright is not installed (pip install -e '.[test]')"
        )
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_api) -> Iterator[object]:
    executable = find_chromium(playwright_api)
    if executable is None:
        missing_prerequisite(f"no Chromium found for the browser tests: {INSTALL_HINT}")
    browser = launch_chromium(playwright_api, executable)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def notebook_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder holding copies of ``notebooks/*.ipynb``."""
    root = tmp_path_factory.mktemp("e2e-notebooks")
    copies = copy_notebooks(NOTEBOOKS, root)
    assert copies, f"no notebooks found in {NOTEBOOKS}"
    return root


@pytest.fixture(scope="session")
def servers(
    browser, notebook_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Server]]:
    """JupyterLab and Voila (on the app notebook), started together to overlap their start-up.

    Started only once a browser exists; stopped with SIGTERM at the end of the session.
    """
    app = notebook_root / "app.ipynb"
    assert app.is_file(), "notebooks/app.ipynb (the dashboard-only app for Voila) is missing"
    state = tmp_path_factory.mktemp("server-state")
    started: dict[str, Server] = {}
    try:
        started["lab"] = spawn_lab(notebook_root, state / "lab")
        started["voila"] = spawn_voila(app, state / "voila")
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(scope="session")
def lab(servers: dict[str, Server]) -> Server:
    """The session's JupyterLab, serving the copied notebooks."""
    return servers["lab"].wait_ready()


@pytest.fixture(scope="session")
def voila(servers: dict[str, Server]) -> Server:
    """The session's Voila, serving the dashboard-only app notebook."""
    return servers["voila"].wait_ready()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember each phase's report on the item, so ``page`` can tell a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])


@pytest.fixture()
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser context and page; on failure its screenshot is kept as an artifact."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = f"FAILED-{artifact_name(request.node.nodeid)}"
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
        (ARTIFACTS / f"{stem}-page-errors.txt").write_text("\n".join(errors), encoding="utf-8")
    context.close()


@pytest.fixture()
def screenshot(page) -> Callable[..., Path]:
    """``screenshot("name", show=locator)`` scrolls ``locator`` into view, saves the page to ``test-artifacts/e2e/name.png`` and checks it."""

    def take(name: str, show: Locator | None = None) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        if show is not None:  # JupyterLab scrolls inside the notebook, not the page
            show.scroll_into_view_if_needed()
        page.screenshot(path=str(path), full_page=True)
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000, (
            f"empty screenshot {path}"
        )
        return path

    return take
