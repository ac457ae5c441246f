"""Submit applies what the screen shows, however busy the machine and however fast the click.

Two CPU burners run while 20 fixes are typed and submitted in a row, with no pause
between typing and clicking. The dashboard autosaves its transcript after every
action, so the test reads back exactly which patch the kernel applied each time.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from e2e_dashboard import DashboardView
from e2e_load import cpu_burners
from e2e_pages import open_notebook, run_all_cells

pytestmark = pytest.mark.e2e

NOTEBOOK = "e2e_submit_under_load.ipynb"
TRANSCRIPT = "e2e_submit_under_load.json"
SERVICE = "order_service"
#: Settings of order_service that exist, take numbers and leave the episode running.
KEYS = ("timeout_s", "circuit_breaker.failure_threshold", "auth.refresh.before_expiry_s")
FIXES = 20


def fixes() -> list[tuple[str, str]]:
    """20 (key path, JSON value) pairs; the key changes every time and so does the value."""
    return [(KEYS[n % len(KEYS)], json.dumps(n + 1)) for n in range(FIXES)]


def write_notebook(root: Path) -> Path:
    """A notebook with one hard-task dashboard that autosaves next to it."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            f"import apidebug_nb as adb\n\n"
            f"dash = adb.Dashboard('hard', autosave={TRANSCRIPT!r})\ndash"
        )
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)"}
    path = root / NOTEBOOK
    nbformat.write(nb, path)
    (root / TRANSCRIPT).unlink(missing_ok=True)
    return path


def applied_changes(root: Path) -> list[dict]:
    transcript = json.loads((root / TRANSCRIPT).read_text(encoding="utf-8"))
    return [entry["action"]["changes"] for entry in transcript["actions"]]


def test_twenty_fast_submits_under_load_apply_exactly_the_text_on_screen(
    page, lab, notebook_root
) -> None:
    write_notebook(notebook_root)
    open_notebook(page, lab, NOTEBOOK)
    run_all_cells(page)
    dash = DashboardView(page)
    dash.wait_ready()
    dash.pick(SERVICE)
    shown: list[dict] = []
    with cpu_burners(2):
        for step, (key, value) in enumerate(fixes(), start=1):
            dash.type_fix(key, value)
            shown.append({key: json.loads(value)})
            dash.button("submit").click()  # no pause between typing and clicking
            # The kernel has taken the step once the header counts it (observable state).
            dash.expect_header_step(step)
    applied = applied_changes(notebook_root)
    wrong = [
        f"fix {n}: screen showed {want}, kernel applied {got}"
        for n, (want, got) in enumerate(zip(shown, applied, strict=False), start=1)
        if want != got
    ]
    assert not wrong and len(applied) == FIXES, "\n".join(wrong) or f"{len(applied)} applied"
