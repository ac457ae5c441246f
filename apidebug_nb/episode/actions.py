"""Actions: typed, frozen records that reject unknown fields.

Build them with the constructors (``Action.inspect_logs("svc")``,
``Action.submit_fix("svc", {"timeout": 30})``, ``Action.hint()``, ...) or
from a dict with :meth:`Action.from_dict`, which also accepts the seed's
style ``{"action_type": ..., "target": ..., "fix_payload": ...}``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apidebug_nb.errors import ActionError

INSPECT_KINDS = ("inspect_logs", "inspect_config", "inspect_endpoint")
KINDS = INSPECT_KINDS + ("submit_fix", "hint", "reveal")
_NEEDS_SERVICE = INSPECT_KINDS + ("submit_fix",)
# A config fix is a few settings deep and short; far beyond these it is a
# mistake or an attack, and copying or storing it would be the problem.
MAX_PATCH_DEPTH = 32
MAX_PATCH_ITEMS = 10_000
MAX_TEXT_LENGTH = 100_000
_FIELD_ALIASES = {
    "kind": "kind",
    "action_type": "kind",
    "action": "kind",
    "service": "service",
    "target": "service",
    "changes": "changes",
    "fix_payload": "changes",
    "issue": "issue",
}


def _bounded_copy(value: Any, depth: int = 1, budget: list[int] | None = None) -> Any:
    """Copy a fix's dicts and lists, refusing absurdly deep, long or large ones.

    One pass, and the depth check comes before each descent, so a fix nested a
    thousand levels deep is an ActionError rather than a RecursionError.
    """
    if budget is None:
        budget = [MAX_PATCH_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        raise ActionError(f"the fix has more than {MAX_PATCH_ITEMS:,} values; a fix sets a few")
    t = type(value)
    if t is str or t is bytes:
        if len(value) > MAX_TEXT_LENGTH:
            raise ActionError(
                f"the fix holds a text of {len(value):,} characters; a setting is at most "
                f"{MAX_TEXT_LENGTH:,}"
            )
        return value
    is_map = t is dict or isinstance(value, Mapping)
    if not is_map and t is not list and t is not tuple:
        return value  # scalars; anything else is refused as non-JSON when applied
    if value and depth >= MAX_PATCH_DEPTH:
        raise ActionError(
            f"the fix is nested more than {MAX_PATCH_DEPTH} levels deep; "
            'a fix needs a few (dotted keys help: {"a.b.c": 1})'
        )
    if is_map:
        out = {}
        for k, v in value.items():
            _bounded_copy(k, depth + 1, budget)
            out[k] = _bounded_copy(v, depth + 1, budget)
        return out  # any mapping becomes a plain dict: that is what a patch is
    items = [_bounded_copy(v, depth + 1, budget) for v in value]
    return items if t is list else tuple(items)


@dataclass(frozen=True)
class Action:
    """One learner or agent action.

    Attributes:
        kind: one of :data:`KINDS`.
        service: the service acted on (inspections and fixes), else ``None``.
        changes: the JSON merge patch of a ``submit_fix`` (a copy), else ``None``.
        issue: the issue a ``reveal`` names, or ``None`` for the current one.

    >>> a = Action.submit_fix("order_service", {"timeout_s": 30})
    >>> a.kind, a.service, a.changes
    ('submit_fix', 'order_service', {'timeout_s': 30})
    >>> Action.from_dict({"action_type": "inspect_logs", "target": "auth_service"})
    Action(kind='inspect_logs', service='auth_service', changes=None, issue=None)
    """

    kind: str
    service: str | None = None
    changes: Any = None
    issue: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ActionError(f"unknown action {self.kind!r}; actions are: {', '.join(KINDS)}")
        if self.kind in _NEEDS_SERVICE and not isinstance(self.service, str):
            raise ActionError(f"{self.kind} needs a service name (a string), got {self.service!r}")
        if self.kind not in _NEEDS_SERVICE and self.service is not None:
            raise ActionError(f"{self.kind} takes no service, got {self.service!r}")
        if self.kind != "submit_fix" and self.changes is not None:
            raise ActionError(f"only submit_fix takes changes, not {self.kind}")
        if self.kind != "reveal" and self.issue is not None:
            raise ActionError(f"only reveal names an issue, not {self.kind}")
        if self.issue is not None and not isinstance(self.issue, str):
            raise ActionError(f"reveal needs an issue id (a string), got {self.issue!r}")
        if self.kind == "submit_fix":
            object.__setattr__(self, "changes", _bounded_copy(self.changes))

    @classmethod
    def inspect_logs(cls, service: str) -> Action:
        return cls("inspect_logs", service)

    @classmethod
    def inspect_config(cls, service: str) -> Action:
        return cls("inspect_config", service)

    @classmethod
    def inspect_endpoint(cls, service: str) -> Action:
        return cls("inspect_endpoint", service)

    @classmethod
    def submit_fix(cls, service: str, changes: Any) -> Action:
        return cls("submit_fix", service, changes)

    @classmethod
    def hint(cls) -> Action:
        return cls("hint")

    @classmethod
    def reveal(cls, issue: str | None = None) -> Action:
        return cls("reveal", issue=issue)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Action:
        """Parse a dict action; unknown keys are an error naming the valid ones."""
        if isinstance(data, Action):
            return data
        if not isinstance(data, Mapping):
            raise ActionError(f"an action is an Action or a dict, got {type(data).__name__}")
        fields: dict[str, Any] = {}
        for key, value in data.items():
            if key not in _FIELD_ALIASES:
                raise ActionError(
                    f"unknown action field {key!r}; fields are: {', '.join(_FIELD_ALIASES)}"
                )
            name = _FIELD_ALIASES[key]
            if name in fields:
                raise ActionError(f"action field {name!r} given twice (as {key!r})")
            fields[name] = value
        if "kind" not in fields:
            raise ActionError(
                f"an action needs 'action_type' (or 'kind'): one of {', '.join(KINDS)}"
            )
        if fields["kind"] == "reveal" and "issue" not in fields and "service" in fields:
            fields["issue"] = fields.pop("service")  # seed style: reveal's target is the issue
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        """The action as plain data (what a transcript stores)."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.service is not None:
            out["service"] = self.service
        if self.kind == "submit_fix":
            out["changes"] = copy.deepcopy(self.changes)
        if self.issue is not None:
            out["issue"] = self.issue
        return out

    def label(self) -> str:
        """A short human label, e.g. ``inspect_logs(order_service)``."""
        if self.kind == "submit_fix":
            return f"submit_fix({self.service})"
        if self.service is not None:
            return f"{self.kind}({self.service})"
        if self.issue is not None:
            return f"{self.kind}({self.issue})"
        return f"{self.kind}()"
