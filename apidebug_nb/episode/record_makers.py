"""Cheap constructors for the frozen records an episode builds at every step.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``,
which costs about a quarter of a microsecond per field: an :class:`Observation`
took 5 µs to build, a :class:`StepOutcome` 3 µs, more than the rest of a
typical inspection. These makers fill the instance's ``__dict__`` in one
update instead. The records are the same (same class, equality, hash, repr,
and still frozen); only the engine uses the makers, with values it has
already checked, so nothing is validated here.

>>> from apidebug_nb.episode.outcome import ActionOutcome, StepOutcome
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


def positional_maker(cls: type[T]) -> Callable[..., T]:
    """``make(*values)``: an instance of the frozen dataclass ``cls`` from every
    field's value, in field order (no defaults)."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    new = object.__new__

    def make(*values: Any) -> T:
        obj = new(cls)
        obj.__dict__.update(zip(names, values, strict=True))
        return obj

    return make


def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


def step_outcome_maker() -> Callable[[int, str, str | None, Mapping[str, Any]], StepOutcome]:
    """``make(index, kind, service, facts)``: a :class:`StepOutcome` whose other
    fields are ``facts`` (a mapping of field names) or their defaults."""
    defaults = _defaults(StepOutcome)
    new = object.__new__

    def make(index: int, kind: str, service: str | None, facts: Mapping[str, Any]) -> StepOutcome:
        obj = new(StepOutcome)
        values = obj.__dict__
        values["index"], values["kind"], values["service"] = index, kind, service
        values.update(defaults)
        values.update(facts)
        return obj

    return make


def action_outcome_maker() -> Callable[[str | None, Mapping[str, Any]], ActionOutcome]:
    """``make(kind, facts)``: an :class:`ActionOutcome` whose other fields are
    ``facts`` (a mapping of field names) or their defaults."""
    defaults = _defaults(ActionOutcome)
    new = object.__new__

    def make(kind: str | None, facts: Mapping[str, Any]) -> ActionOutcome:
        obj = new(ActionOutcome)
        values = obj.__dict__
        values["kind"] = kind
        values.update(defaults)
        values.update(facts)
        return obj

    return make
