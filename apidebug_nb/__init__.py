"""apidebug_nb: learn to debug broken API integrations, in Jupyter.

Layers, each importing only those before it: scenarios (data) -> model
(rules, graphs, validation, simulation) -> episode (actions, state) ->
grading (rubric, transcripts, agents) -> instructor tools -> views (plots,
dashboard; the only modules that import matplotlib or ipywidgets).

>>> import apidebug_nb as adb
>>> adb.TASKS
('easy', 'medium', 'hard', 'retry_storm', 'ca_rotation', 'dns_ttl', 'pagination_drift', 'vendor_enum', 'webhook_skew')
"""

from __future__ import annotations

from typing import Any

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

# The one list of names loaded on first use, by module, so `import apidebug_nb`
# stays fast (grading, validation and transcripts are not needed to play) and
# never loads ipywidgets or matplotlib (the view layer) or YAML (the instructor
# tools). Type checkers see these names as Any; import them from their modules
# for precise types.
_LAZY_BY_MODULE: dict[str, tuple[str, ...]] = {
    "apidebug_nb.grading.agents": ("BaselineAgent", "InspectOnlyAgent", "RandomPatchAgent", "play"),
    "apidebug_nb.grading.oracle": ("oracle_actions",),
    "apidebug_nb.grading.rubric": ("Grade",),
    "apidebug_nb.grading.transcript": ("Verification", "replay", "verify"),
    "apidebug_nb.instructor.classroom": ("grade_transcripts",),
    "apidebug_nb.instructor.generator": ("generate_scenario",),
    "apidebug_nb.instructor.scenario_files": ("load_scenario_file",),
    "apidebug_nb.instructor.variants": ("assign_variants",),
    "apidebug_nb.model.validation": ("validate_scenario",),
    "apidebug_nb.views.dashboard": ("Dashboard",),
    "apidebug_nb.views.figures": ("picture",),
    "apidebug_nb.views.grade_plot": ("plot_grade",),
    "apidebug_nb.views.graph_plot": ("plot_service_graph",),
    "apidebug_nb.views.graph_text": ("graph_text",),
    "apidebug_nb.views.lab": ("Quiz", "act", "observation_text", "show", "try_fix"),
    "apidebug_nb.views.timeline_plot": ("plot_health_timeline", "timeline_text"),
}
_LAZY = {name: module for module, names in _LAZY_BY_MODULE.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'apidebug_nb' has no attribute {name!r}")


__all__ = [
    "TASKS",
    "Action",
    "ActionError",
    "ApiDebugError",
    "Episode",
    "EpisodeFinishedError",
    "Issue",
    "MissingPathError",
    "Observation",
    "RuleError",
    "Scenario",
    "ScenarioError",
    "Service",
    "TranscriptError",
    "UnknownTaskError",
    "__version__",
    "load_scenario",
    "task_pool",
    *_LAZY,
]


def __dir__() -> list[str]:
    """Every public name, the lazy ones too (for ``dir(adb)`` and tab completion)."""
    return sorted(set(globals()) | set(__all__))
