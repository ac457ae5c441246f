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
from apidebug_nb.grading.oracle import oracle_actions
from apidebug_nb.grading.rubric import Grade
from apidebug_nb.grading.transcript import Verification, replay, verify
from apidebug_nb.model.validation import validate_scenario
from apidebug_nb.scenarios.catalogue import TASKS, load_scenario, task_pool
from apidebug_nb.scenarios.records import Issue, Scenario, Service

if TYPE_CHECKING:  # the view layer loads ipywidgets/matplotlib only when asked for
    from apidebug_nb.views.dashboard import Dashboard

_LAZY = {
    "Dashboard": ("apidebug_nb.views.dashboard", "Dashboard"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'apidebug_nb' has no attribute {name!r}")


__all__ = [
    "TASKS",
    "Action",
    "ActionError",
    "ApiDebugError",
    "Dashboard",
    "Episode",
    "EpisodeFinishedError",
    "Grade",
    "Issue",
    "MissingPathError",
    "Observation",
    "RuleError",
    "Scenario",
    "ScenarioError",
    "Service",
    "TranscriptError",
    "UnknownTaskError",
    "Verification",
    "__version__",
    "load_scenario",
    "oracle_actions",
    "replay",
    "task_pool",
    "validate_scenario",
    "verify",
]
