"""What the system looks like for given configs: a pure function of the state.

Issue status, health, alerts, logs and endpoint answers are all derived from
(scenario, current configs, incident clock); nothing here is stored or
mutated. :class:`Simulation` only precomputes indexes of an immutable scenario
(ideal order, masks, lines per service) so that each derivation is cheap even
for a thousand services.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from apidebug_nb.model import graphs
from apidebug_nb.model.rules import compile_rule, lenient, lookup, rule_paths, rule_services
from apidebug_nb.scenarios.records import Issue, LogLine, Scenario, thaw

RESOLVED, MASKED, ACTIVE = "resolved", "masked", "active"
HEALTHY, DEGRADED, ERROR = "healthy", "degraded", "error"
HEALTH_STATES = (HEALTHY, DEGRADED, ERROR)

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w-]*(?:\.[\w-]+)+)\}")


def fill(text: str, configs: Mapping[str, Any]) -> str:
    """Replace ``{service.key}`` placeholders with current config values.

    Only plain lookups: nothing in the text is evaluated.

    >>> fill("timed out after {c.timeout}s", {"c": {"timeout": 5}})
    'timed out after 5s'
    >>> fill("{c.missing} stays", {"c": {}})
    '{c.missing} stays'
    """
    if "{" not in text:
        return text

    def sub(m: re.Match[str]) -> str:
        value = lookup(configs, m.group(1), default=None)
        return m.group(0) if value is None else str(value)

    return _PLACEHOLDER.sub(sub, text)


def format_time(when: dt.datetime) -> str:
    """``"YYYY-MM-DD HH:MM:SS"`` (isoformat is several times faster than strftime)."""
    return when.isoformat(sep=" ", timespec="seconds")


@dataclass(frozen=True)
class InitialState:
    """The derived state at reset, shared by every episode of a scenario (read-only)."""

    resolved: frozenset[str]
    statuses: Mapping[str, str]
    health: Mapping[str, str]
    alerts: list[str]
    masked: list[str]


_CACHE: weakref.WeakKeyDictionary[Scenario, Simulation] = weakref.WeakKeyDictionary()


class Simulation:
    """Indexes of one scenario and the pure derivations over its state.

    Use :meth:`of` to share one instance per scenario (scenarios are immutable).
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
        self.issues: dict[str, Issue] = {i.id: i for i in scenario.issue_records}
        rank = {iid: n for n, iid in enumerate(scenario.issue_ids)}
        self.dag = graphs.dependency_dag(scenario)
        self.order: list[str] = graphs.ideal_order(self.dag, rank)
        self.ancestors = {i: frozenset(graphs.ancestors(self.dag, i)) for i in self.order}
        self.checks = {i: lenient(compile_rule(self.issues[i].check)) for i in self.order}
        self.read_paths = {i: frozenset(rule_paths(self.issues[i].check)) for i in self.order}
        # issue -> service -> top-level settings its check reads
        self.read_keys: dict[str, dict[str, frozenset[str]]] = {}
        for iid, paths in self.read_paths.items():
            by_service: dict[str, set[str]] = {}
            for path in paths:
                svc, _, rest = path.partition(".")
                by_service.setdefault(svc, set()).add(rest.split(".", 1)[0])
            self.read_keys[iid] = {svc: frozenset(keys) for svc, keys in by_service.items()}
        self.call_graph = scenario.graph
        self.editable = {s.name: s.editable for s in scenario.service_records}
        # Which checks read which service: a patch re-evaluates only those.
        self.readers: dict[str, list[str]] = {}
        for iid in self.order:
            for svc in sorted(rule_services(self.issues[iid].check)):
                self.readers.setdefault(svc, []).append(iid)
        self.base_by_service: dict[str, list[LogLine]] = {}
        for line in scenario.base_logs:
            self.base_by_service.setdefault(line.service, []).append(line)
        self.symptoms_by_service: dict[str, list[tuple[str, LogLine]]] = {}
        self.resolved_by_service: dict[str, list[tuple[str, LogLine]]] = {}
        for iid in self.order:
            for line in self.issues[iid].symptoms:
                self.symptoms_by_service.setdefault(line.service, []).append((iid, line))
            for line in self.issues[iid].resolved_logs:
                self.resolved_by_service.setdefault(line.service, []).append((iid, line))
        self._paths: dict[str, frozenset[str]] = {}
        self._stamps: dict[float, str] = {}
        # A reset needs a fresh mutable copy of every config; unpickling bytes made here
        # (never read from outside) is several times faster than thawing 1,000 configs.
        self._initial: InitialState | None = None
        self._broken_configs = pickle.dumps(scenario.configs(), protocol=pickle.HIGHEST_PROTOCOL)

    def initial_state(self) -> InitialState:
        """What every episode of this scenario starts from (computed once)."""
        if self._initial is None:
            configs = self.fresh_configs()
            resolved = frozenset(self.resolved_set(configs))
            statuses = self.statuses(resolved)
            self._initial = InitialState(
                resolved=resolved,
                statuses=statuses,
                health=self.health(statuses),
                alerts=self.alerts(statuses, configs),
                masked=sorted(self.masked_services(statuses)),
            )
        return self._initial

    def fresh_configs(self) -> dict[str, dict[str, Any]]:
        """A fresh, mutable copy of every service's broken config (as ``scenario.configs()``)."""
        return pickle.loads(self._broken_configs)

    # -- issue state -------------------------------------------------------
    def resolved_set(self, configs: Mapping[str, Any]) -> set[str]:
        """Issues whose check holds over ``configs``."""
        return {iid for iid in self.order if self.checks[iid](configs)}

    def update_resolved(
        self,
        resolved: set[str],
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

    def statuses(self, resolved: Iterable[str]) -> dict[str, str]:
        """``{issue_id: "resolved" | "masked" | "active"}`` in ideal order."""
        done = set(resolved)
        out = {}
        for iid in self.order:
            if iid in done:
                out[iid] = RESOLVED
            elif any(a not in done for a in self.ancestors[iid]):
                out[iid] = MASKED
            else:
                out[iid] = ACTIVE
        return out

    def active(self, statuses: Mapping[str, str]) -> list[str]:
        """Active (unresolved and unmasked) issues in ideal order."""
        return [iid for iid in self.order if statuses[iid] == ACTIVE]

    # -- what an engineer sees ----------------------------------------------
    def health(self, statuses: Mapping[str, str]) -> dict[str, str]:
        """Service -> healthy / degraded / error, from visible unresolved issues."""
        out = {s: HEALTHY for s in self.scenario.services}
        for iid in self.active(statuses):
            for svc in self.issues[iid].cascade:
                if out[svc] == HEALTHY:
                    out[svc] = DEGRADED
        for iid in self.active(statuses):
            out[self.issues[iid].service] = ERROR
        return out

    def alerts(self, statuses: Mapping[str, str], configs: Mapping[str, Any]) -> list[str]:
        """Symptom-level alert lines of active issues, in ideal order."""
        return [fill(self.issues[iid].alert, configs) for iid in self.active(statuses)]

    def masked_services(self, statuses: Mapping[str, str]) -> set[str]:
        """Services where some masked issue waits (for a "?" badge, nothing more)."""
        return {self.issues[i].service for i, s in statuses.items() if s == MASKED}

    def call_path(self, service: str) -> frozenset[str]:
        if service not in self._paths:
            self._paths[service] = frozenset(graphs.call_path(self.call_graph, service))
        return self._paths[service]

    def endpoint(
        self, service: str, statuses: Mapping[str, str], configs: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A simulated request through ``service``: the first active issue on its path answers."""
        path = self.call_path(service)
        for iid in self.active(statuses):
            issue = self.issues[iid]
            if issue.service in path:
                body = {
                    k: fill(v, configs) if isinstance(v, str) else v
                    for k, v in thaw(issue.response.body).items()
                }
                return {"service": service, "status": issue.response.status, "body": body}
        return {"service": service, "status": 200, "body": {"status": "ok"}}

    def logs(
        self,
        service: str,
        statuses: Mapping[str, str],
        configs: Mapping[str, Any],
        visible_since: Mapping[str, float],
        resolved_at: Mapping[str, float],
        extra: Iterable[tuple[float, str, str]] = (),
    ) -> list[str]:
        """The service's log lines in time order, rendered as text.

        Base lines, symptoms of active issues (from the moment each became
        visible), lines of resolved issues (from their fix) and ``extra``
        lines ``(seconds, level, text)`` such as config reloads.
        """
        lines: list[tuple[float, int, str, str]] = []
        seq = 0
        for line in self.base_by_service.get(service, ()):
            lines.append((line.offset_s, seq, line.level, line.text))
            seq += 1
        for iid, line in self.symptoms_by_service.get(service, ()):
            if statuses[iid] == ACTIVE:
                lines.append(
                    (
                        visible_since.get(iid, 0.0) + line.offset_s,
                        seq,
                        line.level,
                        fill(line.text, configs),
                    )
                )
                seq += 1
        for iid, line in self.resolved_by_service.get(service, ()):
            if statuses[iid] == RESOLVED and iid in resolved_at:
                lines.append((resolved_at[iid] + line.offset_s, seq, line.level, line.text))
                seq += 1
        for at, level, text in extra:
            lines.append((at, seq, level, text))
            seq += 1
        lines.sort()
        stamp = self.stamp
        return [f"{stamp(at)} {lvl:<5} {txt}" for at, _, lvl, txt in lines]

    def stamp(self, seconds: float) -> str:
        """The incident clock ``seconds`` after the incident start, as text (memoised)."""
        text = self._stamps.get(seconds)
        if text is None:
            text = self._stamps[seconds] = format_time(self.start + dt.timedelta(seconds=seconds))
        return text
