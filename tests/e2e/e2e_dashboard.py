"""The dashboard as a learner sees it in the browser, found by its stable CSS classes.

The classes (``adb-header``, ``adb-btn-logs``, ...) are set with ``add_class``
in :mod:`apidebug_nb.views.dashboard`; ipywidgets puts them on each widget's
outer element, so inputs are one level down (``.adb-fix-key input``).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from e2e_pages import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

#: SHA-256 of an image's current bytes, read back from its (blob) URL.
IMAGE_DIGEST_JS = """async img => {
  const bytes = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
}"""


class DashboardView:
    """One dashboard on the page (``index`` counts dashboards from the top)."""

    def __init__(self, page: Page, index: int = 0):
        self.page = page
        self.root = page.locator(".adb-dashboard").nth(index)

    def part(self, css: str) -> Locator:
        return self.root.locator(f".{css}")

    @property
    def header(self) -> Locator:
        return self.part("adb-header")

    @property
    def message(self) -> Locator:
        return self.part("adb-message")

    @property
    def logs(self) -> Locator:
        return self.part("adb-logs")

    @property
    def config(self) -> Locator:
        return self.part("adb-config")

    @property
    def graph(self) -> Locator:
        return self.root.locator(".adb-graph img")

    @property
    def finish_panel(self) -> Locator:
        return self.part("adb-finish")

    @property
    def picker(self) -> Locator:
        return self.root.locator(".adb-service-picker select")

    @property
    def key_input(self) -> Locator:
        return self.root.locator(".adb-fix-key input")

    @property
    def value_input(self) -> Locator:
        return self.root.locator(".adb-fix-value textarea")

    @property
    def confirm(self) -> Locator:
        """The question Reveal and Finish ask before they act."""
        return self.part("adb-confirm")

    def button(self, name: str) -> Locator:
        """``name``: logs, config, endpoint, hint, reveal, submit, finish, confirm, cancel,
        again-same or again-new."""
        return self.root.locator(f"button.adb-btn-{name}")

    def wait_ready(self) -> None:
        """The widgets are rendered and the graph's first picture has arrived."""
        expect(self.header).to_contain_text("steps left")
        expect(self.graph).to_have_attribute("src", re.compile(r"."))

    def pick(self, service: str) -> None:
        """Choose ``service`` in the picker; external services carry a suffix in their label."""
        option = self.picker.locator("option", has_text=re.compile(rf"^{re.escape(service)}\b"))
        # Labels use non-breaking spaces; the option's value attribute is plain text.
        self.picker.select_option(value=option.get_attribute("value"))

    def header_text(self) -> str:
        return self.header.inner_text()

    def steps_left(self) -> int:
        return int(re.search(r"(\d+) steps left", self.header_text()).group(1))

    def expect_header(self, *, steps_left: int, resolved: int, total: int) -> None:
        expect(self.header).to_contain_text(f"{steps_left} steps left")
        expect(self.header).to_contain_text(f"resolved {resolved}/{total}")

    def expect_header_step(self, step: int) -> None:
        """Wait until the header says the episode is at ``step``."""
        expect(self.header).to_contain_text(re.compile(rf"\bStep {step} of "))

    def type_fix(self, key: str, value: str) -> None:
        self.key_input.fill(key)
        self.value_input.fill(value)

    def graph_digest(self) -> str:
        """A digest of the bytes the graph image shows now."""
        return self.graph.evaluate(IMAGE_DIGEST_JS)

    def wait_graph_change(self, digest: str, timeout_s: float = 60.0) -> str:
        """Wait until the graph shows other bytes than ``digest``; return the new digest."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            now = self.graph_digest()
            if now != digest:
                return now
            self.page.wait_for_timeout(100)
        raise AssertionError(f"the graph image did not change within {timeout_s:.0f} s")
