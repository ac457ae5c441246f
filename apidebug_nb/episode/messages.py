"""The sentences an episode says: what was wrong, what is valid, what changed.

Messages never name an unresolved issue's title or give a fix value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from apidebug_nb.errors import ApiDebugError
from apidebug_nb.model.rules import evaluate, rule_paths
from apidebug_nb.scenarios.records import Scenario

#: How each kind of condition is said, without its operand (the value stays unsaid).
_CONDITION_WORDS = {
    "eq": "does not have the value the contract needs",
    "ne": "still has a value the contract forbids",
    "ge": "is not large enough",
    "gt": "is not large enough",
    "le": "is too large",
    "lt": "is too large",
    "in": "is not one of the values the contract allows",
    "contains": "lacks an entry the contract needs",
    "matches": "does not have the form the contract needs",
    "present": "is missing",
    "absent": "should not be there",
    "not": "meets a condition the contract forbids",
}


def failing_conditions(rule: Mapping[str, Any], configs: Mapping[str, Any]) -> list[str]:
    """Which parts of ``rule`` fail over ``configs``, in words, never with a value.

    >>> rule = {"all": [{"ge": ["c.retry.max", 3]}, {"contains": ["c.retry.on", 429]}]}
    >>> failing_conditions(rule, {"c": {"retry": {"max": 5, "on": [503]}}})
    ['c.retry.on lacks an entry the contract needs']
    >>> failing_conditions({"eq": ["c.mode", "async"]}, {"c": {"mode": "sync"}})
    ['c.mode does not have the value the contract needs']
    >>> failing_conditions({"ge": ["c.t", {"ref": "gw.max"}]}, {"c": {"t": 1}, "gw": {"max": 9}})
    ['c.t is not large enough (compare it with gw.max)']
    """
    if len(rule) != 1:
        return []
    ((op, arg),) = rule.items()
    if op == "all" and isinstance(arg, (list, tuple)):
        return [text for part in arg for text in failing_conditions(part, configs)]
    try:
        if evaluate(rule, configs):
            return []
    except ApiDebugError:
        return []
    if isinstance(arg, str):  # present / absent
        setting = arg
    elif isinstance(arg, (list, tuple)) and arg and isinstance(arg[0], str):
        setting = arg[0]  # the setting compared (its operand is not said)
    else:
        paths = sorted(set(rule_paths(rule)))
        if not paths:
            return []
        return [f"the condition on {' / '.join(paths)} does not hold"]
    words = f"{setting} {_CONDITION_WORDS.get(op, 'does not meet the contract')}"
    operand = arg[1] if isinstance(arg, (list, tuple)) and len(arg) > 1 else None
    if isinstance(operand, Mapping) and isinstance(operand.get("ref"), str):
        words += f" (compare it with {operand['ref']})"  # a setting's name, not its value
    return [words]


def unknown_service(service: object, services: Sequence[str]) -> str:
    import difflib  # only a mistyped name needs it

    close = difflib.get_close_matches(str(service), list(services), n=1)
    guess = f" Did you mean {close[0]!r}?" if close else ""
    return f"unknown service {service!r}.{guess} Services are: {', '.join(services)}."


def not_editable(service: str, editable: Mapping[str, bool], *, faulted: bool = False) -> str:
    """The refusal of a fix to someone else's service.

    When that service is itself failing (a fault of its own, such as an outage),
    say that no fix at the source is available to the learner: the remedy is
    mitigation on the calling side, and telling the owners.
    """
    yours = [s for s, e in editable.items() if e]
    if faulted:
        return (
            f"{service} is not yours to change, and what fails there is on its owners' side: "
            "you cannot fix it at the source. Fix the client side instead: mitigate how your "
            "services retry, shed load and fall back while it fails, and report the fault to "
            f"its owners; you can edit: {', '.join(yours)}."
        )
    return (
        f"{service} is not yours to change: its config is the contract you must meet. "
        f"Fix the client side instead; you can edit: {', '.join(yours)}."
    )


def _titles(scenario: Scenario, ids: Sequence[str]) -> str:
    return "; ".join(scenario.issue(i).title for i in ids)


def fix_result(
    scenario: Scenario,
    service: str,
    touched: Sequence[str],
    resolved: Sequence[str],
    reopened: Sequence[str],
    near: Sequence[str],
    new_keys: Sequence[tuple[str, list[str]]],
    unmasked: Sequence[str],
    configs: Mapping[str, Any] | None = None,
) -> str:
    """Describe an applied patch: resolved, reopened, near misses and typos.

    A near miss ("right setting, but ...") names the condition that still
    fails when ``configs`` (after the patch) are given, never its value.
    """
    parts = [f"Applied to {service}: {', '.join(touched)}."]
    if resolved:
        n = len(resolved)
        parts.append(f"Fixed {n} problem{'s' if n > 1 else ''}: {_titles(scenario, resolved)}.")
    if reopened:
        parts.append(f"Regression! This broke again: {_titles(scenario, reopened)}.")
    for iid in near:
        if iid in resolved:
            continue
        failing = failing_conditions(scenario.issue(iid).check, configs) if configs else []
        if failing:
            parts.append(f"Right setting, but the contract still fails: {'; '.join(failing)}.")
        else:
            parts.append("Right setting, but the contract still fails.")
    for key, close in new_keys:
        guess = f" Did you mean {close[0]!r}?" if close else ""
        parts.append(f"Note: {key!r} is a new setting in {service}.{guess}")
    if unmasked:
        parts.append("New symptoms may have surfaced now that an upstream failure is gone.")
    if not resolved and not reopened and not near:
        parts.append("No visible change in the system.")
    return " ".join(parts)
