"""Turn a task specification into a concrete scenario, canonical or seeded.

A task module describes the *healthy* system, its flows of requests and a
pool of issue templates, each with the patch that breaks its contract. A
scenario is built by choosing issues (the pool's first ones, or a seeded
subset), applying only their break patches to the healthy configs, and
writing start-up logs that quote the resulting configs. So nothing in a
variant hints at an issue that was not selected. Which issue masks which is
not declared here: the model derives it from the pipeline
(:func:`apidebug_nb.model.simulation.with_masks`), and a masked issue always
comes with its mask because masks are computed on the selected issues only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from apidebug_nb.merge_patch import apply_merge_patch
from apidebug_nb.scenarios.records import (
    Fault,
    Flow,
    Hints,
    Hop,
    Issue,
    LogLine,
    Scenario,
    Service,
    freeze,
    thaw,
)

CANONICAL_START = dt.datetime(2026, 3, 14, 9, 0, 0)


@dataclass(frozen=True)
class IssueTemplate:
    """An issue of a pool plus the patch that breaks the healthy config."""

    issue: Issue
    break_patch: Mapping[str, Any]


@dataclass(frozen=True)
class TaskParts:
    """Everything a task module builds from one set of contract values."""

    services: tuple[Service, ...]  # healthy configs
    edges: tuple[tuple[str, str], ...]
    pool: tuple[IssueTemplate, ...]
    base_logs: Callable[[Mapping[str, Mapping[str, Any]]], list[LogLine]]
    flows: tuple[Flow, ...] = ()
    faults: tuple[Fault, ...] = ()


@dataclass(frozen=True)
class TaskSpec:
    """A built-in task: its id, budget, pool size per episode and builders."""

    id: str
    title: str
    description: str
    max_steps: int
    per_episode: int
    canonical_values: Mapping[str, Any]
    draw_values: Callable[[random.Random], dict[str, Any]]
    build: Callable[[Mapping[str, Any]], TaskParts]
    level: str = ""  # "beginner", "intermediate" or "advanced"
    skills: tuple[str, ...] = ()  # what the incident trains, for the catalogue


def incident_start(rng: random.Random | None) -> dt.datetime:
    """The incident clock: canonical, or a seeded date in 2026 and time of day."""
    if rng is None:
        return CANONICAL_START
    day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
    seconds = rng.randrange(6 * 3600, 21 * 3600)
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


def build_scenario(spec: TaskSpec, seed: int | None) -> Scenario:
    """Build the canonical scenario (``seed=None``) or a seeded variant."""
    rng = None if seed is None else random.Random(f"apidebug_nb:{spec.id}:{seed}")
    values = dict(spec.canonical_values) if rng is None else spec.draw_values(rng)
    start = incident_start(rng)
    parts = spec.build(values)
    pool = [t.issue for t in parts.pool]
    if rng is None:
        chosen = tuple(i.id for i in pool[: spec.per_episode])
    else:
        chosen = rng.choice(list(itertools.combinations([i.id for i in pool], spec.per_episode)))
    selected = [t for t in parts.pool if t.issue.id in chosen]

    configs = {s.name: thaw(s.config) for s in parts.services}
    for t in selected:
        configs[t.issue.service] = apply_merge_patch(configs[t.issue.service], thaw(t.break_patch))
    services = tuple(replace(s, config=freeze(configs[s.name])) for s in parts.services)
    base = sorted(parts.base_logs(configs), key=lambda line: (line.offset_s, line.service))
    return Scenario(
        id=spec.id if seed is None else f"{spec.id}-{seed}",
        title=spec.title,
        description=spec.description,
        max_steps=spec.max_steps,
        service_records=services,
        edges=parts.edges,
        issue_records=tuple(t.issue for t in selected),
        flows=parts.flows,
        faults=parts.faults,
        base_logs=tuple(base),
        incident_start=start.isoformat(),
        task=spec.id,
        seed=seed,
        pool=tuple(i.id for i in pool),
    )


def pool_issues(spec: TaskSpec) -> list[Issue]:
    """Every issue of a task's pool (canonical values), for teaching material."""
    return [t.issue for t in spec.build(spec.canonical_values).pool]


def hex_id(rng: random.Random, n: int = 6) -> str:
    """A short lowercase hex id drawn from ``rng``."""
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def next_order(order_id: str, k: int) -> str:
    """The order id ``k`` after ``order_id`` (``ord_48125`` -> ``ord_48126`` for k=1).

    >>> next_order("ord_48125", 2)
    'ord_48127'
    """
    prefix, number = order_id.rsplit("_", 1)
    return f"{prefix}_{int(number) + k}"


def ceil_to(value: float, step: int) -> int:
    """Round ``value`` up to a multiple of ``step``.

    >>> ceil_to(14, 5), ceil_to(15, 5)
    (15, 15)
    """
    return int(-(-value // step) * step)


def make_issue(
    *,
    id: str,
    service: str,
    title: str,
    category: str,
    severity: str,
    check: Mapping[str, Any],
    fix: Mapping[str, Any],
    hop: tuple[str, str],
    failure: str,
    explanation: str,
    hints: tuple[str, str, str],
    detail: str = "",
    share: Mapping[str, Any] | None = None,
) -> Issue:
    """Build an :class:`Issue` attached to one failure kind of one hop."""
    return Issue(
        id=id,
        service=service,
        title=title,
        category=category,
        severity=severity,
        check=freeze(check),
        reference_fix=freeze(fix),
        hop=(hop[0], hop[1]),
        failure=failure,
        detail=detail,
        share=freeze(share) if share is not None else None,
        explanation=explanation,
        hints=Hints(*hints),
    )


def flow(name: str, entry: str, requests: int, *hops: tuple) -> Flow:
    """Build a :class:`Flow` from ``(caller, callee, method, path[, asynchronous])`` tuples."""
    return Flow(name, entry, requests, tuple(Hop(*h) for h in hops))


def service(
    name: str,
    role: str,
    editable: bool,
    config: Mapping[str, Any],
    description: str = "",
    relays: bool = False,
) -> Service:
    """Build a :class:`Service` with a frozen config."""
    return Service(
        name=name,
        role=role,
        config=freeze(config),
        editable=editable,
        description=description,
        relays=relays,
    )
