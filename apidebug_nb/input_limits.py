"""The input boundary: every value a person types or a file holds is checked here first.

A learner pastes anything into a fix; an instructor validates files they did
not write. Before any work is done on such input, :func:`clean_json` checks
it against fixed, documented bounds and returns a plain-JSON copy (``dict``
with ``str`` keys, ``list``, ``str``, ``int``, ``float``, ``bool``,
``None``), and :func:`loads_json_text` parses JSON text under the same
bounds. Both walk iteratively (a quick copy of small plain input recurses a
few levels at most), so no input can raise ``RecursionError``, and
neither ever converts a huge integer to text, so Python's 4,300-digit limit is
never reached.

Bounds (:class:`Limits`; :data:`FIX_LIMITS` for what a learner submits,
:data:`FILE_LIMITS` for a scenario file):

- nesting depth, values in total, characters per string and per key;
- numbers: finite, and at most :data:`MAX_ABS_NUMBER` in size (integers and
  floats alike: a config value beyond that is a typo, and arithmetic on it
  could overflow);
- text: valid Unicode (no lone surrogates, which cannot be written as UTF-8).

Exceptions: :class:`InputError` (a ``ValueError``) for a value outside the
bounds or of a non-JSON type, with ``.path`` naming where. Nothing else
escapes these functions; callers turn an ``InputError`` into their own
documented error (``ActionError`` for actions, ``ScenarioError`` for
scenario files, ``TranscriptError`` for progress files).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from apidebug_nb.errors import ApiDebugError

MAX_ABS_NUMBER = 10**15  # no timeout, limit or size in a lab comes near a quadrillion
MAX_NUMBER_CHARS = 32  # digits (and sign, point, exponent) of one number in JSON text
MAX_NAME_LENGTH = 200  # a service name, issue id or learner id


class InputError(ApiDebugError, ValueError):
    """Input outside the documented bounds, or not plain JSON.

    Attributes:
        path: where in the input (``"headers.Authorization"``, ``"issues[2].check"``),
            ``""`` for the whole value.
        detail: the message without the location.
        too_large: whether a bound was exceeded (rather than a value being of a wrong type).
    """

    def __init__(self, detail: str, path: str = "", *, too_large: bool = False):
        super().__init__(f"{path}: {detail}" if path else detail)
        self.detail = detail
        self.path = path
        self.too_large = too_large


@dataclass(frozen=True)
class Limits:
    """Bounds on one piece of input.

    Attributes:
        what: how messages name the input ("the fix", "the file").
        max_depth: nesting levels of objects and lists (the top value is level 1).
        max_items: values in total, keys not counted.
        max_text: characters in one string.
        max_key: characters in one key.
        max_json_chars: characters of JSON text (for :func:`loads_json_text`).
    """

    what: str
    max_depth: int
    max_items: int
    max_text: int
    max_key: int
    max_json_chars: int


FIX_LIMITS = Limits(
    what="the fix",
    max_depth=32,
    max_items=10_000,
    max_text=100_000,
    max_key=1_000,
    max_json_chars=1_000_000,
)
FILE_LIMITS = Limits(
    what="the file",
    max_depth=48,
    max_items=100_000,
    max_text=100_000,
    max_key=1_000,
    max_json_chars=2_000_000,
)


def brief(value: Any, width: int = 60) -> str:
    """A short, safe description of ``value`` for an error message.

    Never calls ``repr`` on arbitrary objects or on huge integers.

    >>> brief(10**5000)
    'an integer of 5001 digits'
    >>> brief("x" * 100)[-6:], len(brief("x" * 100))
    ("xx...'", 65)
    """
    t = type(value)
    if value is None or t is bool:
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 128:
            digits = len(str(abs(value))) if value.bit_length() < 10_000 else None
            if digits is None:
                digits = int(value.bit_length() * math.log10(2)) + 1
            return f"an integer of {digits} digits"
        return repr(int(value))
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, str):
        shown = repr(str.__str__(value[:width]).encode("utf-8", "backslashreplace").decode())
        return shown if len(value) <= width else shown[:-1] + "...'"
    return f"a value of type {t.__name__}"


def _text_error(value: str, limit: int, noun: str) -> str | None:
    if len(value) > limit:
        return f"a {noun} of {len(value):,} characters is too long; at most {limit:,}"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return (
                f"the {noun} {brief(value)} holds a lone surrogate, which is not valid "
                "Unicode text; remove it"
            )
    return None


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_number(value: Any, path: str = "") -> int | float:
    """Return ``value`` as a plain ``int`` or ``float``, or raise :class:`InputError`.

    >>> check_number(30), check_number(2.5)
    (30, 2.5)
    >>> check_number(float("nan"))
    Traceback (most recent call last):
    ...
    apidebug_nb.input_limits.InputError: nan is not a usable number: numbers must be finite
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{brief(value)} is not a usable number: numbers must be finite", path)
        if abs(value) > MAX_ABS_NUMBER:
            raise InputError(
                f"{brief(value)} is too large; numbers are at most {MAX_ABS_NUMBER:.0e} in size",
                path,
                too_large=True,
            )
        return float.__float__(value)
    if not -MAX_ABS_NUMBER <= value <= MAX_ABS_NUMBER:
        raise InputError(
            f"{brief(value)} is too large; numbers are at most {MAX_ABS_NUMBER:,} in size",
            path,
            too_large=True,
        )
    return int.__int__(value)


def clean_json(value: Any, limits: Limits = FIX_LIMITS) -> Any:
    """Check ``value`` against ``limits`` and return a plain-JSON copy of it.

    Mappings become ``dict``, tuples become ``list``; subclasses of ``str``,
    ``int`` and ``float`` become the plain type. Anything else (bytes, sets,
    objects, non-string keys, NaN, infinities, huge numbers, lone
    surrogates) is refused, as is input deeper, larger or longer than
    ``limits``. Small plain input (exact built-in types, a few levels deep,
    well inside ``limits``) is copied by a quick recursion bounded to
    :data:`_PLAIN_DEPTH` levels; anything else, and every refusal, goes
    through the full walk, which is iterative and checks each bound before it
    descends or copies. Both give the same copy.

    >>> clean_json({"retry": ({"max": 3},), "on": True})
    {'retry': [{'max': 3}], 'on': True}
    >>> clean_json({1: "x"})
    Traceback (most recent call last):
    ...
    apidebug_nb.input_limits.InputError: key 1 is not a string (JSON keys are strings)
    """
    t = type(value)
    if (t is dict or t is list or t is tuple) and limits.max_items > len(value):
        try:
            return _copy_plain(value, 1, limits, [limits.max_items - 1 - len(value)])
        except _Unusual:
            pass
    return _walk_json(value, limits)


class _Unusual(Exception):
    """Raised by :func:`_copy_plain` for anything it leaves to :func:`_walk_json`."""


_PLAIN_DEPTH = 8  # the quick copy handles this many levels; deeper input takes the full walk

#: The exact types of JSON's scalar values (subclasses are not among them).
JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _copy_plain(item: dict | list | tuple, depth: int, limits: Limits, left: list[int]) -> Any:
    """The quick copy of :func:`clean_json` for plain, valid, shallow input.

    ``item`` is an exact ``dict``, ``list`` or ``tuple`` at nesting level
    ``depth`` whose own items are already counted in ``left[0]`` (values still
    allowed). It accepts only exact ``dict``/``list``/``tuple``/``str``/
    ``int``/``float``/``bool``/``None`` well inside ``limits`` and returns what
    :func:`_walk_json` would. Anything else (a subclass, a key that is not a
    plain string, text too long or not valid Unicode, a number out of range or
    not finite, too many values, nesting deeper than ``limits`` or
    :data:`_PLAIN_DEPTH`) raises :class:`_Unusual`, and the full walk then
    copies the value or words the error. Recursion is bounded by
    :data:`_PLAIN_DEPTH`.
    """
    if depth > limits.max_depth or depth >= _PLAIN_DEPTH or left[0] < 0:
        raise _Unusual
    if type(item) is dict:
        out: Any = {}
        max_key = limits.max_key
        for key, sub in item.items():
            if type(key) is not str or len(key) > max_key:
                raise _Unusual
            if not (key.isascii() or _valid_text(key)):
                raise _Unusual
            out[key] = _plain_value(sub, depth, limits, left)
        return out
    return [_plain_value(sub, depth, limits, left) for sub in item]


def _plain_value(sub: Any, depth: int, limits: Limits, left: list[int]) -> Any:
    """One item of a container at level ``depth`` in :func:`_copy_plain`: itself, or
    a copy of a container; :class:`_Unusual` for anything else."""
    t = type(sub)
    if t is str:
        if len(sub) > limits.max_text or not (sub.isascii() or _valid_text(sub)):
            raise _Unusual
    elif t is int or t is float:
        if not -MAX_ABS_NUMBER <= sub <= MAX_ABS_NUMBER:  # NaN fails it too
            raise _Unusual
    elif t is dict or t is list or t is tuple:
        left[0] -= len(sub)
        return _copy_plain(sub, depth + 1, limits, left)
    elif sub is not None and t is not bool:
        raise _Unusual
    return sub


def _walk_json(value: Any, limits: Limits) -> Any:
    """The full walk of :func:`clean_json`: iterative, checks every bound, words every error."""
    budget = limits.max_items
    holder: list[Any] = [None]
    # (value, container to fill, slot in it, depth, path)
    stack: list[tuple[Any, Any, Any, int, str]] = [(value, holder, 0, 1, "")]
    while stack:
        item, parent, slot, depth, path = stack.pop()
        budget -= 1
        if budget < 0:
            raise InputError(
                f"{limits.what} holds more than {limits.max_items:,} values; "
                "that is far more than any scenario or fix needs",
                too_large=True,
            )
        t = type(item)
        if item is None or t is bool:
            out: Any = item
        elif isinstance(item, (int, float)):
            out = check_number(item, path)
        elif isinstance(item, str):
            problem = _text_error(item, limits.max_text, "text")
            if problem:
                raise InputError(problem, path, too_large="too long" in problem)
            out = str.__str__(item)
        elif isinstance(item, (Mapping, list, tuple)):
            if depth > limits.max_depth and len(item):
                raise InputError(
                    f"{limits.what} is nested more than {limits.max_depth} levels deep; "
                    'a config needs a few (dotted keys help: {"a.b.c": 1})',
                    path,
                    too_large=True,
                )
            if len(item) > budget:
                raise InputError(
                    f"{limits.what} holds more than {limits.max_items:,} values; "
                    "that is far more than any scenario or fix needs",
                    too_large=True,
                )
            children: list[tuple[Any, Any, str | int, int, str]]
            if isinstance(item, Mapping):
                out = {}
                children = []
                for key, sub in item.items():
                    if not isinstance(key, str):
                        quote = (
                            "; YAML reads unquoted yes/no/on/off as true/false: quote the key"
                            if isinstance(key, bool)
                            else ""
                        )
                        raise InputError(
                            f"key {brief(key)} is not a string (JSON keys are strings{quote})",
                            path,
                        )
                    problem = _text_error(key, limits.max_key, "key")
                    if problem:
                        raise InputError(problem, path, too_large="too long" in problem)
                    key = str.__str__(key)
                    out[key] = None  # keeps the keys in order; filled below
                    children.append((sub, out, key, depth + 1, _child(path, key)))
            else:
                out = [None] * len(item)
                children = [(sub, out, n, depth + 1, _child(path, n)) for n, sub in enumerate(item)]
            stack.extend(reversed(children))
        else:
            raise InputError(
                f"{brief(item)} is not a JSON value; use a string, number, "
                "true/false, null, a list or an object",
                path,
            )
        parent[slot] = out
    return holder[0]


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise InputError(
            f"a number of {len(text):,} digits is too large; numbers are at most "
            f"{MAX_ABS_NUMBER:,} in size",
            too_large=True,
        )
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise InputError(
            f"a number written with {len(text):,} characters is too long", too_large=True
        )
    return float(text)


def _parse_constant(name: str) -> Any:
    raise InputError(
        f"{name} is not a JSON number: numbers must be finite (JSON has no NaN or Infinity)"
    )


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}.__getitem__


def json_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text, strings skipped.

    >>> json_depth('{"a": [1, {"b": "[[["}]}')
    3
    """
    brackets = _BRACKETS.findall(_JSON_STRING.sub("", text))
    return max(accumulate(map(_STEP, brackets)), default=0)


def loads_json_text(text: str, limits: Limits = FIX_LIMITS) -> Any:
    """Parse JSON text under ``limits``; syntax errors stay ``json.JSONDecodeError``.

    The length and the nesting are checked before parsing, numbers while
    parsing (no 5,000-digit integer is ever built), everything else after.

    >>> loads_json_text('{"timeout": 30}')
    {'timeout': 30}
    >>> loads_json_text("[" * 100_000)
    Traceback (most recent call last):
    ...
    apidebug_nb.input_limits.InputError: the fix is nested more than 32 levels deep
    """
    if len(text) > limits.max_json_chars:
        raise InputError(
            f"{limits.what} is {len(text):,} characters of JSON; at most {limits.max_json_chars:,}",
            too_large=True,
        )
    if json_depth(text) > limits.max_depth:
        raise InputError(
            f"{limits.what} is nested more than {limits.max_depth} levels deep", too_large=True
        )
    try:
        data = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except RecursionError:  # pragma: no cover - the depth scan comes first
        raise InputError(f"{limits.what} is nested too deeply") from None
    return clean_json(data, limits)


class InputTypeError(ApiDebugError, TypeError):
    """An argument of the wrong type (the message names the right one and how to get it)."""


def check_name(value: Any, what: str) -> str | None:
    """``None`` or a short string of valid Unicode (a learner id, say); else InputError.

    >>> check_name("ana", "learner_id"), check_name(None, "learner_id")
    ('ana', None)
    >>> check_name(5, "learner_id")
    Traceback (most recent call last):
    ...
    apidebug_nb.input_limits.InputError: learner_id must be a string or None, got 5
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{what} must be a string or None, got {brief(value)}")
    problem = _text_error(value, MAX_NAME_LENGTH, what)
    if problem:
        raise InputError(problem)
    return str.__str__(value)


def check_options(options: Any, valid: tuple[str, ...], call: str) -> dict[str, Any]:
    """``options`` as a dict of known keys, else a clear error.

    >>> check_options(None, ("learner_id",), "reset")
    {}
    >>> check_options(5, ("learner_id",), "reset")
    Traceback (most recent call last):
    ...
    apidebug_nb.input_limits.InputTypeError: reset(options=...) takes a dict such as {'learner_id': ...} or None, got 5
    """
    example = "{" + ", ".join(f"{k!r}: ..." for k in valid) + "}"
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise InputTypeError(
            f"{call}(options=...) takes a dict such as {example} or None, got {brief(options)}"
        )
    unknown = [brief(k) for k in options if k not in valid]
    if unknown:
        raise InputError(
            f"unknown {call} options {', '.join(sorted(unknown))}; valid: {', '.join(valid)}"
        )
    return dict(options)
