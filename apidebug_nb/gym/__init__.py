"""Gymnasium environments (the optional extra ``[agents]``: ``pip install "apidebug_nb[agents]"``).

Importing this package registers one id per built-in task, ``apidebug_nb/easy-v0``,
``apidebug_nb/medium-v0``, ``apidebug_nb/hard-v0``, and ``apidebug_nb/generated-v0``
for a generated scenario (kwargs ``n_services`` and ``n_issues``). Gymnasium has no
plugin hook, so import this package first, or let ``gymnasium.make`` import it:
``gym.make("apidebug_nb.gym:apidebug_nb/hard-v0")``. Spaces and the
encoding of a fix: :mod:`apidebug_nb.gym.spaces`; seeds: :mod:`apidebug_nb.gym.env`.

>>> import gymnasium as gym
>>> import apidebug_nb.gym
>>> env = gym.make("apidebug_nb/easy-v0", render_mode="ansi")
>>> obs, info = env.reset(seed=3)
>>> obs["resolved"], int(obs["steps_left"]), env.unwrapped.services
(0, 15, ['payment_client', 'payment_gateway'])
>>> obs, reward, terminated, truncated, info = env.step(
...     {"kind": 0, "service": 0, "fix": ""})  # inspect_logs(payment_client)
>>> env.render().splitlines()[0]  # doctest: +ELLIPSIS
'[step 1, 14 left] ...'

An agent written for the seed's environment keeps its dicts, with one import changed:

>>> obs, reward, terminated, truncated, info = env.step(
...     {"action_type": "inspect_config", "target": "payment_client"})
>>> info["observation"].outcome.kind, obs["accepted"]
('inspect_config', 1)
"""

from __future__ import annotations

import gymnasium

from apidebug_nb.gym.env import ApiDebugEnv
from apidebug_nb.scenarios.catalogue import TASKS

GENERATED_ID = "apidebug_nb/generated-v0"
_ENTRY = "apidebug_nb.gym.env:ApiDebugEnv"
ENV_IDS: tuple[str, ...] = tuple(f"apidebug_nb/{t}-v0" for t in TASKS) + (GENERATED_ID,)


def register_envs() -> None:
    """Register every id of :data:`ENV_IDS` (done on import; calling again is harmless)."""
    for task in TASKS:
        env_id = f"apidebug_nb/{task}-v0"
        if env_id not in gymnasium.registry:
            gymnasium.register(env_id, entry_point=_ENTRY, kwargs={"task": task})
    if GENERATED_ID not in gymnasium.registry:
        gymnasium.register(
            GENERATED_ID, entry_point=_ENTRY, kwargs={"task": None, "n_services": 4, "n_issues": 2}
        )


register_envs()

__all__ = ["ENV_IDS", "GENERATED_ID", "ApiDebugEnv", "register_envs"]
