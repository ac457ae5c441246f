"""Turn what a learner typed in the fix editor into a merge patch, or say what is wrong.

Nothing typed is evaluated: text goes through the package's input boundary,
:func:`~apidebug_nb.input_limits.loads_json_text` with
:data:`~apidebug_nb.input_limits.FIX_LIMITS`, so a 5,000-digit number or
100,000 open brackets get a message here rather than an exception. Errors here
cost the learner no step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from apidebug_nb.input_limits import FIX_LIMITS, InputError, loads_json_text


class FixInputError(ValueError):
    """The fix editor's content is not a usable patch (the message says why)."""


def _loads(text: str, what: str) -> Any:
    try:
        return loads_json_text(text, FIX_LIMITS)
    except InputError as exc:  # outside the bounds: too long, too deep, too big a number
        raise FixInputError(f"the {what} cannot be used: {exc}. No step was used.") from None
    except json.JSONDecodeError as exc:
        hint = ""
        if exc.pos == 0 and text.strip()[:1].isalpha():
            hint = f' Text needs double quotes, e.g. "{text.strip()}".'
        elif "'" in text:
            hint = " JSON strings use double quotes, not single quotes."
        raise FixInputError(
            f"the {what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
            f"{hint} No step was used.\n{pointer(text, exc.lineno, exc.colno)}"
        ) from None


#: How many characters of a long line are quoted on each side of the error.
CONTEXT = 30


def pointer(text: str, lineno: int, colno: int) -> str:
    """The line of ``text`` holding the error and a caret under its column (1-based).

    A long line is cut to the characters around the spot, with ``...`` marking the cuts.

    >>> print(pointer('{"timeout": 30 "retries": 2}', 1, 16))
    {"timeout": 30 "retries": 2}
                   ^
    >>> quoted, caret = pointer("x" * 50 + "!" + "y" * 50, 1, 51).splitlines()
    >>> quoted == "..." + "x" * 30 + "!" + "y" * 30 + "...", caret.index("^")
    (True, 33)
    """
    lines = text.splitlines() or [""]
    line = lines[min(max(lineno, 1), len(lines)) - 1].expandtabs(1)
    col = max(colno - 1, 0)
    start = max(col - CONTEXT, 0)
    end = col + CONTEXT + 1
    shown = line[start:end]
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(line) else ""
    return f"{prefix}{shown}{suffix}\n{' ' * (len(prefix) + col - start)}^"


def parse_changes(changes: Mapping[str, Any] | str) -> Any:
    """A patch given as a dict (returned as is) or as JSON text (parsed).

    >>> parse_changes('{"timeout_s": 30}')
    {'timeout_s': 30}
    >>> parse_changes("{'timeout_s': 30}")
    Traceback (most recent call last):
    ...
    apidebug_nb.views.fix_input.FixInputError: the patch is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2. JSON strings use double quotes, not single quotes. No step was used.
    {'timeout_s': 30}
     ^
    """
    if isinstance(changes, str):
        if not changes.strip():
            raise FixInputError("the patch is empty: give a JSON object. No step was used.")
        parsed = _loads(changes, "patch")
        if not isinstance(parsed, dict):
            raise FixInputError(
                f'the patch must be a JSON object like {{"timeout_s": 30}}, '
                f"not {type(parsed).__name__}. No step was used."
            )
        return parsed
    return changes


def parse_fix_form(key: str, value: str, patch: str) -> dict[str, Any]:
    """The patch described by the editor: ``key`` + JSON ``value``, or a whole ``patch``.

    >>> parse_fix_form("auth.token", '"Bearer abc"', "")
    {'auth.token': 'Bearer abc'}
    >>> parse_fix_form("", "", '{"timeout_s": 30}')
    {'timeout_s': 30}
    """
    key, value, patch = key.strip(), value.strip(), patch.strip()
    if patch and (key or value):
        raise FixInputError(
            "use either a key path with a JSON value, or a whole JSON patch, not both. "
            "No step was used."
        )
    if patch:
        return parse_changes(patch)
    if not key and not value:
        raise FixInputError(
            "nothing to submit: fill in a key path and a JSON value, or a JSON patch. "
            "No step was used."
        )
    if not key:
        raise FixInputError(
            "the key path is empty: name the setting, e.g. timeout_s or auth.token. "
            "No step was used."
        )
    if not value:
        raise FixInputError(
            f'the JSON value for {key} is empty: e.g. 30, "async", true or null. No step was used.'
        )
    return {key: _loads(value, f"value for {key}")}
