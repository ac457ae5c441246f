"""Scenario validation: every rule a fair, solvable scenario must satisfy.

Each failure raises :class:`~apidebug_nb.errors.ScenarioError` whose message
names the scenario, the issue and the field, and whose ``rule`` attribute
names the validation rule (useful in tests and tools):

``duplicate-service``, ``duplicate-issue``, ``unknown-service``,
``unknown-dependency``, ``dependency-cycle``, ``not-editable``, ``bad-rule``,
``bad-fix``, ``fix-does-not-resolve``, ``already-satisfied``, ``hint-leak``,
``fixes-conflict``, ``too-few-steps``, ``bad-clock``, ``call-cycle``, and for
traffic: ``unknown-edge`` (a flow or an issue uses a call that is not an edge),
``no-flow`` (no flow carries an issue's hop), ``unreached-stage`` (with every
other issue fixed, still no request reaches the issue's stage),
``wrong-mask`` (declared ``depends_on`` differs from what the pipeline
produces) and ``unknown-placeholder`` (a ``{service.key}`` in a text names no
setting).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from apidebug_nb.errors import MissingPathError, RuleError, ScenarioError
from apidebug_nb.merge_patch import PatchError, apply_merge_patch, normalise_patch
from apidebug_nb.model import graphs
from apidebug_nb.model.rules import evaluate, holds, rule_paths
from apidebug_nb.scenarios.records import Issue, Scenario, thaw

if TYPE_CHECKING:
    import networkx as nx


def _fail(
    sc: Scenario, message: str, rule: str, issue: str | None = None, field: str | None = None
) -> ScenarioError:
    return ScenarioError(message, scenario=sc.id, issue=issue, field=field, rule=rule)


def _answer_values(fix: Any) -> Iterator[Any]:
    """Scalar values a reference fix sets that would give the answer away."""
    if isinstance(fix, dict):
        for v in fix.values():
            yield from _answer_values(v)
    elif isinstance(fix, list):
        for v in fix:
            yield from _answer_values(v)
    elif isinstance(fix, bool) or fix is None:
        return
    elif isinstance(fix, (int, float)):
        if fix not in (0, 1):
            yield fix
    elif isinstance(fix, str) and len(fix) >= 3:
        yield fix


def leaked_value(text: str, fix: Any) -> Any | None:
    """The first answer value of ``fix`` that ``text`` spells out, else ``None``.

    >>> leaked_value("set it to at least 30 seconds", {"timeout": 30})
    30
    >>> leaked_value("compare the timeout with the gateway's", {"timeout": 30}) is None
    True
    """
    for value in _answer_values(fix):
        if isinstance(value, str):
            if value in text:
                return value
        elif re.search(rf"(?<![\w.]){re.escape(str(value))}(?![\w]|\.\d)", text):
            return value
    return None


def validate_scenario(sc: Scenario) -> Scenario:
    """Check every rule; return the scenario unchanged, or raise ScenarioError.

    >>> from apidebug_nb import load_scenario
    >>> validate_scenario(load_scenario("medium", seed=3)).id
    'medium-3'
    """
    import networkx as nx  # imported on first use: it is slow to import

    names = sc.services
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise _fail(
                sc, f"service {n!r} is defined twice", "duplicate-service", field="services"
            )
        if "." in n or not n:
            raise _fail(
                sc,
                f"service name {n!r} must be non-empty and contain no '.'",
                "unknown-service",
                field="services",
            )
        seen.add(n)
    valid = f"services are: {', '.join(names)}"
    for caller, callee in sc.edges:
        for s in (caller, callee):
            if s not in seen:
                raise _fail(
                    sc,
                    f"edge {caller} -> {callee} names unknown service {s!r}; {valid}",
                    "unknown-service",
                    field="edges",
                )
    try:
        dt.datetime.fromisoformat(sc.incident_start)
    except ValueError:
        raise _fail(
            sc,
            f"incident_start {sc.incident_start!r} is not an ISO date-time "
            "such as 2026-03-14T09:00:00",
            "bad-clock",
            field="incident_start",
        ) from None
    _check_clock(sc)
    _check_call_graph(sc)

    ids: set[str] = set()
    for issue in sc.issue_records:
        if issue.id in ids:
            raise _fail(sc, "issue id is used twice", "duplicate-issue", issue.id, "id")
        ids.add(issue.id)
    for issue in sc.issue_records:
        _check_issue_refs(sc, issue, seen, ids, valid)

    _check_flows(sc, seen, valid)
    configs = sc.configs()
    for issue in sc.issue_records:
        _check_issue_logic(sc, issue, configs, sc.graph)
    _check_masks(sc)

    D = graphs.dependency_dag(sc)
    if not nx.is_directed_acyclic_graph(D):
        cycle = " -> ".join(a for a, _ in nx.find_cycle(D))
        raise _fail(
            sc,
            f"dependency cycle: {cycle}",
            "dependency-cycle",
            field="depends_on",
            issue=nx.find_cycle(D)[0][0],
        )

    order = graphs.ideal_order(D, {i: n for n, i in enumerate(sc.issue_ids)})
    current = sc.configs()
    for iid in order:
        issue = sc.issue(iid)
        current[issue.service] = apply_merge_patch(
            current[issue.service], normalise_patch(thaw(issue.reference_fix))
        )
    for iid in order:
        if not holds(sc.issue(iid).check, current):
            raise _fail(
                sc,
                "after applying every reference fix in ideal order this check fails: "
                f"{_undoer(sc, order, iid)} undoes it",
                "fixes-conflict",
                iid,
                "reference_fix",
            )
    needed = 2 * len(order)
    if sc.max_steps < needed:
        raise _fail(
            sc,
            f"max_steps {sc.max_steps} is below the {needed} steps the reference "
            "solver needs (an inspection and a fix per issue)",
            "too-few-steps",
            field="max_steps",
        )
    return sc


def _check_clock(sc: Scenario) -> None:
    """The incident clock must stay representable for the whole episode and every log line."""
    start = dt.datetime.fromisoformat(sc.incident_start)
    if not isinstance(sc.step_seconds, int) or sc.step_seconds < 1:
        raise _fail(
            sc,
            f"step_seconds must be a whole number of seconds of at least 1, got {sc.step_seconds!r}",
            "bad-clock",
            field="step_seconds",
        )
    lines = [*sc.base_logs]
    offsets = [abs(line.offset_s) for line in lines]
    span = 600 + sc.max_steps * sc.step_seconds + max(offsets, default=0)
    try:
        start - dt.timedelta(seconds=span)
        start + dt.timedelta(seconds=2 * span)
    except OverflowError:
        raise _fail(
            sc,
            f"incident_start {sc.incident_start!r} plus {sc.max_steps} steps of "
            f"{sc.step_seconds} s runs outside the calendar (years 1 to 9999); "
            "start the incident in a recent year",
            "bad-clock",
            field="incident_start",
        ) from None


def _check_call_graph(sc: Scenario) -> None:
    """Calls flow one way: a service calling itself, or a loop of calls, is an authoring slip."""
    for caller, callee in sc.edges:
        if caller == callee:
            raise _fail(
                sc,
                f"edge {caller} -> {callee} makes {caller!r} call itself; "
                "edges go from a caller to another service",
                "call-cycle",
                field="edges",
            )
    G = sc.graph
    import networkx as nx

    if not nx.is_directed_acyclic_graph(G):
        cycle = [a for a, _ in nx.find_cycle(G)]
        raise _fail(
            sc,
            f"the call graph has a cycle: {' -> '.join([*cycle, cycle[0]])}; "
            "calls must flow one way (remove one of these edges)",
            "call-cycle",
            field="edges",
        )


def _undoer(sc: Scenario, order: list[str], iid: str) -> str:
    """Name the first reference fix, applied after ``iid``'s, that makes its check fail."""
    current = sc.configs()
    mine = False
    for other in order:
        issue = sc.issue(other)
        current[issue.service] = apply_merge_patch(
            current[issue.service], normalise_patch(thaw(issue.reference_fix))
        )
        mine = mine or other == iid
        if mine and other != iid and not holds(sc.issue(iid).check, current):
            return f"the reference fix of {other!r}"
    return "another issue's fix"


def _check_issue_refs(
    sc: Scenario, issue: Issue, services: set[str], ids: set[str], valid: str
) -> None:
    if issue.service not in services:
        raise _fail(
            sc,
            f"unknown service {issue.service!r}; {valid}",
            "unknown-service",
            issue.id,
            "service",
        )
    if not sc.service(issue.service).editable:
        raise _fail(
            sc,
            f"the fix belongs to {issue.service!r}, which is not editable: "
            "learners could never apply it",
            "not-editable",
            issue.id,
            "service",
        )
    for dep in issue.depends_on:
        if dep not in ids:
            raise _fail(
                sc,
                f"depends on unknown issue {dep!r}; issues are: {', '.join(sorted(ids))}",
                "unknown-dependency",
                issue.id,
                "depends_on",
            )
        if dep == issue.id:
            raise _fail(
                sc, "an issue cannot depend on itself", "dependency-cycle", issue.id, "depends_on"
            )
    try:
        paths = list(rule_paths(issue.check))
    except RuleError as exc:
        raise _fail(sc, str(exc), "bad-rule", issue.id, "check") from None
    for path in paths:
        svc = path.split(".", 1)[0] if isinstance(path, str) else None
        if svc not in services:
            raise _fail(
                sc,
                f"the rule reads {path!r}: unknown service {svc!r}; {valid}",
                "unknown-service",
                issue.id,
                "check",
            )


def _check_issue_logic(sc: Scenario, issue: Issue, configs: dict[str, Any], G: nx.DiGraph) -> None:
    try:
        broken = evaluate(issue.check, configs)
    except MissingPathError:
        broken = False  # a missing setting is a broken contract (e.g. no auth header)
    except RuleError as exc:
        raise _fail(sc, str(exc), "bad-rule", issue.id, "check") from None
    if broken:
        raise _fail(
            sc,
            "the check already passes on the broken config, so there is nothing to fix",
            "already-satisfied",
            issue.id,
            "check",
        )
    try:
        patch = normalise_patch(thaw(issue.reference_fix))
        fixed_cfg = dict(configs)
        fixed_cfg[issue.service] = apply_merge_patch(configs[issue.service], patch)
    except PatchError as exc:
        raise _fail(sc, f"not a valid patch: {exc}", "bad-fix", issue.id, "reference_fix") from None
    try:
        ok = evaluate(issue.check, fixed_cfg)
    except MissingPathError as exc:
        raise _fail(
            sc,
            f"after the reference fix the check still reads a missing setting: {exc}",
            "fix-does-not-resolve",
            issue.id,
            "reference_fix",
        ) from None
    except RuleError as exc:
        raise _fail(sc, str(exc), "bad-rule", issue.id, "check") from None
    if not ok:
        raise _fail(
            sc,
            "the reference fix does not satisfy the issue's own check",
            "fix-does-not-resolve",
            issue.id,
            "reference_fix",
        )
    fix = thaw(issue.reference_fix)
    for level, text in zip(("nudge", "setting", "contract"), issue.hints.levels(), strict=True):
        if not text.strip():
            raise _fail(sc, "every hint level needs text", "hint-leak", issue.id, f"hints.{level}")
        value = leaked_value(text, fix)
        if value is not None:
            raise _fail(
                sc,
                f"the hint gives away the answer value {value!r}; describe the contract instead",
                "hint-leak",
                issue.id,
                f"hints.{level}",
            )


def _check_flows(sc: Scenario, services: set[str], valid: str) -> None:
    """Flows use known services and edges; every issue's hop is carried by some flow."""
    edges = set(sc.edges)
    carried: set[tuple[str, str]] = set()
    configs = sc.configs()
    for n, flow in enumerate(sc.flows):
        if flow.entry not in services:
            raise _fail(
                sc,
                f"flow {flow.name!r} enters at unknown service {flow.entry!r}; {valid}",
                "unknown-service",
                field=f"flows[{n}].entry",
            )
        for k, hop in enumerate(flow.hops):
            if hop.edge not in edges:
                raise _fail(
                    sc,
                    f"flow {flow.name!r} calls {hop.caller} -> {hop.callee}, which is not an "
                    "edge of the call graph; add the edge or fix the hop",
                    "unknown-edge",
                    field=f"flows[{n}].hops[{k}]",
                )
            _check_placeholders(sc, hop.path, configs, None, f"flows[{n}].hops[{k}].path")
            carried.add(hop.edge)
        if flow.hops[0].caller != flow.entry:
            raise _fail(
                sc,
                f"flow {flow.name!r} enters at {flow.entry!r}, so its first hop must start "
                f"there, not at {flow.hops[0].caller!r}",
                "unknown-edge",
                field=f"flows[{n}].hops[0]",
            )
    for n, fault in enumerate(sc.faults):
        if fault.hop not in edges:
            raise _fail(
                sc,
                f"fault on {fault.hop[0]} -> {fault.hop[1]}, which is not an edge",
                "unknown-edge",
                field=f"faults[{n}].hop",
            )
    for issue in sc.issue_records:
        if tuple(issue.hop) not in edges:
            raise _fail(
                sc,
                f"hop {issue.hop[0]} -> {issue.hop[1]} is not an edge of the call graph; "
                f"edges are: {', '.join(f'{a} -> {b}' for a, b in sc.edges)}",
                "unknown-edge",
                issue.id,
                "hop",
            )
        if tuple(issue.hop) not in carried:
            raise _fail(
                sc,
                f"no flow sends requests over {issue.hop[0]} -> {issue.hop[1]}, so this "
                "problem could never show; add the hop to a flow",
                "no-flow",
                issue.id,
                "hop",
            )
        _check_placeholders(sc, issue.detail, configs, issue.id, "detail")


def _check_placeholders(
    sc: Scenario, text: str, configs: dict[str, Any], issue: str | None, field: str
) -> None:
    from apidebug_nb.model.evidence import placeholders
    from apidebug_nb.model.rules import lookup

    for path in placeholders(text):
        if lookup(configs, path, default=None) is None:
            raise _fail(
                sc,
                f"placeholder {{{path}}} names no setting in the configs; use "
                "{service.key} with an existing service and setting",
                "unknown-placeholder",
                issue,
                field,
            )


def _check_masks(sc: Scenario) -> None:
    """Every issue's stage is reachable, and declared masks match the pipeline's."""
    from apidebug_nb.model.simulation import computed_masks, reached_with_only

    reached = reached_with_only(sc, [])
    for issue in sc.issue_records:
        if reached.get(issue.id, 0) == 0:
            raise _fail(
                sc,
                f"with every other problem fixed, no request reaches the {issue.failure} check "
                f"on {issue.hop[0]} -> {issue.hop[1]}, so it could never show",
                "unreached-stage",
                issue.id,
                "failure",
            )
    masks = computed_masks(sc)
    for issue in sc.issue_records:
        if issue.depends_on and set(issue.depends_on) != set(masks[issue.id]):
            shown = ", ".join(masks[issue.id]) or "nothing"
            raise _fail(
                sc,
                f"declared depends_on [{', '.join(issue.depends_on)}], but the pipeline "
                f"masks it behind: {shown}",
                "wrong-mask",
                issue.id,
                "depends_on",
            )
