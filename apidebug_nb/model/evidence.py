"""Evidence rendered from traffic: log lines, test-request traces, alerts.

Nothing here is written per issue. A log line is an example request of a
:class:`~apidebug_nb.model.traffic.Group` as its caller or its callee saw it;
the rest of the group is aggregated (``"... 39 more like this"``). Ids and
times come from counter-based hashes of (scenario, window, flow, group,
attempt), so rendering one window or probing one flow never shifts another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from apidebug_nb.model.pipeline import (
    FAILURES,
    fill_simple,
    no_connection,
    reason,
    render_headers,
)
from apidebug_nb.model.rules import lookup
from apidebug_nb.model.traffic import FlowModel, Group, HopResult, relayed_status, success_status

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


def placeholders(text: str) -> list[str]:
    """The ``{service.key}`` paths a text refers to.

    >>> placeholders("after {c.timeout}s to {g.base_url}")
    ['c.timeout', 'g.base_url']
    """
    return _PLACEHOLDER.findall(text)


def stamp(start: dt.datetime, ms: int) -> str:
    """ISO 8601 UTC with milliseconds, ``ms`` after ``start``.

    >>> stamp(dt.datetime(2026, 3, 14, 9, 0), 22481)
    '2026-03-14T09:00:22.481Z'
    """
    when = start + dt.timedelta(milliseconds=ms)
    return when.isoformat(timespec="milliseconds") + "Z"


def counter(salt: str, *parts: object) -> int:
    """A 64-bit counter-based draw: the same parts give the same number in every process."""
    text = "|".join([salt, *map(str, parts)])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class Event(NamedTuple):
    """One rendered log event before its timestamp: (ms, order, level, service, text).

    A named tuple: a log window makes many, and a tuple is made several times faster
    than a frozen dataclass.
    """

    ms: int
    order: int
    level: str
    service: str
    text: str


class Renderer:
    """Renders requests of one scenario as log events, traces and alerts."""

    def __init__(
        self, salt: str, models: Sequence[FlowModel], issues: Mapping[str, Any], step_ms: int
    ):
        self.salt = salt
        self.models = models
        self.issues = issues
        self.step_ms = step_ms
        # (flow, id of its groups, ids of the configs its lines read) -> (those groups
        # and configs, each group's lines with ids left open); the objects are kept so
        # that their ids are never reused while the entry lives. Configs are replaced,
        # never edited in place, so an unchanged config keeps its identity.
        self._templates: dict[tuple, tuple[Any, tuple, list]] = {}
        self._reads: dict[int, tuple[str, ...]] = {}

    # -- values a failure's text and headers may quote ------------------------
    def _values(self, hop: Any, configs: Mapping[str, Any], status: int | None = None) -> dict:
        values: dict[str, Any] = {}
        callee = configs.get(hop.callee, {})
        for key, value in callee.items():
            if isinstance(value, str | int | float | list | tuple):
                values[key] = value
        values.setdefault("allowed_methods", "POST")
        values.setdefault("retry_after_s", 5)  # a shedding callee that publishes no value
        caller = configs.get(hop.caller, {})
        upstream = caller.get("upstreams", {})
        upstream = upstream.get(hop.callee, {}) if isinstance(upstream, Mapping) else {}
        timeout = caller.get("timeout", caller.get("timeout_s"))
        if timeout is None and isinstance(upstream, Mapping):  # a timeout per upstream
            timeout = upstream.get("timeout_s", upstream.get("timeout"))
        values.update(
            callee=hop.callee,
            caller=hop.caller,
            method=hop.method,
            path=fill(hop.path, configs),
            timeout=timeout,
            status=status,
        )
        return values

    def headers(self, m: FlowModel, r: HopResult, configs: Mapping[str, Any]) -> dict[str, str]:
        """The answer's headers for a hop result (empty for a success)."""
        if r.failure is None or r.failure == "upstream":
            return {}
        hop = m.flow.hops[r.hop]
        return render_headers(FAILURES[r.failure], self._values(hop, configs, r.status))

    def error(self, m: FlowModel, r: HopResult, configs: Mapping[str, Any]) -> str | None:
        """The caller's error text when no answer arrived, else ``None``."""
        if r.status is not None or r.failure is None or r.failure == "upstream":
            return None
        hop = m.flow.hops[r.hop]
        f = FAILURES[r.failure]
        issue = self.issues.get(r.source) if r.source else None
        text = f.error
        if issue is not None and issue.detail and not f.callee_text:
            text = issue.detail  # a caller-side failure: the issue's own words
        return fill(fill_simple(text, self._values(hop, configs)), configs)

    # -- log events ------------------------------------------------------------
    def request_events(
        self,
        fi: int,
        group: Group,
        configs: Mapping[str, Any],
        *,
        base_ms: int,
        trace: str,
        req_key: tuple | None,
        more: int = 0,
    ) -> list[Event]:
        """Every line one request (and its retries) leaves on the hops it reached."""
        m = self.models[fi]
        events: list[Event] = []
        order = 0
        for r in sorted(group.results, key=lambda x: x.hop):
            hop = m.flow.hops[r.hop]
            values = self._values(hop, configs, r.status)
            t = base_ms + 37 * r.hop
            call = f"{hop.method} {values['path']}"
            attempts: list[tuple[HopResult, str]] = []
            if r.retried:
                first = HopResult(r.hop, FAILURES[r.retried].status, r.retried, "fault")
                attempts.append((first, self._req(req_key, r.hop, 1)))
                attempts.append((r, self._req(req_key, r.hop, 2)))
            elif r.dropped:
                attempts.append((r, self._req(req_key, r.hop, 1)))
            else:
                attempts.append((r, self._req(req_key, r.hop, 1)))
            for n, (a, req) in enumerate(attempts):
                at = t + n * 1000
                ids = f"trace={trace} req={req}"
                head = self._header_text(m, a, configs)
                # the caller's view
                if hop.asynchronous:
                    c_level, c_text = "INFO", f"{call} -> {reason(202)} (queued)"
                elif a.status is None:
                    err = self.error(m, a, configs) or "no answer"
                    c_level, c_text = "ERROR", f"{call} failed: {err}"
                else:
                    bad = a.status >= 400
                    c_level = (
                        ("WARN" if a.retried is None and n + 1 < len(attempts) else "ERROR")
                        if bad
                        else "INFO"
                    )
                    c_text = f"{call} -> {reason(a.status)}{head}"
                    if bad and n + 1 < len(attempts):
                        c_level, c_text = "WARN", c_text + " (retrying)"
                    elif a.wrong_outcome and FAILURES[a.failure or ""].caller_side:
                        # a fine answer the caller itself got wrong (pagination, parsing)
                        c_level, c_text = "WARN", f"{c_text}; {self._detail(a, values, configs)}"
                events.append(Event(at + 30, order, c_level, hop.caller, f"{ids} {c_text}"))
                order += 1
                if a.dropped:
                    issue = self.issues.get(a.source) if a.source is not None else None
                    detail = (
                        issue.detail
                        if issue is not None and issue.detail
                        else (FAILURES["dropped"].error)
                    )
                    text = fill(fill_simple(detail, values), configs)
                    events.append(Event(at + 31, order, "ERROR", hop.caller, f"{ids} {text}"))
                    order += 1
                # the callee's view
                if a.reached_callee:
                    level, text = self._callee_view(m, a, configs, values)
                    events.append(Event(at + 20, order, level, hop.callee, f"{ids} {text}"))
                    order += 1
        if more:
            shown = self._summary(m, group, configs)
            for svc in dict.fromkeys(e.service for e in events):
                events.append(
                    Event(
                        base_ms + 900,
                        order,
                        "INFO",
                        svc,
                        f"... {more} more like this in this step: {shown}",
                    )
                )
                order += 1
        return events

    def _detail(self, r: HopResult, values: Mapping[str, Any], configs: Mapping[str, Any]) -> str:
        """The issue's own words for a failure, else the kind's default text."""
        issue = self.issues.get(r.source) if r.source else None
        f = FAILURES[r.failure or ""]
        text = issue.detail if issue is not None and issue.detail else f.callee_text or f.error
        return fill(fill_simple(text, values), configs)

    def _summary(self, m: FlowModel, group: Group, configs: Mapping[str, Any]) -> str:
        """The group's outcome in a phrase: its first failing hop, else its first hop."""
        ordered = sorted(group.results, key=lambda x: x.hop)
        shown = next((r for r in ordered if r.failed or r.dropped or r.wrong_outcome), ordered[0])
        hop = m.flow.hops[shown.hop]
        call = f"{hop.method} {fill(hop.path, configs)}"
        if shown.status is None:
            return f"{call} failed: {self.error(m, shown, configs) or 'no answer'}"
        if shown.wrong_outcome and FAILURES[shown.failure or ""].caller_side:
            values = self._values(hop, configs, shown.status)
            return f"{call} -> {reason(shown.status)}; {self._detail(shown, values, configs)}"
        return f"{call} -> {reason(shown.status)}"

    def _header_text(self, m: FlowModel, r: HopResult, configs: Mapping[str, Any]) -> str:
        headers = self.headers(m, r, configs)
        return "".join(f"; {k}: {v}" for k, v in headers.items())

    def _callee_view(self, m: FlowModel, r: HopResult, configs, values) -> tuple[str, str]:
        hop = m.flow.hops[r.hop]
        call = f"{hop.method} {values['path']}"
        if r.failure is None:
            return "INFO", f"{call} {r.status} {reason(r.status).split(' ', 1)[1]}"
        if r.failure == "upstream":
            below = m.flow.hops[r.cause] if r.cause is not None else None
            what = f" (upstream {below.callee} failed)" if below is not None else ""
            return "ERROR", f"{call} -> {reason(r.status)}{what}"
        f = FAILURES[r.failure]
        if f.caller_side:  # the callee answered normally; only its caller saw a problem
            return "INFO", f"{call} {r.status} {reason(r.status).split(' ', 1)[1]}"
        issue = self.issues.get(r.source) if r.source else None
        text = issue.detail if issue is not None and issue.detail else f.callee_text
        text = fill(fill_simple(text, values), configs)
        if f.status is None:  # timeout: the callee finished anyway
            return "WARN", f"{call} {success_status(hop.method, False)} {text}"
        # the callee's own fault (an unhandled error, not load shedding) is an ERROR on its side
        own_fault = f.blame == "callee" and not f.retryable and (r.status or 0) >= 500
        level = "ERROR" if own_fault else "WARN"
        return level, f"{call} {r.status}: {text}"

    def _req(self, key: tuple | None, hop: int, attempt: int) -> str:
        if key is None:  # a template: the id is filled in per window (see window_events)
            return f"\x02{hop}.{attempt}\x03"
        return f"{counter(self.salt, 'req', *key, hop, attempt) & 0xFFFFFFFF:08x}"

    def trace_id(self, *key: object) -> str:
        return f"{counter(self.salt, 'trace', *key):016x}"

    def window_events(
        self,
        window: int,
        groups: Sequence[Sequence[Group]],
        configs: Mapping[str, Any],
        flows: Sequence[int] | None = None,
        service: str | None = None,
    ) -> list[Event]:
        """One example request per (flow, outcome group) in a step window, the rest counted;
        only the events of ``service`` when it is given.

        The text of a group's lines depends on the traffic and configs only, so it
        is rendered once per traffic as a template; each window fills in its own
        ids and times (counter-based, so no window shifts another's draws).
        """
        events: list[Event] = []
        span = max(self.step_ms - 3000, 1000)
        start = window * self.step_ms + 500
        salt = self.salt
        for fi in range(len(groups)) if flows is None else flows:
            flow_groups = groups[fi]
            read = tuple(configs.get(s) for s in self.reads(fi))
            memo_key = (fi, id(flow_groups), *map(id, read))
            cached = self._templates.get(memo_key)
            if cached is None or cached[0] is not flow_groups:
                rendered = [
                    self.request_events(
                        fi, g, configs, base_ms=0, trace="\x01", req_key=None, more=g.count - 1
                    )
                    for g in flow_groups
                ]
                if len(self._templates) > 4096:
                    self._templates.clear()
                cached = self._templates[memo_key] = (flow_groups, read, rendered)
            for gi, template in enumerate(cached[2]):
                if service is not None:
                    template = [e for e in template if e.service == service]
                    if not template:
                        continue
                key = ("w", window, fi, gi)
                base = start + counter(salt, "t", *key) % span
                trace = self.trace_id(*key)
                ids: dict[str, str] = {}
                for e in template:
                    text = e.text.replace("\x01", trace)
                    while "\x02" in text:
                        a = text.index("\x02")
                        b = text.index("\x03", a)
                        slot = text[a : b + 1]
                        if slot not in ids:
                            hop, attempt = slot[1:-1].split(".")
                            ids[slot] = self._req(key, int(hop), int(attempt))
                        text = text.replace(slot, ids[slot])
                    events.append(Event(base + e.ms, e.order, e.level, e.service, text))
        return events

    def reads(self, fi: int) -> tuple[str, ...]:
        """The services whose configs the lines of flow ``fi`` can quote: the flow's
        own, and those named by ``{service.key}`` in its paths and its failure texts."""
        found = self._reads.get(fi)
        if found is None:
            m = self.models[fi]
            names = dict.fromkeys(m.services)
            texts = [h.path for h in m.flow.hops]
            for f in FAILURES.values():
                texts += [f.error or "", f.callee_text or ""]
            for contracts in m.contracts:
                for c in contracts:
                    issue = self.issues.get(c.source)
                    if issue is not None and issue.detail:
                        texts.append(issue.detail)
            for text in texts:
                for path in placeholders(text):
                    names[path.split(".", 1)[0]] = None
            found = self._reads[fi] = tuple(names)
        return found

    # -- probes ----------------------------------------------------------------
    def probe(
        self,
        fi: int,
        groups: Sequence[Group],
        configs: Mapping[str, Any],
        step: int,
        service: str,
        at_ms: int,
    ) -> dict[str, Any]:
        """One traced test request of flow ``fi`` as ``service``'s client sends it.

        The request follows the step's traffic shares (a counter-based draw
        picks which group it falls in); it is a probe, so no count changes.
        Returns ``{"response", "trace", "events"}``.
        """
        m = self.models[fi]
        flow = m.flow
        key = ("probe", step, fi, service)
        first_hop = None
        if flow.entry != service:
            # A probe of a service no flow enters is sent to it directly, as its
            # caller would: requests that never left the caller are not candidates.
            first_hop = next(n for n, h in enumerate(flow.hops) if h.callee == service)
            sent = [
                g for g in groups if any(r.hop == first_hop and r.reached_callee for r in g.results)
            ]
            groups = sent or list(groups)
        total = sum(g.count for g in groups)
        pick = counter(self.salt, "pick", *key) % max(total, 1)
        chosen = groups[0] if groups else Group(0, ())
        for g in groups:
            if pick < g.count:
                chosen = g
                break
            pick -= g.count
        if first_hop is not None:
            keep = self._subtree(m, first_hop)
            chosen = Group(
                1, tuple(r for r in chosen.results if r.hop in keep), frozenset({first_hop})
            )
        trace = self.trace_id(*key)
        events = self.request_events(
            fi,
            Group(1, chosen.results, chosen._roots),
            configs,
            base_ms=at_ms,
            trace=trace,
            req_key=key,
        )
        spans, marked = [], False
        for r in sorted(chosen.results, key=lambda x: x.hop):
            hop = flow.hops[r.hop]
            bad = r.failed or r.dropped or r.wrong_outcome
            spans.append(
                {
                    "caller": hop.caller,
                    "callee": hop.callee,
                    "method": hop.method,
                    "path": fill(hop.path, configs),
                    "status": 202 if hop.asynchronous else r.status,
                    "error": self.error(m, r, configs),
                    "headers": self.headers(m, r, configs),
                    "latency_ms": self._latency(hop, r, configs, key),
                    "failing": bool(bad and not marked and r.failure != "upstream"),
                }
            )
            marked = marked or spans[-1]["failing"]
        req: str | None = self._req(
            key, first_hop if first_hop is not None else min(m.roots, default=0), 1
        )
        if first_hop is not None:
            hit = next((x for x in chosen.results if x.hop == first_hop), None)
            status = hit.status if hit is not None else None
            headers = self.headers(m, hit, configs) if hit is not None else {}
            error = self.error(m, hit, configs) if hit is not None else "no request reached it"
            if hit is None or not hit.reached_callee:
                req = None  # it never left its caller: the inspected service has no such request
        else:
            failed = next((x for x in chosen.results if x.hop in m.roots and x.failed), None)
            method = flow.name.split(" ", 1)[0]
            if failed is None:
                status, headers, error = success_status(method, False), {}, None
            else:
                status = relayed_status(failed.status, False, False, no_connection(failed.failure))
                headers, error = {}, None
        response = {
            "service": service,
            "flow": flow.name,
            "status": status,
            "headers": headers,
            "body": self._body(status, error),
            "request_id": req,
            "trace_id": trace,
        }
        if error is not None:
            response["error"] = error
        return {"response": response, "trace": spans, "events": events}

    @staticmethod
    def _body(status: int | None, error: str | None) -> dict[str, Any]:
        if status is None:
            return {}
        if status < 400:
            return {"status": "ok"}
        return {"error": reason(status).split(" ", 1)[1].lower().replace(" ", "_")}

    def _latency(self, hop: Any, r: HopResult, configs: Mapping[str, Any], key: tuple) -> int:
        if r.failure == "timeout":
            t = self._values(hop, configs)["timeout"]
            return int(float(t) * 1000) if isinstance(t, int | float) and t > 0 else 0
        p50 = configs.get(hop.callee, {}).get("p50_processing_ms")
        base = int(p50) if isinstance(p50, int) and 0 < p50 < 10**7 else 40
        return base + counter(self.salt, "lat", *key, r.hop) % 60

    @staticmethod
    def _subtree(m: FlowModel, h: int) -> set[int]:
        out, todo = set(), [h]
        while todo:
            x = todo.pop()
            out.add(x)
            todo += m.children.get(x, [])
        return out

    # -- alerts ------------------------------------------------------------------
    def alerts(self, groups: Sequence[Sequence[Group]], configs: Mapping[str, Any]) -> list[str]:
        """Symptom-level alerts: a flow failing at its entry, a callee applying wrong effects."""
        return [
            a for fi, flow_groups in enumerate(groups) for a in self.flow_alerts(fi, flow_groups)
        ]

    def flow_alerts(self, fi: int, flow_groups: Sequence[Group]) -> tuple[str, ...]:
        """The alerts of flow ``fi`` (see :meth:`alerts`)."""
        m = self.models[fi]
        out: list[str] = []
        total = sum(g.count for g in flow_groups)
        failing = [g for g in flow_groups if g.failed]
        if failing:
            worst = max(failing, key=lambda g: g.count)
            root = next(
                r
                for r in sorted(worst.results, key=lambda x: x.hop)
                if r.hop in m.roots and r.failed
            )
            if root.status is not None:
                seen = f"failing with {root.status}"
            elif no_connection(root.failure):
                seen = "failing to connect"
            else:
                seen = "timing out"
            n = sum(g.count for g in failing)
            out.append(f"{m.flow.entry}: {m.flow.name} {seen} ({n} of {total} requests)")
        wrong: dict[tuple[str, str], int] = {}
        for g in flow_groups:
            for r in g.results:
                if r.wrong_outcome:
                    f = FAILURES[r.failure or ""]
                    hop = m.flow.hops[r.hop]
                    key = (hop.caller if f.caller_side else hop.callee, f.alert)
                    wrong[key] = wrong.get(key, 0) + g.count
        for (svc, what), n in wrong.items():
            out.append(f"{svc}: {n} requests of {m.flow.name} {what}")
        return tuple(out)
