"""Actions: typed, frozen records that reject unknown fields.

Build them with the constructors (``Action.inspect_logs("svc")``,
``Action.submit_fix("svc", {"timeout": 30})``, ``Action.hint()``, ...) or
from a dict with :meth:`Action.from_dict`, which also accepts the seed's
style ``{"action_type": ..., "target": ..., "fix_payload": ...}``.

Every field passes the input boundary (:mod:`apidebug_nb.input_limits`) when
the record is built: names are short strings of valid Unicode, and a fix is
copied to plain JSON within :data:`~apidebug_nb.input_limits.FIX_LIMITS`
(string keys; finite numbers of at most 10**15; no bytes, sets or objects;
bounded depth, size and text). So a stored action always serialises, and a
transcript of it verifies after a JSON round trip.

Exceptions: building an action raises only
:class:`~apidebug_nb.errors.ActionError`; it costs no step and nothing is
recorded. :meth:`Episode.step <apidebug_nb.episode.episode.Episode.step>`
raises only ``ActionError`` (a malformed record) and
:class:`~apidebug_nb.errors.EpisodeFinishedError`; everything else a learner
gets wrong is a rejected step with a message.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apidebug_nb.errors import ActionError
from apidebug_nb.input_limits import FIX_LIMITS, MAX_NAME_LENGTH, InputError, brief, clean_json

INSPECT_KINDS = ("inspect_logs", "inspect_config", "inspect_endpoint")
KINDS = INSPECT_KINDS + ("submit_fix", "hint", "reveal")
_NEEDS_SERVICE = INSPECT_KINDS + ("submit_fix",)
_KIND_SET = frozenset(KINDS)
_NEEDS_SERVICE_SET = frozenset(_NEEDS_SERVICE)
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


def _name(value: Any, what: str, kind: str) -> str:
    """A service name or issue id: a short string of valid Unicode."""
    if type(value) is str and len(value) <= MAX_NAME_LENGTH and value.isascii():
        return value  # the common case, valid as it stands
    if not isinstance(value, str):
        raise ActionError(f"{kind} needs {what} (a string), got {brief(value)}")
    if len(value) > MAX_NAME_LENGTH:
        raise ActionError(
            f"{kind} got {what} of {len(value):,} characters; names are at most "
            f"{MAX_NAME_LENGTH} characters"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ActionError(
            f"{kind} got {what} {brief(value)} holding a lone surrogate (not valid Unicode)"
        ) from None
    return str.__str__(value)


def _clean_changes(changes: Any) -> Any:
    """A fix as plain JSON, or ActionError (no step is spent on it)."""
    try:
        return clean_json(changes, FIX_LIMITS)
    except InputError as exc:
        raise ActionError(f"not a usable fix: {exc}. No step was used.") from None


@dataclass(frozen=True, init=False)
class Action:
    """One learner or agent action.

    Attributes:
        kind: one of :data:`KINDS`.
        service: the service acted on (inspections and fixes), else ``None``;
            :attr:`service_name` is the same, typed ``str``, for the kinds that need one.
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

    def __init__(
        self,
        kind: str,
        service: str | None = None,
        changes: Any = None,
        issue: str | None = None,
    ) -> None:
        if type(kind) is not str or kind not in _KIND_SET:
            if not isinstance(kind, str) or kind not in KINDS:
                raise ActionError(f"unknown action {brief(kind)}; actions are: {', '.join(KINDS)}")
            kind = str.__str__(kind)
        if kind in _NEEDS_SERVICE_SET:
            service = _name(service, "a service name", kind)
        elif service is not None:
            raise ActionError(f"{kind} takes no service, got {brief(service)}")
        if changes is not None and kind != "submit_fix":
            raise ActionError(f"only submit_fix takes changes, not {kind}")
        if issue is not None:
            if kind != "reveal":
                raise ActionError(f"only reveal names an issue, not {kind}")
            issue = _name(issue, "an issue id", "reveal")
        if kind == "submit_fix":
            changes = _clean_changes(changes)
        fields = self.__dict__  # the record is frozen: fill its fields directly, once
        fields["kind"] = kind
        fields["service"] = service
        fields["changes"] = changes
        fields["issue"] = issue

    @property
    def service_name(self) -> str:
        """The service of an inspection or a fix, typed ``str`` (ActionError for other kinds).

        >>> Action.inspect_logs("auth_service").service_name
        'auth_service'
        """
        if self.service is None:
            raise ActionError(f"{self.kind} acts on no service")
        return self.service

    # The constructors check only what their kind needs (the kind is known to be valid),
    # in the order __init__ does, so they give the same record or the same error.

    @classmethod
    def inspect_logs(cls, service: str) -> Action:
        return _stored(cls, "inspect_logs", _name(service, "a service name", "inspect_logs"))

    @classmethod
    def inspect_config(cls, service: str) -> Action:
        return _stored(cls, "inspect_config", _name(service, "a service name", "inspect_config"))

    @classmethod
    def inspect_endpoint(cls, service: str) -> Action:
        return _stored(
            cls, "inspect_endpoint", _name(service, "a service name", "inspect_endpoint")
        )

    @classmethod
    def submit_fix(cls, service: str, changes: Any) -> Action:
        service = _name(service, "a service name", "submit_fix")
        return _stored(cls, "submit_fix", service, _clean_changes(changes))

    @classmethod
    def hint(cls) -> Action:
        return _stored(cls, "hint")

    @classmethod
    def reveal(cls, issue: str | None = None) -> Action:
        if issue is not None:
            issue = _name(issue, "an issue id", "reveal")
        return _stored(cls, "reveal", issue=issue)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Action:
        """Parse a dict action; unknown keys are an error naming the valid ones."""
        if isinstance(data, Action):
            return data
        if not isinstance(data, Mapping):
            raise ActionError(f"an action is an Action or a dict, got {type(data).__name__}")
        fields: dict[str, Any] = {}
        for key, value in data.items():
            if not isinstance(key, str) or key not in _FIELD_ALIASES:
                raise ActionError(
                    f"unknown action field {brief(key)}; fields are: {', '.join(_FIELD_ALIASES)}"
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


_new = object.__new__


def _stored(
    cls: type[Action],
    kind: str,
    service: str | None = None,
    changes: Any = None,
    issue: str | None = None,
) -> Action:
    """An ``Action`` of fields already checked, stored without checking them again.

    A subclass is built through its own ``__init__``, which checks them again.
    """
    if cls is not Action:
        return cls(kind, service, changes, issue)
    action = _new(Action)
    # four stores: for a record this small, cheaper than record_makers.filled
    fields = action.__dict__
    fields["kind"] = kind
    fields["service"] = service
    fields["changes"] = changes
    fields["issue"] = issue
    return action
