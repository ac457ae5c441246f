"""What the system looks like for given configs: a pure function of the state.

Issue status, health, alerts, logs and endpoint answers are all derived from
one step's simulated traffic (:mod:`apidebug_nb.model.traffic`) over the
current configs; evidence is rendered from it (:mod:`apidebug_nb.model.evidence`).
:class:`Simulation` precomputes read-only indexes of an immutable scenario
(ideal order, compiled checks, flow models) shared by all its episodes.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from apidebug_nb.merge_patch import apply_merge_patch
from apidebug_nb.model import graphs
from apidebug_nb.model.evidence import Event, Renderer, stamp
from apidebug_nb.model.rules import compile_rule, lenient, rule_paths, rule_services
from apidebug_nb.model.traffic import (
    DEGRADED,
    ERROR,
    HEALTHY,
    FlowModel,
    Traffic,
    attach,
    contracts_by_edge,
    failing_edges,
    groups_from,
    health,
    health_update,
    resimulate,
    simulate,
)
from apidebug_nb.scenarios.records import Issue, Scenario, thaw

RESOLVED, MASKED, ACTIVE = "resolved", "masked", "active"
HEALTH_STATES = (HEALTHY, DEGRADED, ERROR)
__all__ = ["ACTIVE", "DEGRADED", "ERROR", "HEALTHY", "MASKED", "RESOLVED", "Simulation"]


@dataclass(frozen=True)
class InitialState:
    """The derived state at reset, shared by every episode of a scenario (read-only)."""

    resolved: frozenset[str]
    traffic: Traffic
    statuses: Mapping[str, str]
    health: Mapping[str, str]
    alerts: tuple[str, ...]
    flow_alerts: Mapping[int, tuple[str, ...]]  # the alerts of each flow that has some
    masked_services: tuple[str, ...]  # services holding a masked issue, sorted


def flow_models(scenario: Scenario) -> tuple[FlowModel, ...]:
    """The flow models of a scenario, contracts attached."""
    contracts = contracts_by_edge(attach(scenario.issue_records, scenario.faults))
    services = {s.name: s for s in scenario.service_records}
    return tuple(FlowModel(f, contracts, services) for f in scenario.flows)


def reached_with_only(scenario: Scenario, broken: Iterable[str]) -> dict[str, int]:
    """Requests reaching each issue's stage when only ``broken`` issues stay unfixed."""
    keep = set(broken)
    configs = scenario.configs()
    for issue in scenario.issue_records:
        if issue.id not in keep:
            configs[issue.service] = apply_merge_patch(
                configs[issue.service], thaw(issue.reference_fix)
            )
    failing = {i.id for i in scenario.issue_records if not lenient(compile_rule(i.check))(configs)}
    return dict(simulate(flow_models(scenario), failing, configs).reached)


def computed_masks(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """``{issue: masks}``: the issues whose failure alone leaves no request reaching it.

    Derived from the pipeline and the flows, never declared: with every other
    issue fixed, issue A masks B when no request reaches B's stage. Only the
    flows that carry a failing contract are simulated again for each A.
    """
    models = flow_models(scenario)
    issues = {i.id: i for i in scenario.issue_records}
    broken = scenario.configs()
    fixed = dict(broken)
    for i in scenario.issue_records:
        fixed[i.service] = apply_merge_patch(fixed[i.service], thaw(i.reference_fix))
    checks = {iid: lenient(compile_rule(i.check)) for iid, i in issues.items()}
    readers: dict[str, list[str]] = {}
    for iid, i in issues.items():
        for svc in rule_services(i.check):
            readers.setdefault(svc, []).append(iid)
    flows_of_edge: dict[tuple[str, str], set[int]] = {}
    for n, m in enumerate(models):
        for h in m.flow.hops:
            flows_of_edge.setdefault(h.edge, set()).add(n)
    base_failing = {iid for iid, check in checks.items() if not check(fixed)}
    per_flow = [dict(simulate([m], base_failing, fixed).reached) for m in models]
    masks: dict[str, list[str]] = {i: [] for i in issues}
    for a, issue in issues.items():
        configs = dict(fixed)
        own = broken[issue.service]  # A's service with every other fix applied
        for other in scenario.issue_records:
            if other.id != a and other.service == issue.service:
                own = apply_merge_patch(own, thaw(other.reference_fix))
        configs[issue.service] = own
        failing = set(base_failing)
        for r in readers.get(issue.service, ()):
            if checks[r](configs):
                failing.discard(r)
            else:
                failing.add(r)
        touched: set[int] = set()
        for f in failing:
            touched |= flows_of_edge.get(issues[f].hop, set())
        reached: dict[str, int] = {}
        for n, m in enumerate(models):
            got = simulate([m], failing, configs).reached if n in touched else per_flow[n]
            for k, v in got.items():
                reached[k] = reached.get(k, 0) + v
        for b in issues:
            if b != a and reached.get(b, 0) == 0:
                masks[b].append(a)
    return {i: tuple(v) for i, v in masks.items()}


def with_masks(scenario: Scenario) -> Scenario:
    """The scenario with every ``Issue.depends_on`` computed from the pipeline."""
    masks = computed_masks(scenario)
    issues = tuple(replace(i, depends_on=masks[i.id]) for i in scenario.issue_records)
    return replace(scenario, issue_records=issues)


_CACHE: weakref.WeakKeyDictionary[Scenario, Simulation] = weakref.WeakKeyDictionary()


class Simulation:
    """Read-only indexes of one scenario and the pure derivations over its state.

    Use :meth:`of` to share one instance per scenario (scenarios are immutable,
    and so is everything an instance exposes).
    """

    @classmethod
    def of(cls, scenario: Scenario) -> Simulation:
        """The (cached) simulation of ``scenario``."""
        sim = _CACHE.get(scenario)
        if sim is None:
            sim = _CACHE[scenario] = cls(scenario)
        return sim

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.start = dt.datetime.fromisoformat(scenario.incident_start)
        self._start_of_day_ms = (
            (self.start.hour * 60 + self.start.minute) * 60 + self.start.second
        ) * 1000 + self.start.microsecond // 1000
        self._dates: dict[int, str] = {}
        self.issues: Mapping[str, Issue] = MappingProxyType(
            {i.id: i for i in scenario.issue_records}
        )
        rank = {iid: n for n, iid in enumerate(scenario.issue_ids)}
        self.dag = graphs.dependency_dag(scenario)
        self.order: tuple[str, ...] = tuple(graphs.ideal_order(self.dag, rank))
        self.checks = MappingProxyType(
            {i: lenient(compile_rule(self.issues[i].check)) for i in self.order}
        )
        self.read_paths = MappingProxyType(
            {i: frozenset(rule_paths(self.issues[i].check)) for i in self.order}
        )
        # issue -> service -> top-level settings its check reads
        read_keys: dict[str, Mapping[str, frozenset[str]]] = {}
        for iid, paths in self.read_paths.items():
            by_service: dict[str, set[str]] = {}
            for path in paths:
                svc, _, rest = path.partition(".")
                by_service.setdefault(svc, set()).add(rest.split(".", 1)[0])
            read_keys[iid] = MappingProxyType({s: frozenset(k) for s, k in by_service.items()})
        self.read_keys = MappingProxyType(read_keys)
        self.call_graph = scenario.graph
        self.editable: Mapping[str, bool] = MappingProxyType(
            {s.name: s.editable for s in scenario.service_records}
        )
        readers: dict[str, list[str]] = {}
        for iid in self.order:
            for svc in sorted(rule_services(self.issues[iid].check)):
                readers.setdefault(svc, []).append(iid)
        self.readers = MappingProxyType({s: tuple(v) for s, v in readers.items()})
        self.models = flow_models(scenario)
        self.renderer = Renderer(
            f"{scenario.id}:{scenario.seed}",
            self.models,
            self.issues,
            scenario.step_seconds * 1000,
        )
        startup: dict[str, list[Event]] = {}
        for n, line in enumerate(scenario.base_logs):
            startup.setdefault(line.service, []).append(
                Event(round(line.offset_s * 1000), n, line.level, line.service, line.text)
            )
        self.startup = MappingProxyType({s: tuple(v) for s, v in startup.items()})
        # Which flows a probe of a service follows: those entering there, else those
        # calling it; and every flow a service takes part in. One pass over the flows.
        entering: dict[str, list[int]] = {}
        calling: dict[str, list[int]] = {}
        touching: dict[str, list[int]] = {}
        edge_flows: dict[tuple[str, str], set[int]] = {}
        for n, f in enumerate(scenario.flows):
            entering.setdefault(f.entry, []).append(n)
            callees = dict.fromkeys(h.callee for h in f.hops)
            members = dict.fromkeys([f.entry, *(s for h in f.hops for s in h.edge)])
            for svc in callees:
                calling.setdefault(svc, []).append(n)
            for svc in members:
                touching.setdefault(svc, []).append(n)
            for h in f.hops:
                edge_flows.setdefault(h.edge, set()).add(n)
        self.probe_flows = MappingProxyType(
            {s: tuple(entering.get(s) or calling.get(s) or ()) for s in scenario.services}
        )
        self.flows_of_edge = MappingProxyType({e: frozenset(v) for e, v in edge_flows.items()})
        self.flows_of = MappingProxyType({s: tuple(touching.get(s, ())) for s in scenario.services})
        self.rank = MappingProxyType({s: n for n, s in enumerate(scenario.services)})
        self._all_issues = frozenset(self.order)
        self._issue_rank = {iid: n for n, iid in enumerate(self.order)}
        # flow -> the issues with a contract on it (what a new traffic of the flow can change)
        self.issues_of_flow = tuple(
            frozenset(c.source for cs in m.contracts for c in cs if c.source in self.issues)
            for m in self.models
        )
        # The broken configs, frozen and shared: what every window before a fix runs on.
        self.initial_configs: Mapping[str, Any] = MappingProxyType(
            {s.name: s.config for s in scenario.service_records}
        )
        self._initial: InitialState | None = None
        # (window, service) -> that service's events of a window on the initial state:
        # the same in every episode, so rendered once per scenario.
        self._initial_windows: dict[tuple[int, str, int], tuple[list[Event], list[str]]] = {}
        self.step_ms = scenario.step_seconds * 1000
        self._startup_lines: dict[str, tuple[str, ...]] = {}
        # (service, first window, origin) -> its lines on the initial state, and where
        # each window's lines end
        self._initial_logs: dict[tuple[str, int, int], tuple[list[str], list[int]]] = {}
        # Plain-dict configs shared by every episode: a fix replaces a service's config
        # (copy-on-write), never edits one in place, so a reset copies only the mapping.
        self._broken_configs = scenario.configs()
        self._stamps: dict[float, str] = {}  # the clock of each step, as text
        self._readers_of: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}
        # (flow, id(its groups)) -> (the groups, their alerts)
        self._flow_alerts: dict[tuple[int, int], tuple[Any, tuple[str, ...]]] = {}

    def initial_state(self) -> InitialState:
        """What every episode of this scenario starts from (computed once)."""
        if self._initial is None:
            configs = self.fresh_configs()
            resolved = frozenset(self.resolved_set(configs))
            traffic = self.traffic(resolved, configs)
            statuses = self.statuses(resolved, traffic)
            flow_alerts = self.flow_alerts({}, traffic)
            self._initial = InitialState(
                resolved=resolved,
                traffic=traffic,
                statuses=MappingProxyType(statuses),
                health=MappingProxyType(self.health(traffic)),
                alerts=tuple(self.joined_alerts(flow_alerts)),
                flow_alerts=MappingProxyType(flow_alerts),
                masked_services=tuple(
                    sorted({self.issues[i].service for i, s in statuses.items() if s == MASKED})
                ),
            )
        return self._initial

    def fresh_configs(self) -> dict[str, dict[str, Any]]:
        """A fresh mapping of every service's broken config, as plain dicts (the values
        of ``scenario.configs()``); the configs are shared, so replace one, as a fix
        does (:func:`~apidebug_nb.merge_patch.apply_fix`), never edit it in place."""
        return dict(self._broken_configs)

    # -- issue state -------------------------------------------------------
    def resolved_set(self, configs: Mapping[str, Any]) -> set[str]:
        """Issues whose check holds over ``configs``."""
        return {iid for iid in self.order if self.checks[iid](configs)}

    def update_resolved(
        self,
        resolved: Iterable[str],
        configs: Mapping[str, Any],
        changed_service: str,
        touched: Iterable[str],
    ) -> set[str]:
        """The resolved set after ``touched`` settings (dotted paths) of a service changed.

        Only checks that read one of the touched top-level settings are
        evaluated again.
        """
        out = set(resolved)
        keys = {path.split(".", 1)[0] for path in touched}
        for iid in self.readers.get(changed_service, ()):
            if not keys & self.read_keys[iid].get(changed_service, frozenset()):
                continue
            if self.checks[iid](configs):
                out.add(iid)
            else:
                out.discard(iid)
        return out

    def readers_of(self, service: str, touched: tuple[str, ...]) -> tuple[str, ...]:
        """Issues whose check reads one of ``service``'s ``touched`` settings (dotted
        paths), a setting inside one, or one that contains one; in ideal order
        (memoised: the same fixes come back in every episode)."""
        key = (service, touched)
        found = self._readers_of.get(key)
        if found is None:
            full = [f"{service}.{t}" for t in touched]
            found = tuple(
                iid
                for iid in self.readers.get(service, ())
                if any(
                    r == f or r.startswith(f + ".") or f.startswith(r + ".")
                    for r in self.read_paths[iid]
                    for f in full
                )
            )
            if len(self._readers_of) >= 4096:
                self._readers_of.clear()
            self._readers_of[key] = found
        return found

    def traffic(self, resolved: Iterable[str], configs: Mapping[str, Any]) -> Traffic:
        """One step's traffic with these configs (every unresolved check fails its stage)."""
        done = set(resolved)
        failing = self._all_issues - done
        return simulate(self.models, failing, configs)

    def update_traffic(
        self,
        previous: Traffic,
        before: Iterable[str],
        resolved: Iterable[str],
        configs: Mapping[str, Any],
        changed_service: str,
    ) -> Traffic:
        """The traffic after a fix to ``changed_service``: only the flows through that
        service, or carrying an issue whose check changed, are simulated again."""
        done, was = set(resolved), set(before)
        flows = set(self.flows_of[changed_service])
        for iid in done ^ was:
            flows |= self.flows_of_edge.get(self.issues[iid].hop, set())
        failing = self._all_issues - done
        return resimulate(self.models, previous, flows, failing, configs)

    def statuses(self, resolved: Iterable[str], traffic: Traffic) -> dict[str, str]:
        """``{issue_id: "resolved" | "masked" | "active"}`` in ideal order.

        Active: broken and reached by some request this step; masked: broken
        and reached by none.
        """
        done = set(resolved)
        reached = traffic.reached
        return {
            iid: RESOLVED if iid in done else (ACTIVE if reached.get(iid, 0) > 0 else MASKED)
            for iid in self.order
        }

    def statuses_update(
        self,
        previous: Mapping[str, str],
        before: Iterable[str],
        resolved: Iterable[str],
        traffic: Traffic,
    ) -> tuple[dict[str, str], list[str]]:
        """:meth:`statuses` after a fix, from those before it: only issues whose check
        changed (``before`` to ``resolved``) or whose flows ``traffic`` simulated again
        are looked at. Also returns the issues whose status changed, in ideal order."""
        done = set(resolved)
        touched = done ^ set(before)
        for fi in traffic.changed:
            touched |= self.issues_of_flow[fi]
        out = dict(previous)
        reached = traffic.reached
        changed = []
        for iid in touched:
            now = RESOLVED if iid in done else (ACTIVE if reached.get(iid, 0) > 0 else MASKED)
            if out[iid] != now:
                out[iid] = now
                changed.append(iid)
        changed.sort(key=self._issue_rank.__getitem__)
        return out, changed

    def active(self, statuses: Mapping[str, str]) -> list[str]:
        """Active (unresolved and unmasked) issues in ideal order."""
        return [iid for iid in self.order if statuses[iid] == ACTIVE]

    # -- what an engineer sees ----------------------------------------------
    def health(self, traffic: Traffic) -> dict[str, str]:
        """Service -> healthy / degraded / error, from this step's requests."""
        return health(traffic, self.scenario.services)

    def health_update(
        self, previous: Mapping[str, str], traffic: Traffic
    ) -> tuple[dict[str, str], list[str]]:
        """The health after a fix from the health before it: only the services of
        the flows simulated again are looked at. Also returns the services whose
        health changed, in scenario order."""
        return health_update(self.models, previous, traffic, self.rank)

    def alerts(self, traffic: Traffic, configs: Mapping[str, Any]) -> list[str]:
        """Symptom-level alerts from this step's requests."""
        return self.renderer.alerts(traffic.groups, configs)

    def flow_alerts(
        self, previous: Mapping[int, tuple[str, ...]], traffic: Traffic
    ) -> dict[int, tuple[str, ...]]:
        """``{flow: its alerts}`` of the flows that have some, from ``previous``
        (the same for an earlier traffic) with ``traffic.changed`` flows looked at again."""
        out = dict(previous)
        memo = self._flow_alerts
        for fi in traffic.changed:
            groups = traffic.groups[fi]
            # A flow's groups come from its memo (FlowModel.play), so the same groups
            # are the same object: key on identity, and keep the groups alive with their
            # alerts so that the identity cannot be reused while it is a key.
            kept = memo.get((fi, id(groups)))
            if kept is not None and kept[0] is groups:
                found = kept[1]
            else:
                found = self.renderer.flow_alerts(fi, groups)
                if len(memo) >= 4096:
                    memo.clear()
                memo[(fi, id(groups))] = (groups, found)
            if found:
                out[fi] = found
            else:
                out.pop(fi, None)
        return out

    @staticmethod
    def joined_alerts(flow_alerts: Mapping[int, tuple[str, ...]]) -> list[str]:
        """The alerts of :meth:`flow_alerts` as one list, in flow order."""
        return [a for fi in sorted(flow_alerts) for a in flow_alerts[fi]]

    def failing_edges(self, traffic: Traffic) -> set[tuple[str, str]]:
        """Call edges carrying failed or wrong requests this step."""
        return failing_edges(self.models, traffic)

    def window_events(
        self, window: int, traffic: Traffic, configs: Mapping[str, Any], service: str | None = None
    ) -> list[Event]:
        """Log events of step window ``window`` (configs in force then); only
        ``service``'s own, of the flows through it, when it is given."""
        flows = None if service is None else self.flows_of[service]
        return self.renderer.window_events(window, traffic.groups, configs, flows, service)

    def startup_lines(self, service: str) -> tuple[str, ...]:
        """``service``'s start-up log lines (memoised)."""
        lines = self._startup_lines.get(service)
        if lines is None:
            lines = tuple(self.line(e.ms, e) for e in self.startup.get(service, ()))
            self._startup_lines[service] = lines
        return lines

    def initial_window(
        self, window: int, service: str, origin_ms: int
    ) -> tuple[list[Event], list[str]]:
        """``service``'s own events of step window ``window`` when it runs on the
        initial state (broken configs, no fix yet), in log order, and their lines
        stamped from ``origin_ms``. The same in every episode, so memoised (read-only)."""
        key = (window, service, origin_ms)
        found = self._initial_windows.get(key)
        if found is None:
            traffic = self.initial_state().traffic
            end = window * self.step_ms + self.step_ms - 1
            events = self.window_events(window, traffic, self.initial_configs, service)
            events.sort(key=lambda e: (min(e.ms, end), e.order))
            lines = [self.line(origin_ms + min(e.ms, end), e) for e in events]
            if len(self._initial_windows) > 20_000:
                self._initial_windows.clear()
            found = self._initial_windows[key] = (events, lines)
        return found

    def initial_log(self, service: str, first: int, upto: int, origin_ms: int) -> list[str]:
        """``service``'s start-up lines, then its lines of windows ``first`` to
        ``upto - 1`` run on the initial state (see :meth:`initial_window`): how its
        log starts in every episode until the first fix or probe (a new list)."""
        key = (service, first, origin_ms)
        found = self._initial_logs.get(key)
        if found is None:
            startup = list(self.startup_lines(service))
            found = self._initial_logs[key] = (startup, [len(startup)])
        lines, ends = found
        while len(ends) <= upto - first:  # windows rendered so far: len(ends) - 1
            lines += self.initial_window(first + len(ends) - 1, service, origin_ms)[1]
            ends.append(len(lines))
        return lines[: ends[upto - first]]

    def probe(
        self,
        service: str,
        traffic: Traffic,
        resolved: Iterable[str],
        configs: Mapping[str, Any],
        step: int,
        at_ms: int,
    ) -> list[dict[str, Any]]:
        """A traced test request down each flow of ``service`` (see :meth:`Renderer.probe`).

        A flow entering at ``service`` is probed from its entry; otherwise the
        request is sent straight to ``service`` as its caller would send it.
        """
        done = set(resolved)
        failing = self._all_issues - done
        out = []
        for fi in self.probe_flows[service]:
            m = self.models[fi]
            if m.flow.entry == service:
                groups = traffic.groups[fi]
            else:
                hop = next(n for n, h in enumerate(m.flow.hops) if h.callee == service)
                groups = groups_from(m, hop, failing, configs)
            out.append(self.renderer.probe(fi, groups, configs, step, service, at_ms))
        return out

    def line(self, ms: int, event: Event) -> str:
        """A log line: ISO timestamp, level, service, then the event."""
        return f"{self._stamp(ms)} {event.level:<5} {event.service} {event.text}"

    def stamp(self, seconds: float) -> str:
        """The incident clock ``seconds`` after the incident start (ISO 8601, ms, UTC)."""
        text = self._stamps.get(seconds)
        if text is None:  # a step's clock: the same few values in every episode
            if len(self._stamps) > 10_000:
                self._stamps.clear()
            text = self._stamps[seconds] = self._stamp(round(seconds * 1000))
        return text

    def _stamp(self, ms: int) -> str:
        """:func:`~apidebug_nb.model.evidence.stamp` from the start, by integer arithmetic
        on the time of day (every log line pays for it; dates are kept per day)."""
        start = self.start
        if start.tzinfo is not None or start.microsecond % 1000:
            return stamp(start, ms)
        day, rest = divmod(self._start_of_day_ms + ms, 86_400_000)
        date = self._dates.get(day)
        if date is None:
            date = self._dates[day] = (start.date() + dt.timedelta(days=day)).isoformat()
        hours, rest = divmod(rest, 3_600_000)
        minutes, rest = divmod(rest, 60_000)
        seconds, milli = divmod(rest, 1000)
        return f"{date}T{hours:02d}:{minutes:02d}:{seconds:02d}.{milli:03d}Z"
