"""``ApiDebugEnv``: an :class:`~apidebug_nb.episode.episode.Episode` as a ``gymnasium.Env``.

``step`` takes an action of the action space (see :mod:`apidebug_nb.gym.spaces`),
an :class:`~apidebug_nb.episode.actions.Action`, or a seed-style dict
(``{"action_type": ..., "target": ..., "fix_payload": ...}``).
``info["observation"]`` holds the full :class:`~apidebug_nb.episode.observation.Observation`,
so a structured agent (``BaselineAgent``, say) reads it while the space stays fixed.

Seeds: ``reset(seed=N)`` plays variant ``N`` (``adb.load_scenario(task, N)``, or
``adb.generate_scenario(n_services, n_issues, seed=N)``); later ``reset()`` calls
draw the next variant from the environment's RNG. An environment never seeded
plays the canonical scenario (variant ``None``, or seed 0 for a generated one) on
every ``reset()``, so runs are reproducible unless randomness is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym

from apidebug_nb.episode.actions import Action
from apidebug_nb.episode.episode import Episode
from apidebug_nb.episode.observation import Observation
from apidebug_nb.gym import spaces as sp
from apidebug_nb.instructor.generator import generate_scenario
from apidebug_nb.scenarios.catalogue import TASKS, load_scenario
from apidebug_nb.scenarios.records import Scenario
from apidebug_nb.views.lab import observation_text

_VARIANTS = 2**31 - 1


class ApiDebugEnv(gym.Env[dict[str, Any], Any]):
    """A built-in task (``task="hard"``) or a generated scenario (``task=None``).

    Args:
        task: a name in ``adb.TASKS``, or ``None`` for a generated scenario.
        n_services, n_issues: the generated scenario's size (``task=None`` only).
        render_mode: ``None`` or ``"ansi"`` (``render()`` returns the step as text).
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(
        self,
        task: str | None = "easy",
        *,
        n_services: int = 4,
        n_issues: int = 2,
        render_mode: str | None = None,
    ):
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        if task is not None and task not in TASKS:
            raise ValueError(f"unknown task {task!r}; tasks are: {', '.join(TASKS)} (or None)")
        self.task = task
        self.n_services = n_services
        self.n_issues = n_issues
        self.render_mode = render_mode
        self.scenario = self._scenario(None)
        self.services = list(self.scenario.services)
        self.observation_space = sp.observation_space(
            len(self.services), len(self.scenario.issue_records)
        )
        self.action_space = sp.action_space(len(self.services))
        self.episode = Episode(self.scenario)
        self._last: Observation | None = None

    def _scenario(self, seed: int | None) -> Scenario:
        if self.task is not None:
            return load_scenario(self.task, seed)
        return generate_scenario(self.n_services, self.n_issues, seed=0 if seed is None else seed)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            variant: int | None = seed
        elif self._np_random is not None:  # seeded before: the next variant from its RNG
            variant = int(self.np_random.integers(0, _VARIANTS))
        else:
            variant = None
        scenario = self._scenario(variant)
        if len(scenario.services) != len(self.services):  # the spaces would not fit it
            raise ValueError(f"variant {variant} has a different number of services")
        self.scenario = scenario
        self.services = list(scenario.services)
        self.episode = Episode(scenario)
        obs, info = self.episode.reset(options=options)
        return self._encode(obs, info)

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        if sp.is_encoded(action):
            action = sp.decode_action(action, self.services)
        elif not isinstance(action, (Action, Mapping)):
            raise TypeError(
                "an action is a dict of the action space, an Action or a seed-style dict, "
                f"got {type(action).__name__}"
            )
        obs, reward, terminated, truncated, info = self.episode.step(action)
        encoded, info = self._encode(obs, info)
        return encoded, float(reward), terminated, truncated, info

    def _encode(
        self, obs: Observation, info: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        self._last = obs
        info = dict(info, observation=obs, services=list(self.services))
        return sp.encode_observation(obs, self.services), info

    def render(self) -> str | None:
        """The last observation as text (``render_mode="ansi"``); ``None`` otherwise."""
        if self.render_mode != "ansi" or self._last is None:
            return None
        return observation_text(self._last)
