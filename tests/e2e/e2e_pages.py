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

#: The notebook on show (other tabs stay in the page, hidden).
CURRENT_PANEL_JS = """(() => [...document.querySelectorAll('.jp-NotebookPanel')]
  .find(p => !p.classList.contains('lm-mod-hidden') && p.offsetParent !== null) || null)()"""

#: Before Run All: note in the page when a code cell of this notebook is marked ``[*]``.
WATCH_RUN_JS = f"""() => {{
  window.__adbRunSeen = false;
  const panel = {CURRENT_PANEL_JS};
  const seen = () => [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .some(p => p.textContent.includes('*'));
  const observer = new MutationObserver(() => {{
    if (seen()) {{ window.__adbRunSeen = true; observer.disconnect(); }}
  }});
  observer.observe(panel, {{subtree: true, childList: true, characterData: true}});
}}"""

#: True once a run was seen, every code cell of the notebook shows an execution count
#: (``[3]:``, not ``[ ]:`` or ``[*]:``) and its kernel is idle. Stored counts alone never
#: pass: a Run All that never started fails here instead of later.
ALL_CELLS_DONE_JS = f"""() => {{
  const panel = {CURRENT_PANEL_JS};
  if (panel === null || window.__adbRunSeen !== true) return false;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  const idle = panel.querySelector('.jp-Notebook-ExecutionIndicator[data-status=idle]');
  return idle !== null && prompts.length > 0
    && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}}"""


def open_notebook(page: Page, lab: Server, name: str, *, single_document: bool = False) -> None:
    """Open ``name`` in JupyterLab and wait until its kernel is ready."""
    # A workspace of its own per notebook: no tab restored from an earlier test (and its
    # toolbar) can stand in for this notebook's readiness.
    workspace = re.sub(r"[^A-Za-z0-9]+", "-", Path(name).stem)
    path = f"/doc/tree/{name}" if single_document else f"/lab/workspaces/{workspace}/tree/{name}"
    page.goto(lab.url(path))
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(panel.locator(".jp-Toolbar-kernelName")).to_have_text(KERNEL_NAME)
    expect(panel.locator(".jp-Notebook-ExecutionIndicator[data-status=idle]")).to_be_visible()


def run_all_cells(page: Page, timeout_ms: float = 120_000) -> None:
    """Run > Run All Cells, then wait until every cell has run."""
    page.evaluate(WATCH_RUN_JS)
    page.get_by_role("menubar").get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
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
