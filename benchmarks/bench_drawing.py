"""Drawing speed: the service graph at 10, 50, 200, 300 and 1,000 services, and the other pictures.

Scenarios come from ``generate_scenario(n, n // 10, seed=0)``. "full" is
``plot_service_graph`` on a new figure plus ``png_bytes`` (what a notebook
cell or the docs script does); "dashboard first" is building the live
graph's cached background plus its first PNG; "dashboard redraw" is one new
state on that background (a fix or a new selection). "SVG" is
``graph_svg_picture`` (layout included, the browser draws the glyphs): the
whole graph at 300 services (target 0.3 s), and at 1,000 services both the
whole graph and the focused view (the failing paths, healthy services
counted per column) that big graphs get by default.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import apidebug_nb as adb
from apidebug_nb.instructor.generator import generate_scenario
from apidebug_nb.views import figures
from apidebug_nb.views.grade_plot import plot_grade
from apidebug_nb.views.graph_plot import GraphState, plot_service_graph
from apidebug_nb.views.graph_raster import GraphRaster
from apidebug_nb.views.graph_svg import focus_services, graph_svg_picture
from apidebug_nb.views.timeline_plot import plot_health_timeline

AREA = "drawing"
SIZES, QUICK_SIZES = (10, 50, 200, 1000), (10, 200)
TARGET_MS = {200: 2000.0}
TARGET_SVG_300_MS = 300.0
REPEATS, QUICK_REPEATS = 3, 1


CPU_MS: list[float] = []  # CPU time of the last _median_ms call's runs


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time in ms; the CPU-time median lands in ``CPU_MS[-1]``."""
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    CPU_MS.append(round(statistics.median(cpu), 1))
    return round(statistics.median(times), 1)


def _episode(n: int) -> adb.Episode:
    ep = adb.Episode(generate_scenario(n, max(1, n // 10), seed=0))
    ep.reset()
    return ep


def run(quick: bool = False) -> list[dict]:
    repeats = QUICK_REPEATS if quick else REPEATS
    rows = []
    figures.png_bytes(plot_service_graph(_episode(10)).figure)  # warm fonts and imports
    for n in QUICK_SIZES if quick else SIZES:
        ep = _episode(n)
        services = ep.scenario.services
        first_service = services[0]
        full = _median_ms(
            lambda ep=ep, s=first_service: figures.png_bytes(
                plot_service_graph(ep, selected=s).figure
            ),
            repeats,
        )
        rows.append(
            {
                "area": AREA,
                "name": f"service graph, {n} services (full draw + PNG)",
                "value": full,
                "unit": "ms",
                "target": TARGET_MS.get(n),
                "better": "lower",
                "note": f"median of {repeats}; CPU time {CPU_MS[-1]} ms",
            }
        )
        first = _median_ms(
            lambda ep=ep, s=first_service: GraphRaster(ep.scenario).png(GraphState.of(ep, s)),
            repeats,
        )
        raster = GraphRaster(ep.scenario)
        states = [GraphState.of(ep, s) for s in services[: max(3, repeats)]]
        redraws = [_median_ms(lambda s=s, r=raster: r._render(s), 1) for s in states]
        rows.append(
            {
                "area": AREA,
                "name": f"dashboard graph, {n} services (first / redraw)",
                "value": round(statistics.median(redraws), 1),
                "unit": "ms",
                "better": "lower",
                "note": f"redraw median of {len(redraws)}; first draw {first} ms",
            }
        )
    rows += svg_rows(repeats)
    sc = adb.load_scenario("hard")
    ep = adb.Episode(sc)
    ep.reset()
    for action in adb.oracle_actions(sc):
        ep.step(action)
    grade = ep.grade()
    for name, draw in (
        ("health timeline (hard, solved)", lambda: plot_health_timeline(ep)),
        ("grade chart (hard)", lambda: plot_grade(grade)),
    ):
        rows.append(
            {
                "area": AREA,
                "name": name,
                "value": _median_ms(lambda d=draw: figures.png_bytes(d().figure), repeats),
                "unit": "ms",
                "better": "lower",
                "note": f"draw + PNG, median of {repeats}; CPU time {CPU_MS[-1]} ms",
            }
        )
    return rows


def svg_rows(repeats: int) -> list[dict]:
    """The graph as SVG: 300 services whole, 1,000 services whole and focused."""
    rows = []
    for n, focus, target in (
        (300, False, TARGET_SVG_300_MS),
        (1000, False, None),
        (1000, True, None),
    ):
        ep = _episode(n)
        selected = ep.scenario.services[0]
        # a new scenario each run, so the layout is not reused from a cache
        first = _median_ms(
            lambda n=n, f=focus, s=selected: graph_svg_picture(_episode(n), s, focus=f), 1
        )
        again = _median_ms(
            lambda ep=ep, f=focus, s=selected: graph_svg_picture(ep, s, focus=f), repeats
        )
        what = "focused view" if focus else "whole graph"
        shown = len(focus_services(ep.scenario, GraphState.of(ep, selected))) if focus else n
        rows.append(
            {
                "area": AREA,
                "name": f"service graph, {n} services, SVG ({what})",
                "value": again,
                "unit": "ms",
                "target": target,
                "better": "lower",
                "note": f"median of {repeats}; {shown} of {n} services drawn; the first draw of "
                f"a new scenario (reset and layout included) {first} ms",
            }
        )
    return rows
