"""The package is typed: mypy reports no errors, and the wheel ships py.typed (PEP 561).

Strictness: mypy's defaults plus ``warn_unused_ignores``, ``warn_redundant_casts``
and ``strict_equality``, checked as Python 3.10 (see ``[tool.mypy]`` in pyproject.toml).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_reports_no_errors(tmp_path):
    pytest.importorskip("mypy")
    # A cache of this run's own: CI runs two Pythons side by side in one checkout, and two
    # mypy processes writing one .mypy_cache crash each other.
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy_cache"), "apidebug_nb"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    assert out.stdout.startswith("Success: no issues found")


def test_the_wheel_ships_py_typed(tmp_path):
    assert (ROOT / "apidebug_nb" / "py.typed").is_file()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("apidebug_nb-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "apidebug_nb/py.typed" in names
    assert "apidebug_nb/gym/spaces.py" in names
