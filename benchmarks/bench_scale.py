"""Scale: generated scenarios of 100 and 1,000 services (20 and 200 problems).

For each size: generate + validate, the first reset (which builds the
simulation's indexes), a warm reset of a fresh episode, the median step of the
reference solver's episode, grading that episode, and verifying its
transcript by replay. Plus the acceptance figure: generate + validate
500 services / 100 problems (target 1 s). Medians of several runs; the first
call of each kind warms lazy imports (networkx) before timing.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import apidebug_nb as adb
from apidebug_nb.instructor.generator import generate_scenario

AREA = "scale"
SIZES = ((100, 20), (1000, 200))


def _median_ms(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def _row(name: str, value: float, target: float | None, note: str) -> dict[str, Any]:
    return {
        "area": AREA,
        "name": name,
        "value": round(value, 3),
        "unit": "ms",
        "target": target,
        "better": "lower",
        "note": note,
    }


def _solved(sc: adb.Scenario) -> adb.Episode:
    ep = adb.Episode(sc)
    ep.reset()
    for action in adb.oracle_actions(sc):
        ep.step(action)
    return ep


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Measure generation, validation, reset, step, grade and verify at scale."""
    repeats = 1 if quick else 5
    adb.validate_scenario(generate_scenario(5, 3, seed=0))  # warm networkx and the rest
    rows = []
    seed = iter(range(1, 1000))
    gv = _median_ms(lambda: adb.validate_scenario(generate_scenario(500, 100, next(seed))), repeats)
    rows.append(_row("generate + validate 500 services x 100", gv, 1000.0, f"median of {repeats}"))
    for n_services, n_issues in SIZES:
        label = f"{n_services} svc x {n_issues}"
        sc = generate_scenario(n_services, n_issues, seed=0)
        first = _median_ms(lambda s=sc: adb.Episode(s).reset(), 1)
        reset = _median_ms(lambda s=sc: adb.Episode(s).reset(), repeats * 4)
        ep = adb.Episode(sc)
        ep.reset()
        steps = []
        for action in adb.oracle_actions(sc):
            t = time.perf_counter()
            ep.step(action)
            steps.append(time.perf_counter() - t)
        grade = _median_ms(ep.grade, repeats)
        transcript = ep.transcript()
        check = _median_ms(lambda t=transcript: adb.verify(t), 1 if quick else 3)
        target_reset = 50.0 if n_services == 1000 else None
        target_step = 2.0 if n_services == 1000 else None
        rows += [
            _row(f"first reset ({label})", first, None, "builds the simulation's indexes once"),
            _row(f"reset ({label})", reset, target_reset, "fresh Episode + reset, median"),
            _row(
                f"step ({label})",
                statistics.median(steps) * 1000,
                target_step,
                f"median of the reference solver's {len(steps)} steps",
            ),
            _row(f"grade ({label})", grade, None, "ep.grade() of the solved episode"),
            _row(f"verify transcript ({label})", check, None, "replay + compare claims"),
        ]
    return rows
