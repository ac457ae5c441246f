"""The built-in tasks and ``load_scenario``."""

from __future__ import annotations

from functools import lru_cache

from apidebug_nb.errors import UnknownTaskError
from apidebug_nb.scenarios import easy, hard, medium
from apidebug_nb.scenarios.builder import TaskSpec, build_scenario, pool_issues
from apidebug_nb.scenarios.records import Issue, Scenario

SPECS: dict[str, TaskSpec] = {s.id: s for s in (easy.SPEC, medium.SPEC, hard.SPEC)}
TASKS: tuple[str, ...] = tuple(SPECS)


def task_spec(task: str) -> TaskSpec:
    """The specification of a built-in task (clear error for an unknown name)."""
    if not isinstance(task, str) or task not in SPECS:
        raise UnknownTaskError(f"unknown task {task!r}; tasks are: {', '.join(TASKS)}")
    return SPECS[task]


def load_scenario(task: str, seed: int | None = None) -> Scenario:
    """Load a built-in task: ``seed=None`` gives the canonical episode, a seed a variant.

    >>> sc = load_scenario("hard", seed=7)
    >>> sc.id, sc.max_steps, len(sc.issues)
    ('hard-7', 40, 5)
    >>> load_scenario("hard").issue_ids[:2]
    ['hard.deprecated_url', 'hard.timeout']
    """
    spec = task_spec(task)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"seed must be None or a non-negative integer, got {seed!r}")
    return _build(spec.id, seed)


@lru_cache(maxsize=4096)
def _build(task: str, seed: int | None) -> Scenario:
    # Scenarios are immutable, so a variant built once can be shared by every episode.
    return build_scenario(SPECS[task], seed)


def task_pool(task: str) -> list[Issue]:
    """Every issue a task can draw (with canonical values), for explanations."""
    return pool_issues(task_spec(task))
