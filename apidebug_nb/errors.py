"""Exceptions raised by apidebug_nb.

Every error says what was wrong and what would have been valid, so that a
learner, an instructor or an agent builder can fix the input without reading
the source.
"""

from __future__ import annotations


class ApiDebugError(Exception):
    """Base class of every error this package raises on purpose."""


class RuleError(ApiDebugError, ValueError):
    """A contract rule is malformed or refers to something that does not exist."""


class MissingPathError(RuleError, KeyError):
    """A rule read a config path that is absent.

    Attributes:
        path: the dotted path, ``"service.key.subkey"``.
        rule: the rule (a dict) that read it.
    """

    def __init__(self, message: object, *, path: str, rule: object):
        # ``message`` may be an object whose ``str()`` is the text, written when it is read
        super().__init__(message)
        self.path = path
        self.rule = rule

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return str(self.args[0])


class ScenarioError(ApiDebugError, ValueError):
    """A scenario is invalid.

    Attributes:
        scenario: the scenario id (or file name).
        issue: the issue id concerned, if any.
        field: the field concerned, e.g. ``"check"`` or ``"hints.setting"``.
        rule: a short name of the validation rule that failed.
        line: the line in the source file, when known.
        detail: the message without the location prefix.
    """

    def __init__(
        self,
        message: str,
        *,
        scenario: str,
        issue: str | None = None,
        field: str | None = None,
        rule: str = "invalid",
        line: int | None = None,
    ):
        where = [f"scenario {scenario!r}"]
        if line is not None:
            where.append(f"line {line}")
        if issue is not None:
            where.append(f"issue {issue!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}")
        self.detail = message  # the bare message, to re-raise with another source or line
        self.scenario = scenario
        self.issue = issue
        self.field = field
        self.rule = rule
        self.line = line


class UnknownTaskError(ApiDebugError, KeyError):
    """``load_scenario`` was asked for a task that does not exist."""

    def __str__(self) -> str:
        return str(self.args[0])


class ActionError(ApiDebugError, ValueError):
    """An action record is malformed (unknown kind, unknown field, wrong type)."""


class EpisodeFinishedError(ApiDebugError, RuntimeError):
    """``step`` was called on an episode that has terminated or been truncated."""


class TranscriptError(ApiDebugError, ValueError):
    """A transcript is malformed, truncated or belongs to another package format."""
