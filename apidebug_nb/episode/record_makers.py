"""Cheap constructors for the frozen records an episode builds at every step.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``,
which costs about a quarter of a microsecond per field: an :class:`Observation`
took 5 µs to build, a :class:`StepOutcome` 3 µs, more than the rest of a
typical inspection. These constructors hand the instance a ready ``__dict__``
instead. The records are the same (same class, equality, hash, repr, and still
frozen); only the engine and the grade use them, with values they have already
checked, so nothing is validated here.

>>> from apidebug_nb.episode.outcome import StepOutcome
>>> make = step_outcome_maker()
>>> make(2, "inspect_logs", "api", {"new_info": True}) == StepOutcome(
...     2, "inspect_logs", "api", new_info=True)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from typing import Any, TypeVar

from apidebug_nb.episode.outcome import ActionOutcome, StepOutcome

T = TypeVar("T")

_new = object.__new__
_set = object.__setattr__


def filled(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the frozen dataclass ``cls`` whose fields are ``values``: every
    field, by name, in a new dict that the instance keeps (it is not copied).

    >>> filled(ActionOutcome, {**_defaults(ActionOutcome), "kind": "hint", "level": 1})
    ActionOutcome(kind='hint', accepted=True, rejected=None, applied=(), resolved=(), reopened=(), level=1, hint=None, editable=None, exhausted=False, nothing_visible=False, repeat=False)
    """
    obj = _new(cls)
    _set(obj, "__dict__", values)
    return obj


def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


def step_outcome_maker() -> Callable[[int, str, str | None, Mapping[str, Any]], StepOutcome]:
    """``make(index, kind, service, facts)``: a :class:`StepOutcome` whose other
    fields are ``facts`` (a mapping of field names) or their defaults."""
    defaults = _defaults(StepOutcome)

    def make(index: int, kind: str, service: str | None, facts: Mapping[str, Any]) -> StepOutcome:
        values = defaults.copy()
        values.update(facts)
        values["index"], values["kind"], values["service"] = index, kind, service
        return filled(StepOutcome, values)

    return make


def action_outcome_maker() -> Callable[[str | None, Mapping[str, Any]], ActionOutcome]:
    """``make(kind, facts)``: an :class:`ActionOutcome` whose other fields are
    ``facts`` (a mapping of field names) or their defaults."""
    defaults = _defaults(ActionOutcome)

    def make(kind: str | None, facts: Mapping[str, Any]) -> ActionOutcome:
        values = defaults.copy()
        values.update(facts)
        values["kind"] = kind
        return filled(ActionOutcome, values)

    return make
