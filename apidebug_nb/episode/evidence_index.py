"""Which look can show evidence of which problem, and where each problem's contract lives.

A problem fails one stage of one call (its ``hop``, caller -> callee). Its
evidence is that failing stage as an engineer can see it:

- in the **caller's log**, unless the callee fails it silently for the caller
  (an ``effect`` answered with a 2xx, or an asynchronous hop acknowledged with 202);
- in the **callee's log**, unless no request reaches the callee (``send``,
  ``connect``) or the callee answered correctly and the caller failed on its
  own (``consume``);
- in a **traced test request** (``inspect_endpoint``) whose path covers the
  call, for the same stages as the caller's log.

Where the check reads settings of another service (a gateway's maximum
processing time, a receiver's rate limit), that service's config is the
**contract**: a careful engineer reads it before fixing.

Computed once per scenario (:func:`evidence_index`); everything is a pure
function of the scenario, so rewards and grades stay pure functions of the
action list.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from apidebug_nb.model.pipeline import stage_of
from apidebug_nb.model.simulation import Simulation
from apidebug_nb.scenarios.records import Hop

_SILENT_FOR_CALLER = frozenset({"effect"})
_NOT_AT_CALLEE = frozenset({"send", "connect", "consume"})


@dataclass(frozen=True)
class EvidenceIndex:
    """Read-only facts about one scenario's problems.

    Attributes:
        shows: ``(kind, service)`` of an inspection -> the problems whose failing
            stage it shows while they are visible (in ideal order).
        contracts: problem -> the other services whose config holds its contract.
        evidence_service: problem -> the one service whose log best shows it
            (the careful engineer's look).
        careful: the careful engineer's step count (see :meth:`careful_steps`).
    """

    shows: Mapping[tuple[str, str], tuple[str, ...]]
    contracts: Mapping[str, tuple[str, ...]]
    evidence_service: Mapping[str, str]
    careful: int

    def seen_by(self, kind: str, service: str | None) -> tuple[str, ...]:
        """Problems an inspection of ``kind`` on ``service`` can show (empty for others)."""
        return self.shows.get((kind, service or ""), ())

    def careful_steps(self) -> int:
        """The careful engineer's step count: per problem a look at its evidence and a
        fix, plus one read of each contract."""
        return self.careful


# id(simulation) -> its index; an entry goes when its simulation does (so an id
# is never reused while its entry is here). A plain dict: every step looks here.
_CACHE: dict[int, EvidenceIndex] = {}


def evidence_index(sim: Simulation) -> EvidenceIndex:
    """The (cached) evidence index of a simulation's scenario."""
    index = _CACHE.get(id(sim))
    if index is None:
        index = _CACHE[id(sim)] = _build(sim)
        weakref.finalize(sim, _CACHE.pop, id(sim), None).atexit = False
    return index


def _subtree(hops: tuple[Hop, ...], root: int) -> list[int]:
    """Hop ``root`` and every hop below it (a hop's parent is the latest earlier hop
    whose callee is its caller)."""
    inside = [root]
    for n in range(root + 1, len(hops)):
        parent = next((m for m in range(n - 1, -1, -1) if hops[m].callee == hops[n].caller), None)
        if parent in inside:
            inside.append(n)
    return inside


def _build(sim: Simulation) -> EvidenceIndex:
    sc = sim.scenario
    asynchronous = {h.edge for f in sc.flows for h in f.hops if h.asynchronous}
    # the calls a traced test request of each service follows
    probed: dict[str, set[tuple[str, str]]] = {}
    for service, flows in sim.probe_flows.items():
        edges = probed.setdefault(service, set())
        for fi in flows:
            hops = sc.flows[fi].hops
            if sc.flows[fi].entry == service:
                edges.update(h.edge for h in hops)
            else:  # sent straight to the service: its call and the calls below it
                first = next(n for n, h in enumerate(hops) if h.callee == service)
                edges.update(hops[n].edge for n in _subtree(hops, first))
    shows: dict[tuple[str, str], list[str]] = {}
    contracts: dict[str, tuple[str, ...]] = {}
    evidence: dict[str, str] = {}
    for iid in sim.order:
        issue = sim.issues[iid]
        caller, callee = issue.hop
        stage = stage_of(issue.failure)
        at_caller = stage not in _SILENT_FOR_CALLER and (
            issue.hop not in asynchronous or stage == "send"
        )
        at_callee = stage not in _NOT_AT_CALLEE
        if at_caller:
            shows.setdefault(("inspect_logs", caller), []).append(iid)
            for service, edges in probed.items():
                if issue.hop in edges:
                    shows.setdefault(("inspect_endpoint", service), []).append(iid)
        if at_callee:
            shows.setdefault(("inspect_logs", callee), []).append(iid)
        evidence[iid] = caller if at_caller else callee
        contracts[iid] = tuple(sorted(set(sim.read_keys[iid]) - {issue.service}))
    read = {c for cs in contracts.values() for c in cs}
    return EvidenceIndex(
        shows=MappingProxyType({k: tuple(dict.fromkeys(v)) for k, v in shows.items()}),
        contracts=MappingProxyType(contracts),
        evidence_service=MappingProxyType(evidence),
        careful=2 * len(evidence) + len(read),
    )
