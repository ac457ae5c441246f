"""Run the benchmark modules and print (and optionally save) their rows.

Every ``benchmarks/bench_<area>.py`` module exposes ``run(quick) -> list[dict]``.
The runner imports each one, calls it, checks the rows it returned and prints
one table. A module that fails to import, raises, or returns malformed rows
becomes a ``CRASHED`` row and makes the exit code non-zero; a missed target
does not (benchmarks measure, they do not gate).

Usage::

    python -m benchmarks [--quick] [--json FILE] [--only AREA ...]
    python benchmarks/run.py [same options]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the ``benchmarks`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PACKAGE = "benchmarks"
OK, MISSED, INFO, SKIPPED, CRASHED = "ok", "MISSED", "info", "skipped", "CRASHED"
REQUIRED = ("area", "name", "value", "unit")
BETTER = ("lower", "higher")


def discover(package: str = PACKAGE) -> dict[str, str]:
    """``{area: module name}`` for every ``bench_<area>.py`` in ``package``, sorted by area."""
    pkg = importlib.import_module(package)
    found: dict[str, str] = {}
    for folder in pkg.__path__:
        for path in sorted(Path(folder).glob("bench_*.py")):
            found[path.stem.removeprefix("bench_")] = f"{package}.{path.stem}"
    return dict(sorted(found.items()))


def status(row: dict[str, Any]) -> str:
    """``ok`` / ``MISSED`` against the target; ``info`` without one; ``skipped`` without a value."""
    if row.get("status") in (SKIPPED, CRASHED):
        return row["status"]
    value, target = row.get("value"), row.get("target")
    if value is None:
        return SKIPPED
    if target is None:
        return INFO
    met = value >= target if row.get("better") == "higher" else value <= target
    return OK if met else MISSED


def check_row(row: Any, area: str) -> str | None:
    """Why ``row`` is malformed, or ``None`` when it is a valid benchmark row."""
    if not isinstance(row, dict):
        return f"a row must be a dict, got {type(row).__name__}"
    missing = [k for k in REQUIRED if k not in row]
    if missing:
        return f"row {row.get('name')!r} lacks {', '.join(missing)}"
    if row["area"] != area:
        return f"row {row['name']!r} has area {row['area']!r}, expected {area!r}"
    for key in ("value", "target"):
        value = row.get(key)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return f"row {row['name']!r}: {key} must be a finite number or None, got {value!r}"
    if row.get("target") is not None and row.get("better") not in BETTER:
        return f"row {row['name']!r} has a target but 'better' is {row.get('better')!r}, not one of {BETTER}"
    return None


def crashed_row(area: str, what: str, error: str) -> dict[str, Any]:
    return {
        "area": area,
        "name": what,
        "value": None,
        "unit": "",
        "target": None,
        "better": None,
        "status": CRASHED,
        "note": error,
    }


def run_area(area: str, module_name: str, quick: bool) -> tuple[list[dict[str, Any]], float]:
    """The rows of one module (crash rows if it fails) and how long it took, in seconds."""
    start = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
    except BaseException as exc:  # a broken module must not stop the other areas
        if isinstance(exc, KeyboardInterrupt):
            raise
        return [crashed_row(area, "import failed", _error_text(exc))], time.perf_counter() - start
    try:
        rows = module.run(quick=quick)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        return [crashed_row(area, "run() raised", _error_text(exc))], time.perf_counter() - start
    elapsed = time.perf_counter() - start
    if not isinstance(rows, list) or not rows:
        return [crashed_row(area, "run() returned no rows", repr(rows)[:200])], elapsed
    out = []
    for row in rows:
        problem = check_row(row, area)
        if problem:
            out.append(crashed_row(area, "malformed row", problem))
            continue
        row = {"target": None, "better": None, "note": "", **row}
        row["status"] = status(row)
        out.append(row)
    return out, elapsed


def _error_text(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def machine() -> dict[str, Any]:
    """The machine and software the figures come from."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
    }
    if hasattr(os, "getloadavg"):
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    try:
        from apidebug_nb import __version__

        info["apidebug_nb"] = __version__
    except Exception:  # the header must not depend on the package importing
        info["apidebug_nb"] = None
    info["git_commit"] = _git_commit()
    return info


def _cpu_model() -> str | None:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or None
    for line in text.splitlines():
        if line.lower().startswith(("model name", "hardware", "cpu model")):
            return line.split(":", 1)[1].strip()
    return platform.processor() or None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def fmt_number(value: float | None) -> str:
    """Three or so significant digits, thousands separated: 2,512 / 41.3 / 0.0123."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt_target(row: dict[str, Any]) -> str:
    if row.get("target") is None:
        return "-"
    sign = ">=" if row.get("better") == "higher" else "<="
    return f"{sign} {fmt_number(row['target'])}"


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a plain-text table; notes follow, numbered, under it."""
    head = ("area", "name", "value", "unit", "target", "status", "#")
    body, notes = [], []
    for row in rows:
        mark = ""
        if row.get("note"):
            notes.append(row["note"])
            mark = str(len(notes))
        body.append(
            (
                row["area"],
                row["name"],
                fmt_number(row["value"]),
                row.get("unit", ""),
                fmt_target(row),
                row["status"],
                mark,
            )
        )
    widths = [max(len(str(r[i])) for r in (head, *body)) for i in range(len(head))]
    right = {2, 4}  # numbers line up on the right

    def line(cells: tuple[str, ...]) -> str:
        parts = [
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    out = [line(head), line(tuple("-" * w for w in widths))]
    out += [line(r) for r in body]
    if notes:
        out.append("")
        out += [f"[{n}] {text}" for n, text in enumerate(notes, 1)]
    return "\n".join(out)


def header(info: dict[str, Any], quick: bool) -> str:
    load = info.get("load_average")
    return "\n".join(
        [
            f"apidebug_nb {info.get('apidebug_nb')} benchmarks"
            + (" (quick)" if quick else "")
            + (f" at commit {info['git_commit']}" if info.get("git_commit") else ""),
            f"python {info['python']} ({info['implementation']}), {info['cpu_count']} cpus, "
            f"{info['platform']}",
            f"cpu: {info.get('cpu_model') or 'unknown'}"
            + (f"; load average {load[0]} {load[1]} {load[2]}" if load else ""),
        ]
    )


def parse_args(argv: list[str] | None, areas: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure apidebug_nb's speed and print each figure against its target.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="run every measurement once, small (seconds)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="AREA",
        help=f"run only these areas (available: {', '.join(areas) or 'none'})",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only or ()) - set(areas))
    if unknown:
        parser.error(f"unknown area(s) {', '.join(unknown)}; available: {', '.join(areas)}")
    return args


def main(argv: list[str] | None = None, package: str = PACKAGE) -> int:
    """Run the benchmarks; 0 unless some benchmark crashed."""
    modules = discover(package)
    args = parse_args(argv, list(modules))
    chosen = [a for a in modules if not args.only or a in args.only]
    info = machine()
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    print(header(info, args.quick), flush=True)
    rows: list[dict[str, Any]] = []
    durations: dict[str, float] = {}
    total = time.perf_counter()
    for area in chosen:
        print(f"running {area} ...", file=sys.stderr, flush=True)
        area_rows, durations[area] = run_area(area, modules[area], args.quick)
        rows += area_rows
    elapsed = time.perf_counter() - total
    print()
    print(table(rows))
    crashed = sum(r["status"] == CRASHED for r in rows)
    missed = sum(r["status"] == MISSED for r in rows)
    print(
        f"\n{len(rows)} rows in {elapsed:.1f} s: "
        f"{sum(r['status'] == OK for r in rows)} ok, {missed} missed, {crashed} crashed"
    )
    if args.json:
        result = {
            "machine": info,
            "quick": args.quick,
            "started_utc": started,
            "seconds": round(elapsed, 3),
            "area_seconds": {a: round(s, 3) for a, s in durations.items()},
            "rows": rows,
        }
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
