"""The benchmark suite keeps running: quick mode end to end, and the runner's failure handling.

Speed itself is never asserted here; these tests check that every benchmark
module runs, returns well-formed finite rows, and that a broken module
becomes a crashed row with a non-zero exit code instead of stopping the run.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import run as runner  # importable: pyproject puts the repository on pythonpath

# The main run includes it; the Python matrix in .ci/run leaves it out (runs the quick benchmarks in a subprocess).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

AREAS = sorted(p.stem.removeprefix("bench_") for p in (ROOT / "benchmarks").glob("bench_*.py"))
STATUSES = {"ok", "MISSED", "info", "skipped"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc, json.loads(out.read_text()) if out.exists() else None


def test_quick_run_exits_zero_and_writes_json(quick_run):
    proc, data = quick_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert data is not None and data["quick"] is True
    assert set(data["machine"]) >= {"python", "cpu_count", "platform", "cpu_model"}


def test_quick_run_has_rows_for_every_area_and_none_crashed(quick_run):
    _, data = quick_run
    areas = {row["area"] for row in data["rows"]}
    assert areas == set(AREAS)
    crashed = [r for r in data["rows"] if r["status"] not in STATUSES]
    assert not crashed, crashed


def test_quick_run_numbers_are_finite_and_statuses_agree(quick_run):
    _, data = quick_run
    for row in data["rows"]:
        if row["status"] == "skipped":
            assert row["value"] is None and row["note"], row
            continue
        assert isinstance(row["value"], int | float) and math.isfinite(row["value"]), row
        assert row["status"] == runner.status(row), row
        if row["target"] is not None:
            assert math.isfinite(row["target"]) and row["better"] in ("lower", "higher"), row


def test_quick_run_prints_table_with_machine_and_words_for_status(quick_run):
    proc, data = quick_run
    assert f"python {data['machine']['python']}" in proc.stdout
    for row in data["rows"]:
        assert row["name"] in proc.stdout
    assert "crashed" in proc.stdout.splitlines()[-1]


def test_status_compares_against_target_in_the_better_direction():
    # 2,400 episodes/s misses a ">= 2,500" target; 120 ms meets a "<= 150" one.
    assert runner.status({"value": 2400, "target": 2500, "better": "higher"}) == "MISSED"
    assert runner.status({"value": 2500, "target": 2500, "better": "higher"}) == "ok"
    assert runner.status({"value": 120, "target": 150, "better": "lower"}) == "ok"
    assert runner.status({"value": 151, "target": 150, "better": "lower"}) == "MISSED"
    assert runner.status({"value": 3.0, "target": None}) == "info"
    assert runner.status({"value": None, "target": 1.0, "better": "lower"}) == "skipped"


FAKE_MODULES = {
    "bench_fine": (
        "def run(quick=False):\n"
        "    return [{'area': 'fine', 'name': 'slow thing', 'value': 9.0, 'unit': 's',\n"
        "             'target': 1.0, 'better': 'lower'}]\n"
    ),
    "bench_raises": "def run(quick=False):\n    raise ValueError('boom')\n",
    "bench_unimportable": "import a_module_that_does_not_exist\n",
    "bench_nan": (
        "def run(quick=False):\n"
        "    return [{'area': 'nan', 'name': 'x', 'value': float('nan'), 'unit': 's'}]\n"
    ),
}


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    name = f"fakebench_{tmp_path.name}"
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for module, text in FAKE_MODULES.items():
        (pkg / f"{module}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_broken_modules_become_crashed_rows_and_a_nonzero_exit(fake_package, tmp_path, capsys):
    out = tmp_path / "out.json"
    code = runner.main(["--json", str(out)], package=fake_package)
    rows = {r["area"]: r for r in json.loads(out.read_text())["rows"]}
    assert code == 1
    assert set(rows) == {"fine", "raises", "unimportable", "nan"}
    assert rows["raises"]["status"] == "CRASHED" and "boom" in rows["raises"]["note"]
    assert rows["unimportable"]["status"] == "CRASHED"
    assert "a_module_that_does_not_exist" in rows["unimportable"]["note"]
    assert rows["nan"]["status"] == "CRASHED" and "finite" in rows["nan"]["note"]
    # The healthy module still ran and its missed target is reported, not fatal.
    assert rows["fine"]["status"] == "MISSED"
    assert "CRASHED" in capsys.readouterr().out


def test_a_missed_target_alone_exits_zero(fake_package, capsys):
    assert runner.main(["--only", "fine"], package=fake_package) == 0
    assert "MISSED" in capsys.readouterr().out


def test_unknown_area_is_a_usage_error_naming_the_valid_ones():
    proc = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--only", "nosuch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "nosuch" in proc.stderr and all(area in proc.stderr for area in AREAS)
