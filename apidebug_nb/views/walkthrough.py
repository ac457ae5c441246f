"""The "Show the walk-through" control: a lab's solution, hidden until asked for.

A lab notebook must not print the answer to the incident its dashboard opens.
This control stores nothing but a button: the reference solution is played and
written out only when the learner presses it, so it is in no stored output and
in no cell source.

>>> walk = Walkthrough("easy", seed=4)
>>> walk.shown
False
>>> print(walk.render_text())
Walk-through of easy-4 (hidden): press "Show the walk-through" to see the reference solution.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from apidebug_nb.episode.episode import Episode
from apidebug_nb.grading.oracle import oracle_actions
from apidebug_nb.scenarios.catalogue import load_scenario
from apidebug_nb.scenarios.records import Scenario
from apidebug_nb.views.lab import INDENT, observation_text

SHOW = "Show the walk-through"
HIDE = "Hide the walk-through"


def walkthrough_text(scenario: Scenario) -> str:
    """The reference solution of ``scenario``: every step and what it showed, then the grade.

    >>> import apidebug_nb as adb
    >>> print(walkthrough_text(adb.load_scenario("easy")).splitlines()[0])
    Walk-through of easy: the reference solver's 5 steps, each with what it showed.
    """
    actions = oracle_actions(scenario)
    episode = Episode(scenario)
    episode.reset()
    lines = [
        f"Walk-through of {scenario.id}: the reference solver's {len(actions)} steps, "
        "each with what it showed."
    ]
    for n, action in enumerate(actions, start=1):
        obs, *_ = episode.step(action)
        what = action.kind.replace("_", " ")
        target = f" {action.service}" if action.service else ""
        changes = f" {dict(action.changes)}" if action.changes else ""
        lines += ["", f"Step {n}: {what}{target}{changes}", observation_text(obs)]
    lines += ["", "What was wrong:"]
    for item in episode.explanations():
        lines.append(f"{INDENT}{item['title']}: {item['explanation']}")
    lines += ["", episode.grade().render_text()]
    return "\n".join(lines)


class Walkthrough:
    """A button that shows (and hides) the reference solution of one incident.

    Args:
        scenario: a scenario or a task name.
        seed: with a task name, the variant (``None``: the canonical incident).
    """

    def __init__(self, scenario: Scenario | str, seed: int | None = None):
        self.scenario = load_scenario(scenario, seed) if isinstance(scenario, str) else scenario
        self._button = W.Button(
            description=SHOW,
            tooltip="Spoilers: the reference solution of this incident, step by step.",
            layout=W.Layout(width="auto"),
        )
        self._button.add_class("adb-btn-walkthrough")
        self._button.on_click(lambda _button: self.toggle())
        self._body = W.HTML("")
        self._body.add_class("adb-walkthrough")
        self.widget = W.VBox([self._button, self._body])

    @property
    def shown(self) -> bool:
        """Whether the solution is on screen."""
        return bool(self._body.value)

    def toggle(self) -> None:
        """Show the solution if hidden, hide it if shown (what the button does)."""
        if self.shown:
            self._body.value = ""
            self._button.description = SHOW
            return
        text = html.escape(walkthrough_text(self.scenario))
        self._body.value = (
            "<pre style='white-space:pre-wrap;line-height:1.35;margin:4px 0'>" + text + "</pre>"
        )
        self._button.description = HIDE

    def render_text(self) -> str:
        """What the control shows, in words (the solution only once shown)."""
        if self.shown:
            return walkthrough_text(self.scenario)
        return (
            f'Walk-through of {self.scenario.id} (hidden): press "{SHOW}" to see the '
            "reference solution."
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else (bundle or {})
        return {**data, "text/plain": self.render_text()}
