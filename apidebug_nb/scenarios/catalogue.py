"""The built-in tasks and ``load_scenario``."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from apidebug_nb.errors import UnknownTaskError
from apidebug_nb.scenarios.records import Issue, Scenario

if TYPE_CHECKING:
    from apidebug_nb.scenarios.builder import TaskSpec

# The task modules (and the builder) load on first use, to keep import fast.
TASKS: tuple[str, ...] = (
    "easy",
    "medium",
    "hard",
    "retry_storm",
    "ca_rotation",
    "dns_ttl",
    "pagination_drift",
    "vendor_enum",
    "webhook_skew",
)


@lru_cache(maxsize=1)
def _specs() -> dict[str, TaskSpec]:
    modules = (importlib.import_module(f"apidebug_nb.scenarios.{t}") for t in TASKS)
    return {m.SPEC.id: m.SPEC for m in modules}


def __getattr__(name: str) -> Any:
    if name == "SPECS":  # task id -> TaskSpec
        return _specs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def task_spec(task: str) -> TaskSpec:
    """The specification of a built-in task (clear error for an unknown name)."""
    if not isinstance(task, str) or task not in TASKS:
        raise UnknownTaskError(f"unknown task {task!r}; tasks are: {', '.join(TASKS)}")
    return _specs()[task]


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
    # Masks are derived by the model from the pipeline, never declared by a task.
    from apidebug_nb.model.simulation import with_masks
    from apidebug_nb.scenarios.builder import build_scenario

    return with_masks(build_scenario(_specs()[task], seed))


# Level and skills of the first three tasks (the later incidents state theirs in their TaskSpec).
_FIRST_LEVELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "easy": ("beginner", ("reading a 4xx", "authentication headers", "timeouts and units")),
    "medium": ("intermediate", ("masking", "rate limits", "retry policy", "webhook signatures")),
    "hard": (
        "advanced",
        ("multi-service cascades", "tokens and expiry", "idempotency", "circuit breakers"),
    ),
}


def task_level(task: str) -> tuple[str, tuple[str, ...]]:
    """A built-in task's level and the skills it trains, for the catalogue.

    >>> task_level("retry_storm")[0]
    'intermediate'
    """
    spec = task_spec(task)
    if spec.level:
        return spec.level, tuple(spec.skills)
    return _FIRST_LEVELS.get(task, ("", ()))


def task_pool(task: str) -> list[Issue]:
    """Every issue a task can draw (with canonical values), for explanations.

    Each issue's ``depends_on`` is what masks it when the whole pool is broken.
    """
    from dataclasses import replace

    from apidebug_nb.model.simulation import with_masks
    from apidebug_nb.scenarios.builder import build_scenario, pool_issues

    spec = task_spec(task)
    whole = replace(spec, per_episode=len(pool_issues(spec)))
    return list(with_masks(build_scenario(whole, None)).issue_records)
