"""Scale: generated scenarios of 100 to 3,000 services.

For each size: generate + validate, the first reset (which builds the
simulation's indexes), a warm reset of a fresh episode, the median step of the
reference solver's episode, grading that episode, and verifying its
transcript by replay. Plus the acceptance figure: generate + validate
500 services / 100 problems (target 1 s). Medians of several runs; the first
call of each kind warms lazy imports (networkx) before timing.

A step's cost must follow what it touched: each action kind is timed on the
same shape of episode at 300 and at 3,000 services (30 and 300 problems): the
services of the first 20 problems inspected three ways, then those 20 problems
fixed. The rows give the 3,000-service median and its ratio to the 300-service
one (target 3x). Last, grading a solved 3,000-service scenario (target 5 ms).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import apidebug_nb as adb
from apidebug_nb.instructor.generator import generate_scenario
from apidebug_nb.scenarios.records import thaw

AREA = "scale"
SIZES = ((100, 20), (1000, 200))
RATIO_SIZES = ((300, 30), (3000, 300))
RATIO_KINDS = ("inspect_logs", "inspect_config", "inspect_endpoint", "submit_fix")
TARGET_RATIO = 3.0
TARGET_GRADE_3000_MS = 5.0


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


def step_medians(sc: adb.Scenario, n: int = 20) -> dict[str, float]:
    """Median microseconds of each action kind over one episode of the ratio workload."""
    ep = adb.Episode(sc)
    ep.reset()
    issues = sc.issue_records[:n]
    actions = [
        getattr(adb.Action, kind)(i.service)
        for i in issues
        for kind in ("inspect_logs", "inspect_config", "inspect_endpoint")
    ]
    actions += [adb.Action.submit_fix(i.service, thaw(i.reference_fix)) for i in issues]
    times: dict[str, list[float]] = {kind: [] for kind in RATIO_KINDS}
    gc.collect()
    for action in actions:
        t = time.perf_counter()
        ep.step(action)
        times[action.kind].append(time.perf_counter() - t)
    return {k: statistics.median(v) * 1e6 for k, v in times.items()}


def ratio_rows(repeats: int) -> list[dict[str, Any]]:
    """Each action kind at 3,000 services against 300, and grading the solved 3,000."""
    medians = {}
    scenarios = {}
    for n_services, n_issues in RATIO_SIZES:
        sc = scenarios[n_services] = generate_scenario(n_services, n_issues, seed=0)
        adb.Episode(sc).reset()  # the simulation's indexes are built once per scenario
        runs = [step_medians(sc) for _ in range(repeats)]
        medians[n_services] = {k: statistics.median(r[k] for r in runs) for k in RATIO_KINDS}
    small, big = (n for n, _ in RATIO_SIZES)
    rows = []
    for kind in RATIO_KINDS:
        rows.append(
            {
                "area": AREA,
                "name": f"{kind} at 3,000 services / at 300",
                "value": round(medians[big][kind] / medians[small][kind], 2),
                "unit": "x",
                "target": TARGET_RATIO,
                "better": "lower",
                "note": f"median {medians[big][kind]:,.0f} us vs {medians[small][kind]:,.0f} us "
                f"(20 steps of each kind, {repeats} runs)",
            }
        )
    solved = adb.Episode(scenarios[big])
    solved.reset()
    for iid in solved.sim.order:  # every reference fix, in ideal order
        issue = solved.sim.issues[iid]
        solved.step(adb.Action.submit_fix(issue.service, thaw(issue.reference_fix)))
    if not solved.terminated:
        raise RuntimeError("the reference fixes did not solve the 3,000-service scenario")
    rows.append(
        _row(
            "grade, solved 3,000-service generated scenario",
            _median_ms(solved.grade, repeats),
            TARGET_GRADE_3000_MS,
            f"ep.grade() after its {solved.steps} reference fixes in ideal order",
        )
    )
    return rows


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
    return rows + ratio_rows(1 if quick else 3)
