"""Shared test settings: a deterministic hypothesis profile and the built-in variants."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

import apidebug_nb as adb

# Derandomized and database-less, so every run (and CI) explores the same examples.
settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("deterministic")

#: Every built-in task must give a sound variant for each of these seeds.
SEED_COUNT = 1000


@pytest.fixture(scope="session")
def variants() -> dict[str, list[adb.Scenario]]:
    """``{task: [scenario for seed 0 .. SEED_COUNT - 1]}``, built once per session."""
    return {
        task: [adb.load_scenario(task, seed) for seed in range(SEED_COUNT)] for task in adb.TASKS
    }
