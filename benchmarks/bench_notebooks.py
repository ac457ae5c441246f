"""Notebook execution time: each ``notebooks/*.ipynb`` run top to bottom with nbclient.

Each figure is one execution's wall time, kernel start-up included (what a
learner waits for on "Run All"). They run inside a temporary copy of the
folder, so files a notebook writes never land in the repository. Quick mode
runs only the smallest notebook.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

AREA = "notebooks"
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TIMEOUT_S = 120  # one cell; a hung notebook fails its row instead of the whole run


def notebooks(quick: bool) -> list[Path]:
    """The notebooks to time: all of them, or in quick mode only the smallest."""
    found = sorted(NOTEBOOKS.glob("*.ipynb"))
    if quick and found:
        return [min(found, key=lambda p: (p.stat().st_size, p.name))]
    return found


def execute_s(path: Path, sockets: Path) -> float:
    """Seconds to execute ``path`` in a fresh kernel (outputs are discarded).

    The kernel talks over local sockets under ``sockets`` (no open TCP ports,
    and no "unencrypted TCP" warning from every kernel).
    """
    # jsonschema (under nbformat) optionally imports rfc3987_syntax, which builds a
    # parser grammar for seconds at import time for an "iri" format check that
    # notebooks never use; without it jsonschema simply skips that check.
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets))
    client = NotebookClient(
        nb,
        km=manager,
        timeout=TIMEOUT_S,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def run(quick: bool = False) -> list[dict]:
    chosen = notebooks(quick)
    if not chosen:
        return [
            {
                "area": AREA,
                "name": "execute notebooks",
                "value": None,
                "unit": "s",
                "note": f"skipped: no notebooks in {NOTEBOOKS.name}/ yet",
            }
        ]
    with tempfile.TemporaryDirectory(prefix="adb-bench-nb-") as tmp:
        copy = Path(tmp) / NOTEBOOKS.name
        shutil.copytree(NOTEBOOKS, copy)
        sockets = Path(tmp) / "kernel"
        return [_row(copy / path.name, sockets, quick) for path in chosen]


def _row(path: Path, sockets: Path, quick: bool) -> dict:
    try:
        value, note = execute_s(path, sockets), "one run, kernel start-up included"
    except Exception as exc:  # one broken notebook should not hide the others' times
        first_line = (str(exc).splitlines() or [""])[0][:200]
        value, note = None, f"failed: {type(exc).__name__}: {first_line}"
    row = {
        "area": AREA,
        "name": f"execute {path.name}",
        "value": value,
        "unit": "s",
        "note": note + ("; quick mode: smallest notebook only" if quick else ""),
    }
    if value is None:
        row["status"] = "CRASHED"
    return row
