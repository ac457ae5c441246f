"""Presentation helpers for the lab notebooks: steps as text, self-checks, trial fixes.

The notebooks hold the lesson (prose, questions and their answers); the logic
that turns an observation, an answer or a trial patch into feedback lives
here, so every notebook shows it the same way. Everything prints plain,
deterministic text, which strict nbval compares and screen readers read.

>>> import apidebug_nb as adb
>>> ep = adb.Episode(adb.load_scenario("easy"))
>>> _ = ep.reset()
>>> act(ep, adb.Action.inspect_endpoint("payment_client"))  # doctest: +ELLIPSIS
[step 1, 14 left] A test request of POST /payments through payment_client answered 502.
    response: {"service": "payment_client", "flow": "POST /payments", "status": 502, ...}
    trace:
        payment_client -> payment_gateway  POST /payments  |...|  ... ms  401  WWW-Authenticate: Bearer realm="payment_gateway"  <-- fails here
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from typing import Any

from apidebug_nb.episode.actions import Action
from apidebug_nb.episode.episode import Episode
from apidebug_nb.episode.observation import Observation
from apidebug_nb.scenarios.catalogue import load_scenario
from apidebug_nb.scenarios.records import Scenario
from apidebug_nb.views.trace_plot import trace_text

INDENT = "    "


def observation_text(obs: Observation) -> str:
    """One observation as text: what the step said, then what it revealed.

    The first line is ``[step N, M left] message``; log lines, the config (as
    indented JSON) and the endpoint's answer follow, indented.

    Args:
        obs: an observation from ``Episode.reset`` or ``Episode.step``.

    Returns:
        The text, without a trailing newline.

    Examples:
        >>> import apidebug_nb as adb
        >>> ep = adb.Episode(adb.load_scenario("easy"))
        >>> obs, _ = ep.reset()
        >>> observation_text(obs).startswith("[step 0, 15 left] ")
        True
    """
    lines = [f"[step {obs.step}, {obs.steps_left} left] {obs.message}"]
    lines.extend(INDENT + line for line in obs.logs)
    if obs.config is not None:
        lines.append(textwrap.indent(json.dumps(obs.config, indent=2), INDENT))
    if obs.response is not None:
        lines.append(f"{INDENT}response: {json.dumps(obs.response)}")
    if obs.trace:
        lines.append(f"{INDENT}trace:")
        lines.extend(textwrap.indent(trace_text(obs.trace), INDENT * 2).splitlines())
    return "\n".join(lines)


def show(obs: Observation) -> None:
    """Print :func:`observation_text` of ``obs``.

    Examples:
        >>> import apidebug_nb as adb
        >>> ep = adb.Episode(adb.load_scenario("easy"))
        >>> obs, info = ep.reset()
        >>> show(obs)  # doctest: +ELLIPSIS
        [step 0, 15 left] ...
    """
    print(observation_text(obs))


def act(episode: Episode, action: Action | Mapping[str, Any]) -> None:
    """Take one step in ``episode`` and print what it revealed.

    Returns nothing on purpose: as the last line of a notebook cell it shows
    only the printed text, never a repr of the observation. Read
    ``episode.observations[-1]`` for the record itself.

    Args:
        episode: a started episode (it is changed: the step is taken).
        action: an :class:`~apidebug_nb.Action` or its dict form.

    Examples:
        >>> import apidebug_nb as adb
        >>> ep = adb.Episode(adb.load_scenario("easy"))
        >>> _ = ep.reset()
        >>> act(ep, adb.Action.submit_fix("payment_gateway", {"rate_limit_per_s": 1}))
        ... # doctest: +ELLIPSIS
        [step 1, 14 left] Rejected: payment_gateway is not yours...
        >>> ep.steps
        1
    """
    obs, _reward, _terminated, _truncated, _info = episode.step(action)
    show(obs)


Options = Mapping[str, tuple[bool, str]]


class Quiz:
    """Multiple-choice self-checks where every option explains itself.

    A notebook shows its questions; the answer keys live in the package
    (:mod:`apidebug_nb.views.quiz_keys`, see :meth:`for_lesson`), so no cell a
    learner reads gives them away, and this class gives the feedback.

    Args:
        questions: question id -> {option letter: (is it correct, why)}.
            Letters are matched case-insensitively; each question needs at
            least one correct option.

    Raises:
        ValueError: if ``questions`` is not shaped like that; the message
            names the question and option at fault.

    Examples:
        >>> quiz = Quiz({"Q1": {"A": (False, "Too short."), "B": (True, "Enough.")}})
        >>> quiz.check("Q1", "b")
        Q1 (B): Correct. Enough.
        >>> quiz.check("Q1", "A")
        Q1 (A): Not quite. Too short.
        >>> quiz.check("Q1", "D")
        Q1: "D" is not an option; answer with one of A, B.
        >>> quiz.check("Q1", "")
        Q1: no answer yet: put one of A, B between the quotes and run the cell again.
    """

    def __init__(self, questions: Mapping[str, Options]) -> None:
        if not isinstance(questions, Mapping) or not questions:
            raise ValueError("a quiz needs a non-empty dict {question: {option: (correct, why)}}")
        self._questions: dict[str, dict[str, tuple[bool, str]]] = {}
        for question, options in questions.items():
            self._questions[str(question)] = _checked_options(str(question), options)

    @classmethod
    def for_lesson(cls, lesson: str) -> Quiz:
        """The self-check of a notebook, by its file stem, with the key from the package.

        Raises:
            KeyError: for a lesson without a self-check (the message lists those with one).

        Examples:
            >>> quiz = Quiz.for_lesson("01_easy_payment_gateway")
            >>> quiz.questions
            ['Q1', 'Q2', 'Q3']
        """
        from apidebug_nb.views.quiz_keys import QUIZZES

        if lesson not in QUIZZES:
            raise KeyError(
                f"no self-check for {lesson!r}; lessons with one are: {', '.join(QUIZZES)}"
            )
        return cls(QUIZZES[lesson])

    @property
    def questions(self) -> list[str]:
        """The question ids, in the order they were given."""
        return list(self._questions)

    def feedback(self, question: str, choice: Any) -> str:
        """The feedback text for answering ``choice`` to ``question``.

        Args:
            question: a question id of this quiz.
            choice: the learner's answer; compared as stripped, upper-case text.

        Raises:
            KeyError: if ``question`` is not in this quiz (the message lists them).

        Examples:
            >>> Quiz({"Q1": {"A": (True, "Yes.")}}).feedback("Q1", " a ")
            'Q1 (A): Correct. Yes.'
        """
        if question not in self._questions:
            raise KeyError(
                f"unknown question {question!r}; questions are: {', '.join(self._questions)}"
            )
        options = self._questions[question]
        key = str(choice).strip().upper()
        if not key:
            return (
                f"{question}: no answer yet: put one of {', '.join(options)} between the "
                "quotes and run the cell again."
            )
        if key not in options:
            return f'{question}: "{key}" is not an option; answer with one of {", ".join(options)}.'
        correct, why = options[key]
        verdict = "Correct." if correct else "Not quite."
        return f"{question} ({key}): {verdict} {why}"

    def check(self, question: str, choice: Any) -> None:
        """Print :meth:`feedback` for answering ``choice`` to ``question``."""
        print(self.feedback(question, choice))


def _checked_options(question: str, options: Any) -> dict[str, tuple[bool, str]]:
    if not isinstance(options, Mapping) or not options:
        raise ValueError(f"question {question!r}: options must be a non-empty dict")
    checked: dict[str, tuple[bool, str]] = {}
    for letter, answer in options.items():
        key = str(letter).strip().upper()
        if not key:
            raise ValueError(f"question {question!r}: an option letter is empty")
        if key in checked:
            raise ValueError(f"question {question!r}: option {key!r} is given twice")
        if (
            not isinstance(answer, tuple)
            or len(answer) != 2
            or not isinstance(answer[0], bool)
            or not isinstance(answer[1], str)
        ):
            raise ValueError(
                f"question {question!r}, option {key!r}: expected (correct: bool, why: str), "
                f"got {answer!r}"
            )
        checked[key] = answer
    if not any(correct for correct, _ in checked.values()):
        raise ValueError(f"question {question!r}: no option is marked correct")
    return checked


def try_fix(
    task_or_scenario: str | Scenario,
    service: str,
    patch: Any,
    seed: int | None = None,
) -> None:
    """Try ``patch`` on a fresh copy of an incident and print the simulator's feedback.

    Nothing else is touched: a new episode is started for the trial and
    thrown away, so a learner's dashboard or episode keeps its state and step
    budget. A rejected patch (unknown service, not yours, not an object) is
    reported like any other feedback.

    Args:
        task_or_scenario: a built-in task name (``"easy"``...) or a scenario.
        service: the service to patch.
        patch: a JSON merge patch (dotted keys allowed).
        seed: with a task name, the variant to load; ``None`` for the
            canonical incident. A scenario already is one variant.

    Raises:
        ValueError: if ``seed`` is given together with a scenario.
        UnknownTaskError: for an unknown task name.

    Examples:
        >>> try_fix("easy", "payment_client", {"headers.Content-Type": "application/json"})
        ... # doctest: +ELLIPSIS
        Applied to payment_client: ...
        Problems fixed: 1 of 2
    """
    if isinstance(task_or_scenario, Scenario):
        if seed is not None:
            raise ValueError(
                "seed selects a variant of a task name; a scenario already is one variant "
                f"({task_or_scenario.id!r}): pass the task name with seed, or the scenario alone"
            )
        scenario = task_or_scenario
    else:
        scenario = load_scenario(task_or_scenario, seed=seed)
    trial = Episode(scenario)
    trial.reset()
    obs, _reward, _terminated, _truncated, _info = trial.step(Action.submit_fix(service, patch))
    print(obs.message)
    print(f"Problems fixed: {obs.resolved} of {obs.total}")
