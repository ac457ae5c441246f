"""apidebug_nb: learn to debug broken API integrations, in Jupyter.

Layers, each importing only those before it: scenarios (data) -> model
(rules, graphs, validation, simulation) -> episode (actions, state) ->
grading (rubric, transcripts, agents) -> instructor tools -> views (plots,
dashboard; the only modules that import matplotlib or ipywidgets).

>>> import apidebug_nb as adb
>>> adb.TASKS
('easy', 'medium', 'hard')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apidebug_nb._version import __version__
from apidebug_nb.episode.actions import Action
from apidebug_nb.episode.episode import Episode
from apidebug_nb.episode.observation import Observation
from apidebug_nb.errors import (
    ActionError,
    ApiDebugError,
    EpisodeFinishedError,
    MissingPathError,
    RuleError,
    ScenarioError,
    TranscriptError,
    UnknownTaskError,
)
from apidebug_nb.scenarios.catalogue import TASKS, load_scenario, task_pool
from apidebug_nb.scenarios.records import Issue, Scenario, Service

if TYPE_CHECKING:
    from apidebug_nb.grading.agents import BaselineAgent, InspectOnlyAgent, RandomPatchAgent, play
    from apidebug_nb.grading.oracle import oracle_actions
    from apidebug_nb.grading.rubric import Grade
    from apidebug_nb.grading.transcript import Verification, replay, verify
    from apidebug_nb.instructor.classroom import grade_transcripts
    from apidebug_nb.instructor.generator import generate_scenario
    from apidebug_nb.instructor.scenario_files import load_scenario_file
    from apidebug_nb.instructor.variants import assign_variants
    from apidebug_nb.model.validation import validate_scenario
    from apidebug_nb.views.dashboard import Dashboard
    from apidebug_nb.views.figures import picture
    from apidebug_nb.views.grade_plot import plot_grade
    from apidebug_nb.views.graph_plot import plot_service_graph
    from apidebug_nb.views.graph_text import graph_text
    from apidebug_nb.views.lab import Quiz, act, show, try_fix
    from apidebug_nb.views.timeline_plot import plot_health_timeline, timeline_text

# Loaded on first use, so `import apidebug_nb` stays fast (grading, validation
# and transcripts are not needed to play) and never loads ipywidgets or
# matplotlib (the view layer) or YAML (the instructor tools).
_LAZY = {
    "oracle_actions": "apidebug_nb.grading.oracle",
    "Grade": "apidebug_nb.grading.rubric",
    "Verification": "apidebug_nb.grading.transcript",
    "replay": "apidebug_nb.grading.transcript",
    "verify": "apidebug_nb.grading.transcript",
    "validate_scenario": "apidebug_nb.model.validation",
    "Dashboard": "apidebug_nb.views.dashboard",
    "plot_service_graph": "apidebug_nb.views.graph_plot",
    "plot_health_timeline": "apidebug_nb.views.timeline_plot",
    "plot_grade": "apidebug_nb.views.grade_plot",
    "graph_text": "apidebug_nb.views.graph_text",
    "timeline_text": "apidebug_nb.views.timeline_plot",
    "BaselineAgent": "apidebug_nb.grading.agents",
    "InspectOnlyAgent": "apidebug_nb.grading.agents",
    "RandomPatchAgent": "apidebug_nb.grading.agents",
    "play": "apidebug_nb.grading.agents",
    "grade_transcripts": "apidebug_nb.instructor.classroom",
    "generate_scenario": "apidebug_nb.instructor.generator",
    "load_scenario_file": "apidebug_nb.instructor.scenario_files",
    "assign_variants": "apidebug_nb.instructor.variants",
    "picture": "apidebug_nb.views.figures",
    "Quiz": "apidebug_nb.views.lab",
    "act": "apidebug_nb.views.lab",
    "show": "apidebug_nb.views.lab",
    "try_fix": "apidebug_nb.views.lab",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'apidebug_nb' has no attribute {name!r}")


__all__ = [
    "TASKS",
    "Action",
    "BaselineAgent",
    "InspectOnlyAgent",
    "RandomPatchAgent",
    "assign_variants",
    "generate_scenario",
    "grade_transcripts",
    "load_scenario_file",
    "play",
    "ActionError",
    "ApiDebugError",
    "Dashboard",
    "Episode",
    "EpisodeFinishedError",
    "Grade",
    "Issue",
    "MissingPathError",
    "Observation",
    "Quiz",
    "RuleError",
    "Scenario",
    "ScenarioError",
    "Service",
    "TranscriptError",
    "UnknownTaskError",
    "Verification",
    "act",
    "graph_text",
    "picture",
    "plot_grade",
    "plot_health_timeline",
    "plot_service_graph",
    "timeline_text",
    "__version__",
    "load_scenario",
    "oracle_actions",
    "replay",
    "show",
    "task_pool",
    "try_fix",
    "validate_scenario",
    "verify",
]
