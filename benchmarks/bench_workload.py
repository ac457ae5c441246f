"""The seed environment's workload: inspect everything, apply the reference fixes, grade.

This is the yardstick the engine is compared with, as its origin runs it: for
the seed environment's three tasks (``easy``, ``medium``, ``hard``) and seeds
0..199, a fresh episode (``load_scenario`` +
``Episode`` + ``reset``), then ``inspect_logs`` and ``inspect_config`` of every
service in the scenario's order, then each issue's ``reference_fix`` through
``submit_fix`` in declaration order (stopping when the episode ends), then
``grade()``. The per-step figure divides a whole pass's wall time, grading and
loading included, by the steps it took (``reset`` counts as one).

"Warm" passes reuse the variants ``load_scenario`` memoises; "cold" passes
empty that cache first, so every variant and its simulation is built for the
first time. One episode per task runs before timing (one-off lazy imports).
The garbage collector stays on; a full collection runs between passes.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

import apidebug_nb as adb
from apidebug_nb.scenarios import catalogue
from apidebug_nb.scenarios.records import thaw

AREA = "workload"
SEEDS, QUICK_SEEDS = range(200), range(10)
WARM_PASSES, COLD_PASSES = 5, 3
TARGET_STEP_US = 15.0
TARGET_COLD_RATIO = 1.5
SEED_TASKS = ("easy", "medium", "hard")  # the tasks the seed environment has


def seed_actions(scenario: adb.Scenario) -> list[adb.Action]:
    """Logs and config of every service, then every issue's reference fix."""
    actions = []
    for service in scenario.services:
        actions.append(adb.Action.inspect_logs(service))
        actions.append(adb.Action.inspect_config(service))
    for issue in scenario.issue_records:
        actions.append(adb.Action.submit_fix(issue.service, thaw(issue.reference_fix)))
    return actions


def seed_episode(task: str, seed: int) -> tuple[int, float]:
    """One episode of the workload: (steps taken counting reset, seconds spent grading)."""
    scenario = adb.load_scenario(task, seed)
    episode = adb.Episode(scenario)
    episode.reset()
    steps = 1
    for action in seed_actions(scenario):
        if episode.done:
            break
        episode.step(action)
        steps += 1
    if not episode.terminated:  # the reference fixes must end the incident
        raise RuntimeError(f"the reference fixes did not finish {task} seed {seed}")
    start = time.perf_counter()
    episode.grade()
    return steps, time.perf_counter() - start


def one_pass(seeds: range, cold: bool) -> dict[str, float]:
    """Every task and seed once: wall seconds, CPU seconds, steps, grading seconds."""
    if cold:
        catalogue._build.cache_clear()
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    steps, grading = 0, 0.0
    for task in SEED_TASKS:
        for seed in seeds:
            n, g = seed_episode(task, seed)
            steps += n
            grading += g
    return {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "steps": steps,
        "grading": grading,
    }


def _row(name: str, value: float, unit: str, target: float | None, better: str, note: str):
    return {
        "area": AREA,
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "target": target,
        "better": better,
        "note": note,
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    seeds = QUICK_SEEDS if quick else SEEDS
    warm_passes, cold_passes = (1, 1) if quick else (WARM_PASSES, COLD_PASSES)
    for task in SEED_TASKS:
        seed_episode(task, 0)
    # alternate cold and warm passes, so a change in the machine's load hits both
    warm: list[dict[str, float]] = []
    cold: list[dict[str, float]] = []
    for n in range(max(warm_passes, cold_passes)):
        if n < cold_passes:
            cold.append(one_pass(seeds, cold=True))
        if n < warm_passes:
            warm.append(one_pass(seeds, cold=False))
    episodes = len(SEED_TASKS) * len(seeds)
    steps = warm[0]["steps"]

    def per_step(passes: list[dict[str, float]], key: str = "wall") -> list[float]:
        return [p[key] / p["steps"] * 1e6 for p in passes]

    warm_us, cold_us = per_step(warm), per_step(cold)
    warm_cpu = statistics.median(per_step(warm, "cpu"))
    no_grade = statistics.median((p["wall"] - p["grading"]) / p["steps"] * 1e6 for p in warm)
    ratio = statistics.median(cold_us) / statistics.median(warm_us)
    what = f"3 tasks x seeds {seeds.start}..{seeds.stop - 1}: {episodes} episodes, {steps} steps"
    return [
        _row(
            "seed workload, per step, warm",
            statistics.median(warm_us),
            "us",
            TARGET_STEP_US,
            "lower",
            f"{_spread(warm_us)}; CPU {warm_cpu:.1f} us; {no_grade:.1f} us without grade(); {what}",
        ),
        _row(
            "seed workload, per step, cold",
            statistics.median(cold_us),
            "us",
            None,
            "lower",
            f"{_spread(cold_us)}; every variant built first (variant cache emptied)",
        ),
        _row(
            "seed workload, cold / warm",
            ratio,
            "x",
            TARGET_COLD_RATIO,
            "lower",
            "median cold per-step cost over median warm",
        ),
        _row(
            "seed workload, episodes/s, warm",
            episodes / statistics.median(p["wall"] for p in warm),
            "episodes/s",
            None,
            "higher",
            f"grade() is {statistics.median(p['grading'] / p['wall'] for p in warm):.0%} "
            "of a warm pass",
        ),
    ]


def _spread(values: list[float]) -> str:
    if len(values) == 1:
        return "1 pass"
    return f"median of {len(values)} passes (range {min(values):.1f}-{max(values):.1f})"
