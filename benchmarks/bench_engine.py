"""Engine throughput: reference-solver episodes per second, step time per action, reset time.

The workload is what an agent builder runs: for every built-in task and seeds
0..199, ``load_scenario`` + ``Episode`` + ``reset`` + the reference solver's
actions (``oracle_actions``) stepped to the end. "Cold" passes start with the
variant cache emptied, so ``load_scenario`` builds every variant; "warm"
passes reuse the built variants with a fresh ``Episode`` each time. The
garbage collector stays on (as in real use); it runs a full collection
between passes so one pass's garbage is not charged to the next. One episode
per task runs before any timing, so one-off lazy imports (networkx) are not
charged to the cold figure.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

import apidebug_nb as adb
from apidebug_nb.episode.actions import KINDS
from apidebug_nb.input_limits import FIX_LIMITS, clean_json
from apidebug_nb.scenarios import catalogue
from apidebug_nb.scenarios.records import thaw

AREA = "engine"
TARGET_EPISODES_PER_S = 2500.0
SEEDS, QUICK_SEEDS = range(200), range(10)
COLD_PASSES, WARM_PASSES = 3, 5
STEP_SEEDS, QUICK_STEP_SEEDS = range(40), range(3)
BUILD_CALLS, QUICK_BUILD_CALLS = 20_000, 2_000  # calls per timing; best of BUILD_REPEATS
BUILD_REPEATS = 7
SMALL_FIX = {"headers": {"Content-Type": "application/json"}, "timeout_s": 30}
TARGET_BUILD_US = {
    "inspect_logs": 1.0,
    "inspect_config": 1.0,
    "inspect_endpoint": 1.0,
    "submit_fix": 4.0,
    "clean_json": 2.5,
}


def solve(task: str, seed: int) -> adb.Episode:
    """One reference-solver episode, from loading the scenario to its last step."""
    scenario = adb.load_scenario(task, seed)
    episode = adb.Episode(scenario)
    episode.reset()
    for action in adb.oracle_actions(scenario):
        episode.step(action)
    if not episode.terminated:  # a benchmark of a broken solver would measure nothing useful
        raise RuntimeError(f"the reference solver did not finish {task} seed {seed}")
    return episode


def forget_variants() -> bool:
    """Empty ``load_scenario``'s variant cache; False if there is none to empty."""
    clear = getattr(getattr(catalogue, "_build", None), "cache_clear", None)
    if clear is None:
        return False
    clear()
    return True


def episodes_per_second(
    seeds: Iterable[int], before_pass: Callable[[], object]
) -> tuple[float, float]:
    """One pass over every task and seed: episodes per second of wall time and of CPU time.

    On a shared machine the two differ by how much other processes took the CPU.
    """
    seeds = list(seeds)
    before_pass()
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for task in adb.TASKS:
        for seed in seeds:
            solve(task, seed)
    n = len(adb.TASKS) * len(seeds)
    return n / (time.perf_counter() - start), n / max(time.process_time() - cpu, 1e-9)


def throughput_rows(quick: bool) -> list[dict]:
    seeds = QUICK_SEEDS if quick else SEEDS
    cold_passes, warm_passes = (1, 1) if quick else (COLD_PASSES, WARM_PASSES)
    episodes = len(adb.TASKS) * len(seeds)
    for task in adb.TASKS:  # one-off lazy imports (networkx) are not a per-variant cost
        solve(task, 0)
    clears = forget_variants()
    cold = [episodes_per_second(seeds, forget_variants) for _ in range(cold_passes)]
    warm = [episodes_per_second(seeds, lambda: None) for _ in range(warm_passes)]
    seed_text = f"seeds {seeds.start}..{seeds.stop - 1}, {episodes} episodes a pass"
    cold_note = (
        "variant cache emptied before each pass"
        if clears
        else "only the first pass is cold (no variant cache to empty)"
    )
    rows = []
    for name, passes, note in (
        ("oracle episodes/s, cold", cold, cold_note),
        ("oracle episodes/s, warm", warm, "variants already built, a fresh Episode each"),
    ):
        wall = [w for w, _ in passes]
        cpu = statistics.median(c for _, c in passes)
        rows.append(
            {
                "area": AREA,
                "name": name,
                "value": statistics.median(wall),
                "unit": "episodes/s",
                "target": TARGET_EPISODES_PER_S,
                "better": "higher",
                "note": f"{_spread(wall, 'passes')}; by CPU time {cpu:,.0f}; {seed_text}; "
                f"{note}; gc on",
            }
        )
    return rows


def explore_actions(scenario: adb.Scenario) -> list[adb.Action]:
    """Every action kind, per issue in ideal order: three inspections, a hint, the fix.

    The last issue is revealed before it is fixed, so ``reveal`` is timed too.
    """
    sim = adb.Episode(scenario).sim
    actions = []
    for n, iid in enumerate(sim.order):
        issue = sim.issues[iid]
        svc = issue.service
        actions += [
            adb.Action.inspect_logs(svc),
            adb.Action.inspect_config(svc),
            adb.Action.inspect_endpoint(svc),
            adb.Action.hint(),
        ]
        if n == len(sim.order) - 1:
            actions.append(adb.Action.reveal(iid))
        actions.append(adb.Action.submit_fix(svc, thaw(issue.reference_fix)))
    return actions


def step_rows(quick: bool) -> list[dict]:
    """Median time of one ``step`` per action kind, over every task."""
    seeds = QUICK_STEP_SEEDS if quick else STEP_SEEDS
    times: dict[str, list[float]] = defaultdict(list)
    clock = time.perf_counter
    for task in adb.TASKS:
        for seed in seeds:
            scenario = adb.load_scenario(task, seed)
            episode = adb.Episode(scenario)
            episode.reset()
            for action in explore_actions(scenario):
                if episode.done:
                    break
                start = clock()
                episode.step(action)
                times[action.kind].append(clock() - start)
    missing = [k for k in KINDS if not times[k]]
    if missing:
        raise RuntimeError(f"the step workload never reached {', '.join(missing)}")
    return [
        {
            "area": AREA,
            "name": f"step {kind}",
            "value": statistics.median(times[kind]) * 1e6,
            "unit": "us",
            "target": None,
            "better": "lower",
            "note": f"median of {len(times[kind])} steps (every task, seeds "
            f"{seeds.start}..{seeds.stop - 1}); p90 {_p90(times[kind]) * 1e6:.0f} us",
        }
        for kind in KINDS
    ]


def reset_rows(quick: bool) -> list[dict]:
    """Gymnasium-style ``reset(seed=...)`` of a used episode, per task (variants built)."""
    seeds = QUICK_SEEDS if quick else SEEDS
    rows = []
    for task in adb.TASKS:
        episode = adb.Episode(adb.load_scenario(task, 0))
        times = []
        for seed in seeds:
            adb.load_scenario(task, seed)  # warm: building the variant is not the reset's cost
            episode.step(adb.Action.hint())  # a used episode, so reset rebuilds its state
            start = time.perf_counter()
            episode.reset(seed=seed)
            times.append(time.perf_counter() - start)
        rows.append(
            {
                "area": AREA,
                "name": f"reset ({task})",
                "value": statistics.median(times) * 1e6,
                "unit": "us",
                "target": None,
                "better": "lower",
                "note": f"median of {len(times)} reset(seed=...) after a step; "
                f"p90 {_p90(times) * 1e6:.0f} us",
            }
        )
    return rows


def _spread(values: list[float], what: str) -> str:
    if len(values) == 1:
        return f"1 of 1 {what}"
    return f"median of {len(values)} {what} (range {min(values):,.0f}-{max(values):,.0f})"


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def build_rows(quick: bool) -> list[dict]:
    """Time to build one ``Action`` per kind (and to clean a small fix), best of repeats.

    The submit_fix row builds ``submit_fix("order_service", SMALL_FIX)``; the
    ``clean_json`` row checks and copies ``SMALL_FIX`` alone.
    """
    calls = QUICK_BUILD_CALLS if quick else BUILD_CALLS
    act = adb.Action
    builders: dict[str, Callable[[], object]] = {
        "inspect_logs": lambda: act.inspect_logs("order_service"),
        "inspect_config": lambda: act.inspect_config("order_service"),
        "inspect_endpoint": lambda: act.inspect_endpoint("order_service"),
        "submit_fix": lambda: act.submit_fix("order_service", SMALL_FIX),
        "hint": act.hint,
        "reveal": lambda: act.reveal("hard.timeout"),
        "clean_json": lambda: clean_json(SMALL_FIX, FIX_LIMITS),
    }
    rows = []
    for kind, build in builders.items():
        best = min(_time_calls(build, calls) for _ in range(BUILD_REPEATS))
        what = "clean_json(small fix)" if kind == "clean_json" else f"Action.{kind}()"
        rows.append(
            {
                "area": AREA,
                "name": f"build {what}",
                "value": best * 1e6,
                "unit": "us",
                "target": TARGET_BUILD_US.get(kind),
                "better": "lower",
                "note": f"best of {BUILD_REPEATS} timings of {calls:,} calls",
            }
        )
    return rows


def _time_calls(build: Callable[[], object], calls: int) -> float:
    """Seconds per call of ``build``, over ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        build()
    return (time.perf_counter() - start) / calls


def run(quick: bool = False) -> list[dict]:
    return throughput_rows(quick) + step_rows(quick) + reset_rows(quick) + build_rows(quick)
