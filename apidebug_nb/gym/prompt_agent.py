"""A prompt-based agent loop that plays from the text observation alone.

:func:`prompt` turns an observation's text into a prompt for a language model;
the model answers with one JSON action in the seed's style, which
:func:`parse_reply` reads. No model ships here and nothing touches the network:
:class:`ScriptedModel` stands in for one by answering from a fixed script, so
the loop can be shown and tested. Swap it for a real model call to play for real.

>>> import gymnasium as gym
>>> import apidebug_nb.gym
>>> env = gym.make("apidebug_nb/easy-v0")
>>> model = ScriptedModel([
...     '{"action_type": "inspect_config", "target": "payment_client"}',
...     '{"action_type": "submit_fix", "target": "payment_client", '
...     '"fix_payload": {"headers.Content-Type": "application/json"}}',
... ])
>>> obs, info = env.reset()
>>> for _ in range(2):
...     reply = model(prompt(obs["text"], env.unwrapped.services))
...     obs, reward, terminated, truncated, info = env.step(parse_reply(reply))
>>> int(obs["resolved"]), obs["text"].splitlines()[0][:18]
(1, '[step 2, 13 left] ')
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from apidebug_nb.episode.actions import KINDS
from apidebug_nb.errors import ActionError

INSTRUCTIONS = (
    "You are debugging broken API integrations between services. Reply with one JSON "
    'object: {{"action_type": one of {kinds}, "target": a service, "fix_payload": a JSON '
    "merge patch of that service's config (submit_fix only)}}. Services: {services}."
)


def prompt(text: str, services: Sequence[str]) -> str:
    """The instructions, then the latest observation's text."""
    head = INSTRUCTIONS.format(kinds=", ".join(KINDS), services=", ".join(services))
    return f"{head}\n\nLatest observation:\n{text}\n\nYour action:"


def parse_reply(reply: str) -> dict[str, Any]:
    """The seed-style action dict in a model's reply (ActionError if there is none).

    >>> parse_reply('Sure. {"action_type": "hint"}')
    {'action_type': 'hint'}
    """
    start, end = reply.find("{"), reply.rfind("}")
    try:
        action = json.loads(reply[start : end + 1]) if 0 <= start < end else None
    except ValueError:
        action = None
    if not isinstance(action, dict):
        raise ActionError(f"the reply holds no JSON action object: {reply[:80]!r}")
    return action


class ScriptedModel:
    """A stand-in for a language model: it answers every prompt with the next
    reply of a fixed script (then asks for a hint). It reads nothing."""

    def __init__(self, replies: Sequence[str]):
        self.replies = list(replies)
        self.prompts: list[str] = []

    def __call__(self, text: str) -> str:
        self.prompts.append(text)
        return self.replies.pop(0) if self.replies else '{"action_type": "hint"}'
