"""Import time: ``python -c "import apidebug_nb"`` in fresh processes.

Each figure is the median wall time of whole processes, so it includes the
interpreter's own start-up; a bare ``python -c pass`` is measured the same way
and subtracted for the package's share. A separate process checks which heavy
modules the import loaded: ``matplotlib`` and ``ipywidgets`` must wait for the
views, ``networkx`` for the first scenario that needs a graph. The processes
use bytecode caches (written by one untimed import first), as an installed
package does, even where ``PYTHONDONTWRITEBYTECODE`` is set.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

AREA = "import"
TARGET_MS = 150.0
TARGET_NET_MS = 60.0  # the package's own share, net of interpreter start-up
PROCESSES, QUICK_PROCESSES = 10, 1
HEAVY = ("matplotlib", "ipywidgets", "networkx")
_CHECK = (
    "import json, sys; import apidebug_nb; "
    f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
)


def _env() -> dict[str, str]:
    """This environment, but writing and reading bytecode caches as an installed
    package does (``PYTHONDONTWRITEBYTECODE`` would compile every module each time)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def wall_ms(code: str) -> float:
    """Wall time of one fresh ``python -c code`` process, in milliseconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=_env())
    return (time.perf_counter() - start) * 1e3


def import_times(code: str) -> dict[str, int]:
    """Top-level package -> cumulative import microseconds, from ``-X importtime``."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    cumulative: dict[str, int] = {}
    for line in err.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        top_level = parts[2].strip().split(".")[0]
        cumulative[top_level] = max(cumulative.get(top_level, 0), int(parts[1]))
    return cumulative


def heaviest_imports(top: int = 3) -> str:
    """The dependencies ``import apidebug_nb`` spends longest importing (not the start-up's)."""
    startup = import_times("pass")
    package = import_times("import apidebug_nb")
    ranked = sorted(
        (
            (name, us)
            for name, us in package.items()
            if name not in startup and name != "apidebug_nb"
        ),
        key=lambda kv: -kv[1],
    )[:top]
    total = package.get("apidebug_nb", 0)
    shown = ", ".join(f"{name} {us / 1e3:.0f} ms" for name, us in ranked)
    return f"apidebug_nb {total / 1e3:.0f} ms in all; heaviest dependencies: {shown or 'none'}"


def run(quick: bool = False) -> list[dict]:
    n = QUICK_PROCESSES if quick else PROCESSES
    wall_ms("pass")  # warm the file-system cache before anything is timed
    wall_ms("import apidebug_nb")  # and write the bytecode caches, as an install does
    baseline = [wall_ms("pass") for _ in range(n)]
    package = [wall_ms("import apidebug_nb") for _ in range(n)]
    base, full = statistics.median(baseline), statistics.median(package)
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", _CHECK], check=True, capture_output=True, text=True
        ).stdout
    )
    what = f"median of {n} fresh processes" if n > 1 else "one fresh process"
    spread = f" (range {min(package):.0f}-{max(package):.0f} ms)" if n > 1 else ""
    return [
        {
            "area": AREA,
            "name": "import apidebug_nb (process wall)",
            "value": full,
            "unit": "ms",
            "target": TARGET_MS,
            "better": "lower",
            "note": f"{what}{spread}, interpreter start-up included",
        },
        {
            "area": AREA,
            "name": "python -c pass (baseline)",
            "value": base,
            "unit": "ms",
            "target": None,
            "better": "lower",
            "note": what,
        },
        {
            "area": AREA,
            "name": "import apidebug_nb (minus baseline)",
            "value": full - base,
            "unit": "ms",
            "target": TARGET_NET_MS,
            "better": "lower",
            "note": f"under -X importtime (which inflates): {heaviest_imports()}",
        },
        {
            "area": AREA,
            "name": "heavy modules loaded by the import",
            "value": len(loaded),
            "unit": "modules",
            "target": 0,
            "better": "lower",
            "note": "loaded: " + ", ".join(loaded)
            if loaded
            else f"none of {', '.join(HEAVY)} (checked in sys.modules)",
        },
    ]
