"""Traffic: one step's requests through the pipeline, as counts per outcome.

Each flow carries ``requests`` requests per step. They travel the flow's hop
tree; at every hop the stages of :data:`~apidebug_nb.model.pipeline.STAGES`
split them into those that pass and those that fail. A request stops at the
first failing stage of the first failing hop, and its failure travels up to
the flow's entry as each caller's own answer (a relayed status, 502 or 504).
Requests with the same history form a :class:`Group`; a flow has a handful of
groups, whatever its request count.

What each contract's stage is reached by (``Traffic.reached``) is what makes
an issue *active* (broken and reached) or *masked* (broken, reached by no
request). Everything here is a function of the configs and the set of failing
checks: no random draw decides a count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from apidebug_nb.model.pipeline import (
    CALLEE,
    FAILURES,
    KIND_ORDER,
    STAGE_INDEX,
    no_connection,
    relayed_status,
)
from apidebug_nb.model.rules import lookup

HEALTHY, DEGRADED, ERROR = "healthy", "degraded", "error"
_PLAYED_PER_FLOW = 64  # memoised states of one flow (an episode visits a handful)
_PRE_PROCESS = STAGE_INDEX["process"]
FAULT = "fault"  # the source of a failure that no issue caused


@dataclass(frozen=True)
class HopResult:
    """What happened to a group of requests on one hop.

    Attributes:
        hop: the hop's index in its flow.
        status: what the caller received (``None``: no answer arrived).
        failure: the failure kind, ``"upstream"`` when a downstream call of
            the callee failed, ``None`` for a success.
        source: the issue id behind the failure, :data:`FAULT`, or ``None``.
        cause: for ``"upstream"``, the index of the downstream hop that failed.
        retried: a transient failure kind that a retry recovered from.
        dropped: the caller gave up on a transient failure (its retry policy).
        failed: the caller saw a failure; the request stops here.
    """

    hop: int
    status: int | None
    failure: str | None = None
    source: str | None = None
    cause: int | None = None
    retried: str | None = None
    dropped: bool = False
    failed: bool = False

    @property
    def wrong_outcome(self) -> bool:
        f = FAILURES.get(self.failure) if self.failure is not None else None
        return f is not None and f.wrong_outcome

    @property
    def reached_callee(self) -> bool:
        """False when the request never left the caller (send or connect stage)."""
        if self.failure is None or self.failure == "upstream":
            return True
        return STAGE_INDEX[FAILURES[self.failure].stage] >= STAGE_INDEX["route"]


@dataclass(frozen=True)
class Group:
    """``count`` requests of one flow with the same history (hop results in call order)."""

    count: int
    results: tuple[HopResult, ...]

    @property
    def failed(self) -> bool:
        """The request failed for the flow's entry (its first root hop that failed)."""
        return any(r.failed for r in self.results if r.hop in self._roots)

    _roots: frozenset[int] = field(default=frozenset(), compare=False, repr=False)


@dataclass(frozen=True)
class Traffic:
    """One step's traffic: groups per flow and the count reaching each contract."""

    groups: tuple[tuple[Group, ...], ...]  # per flow
    reached: Mapping[str, int]  # issue id -> requests that reached its stage
    flow_reached: tuple[Mapping[str, int], ...] = ()  # the same, per flow
    # service -> (requests, failed, wrong outcomes) per flow, and summed over flows
    flow_load: tuple[Mapping[str, Load], ...] = ()
    load: Mapping[str, Load] = field(default_factory=dict)
    changed: frozenset[int] = frozenset()  # flows simulated again since the previous traffic


Load = tuple[int, int, int]


@dataclass(frozen=True)
class Contract:
    """A check point on a hop: an issue (``source``) or a fault of some kind."""

    stage: int
    order: int
    source: str
    failure: str
    share: Any  # an issue's share spec, or a fault's fixed share (float)


def success_status(method: str, asynchronous: bool) -> int:
    """202 for a queued hop, 201 for a POST, else 200.

    >>> success_status("POST", False), success_status("GET", False), success_status("POST", True)
    (201, 200, 202)
    """
    if asynchronous:
        return 202
    return 201 if method == "POST" else 200


def _number(configs: Mapping[str, Any], path: str) -> float | None:
    value = lookup(configs, path, default=None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def failing_share(spec: Any, configs: Mapping[str, Any]) -> float:
    """The share of requests a broken contract fails, in [0, 1].

    >>> failing_share(None, {})
    1.0
    >>> failing_share({"excess": ["s.rate", "r.limit"]}, {"s": {"rate": 50}, "r": {"limit": 20}})
    0.6
    >>> failing_share({"slow": ["c.t", "g.p50", "g.max"]}, {"c": {"t": 6}, "g": {"p50": 2000, "max": 10000}})
    0.25
    """
    if spec is None:
        return 1.0
    if isinstance(spec, int | float):
        return float(spec)
    if "fixed" in spec:
        return float(spec["fixed"])
    if "excess" in spec:
        rate, limit = (_number(configs, p) for p in spec["excess"])
        if rate is None or limit is None or rate <= 0:
            return 1.0
        return max(0.0, 1.0 - max(limit, 0.0) / rate)
    if "slow" in spec:
        timeout, p50, worst = (_number(configs, p) for p in spec["slow"])
        if timeout is None or p50 is None or worst is None or timeout <= 0:
            return 1.0
        t_ms = timeout * 1000
        if t_ms >= worst:
            return 0.0
        if t_ms >= p50:  # the slow half spreads evenly between p50 and the maximum
            return 0.5 * (worst - t_ms) / max(worst - p50, 1.0)
        return 0.5 + 0.5 * (p50 - t_ms) / max(p50, 1.0)
    return 1.0


def failing_count(share: float, total: int) -> int:
    """How many of ``total`` requests a share fails: at least one, at most all.

    >>> failing_count(0.25, 40), failing_count(0.001, 40), failing_count(1.0, 40), failing_count(0.5, 0)
    (10, 1, 40, 0)
    """
    if total <= 0:
        return 0
    return min(total, max(1, round(share * total)))


class FlowModel:
    """A flow's hop tree and the contracts attached to each hop (read-only)."""

    def __init__(
        self,
        flow: Any,
        contracts: Sequence[Contract] | Mapping[tuple[str, str], list[Contract]],
        services: Mapping[str, Any],
    ):
        self.flow = flow
        hops = flow.hops
        self.children: dict[int | None, list[int]] = {None: []}
        for n, hop in enumerate(hops):
            parent = None
            for m in range(n - 1, -1, -1):
                if hops[m].callee == hop.caller:
                    parent = m
                    break
            self.children.setdefault(parent, []).append(n)
            self.children.setdefault(n, [])
        self.roots = frozenset(self.children[None])
        by_edge = contracts if isinstance(contracts, Mapping) else contracts_by_edge(contracts)
        self.contracts: list[list[Contract]] = [
            sorted(by_edge.get(h.edge, ()), key=lambda c: (c.stage, c.order)) for h in hops
        ]
        self.relays = [bool(services[h.callee].relays) for h in hops]
        # every service the flow expects traffic at, entry first
        self.services = tuple(dict.fromkeys([flow.entry, *(s for h in hops for s in h.edge)]))
        self._contracts = [c for cs in self.contracts for c in cs]
        self._played: dict[tuple[float | None, ...], tuple[Any, ...]] = {}

    def play(
        self, failing: frozenset[str] | set[str], configs: Mapping[str, Any]
    ) -> tuple[tuple[Group, ...], dict[str, int], dict[str, Load]]:
        """The flow's groups, what its requests reached, and its load (read-only).

        They depend on the configs only through the shares its broken contracts
        fail, so they are memoised on those: a fix elsewhere, or the same state in
        another episode of the scenario, costs one pass over the flow's contracts.
        """
        key = tuple(
            [
                failing_share(c.share, configs)
                if c.source == FAULT or c.source in failing
                else None
                for c in self._contracts
            ]
        )
        played = self._played.get(key)
        if played is None:
            reached: dict[str, int] = {}
            groups = _flow(self, failing, configs, reached)
            played = (groups, reached, flow_load(self, groups))
            if len(self._played) >= _PLAYED_PER_FLOW:
                self._played.clear()
            self._played[key] = played
        return played


def contracts_by_edge(contracts: Sequence[Contract]) -> dict[tuple[str, str], list[Contract]]:
    """Contracts from :func:`attach` grouped by the call edge they sit on (kept in order)."""
    by_edge: dict[tuple[str, str], list[Contract]] = {}
    for c in contracts:
        by_edge.setdefault(c.hop_edge, []).append(c)  # type: ignore[attr-defined]
    return by_edge


@dataclass(frozen=True)
class _Attached(Contract):
    hop_edge: tuple[str, str] = ("", "")


def attach(issues: Sequence[Any], faults: Sequence[Any]) -> list[Contract]:
    """Contracts from issues and faults, ordered by stage, kind and declaration."""
    out: list[Contract] = []
    for n, issue in enumerate(issues):
        f = FAILURES[issue.failure]
        out.append(
            _Attached(
                STAGE_INDEX[f.stage],
                KIND_ORDER[f.kind] * 1000 + n,
                issue.id,
                f.kind,
                issue.share,
                tuple(issue.hop),
            )
        )
    for n, fault in enumerate(faults):
        f = FAILURES[fault.failure]
        out.append(
            _Attached(
                STAGE_INDEX[f.stage],
                KIND_ORDER[f.kind] * 1000 + 900 + n,
                FAULT,
                f.kind,
                float(fault.share),
                tuple(fault.hop),
            )
        )
    return out


def simulate(
    models: Sequence[FlowModel],
    failing: frozenset[str] | set[str],
    configs: Mapping[str, Any],
) -> Traffic:
    """One step's traffic over every flow, given which issues' checks fail."""
    per_flow = []
    groups = []
    loads = []
    for m in models:
        flow_groups, reached, flow_loads = m.play(failing, configs)
        groups.append(flow_groups)
        per_flow.append(reached)
        loads.append(flow_loads)
    load: dict[str, Load] = {}
    _add(load, {}, loads)
    return Traffic(
        tuple(groups),
        _sum(per_flow),
        tuple(per_flow),
        tuple(loads),
        load,
        frozenset(range(len(models))),
    )


def resimulate(
    models: Sequence[FlowModel],
    previous: Traffic,
    flows: set[int],
    failing: frozenset[str] | set[str],
    configs: Mapping[str, Any],
) -> Traffic:
    """``previous`` with only ``flows`` simulated again (the others cannot have changed).

    Counts are updated by the difference of the flows simulated again, so the
    cost follows those flows, not the size of the scenario.
    """
    groups = list(previous.groups)
    per_flow = list(previous.flow_reached)
    loads = list(previous.flow_load)
    total = dict(previous.reached)
    load = dict(previous.load)
    for n in sorted(flows):
        groups[n], reached, new_load = models[n].play(failing, configs)
        for k, v in per_flow[n].items():
            total[k] -= v
        for k, v in reached.items():
            total[k] = total.get(k, 0) + v
        per_flow[n] = reached
        _add(load, loads[n], [new_load])
        loads[n] = new_load
    return Traffic(tuple(groups), total, tuple(per_flow), tuple(loads), load, frozenset(flows))


def _sum(per_flow: Sequence[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for reached in per_flow:
        for k, v in reached.items():
            total[k] = total.get(k, 0) + v
    return total


def _add(load: dict[str, Load], old: Mapping[str, Load], new: Sequence[Mapping[str, Load]]) -> None:
    """Replace the ``old`` contribution to ``load`` (in place) by the ``new`` ones."""
    for s, (t, f, w) in old.items():
        t0, f0, w0 = load[s]
        load[s] = (t0 - t, f0 - f, w0 - w)
    for contribution in new:
        for s, (t, f, w) in contribution.items():
            t0, f0, w0 = load.get(s, (0, 0, 0))
            load[s] = (t0 + t, f0 + f, w0 + w)


def groups_from(
    m: FlowModel, hop: int, failing: frozenset[str] | set[str], configs: Mapping[str, Any]
) -> tuple[Group, ...]:
    """The flow's requests sent straight into ``hop`` (for a test request to a callee).

    Upstream failures do not apply, and nothing is counted as reached.
    """
    out = _hop(m, hop, [(m.flow.requests, ())], failing, configs, {})
    return tuple(Group(n, res, frozenset({hop})) for n, res in out if n > 0)


def _flow(
    m: FlowModel, failing: frozenset[str] | set[str], configs: Mapping[str, Any], reached: dict
) -> tuple[Group, ...]:
    start: list[tuple[int, tuple[HopResult, ...]]] = [(m.flow.requests, ())]
    out = _calls(m, m.children[None], start, failing, configs, reached)
    return tuple(Group(n, res, m.roots) for n, res in out if n > 0)


_Live = list[tuple[int, tuple[HopResult, ...]]]


def _stopped(results: tuple[HopResult, ...], level: frozenset[int] | set[int]) -> bool:
    for r in results:
        if r.failed and r.hop in level:
            return True
    return False


def _calls(m, hops, groups: _Live, failing, configs, reached) -> _Live:
    """Sibling calls in order: a request that failed one makes no further call."""
    level = set(hops)
    for h in hops:
        live: _Live = []
        done: _Live = []
        for g in groups:
            (done if _stopped(g[1], level) else live).append(g)
        groups = done + _hop(m, h, live, failing, configs, reached)
    return groups


def _take(groups: _Live, k: int) -> tuple[_Live, _Live]:
    """Split ``k`` requests off the front of ``groups``: (taken, rest)."""
    taken, rest = [], []
    for n, res in groups:
        if k <= 0:
            rest.append((n, res))
        elif n <= k:
            taken.append((n, res))
            k -= n
        else:
            taken.append((k, res))
            rest.append((n - k, res))
            k = 0
    return taken, rest


def _hop(m: FlowModel, h: int, groups: _Live, failing, configs, reached) -> _Live:
    hop = m.flow.hops[h]
    ok_status = success_status(hop.method, hop.asynchronous)
    contracts = m.contracts[h]
    out: _Live = []
    live = groups
    transient: _Live = []  # hit a fault: a retry may recover them
    # Stages before process: the first failing contract takes its share.
    for c in contracts:
        if c.stage >= _PRE_PROCESS:
            break
        total = sum(n for n, _ in live)
        if c.source != FAULT:
            reached[c.source] = reached.get(c.source, 0) + total
            if c.source not in failing:
                continue
        k = failing_count(failing_share(c.share, configs), total)
        taken, live = _take(live, k)
        f = FAILURES[c.failure]
        if c.source == FAULT and f.retryable:
            transient += [
                (n, res + (HopResult(h, f.status, c.failure, FAULT),)) for n, res in taken
            ]
            continue
        result = HopResult(h, f.status, c.failure, c.source, failed=not hop.asynchronous)
        out += [(n, res + (result,)) for n, res in taken]
    # Faults a retry policy recovers from (or, if a consume-stage contract is broken, drops).
    drop = [c for c in contracts if c.failure == "dropped"]
    if transient:
        count = sum(n for n, _ in transient)
        broken = [c for c in drop if c.source in failing]
        for c in drop:
            reached[c.source] = reached.get(c.source, 0) + count
        for n, res in transient:
            first = res[-1]
            if broken:
                out.append(
                    (
                        n,
                        res[:-1]
                        + (
                            replace(
                                first,
                                dropped=True,
                                source=broken[0].source,
                                failed=not hop.asynchronous,
                            ),
                        ),
                    )
                )
            else:
                live.append((n, res[:-1] + (HopResult(h, ok_status, retried=first.failure),)))
    else:
        for c in drop:
            reached.setdefault(c.source, 0)
    # Process: the callee's own calls first, then the caller's patience.
    inner = m.children[h]
    if inner and live:
        live = _calls(m, inner, live, failing, configs, reached)
    answered: _Live = []
    for n, res in live:
        below = next((r for r in res if r.failed and r.hop in inner), None)
        if below is None:
            answered.append((n, res))
            continue
        status = relayed_status(below.status, False, m.relays[h], no_connection(below.failure))
        result = HopResult(
            h, status, "upstream", below.source, cause=below.hop, failed=not hop.asynchronous
        )
        out.append((n, _with(res, h, result)))
    live = answered
    for c in contracts:
        if c.stage < _PRE_PROCESS or c.failure == "dropped":
            continue
        total = sum(n for n, _ in live)
        if c.source != FAULT:
            reached[c.source] = reached.get(c.source, 0) + total
            if c.source not in failing:
                continue
        k = failing_count(failing_share(c.share, configs), total)
        taken, live = _take(live, k)
        f = FAILURES[c.failure]
        failed = f.status is None and not hop.asynchronous
        result = HopResult(h, f.status, c.failure, c.source, failed=failed)
        if f.wrong_outcome:
            result = replace(result, status=ok_status)
        out += [(n, _with(res, h, result)) for n, res in taken]
    out += [(n, _with(res, h, HopResult(h, ok_status))) for n, res in live]
    return out


def _with(res: tuple[HopResult, ...], h: int, result: HopResult) -> tuple[HopResult, ...]:
    """Set hop ``h``'s result, keeping a retry already recorded for it."""
    for n, prev in enumerate(res):
        if prev.hop == h:
            return res[:n] + (replace(result, retried=prev.retried),) + res[n + 1 :]
    return res + (result,)


def flow_load(m: FlowModel, groups: Sequence[Group]) -> dict[str, Load]:
    """Service -> (requests, failed requests, wrong outcomes) of one flow's groups.

    Every service of the flow is listed, with zeros when no request reached it.
    A 4xx counts against the caller of the hop (it sent a bad request); a 5xx,
    a timeout or a connect error against the callee; a request that failed
    below a service's entry counts against that entry (it answered its own
    client an error); a dropped request against the caller (its own retry
    policy gave up).
    """
    flow = m.flow
    hops = flow.hops
    total = dict.fromkeys(m.services, 0)
    failed = dict.fromkeys(m.services, 0)
    warned = dict.fromkeys(m.services, 0)
    entry = flow.entry
    for g in groups:
        count = g.count
        total[entry] += count
        if g.failed:
            failed[entry] += count
        for r in g.results:
            hop = hops[r.hop]
            total[hop.caller] += count
            failure = r.failure
            if failure is None:
                total[hop.callee] += count
                continue
            if r.reached_callee:
                total[hop.callee] += count
            if r.wrong_outcome:  # the side that noticed the wrong outcome warns
                warned[hop.caller if FAILURES[failure].caller_side else hop.callee] += 1
            if not r.failed and not r.dropped:
                continue
            if r.dropped:
                blamed = hop.caller  # its own retry policy gave up
                if failure != "upstream" and FAILURES[failure].blame == CALLEE:
                    failed[hop.callee] += count  # ... on the callee's own 5xx
            elif failure == "upstream":
                blamed = hop.callee  # it answered an error: its dependency failed
            else:
                blamed = hop.callee if FAILURES[failure].blame == CALLEE else hop.caller
            failed[blamed] += count
    return {s: (total[s], failed[s], warned[s]) for s in m.services}


def service_health(load: Load | None) -> str:
    """Healthy / degraded / error from a service's (requests, failed, wrong outcomes).

    ``None`` is a service no flow goes through. A service is *error* at 50 %
    failed or more, *degraded* for any failure, any wrong outcome, or no
    traffic where a flow expects some; else *healthy*.

    >>> service_health((40, 20, 0)), service_health((40, 1, 0)), service_health((0, 0, 0))
    ('error', 'degraded', 'degraded')
    >>> service_health((40, 0, 0)), service_health(None)
    ('healthy', 'healthy')
    """
    if load is None:
        return HEALTHY
    total, failed, warned = load
    if total and failed * 2 >= total:
        return ERROR
    if failed or warned or total == 0:
        return DEGRADED
    return HEALTHY


def health(traffic: Traffic, services: Sequence[str]) -> dict[str, str]:
    """Service -> healthy / degraded / error, from this step's requests
    (see :func:`flow_load` and :func:`service_health`)."""
    load = traffic.load
    return {s: service_health(load.get(s)) for s in services}


def health_update(
    models: Sequence[FlowModel],
    previous: Mapping[str, str],
    traffic: Traffic,
    rank: Mapping[str, int],
) -> tuple[dict[str, str], list[str]]:
    """The health after ``traffic.changed`` flows were simulated again, from the
    health before; and the services whose health changed, ordered by ``rank``."""
    out = dict(previous)
    load = traffic.load
    touched: set[str] = set()
    for n in traffic.changed:
        touched.update(models[n].services)
    changed = []
    for s in touched:
        h = service_health(load.get(s))
        if out[s] != h:
            out[s] = h
            changed.append(s)
    changed.sort(key=rank.__getitem__)
    return out, changed


def failing_edges(models: Sequence[FlowModel], traffic: Traffic) -> set[tuple[str, str]]:
    """Call edges on which some request failed or went wrong this step (cascades)."""
    edges = set()
    for m, groups in zip(models, traffic.groups, strict=True):
        for g in groups:
            for r in g.results:
                if r.failed or r.dropped or r.wrong_outcome:
                    edges.add(m.flow.hops[r.hop].edge)
    return edges
