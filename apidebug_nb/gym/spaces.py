"""Gymnasium spaces of the environments, and how an action is encoded in them.

Observation (a ``Dict``):

* ``"text"``: :func:`~apidebug_nb.views.lab.observation_text` of the step, for
  text agents (an LLM prompt, say). Characters outside printable ASCII become
  ``"?"``; a text longer than :data:`MAX_TEXT` keeps its first line and its
  last characters. The full record is always in ``info["observation"]``.
* ``"health"``: one entry per service, in ``scenario.services`` order:
  0 healthy, 1 degraded, 2 error.
* ``"resolved"``: problems fixed so far; ``"steps_left"``: the remaining budget.
* ``"accepted"``: 1 when the step's action was accepted, else 0.

Action (a ``Dict``):

* ``"kind"``: an index into :data:`~apidebug_nb.episode.actions.KINDS`
  (0 inspect_logs, 1 inspect_config, 2 inspect_endpoint, 3 submit_fix,
  4 hint, 5 reveal).
* ``"service"``: an index into ``scenario.services`` (read by the inspections
  and by ``submit_fix``; ignored otherwise).
* ``"fix"``: the fix of a ``submit_fix`` as JSON text: a JSON merge patch
  (RFC 7396) of that service's config, dotted keys allowed, e.g.
  ``'{"headers.Authorization": "Bearer t0k"}'``. Text that is not JSON is
  submitted as it is, and the episode rejects it as a bad patch (a spent step,
  never an exception). Ignored by the other kinds.

>>> decode_action({"kind": 3, "service": 0, "fix": '{"timeout": 30}'}, ["api", "db"])
Action(kind='submit_fix', service='api', changes={'timeout': 30}, issue=None)
>>> decode_action({"kind": 4, "service": 1, "fix": ""}, ["api", "db"])
Action(kind='hint', service=None, changes=None, issue=None)
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from apidebug_nb.episode.actions import KINDS, Action
from apidebug_nb.episode.observation import Observation
from apidebug_nb.errors import ActionError
from apidebug_nb.views.lab import observation_text

MAX_TEXT = 20_000  # characters of the text observation
MAX_FIX = 2_000  # characters of a fix's JSON text
MAX_STEPS = 1_000  # upper bound of steps_left in the observation space
CHARSET = frozenset(string.printable)  # letters, digits, punctuation and whitespace
HEALTH = ("healthy", "degraded", "error")
_CUT = "\n    [...]\n"


def observation_space(n_services: int, n_issues: int) -> spaces.Dict:
    return spaces.Dict(
        {
            "text": spaces.Text(max_length=MAX_TEXT, min_length=0, charset=CHARSET),
            "health": spaces.MultiDiscrete([len(HEALTH)] * n_services),
            "resolved": spaces.Discrete(n_issues + 1),
            "steps_left": spaces.Discrete(MAX_STEPS + 1),
            "accepted": spaces.Discrete(2),
        }
    )


def action_space(n_services: int) -> spaces.Dict:
    return spaces.Dict(
        {
            "kind": spaces.Discrete(len(KINDS)),
            "service": spaces.Discrete(n_services),
            "fix": spaces.Text(max_length=MAX_FIX, min_length=0, charset=CHARSET),
        }
    )


def fit_text(text: str) -> str:
    """``text`` within the text space: printable ASCII, at most MAX_TEXT characters.

    >>> fit_text("a\\u2192b")
    'a?b'
    """
    text = "".join(c if c in CHARSET else "?" for c in text)
    if len(text) <= MAX_TEXT:
        return text
    head = text.split("\n", 1)[0][: MAX_TEXT // 4]
    return head + _CUT + text[-(MAX_TEXT - len(head) - len(_CUT)) :]


def encode_observation(obs: Observation, services: Sequence[str]) -> dict[str, Any]:
    """The observation in :func:`observation_space`."""
    return {
        "text": fit_text(observation_text(obs)),
        "health": np.array(
            [HEALTH.index(obs.health.get(s, "healthy")) for s in services], dtype=np.int64
        ),
        "resolved": obs.resolved,
        "steps_left": min(max(obs.steps_left, 0), MAX_STEPS),
        "accepted": int(obs.accepted),
    }


def _index(value: Any, size: int, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ActionError(f"action {what} must be an integer index, got {type(value).__name__}")
    if not 0 <= int(value) < size:
        raise ActionError(f"action {what} {int(value)} is out of range 0..{size - 1}")
    return int(value)


def is_encoded(action: Any) -> bool:
    """True for an action of :func:`action_space` (not an Action or a seed-style dict)."""
    return isinstance(action, Mapping) and set(action) == {"kind", "service", "fix"}


def decode_action(action: Mapping[str, Any], services: Sequence[str]) -> Action:
    """The :class:`Action` an encoded action stands for (ActionError if out of range)."""
    kind = KINDS[_index(action["kind"], len(KINDS), "kind")]
    service = services[_index(action["service"], len(services), "service")]
    if kind == "submit_fix":
        text = action["fix"]
        if not isinstance(text, str):
            raise ActionError(f"action fix must be JSON text, got {type(text).__name__}")
        try:
            return Action.submit_fix(service, json.loads(text))
        except (ValueError, RecursionError):  # not JSON, or JSON beyond the fix limits
            return Action.submit_fix(service, text)  # the episode rejects it as a bad patch
    if kind == "hint":
        return Action.hint()
    if kind == "reveal":
        return Action.reveal()
    return Action(kind, service)
