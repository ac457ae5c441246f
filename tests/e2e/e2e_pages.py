"""What a learner does in JupyterLab and Voila, as Playwright steps.

Shared by the browser tests, the browser benchmark and the README screenshot
script. Waits follow the recipe proven on these machines: a notebook is ready
when its kernel name reads ``Python 3 (ipykernel)`` *and* the execution
indicator is idle (idle alone races with the Select Kernel dialog).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from e2e_servers import Server

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips (or fails in CI) and says why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

KERNEL_NAME = "Python 3 (ipykernel)"

#: True once no code cell waits or runs (``[*]``) and the kernel is idle.
ALL_CELLS_DONE_JS = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  const idle = document.querySelector('.jp-Notebook-ExecutionIndicator[data-status=idle]');
  return idle !== null && prompts.length > 0 && prompts.every(p => !p.textContent.includes('*'));
}"""


def open_notebook(page: Page, lab: Server, name: str, *, single_document: bool = False) -> None:
    """Open ``name`` in JupyterLab and wait until its kernel is ready."""
    path = f"/doc/tree/{name}" if single_document else f"/lab/tree/{name}"
    page.goto(lab.url(path))
    expect(page.locator(".jp-Toolbar-kernelName").first).to_have_text(KERNEL_NAME)
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status=idle]").first).to_be_visible()


def run_all_cells(page: Page, timeout_ms: float = 120_000) -> None:
    """Run > Run All Cells, then wait until every cell has run."""
    page.get_by_role("menubar").get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # Running all marks every code cell [*] synchronously, so this cannot pass early.
    page.wait_for_function(ALL_CELLS_DONE_JS, timeout=timeout_ms)


def hide_left_sidebar(page: Page) -> None:
    """Collapse the file browser so the notebook gets the width.

    Clicking the left activity bar's current tab collapses its panel, as for a learner.
    JupyterLab remembers the layout, so it may be collapsed already.
    """
    if page.locator("#jp-left-stack").is_visible():
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    expect(page.locator("#jp-left-stack")).to_be_hidden()


def open_voila_app(page: Page, voila: Server) -> None:
    """Open the Voila app; its kernel starts on this request."""
    page.goto(voila.url("/"))


def code_lines(notebook: Path) -> list[str]:
    """The non-blank source lines of ``notebook``'s code cells."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            source = cell["source"]
            text = source if isinstance(source, str) else "".join(source)
            lines += [line.strip() for line in text.splitlines() if line.strip()]
    return lines


def visible_text(page: Page) -> str:
    """Everything the page shows as text, whitespace collapsed."""
    return re.sub(r"\s+", " ", page.locator("body").inner_text())
