"""Write the documentation pictures of the canonical hard task.

Usage: ``python -m apidebug_nb.views.make_images docs/images``

Writes the service graph at reset, midway and solved, the health timeline
and the grade chart of the reference solution. The same package version always writes the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from apidebug_nb.episode.episode import Episode
from apidebug_nb.grading.oracle import oracle_actions
from apidebug_nb.scenarios.catalogue import load_scenario
from apidebug_nb.views import figures
from apidebug_nb.views.grade_plot import plot_grade
from apidebug_nb.views.graph_plot import plot_service_graph
from apidebug_nb.views.timeline_plot import plot_health_timeline

IMAGES = (
    ("hard_graph_reset.png", "The hard task at reset"),
    ("hard_graph_midway.png", "The hard task midway (three problems fixed)"),
    ("hard_graph_solved.png", "The hard task solved"),
    ("hard_timeline.png", "Health timeline of the reference solution"),
    ("hard_grade.png", "Grade chart of the reference solution"),
)


def make_images(directory: str | Path) -> list[Path]:
    """Write every picture (and its text twin) into ``directory``; returns the PNG paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    sc = load_scenario("hard")
    oracle = oracle_actions(sc)
    ep = Episode(sc)
    ep.reset()
    written = []

    def save(name: str, ax) -> None:
        path = out / name
        path.write_bytes(figures.png_bytes(ax.figure))
        written.append(path)

    save("hard_graph_reset.png", plot_service_graph(ep, selected="order_service"))
    # Midway: the reference solver's first six actions (three fixes), plus the
    # inspection that follows, so the picture shows what the learner would see next.
    for action in oracle[:7]:
        ep.step(action)
    selected = oracle[6].service
    save("hard_graph_midway.png", plot_service_graph(ep, selected=selected))
    for action in oracle[7:]:
        ep.step(action)
    save("hard_graph_solved.png", plot_service_graph(ep))
    save("hard_timeline.png", plot_health_timeline(ep))
    save("hard_grade.png", plot_grade(ep.grade()))
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m apidebug_nb.views.make_images DIRECTORY", file=sys.stderr)
        return 2
    for path in make_images(args[0]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
