"""Make the README's notebook screenshots: docs/images/notebooks/<notebook>.png.

Each notebook in notebooks/ is copied into a temporary folder, opened in a
private JupyterLab (single-document mode, file browser hidden), run with
Run > Run All Cells so its widgets are live, scrolled to its first dashboard
(or back to the top when it has none) and captured at 1200x800 in headless
Chromium. Pictures above the size limit are
reduced to a 256-colour palette, which keeps text sharp.

Needs what the browser tests need: ``pip install -e ".[test]"`` and a Chromium
(``apt-get install chromium``). Usage::

    python docs/make_screenshots.py [NOTEBOOK_NAME ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images" / "notebooks"
VIEWPORT = {"width": 1200, "height": 800}
MAX_BYTES = 250_000
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import e2e_servers  # noqa: E402
from e2e_pages import hide_left_sidebar, open_notebook, run_all_cells  # noqa: E402

SCROLL_TO_TOP_JS = """() => {
  for (const el of document.querySelectorAll('.jp-WindowedPanel-outer, .jp-Notebook')) {
    el.scrollTop = 0;
  }
}"""

SCROLL_BY_JS = """dy => {
  for (const el of document.querySelectorAll('.jp-WindowedPanel-outer')) el.scrollTop += dy;
}"""


def shrink(path: Path, limit: int = MAX_BYTES) -> int:
    """Re-save ``path`` with a 256-colour palette when it is larger than ``limit``; new size."""
    if path.stat().st_size <= limit:
        return path.stat().st_size
    from PIL import Image

    with Image.open(path) as image:
        palette = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    palette.save(path, optimize=True)
    return path.stat().st_size


def capture(page, lab, name: str, out: Path) -> Path:
    open_notebook(page, lab, name, single_document=True)
    hide_left_sidebar(page)
    run_all_cells(page, timeout_ms=600_000)
    # Leave no cell selected-looking: command mode on the first cell, everything scrolled up.
    page.keyboard.press("Escape")
    page.evaluate(SCROLL_TO_TOP_JS)
    dashboards = page.locator(".adb-dashboard")
    if dashboards.count():
        dashboards.first.scroll_into_view_if_needed()
        page.evaluate(SCROLL_BY_JS, -40)  # keep the cell's top edge in the picture
    page.wait_for_timeout(500)  # let the scroll's re-layout paint
    path = out / f"{Path(name).stem}.png"
    page.screenshot(path=str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook file names (default: all)")
    args = parser.parse_args(argv)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=120_000)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp, sync_playwright() as pw:
        executable = e2e_servers.find_chromium(pw)
        if executable is None:
            print("No Chromium found: apt-get install chromium", file=sys.stderr)
            return 1
        root = Path(tmp) / "notebooks"
        copies = e2e_servers.copy_notebooks(e2e_servers.NOTEBOOKS, root)
        names = args.names or [copy.name for copy in copies]
        lab = e2e_servers.start_lab(root, Path(tmp) / "state")
        browser = e2e_servers.launch_chromium(pw, executable)
        try:
            for name in names:
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(120_000)
                path = capture(page, lab, name, OUT)
                page.close()
                lab.shut_down_kernels()  # one kernel at a time; none counted in the next picture
                print(f"{path.relative_to(ROOT)}: {shrink(path):,} bytes")
        finally:
            browser.close()
            lab.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
