"""The sentences an episode says: what was wrong, what is valid, what changed.

Messages never name an unresolved issue's title or give a fix value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from apidebug_nb.scenarios.records import Scenario


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
) -> str:
    """Describe an applied patch: resolved, reopened, near misses and typos."""
    parts = [f"Applied to {service}: {', '.join(touched)}."]
    if resolved:
        n = len(resolved)
        parts.append(f"Fixed {n} problem{'s' if n > 1 else ''}: {_titles(scenario, resolved)}.")
    if reopened:
        parts.append(f"Regression! This broke again: {_titles(scenario, reopened)}.")
    for iid in near:
        if iid in resolved:
            continue
        contract = scenario.issue(iid).hints.contract
        parts.append(
            f"Right setting, but the contract still fails: {contract[0].lower()}{contract[1:]}"
        )
    for key, close in new_keys:
        guess = f" Did you mean {close[0]!r}?" if close else ""
        parts.append(f"Note: {key!r} is a new setting in {service}.{guess}")
    if unmasked:
        parts.append("New symptoms may have surfaced now that an upstream failure is gone.")
    if not resolved and not reopened and not near:
        parts.append("No visible change in the system.")
    return " ".join(parts)
