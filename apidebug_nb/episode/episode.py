"""The episode: Gymnasium-style ``reset``/``step`` over a scenario.

State is the current configs plus the incident clock. Each step is a window
of ``step_seconds`` of simulated traffic over the configs in force; issue
status, health and alerts are derived from the current window's traffic,
and logs are the record of every window so far (append-only, rendered on
demand and memoised). The state is private: readers get frozen snapshots.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from apidebug_nb.episode import messages
from apidebug_nb.episode.actions import KINDS, Action
from apidebug_nb.episode.evidence_index import EvidenceIndex, evidence_index
from apidebug_nb.episode.observation import Observation, fingerprint
from apidebug_nb.episode.outcome import ActionOutcome, StepOutcome
from apidebug_nb.episode.record_makers import action_outcome_maker, filled, step_outcome_maker
from apidebug_nb.episode.rewards import REWARD_PIECES, RewardPiece, check_pieces, reward
from apidebug_nb.errors import EpisodeFinishedError
from apidebug_nb.input_limits import InputTypeError, brief, check_name, check_options
from apidebug_nb.merge_patch import PatchError, apply_fix
from apidebug_nb.model.evidence import Event
from apidebug_nb.model.simulation import ACTIVE, MASKED, RESOLVED, Simulation
from apidebug_nb.model.traffic import Traffic
from apidebug_nb.scenarios.catalogue import TASKS, load_scenario
from apidebug_nb.scenarios.records import Scenario, thaw

if TYPE_CHECKING:
    from random import Random

START_OFFSET_S = 300  # the learner arrives five minutes into the incident
PRE_WINDOWS = 2  # step windows of traffic already in the logs at reset
_OPTIONS = ("learner_id",)


class Effect:
    """What a handler did: StepOutcome facts, the message, what the observation shows,
    and ``source``, the engine's own (log, length) or config behind what is shown.

    A plain slotted class: every step makes one (a frozen dataclass costs several times
    as much to build), and only the episode reads it.
    """

    __slots__ = ("facts", "message", "shown", "outcome", "source")

    def __init__(
        self,
        facts: Mapping[str, Any] | None = None,
        message: str = "",
        shown: Mapping[str, Any] | None = None,
        outcome: ActionOutcome | None = None,
        source: Any = None,
    ):
        self.facts = {} if facts is None else facts
        self.message = message
        self.shown = {} if shown is None else shown
        self.outcome = outcome
        self.source = source


class _Window:
    """The configs in force during one step window, their traffic, and extra events;
    ``initial``: the broken configs and their traffic, rendered once per scenario."""

    __slots__ = ("configs", "traffic", "extra", "initial")

    def __init__(self, configs: Mapping[str, Any], traffic: Traffic, initial: bool = False):
        self.configs = configs
        self.traffic = traffic
        self.extra: list[Event] = []
        self.initial = initial


class Episode:
    """One attempt at a scenario.

    >>> import apidebug_nb as adb
    >>> ep = adb.Episode(adb.load_scenario("easy"))
    >>> obs, info = ep.reset()
    >>> obs.alerts
    ['payment_client: POST /payments failing with 401 (40 of 40 requests)']
    >>> ep.issue_status()  # no request gets past authentication to have its body read
    {'easy.missing_auth': 'active', 'easy.content_type': 'masked'}
    >>> obs, r, terminated, truncated, info = ep.step(
    ...     adb.Action.submit_fix("payment_client", {"headers.Content-Type": "application/json"}))
    >>> obs.resolved, obs.total, terminated, obs.outcome.resolved
    (1, 2, False, ('easy.content_type',))
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        learner_id: str | None = None,
        reward_pieces: tuple[RewardPiece, ...] = REWARD_PIECES,
    ):
        if not isinstance(scenario, Scenario):
            task = brief(scenario) if isinstance(scenario, str) else "'easy'"
            raise InputTypeError(
                f"Episode needs a Scenario, got {brief(scenario)}; build one with "
                f"adb.load_scenario({task}) (a built-in task) or "
                "adb.load_scenario_file(path) (a scenario file)"
            )
        self.scenario = scenario
        self.learner_id = check_name(learner_id, "learner_id")
        self.reward_pieces = check_pieces(reward_pieces)
        self.sim = Simulation.of(scenario)
        self._started = False
        self._reset_state()
        self._fresh = True  # reset() without a seed can reuse this state

    # -- lifecycle -----------------------------------------------------------
    def _reset_state(self) -> None:
        self._rng: Random | None = None  # made on first use: seeding costs time
        self._configs: dict[str, dict[str, Any]] = self.sim.fresh_configs()
        start = self.sim.initial_state()
        self._resolved: set[str] = set(start.resolved)
        self._statuses: dict[str, str] = dict(start.statuses)
        self._traffic = start.traffic
        self.steps = 0
        self.time_s = float(START_OFFSET_S)
        self._history: list[StepOutcome] = []
        self._actions: list[Action] = []
        self.action_times: list[float | str | None] = []  # wall clock, for transcripts only
        self._observations: list[Observation] = []
        # The fingerprint of every observation as it was handed out, so a caller who
        # edits obs.logs afterwards cannot make its own transcript look tampered.
        # Each observation's fingerprint writes the state a fix changes (health,
        # alerts, masked services) as its change since the observation before.
        # Fingerprints are made when the digest is asked for, from what the
        # engine kept of each observation (values it never edits in place).
        self._digest = hashlib.sha256()
        self._unhashed: list[tuple[Any, ...]] = []
        self._shown: tuple[list[str], list[str]] | None = None  # alerts, masked last shown
        self._health_changed: list[str] | None = None  # None: show the whole map
        self.hint_levels: dict[str, int] = {}
        self._evidence: EvidenceIndex | None = None
        self.revealed: list[str] = []
        # window -> configs in force, their traffic, reloads and probes; windows before
        # 0 are the incident before the learner arrived.
        # the windows before the learner's first step: one record, never edited (probes and
        # fixes only touch the windows of steps)
        before = _Window(self.sim.initial_configs, start.traffic, initial=True)
        self._windows: dict[int, _Window] = dict.fromkeys(range(-PRE_WINDOWS, 1), before)
        self._log_memo: dict[str, tuple[list[str], int]] = {}
        # windows before this one ran on the initial state with no probe in them
        self._same_until = self.scenario.max_steps
        # (kind, service) -> (what it showed, config changes so far) at the last look
        self.seen: dict[tuple[str, str], tuple[str, int]] = {}
        self.changes = 0  # accepted fixes that changed a config
        self.inspected: set[str] = set()  # services inspected so far
        self.near_missed: set[str] = set()  # issues already given near-miss credit
        self.evidenced: set[str] = set()  # issues whose evidence has been seen while visible
        # issue statuses after reset and after every step (the grade reads visibility here)
        self._status_history: list[Mapping[str, str]] = [self._statuses]
        self.terminated = False
        self.truncated = False
        self._health = dict(start.health)
        self._flow_alerts = start.flow_alerts
        self._alerts = list(start.alerts)
        self._masked = list(start.masked_services)
        self._masks_moved = False
        self._health_history: list[dict[str, str]] = [self._health]

    # -- read-only views of the state -------------------------------------------
    @property
    def configs(self) -> dict[str, dict[str, Any]]:
        """A snapshot of the current configs: a deep copy, so editing it changes
        nothing (change the episode's configs with ``submit_fix``)."""
        return thaw(self._configs)

    @property
    def statuses(self) -> Mapping[str, str]:
        """``{issue_id: status}`` now (read-only)."""
        return MappingProxyType(self._statuses)

    @property
    def resolved(self) -> frozenset[str]:
        return frozenset(self._resolved)

    @property
    def history(self) -> tuple[StepOutcome, ...]:
        return tuple(self._history)

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(self._actions)

    @property
    def observations(self) -> tuple[Observation, ...]:
        return tuple(self._observations)

    @property
    def status_history(self) -> tuple[Mapping[str, str], ...]:
        """Issue statuses after reset (index 0) and after every step (index n), read-only."""
        return tuple(MappingProxyType(s) for s in self._status_history)

    @property
    def health_history(self) -> tuple[Mapping[str, str], ...]:
        """Service health after reset and after every step (read-only)."""
        return tuple(MappingProxyType(h) for h in self._health_history)

    @property
    def traffic(self) -> Traffic:
        """The current step window's traffic (immutable)."""
        return self._traffic

    def failing_edges(self) -> set[tuple[str, str]]:
        """Call edges carrying failed requests now: the cascade, callee to callers."""
        return self.sim.failing_edges(self._traffic)

    def _snapshot(self) -> Mapping[str, Any]:
        """The configs in force now, for a window's record.

        A fix replaces a service's config with a new dict and never edits one in
        place, so a shallow copy keeps this window's configs as they are.
        """
        return MappingProxyType(dict(self._configs))

    def masked_services(self) -> set[str]:
        """Services whose config holds a problem no request reaches yet."""
        return set(self._masked)

    def _masked_services(self) -> set[str]:
        return {self.sim.issues[i].service for i, s in self._statuses.items() if s == MASKED}

    def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Start (or restart) the episode.

        ``seed`` selects a built-in task's variant, Gymnasium-style; on any other
        scenario (generated, or from a file) a seed is an error, and nothing changes. The
        episode's own RNG (request ids) is seeded from the scenario id, so the
        observations are a function of the scenario and the actions alone.
        ``options`` may hold ``learner_id``.
        """
        if options is not None:
            options = check_options(options, _OPTIONS, "reset")  # before anything changes
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise InputTypeError(
                f"reset(seed=...) takes a non-negative integer or None, got {brief(seed)}"
            )
        if seed is not None and self.scenario.task not in TASKS:
            raise InputTypeError(
                f"reset(seed={seed}) selects a variant of a built-in task, but scenario "
                f"{self.scenario.id!r} is not one; for another variant of a generated "
                "scenario make a new Episode(adb.generate_scenario(n_services, n_issues, "
                "seed=N)), or call reset() without a seed"
            )
        if options and "learner_id" in options:
            self.learner_id = check_name(options["learner_id"], "learner_id")
        if seed is not None and self.scenario.task is not None and self.scenario.seed != seed:
            self.scenario = load_scenario(self.scenario.task, seed)
            self.sim = Simulation.of(self.scenario)
        if not (self._fresh and seed is None):
            self._reset_state()
        self._fresh = False
        self._started = True
        n = len(self.scenario.issue_records)
        msg = (
            f"{self.scenario.title}: {self.scenario.description} "
            f"{n} problem{'s' if n != 1 else ''} to find and fix in {self.scenario.max_steps} steps."
        )
        obs = self._observe(None, msg, _looked(None, False, None))
        return obs, self._info(None, {})

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    @property
    def steps_left(self) -> int:
        return self.scenario.max_steps - self.steps

    @property
    def events(self) -> list[dict[str, Any]]:
        """Fixes and regressions, in order: ``{"step", "issue", "event": "fixed" | "reopened"}``."""
        return [
            {"step": o.index, "issue": iid, "event": event}
            for o in self.history
            for event, ids in (("fixed", o.resolved), ("reopened", o.reopened))
            for iid in ids
        ]

    def issue_status(self) -> dict[str, str]:
        """``{issue_id: "masked" | "active" | "resolved"}`` in ideal order."""
        return dict(self.statuses)

    # -- stepping --------------------------------------------------------------
    def step(
        self, action: Action | Mapping[str, Any]
    ) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        """Apply one action; returns ``(obs, reward, terminated, truncated, info)``."""
        if not self._started:
            self.reset()
        self._fresh = False
        if self.done:
            state = (
                "terminated (every problem is fixed)"
                if self.terminated
                else "truncated (no steps left)"
            )
            raise EpisodeFinishedError(f"the episode is {state}; call reset() to start again")
        if not isinstance(action, Action):
            action = Action.from_dict(action)  # raises ActionError before anything changes
        self.steps += 1
        self.time_s += self.scenario.step_seconds  # the step ends the current window
        effect = _HANDLERS[action.kind](self, action)
        self.terminated = len(self._resolved) == len(self.sim.order)
        facts = effect.facts
        if self.terminated:
            facts = {**facts, "completed": True}
        outcome = _new_step_outcome(self.steps, action.kind, action.service, facts)
        self.truncated = not self.terminated and self.steps >= self.scenario.max_steps
        message = effect.message
        if self.terminated:
            message += " Every problem is fixed: the incident is over."
        elif self.truncated:
            message += " No steps left: the episode is over."
        self._history.append(outcome)
        self._status_history.append(self._statuses)  # replaced, never edited in place
        self._actions.append(action)
        # the wall clock, to the millisecond: the report shows each gap
        self.action_times.append(time.time_ns() // 1_000_000 / 1000)
        window = self._windows.get(self.steps)
        if window is None:  # the next window runs on the configs in force now
            previous = self._windows[self.steps - 1]
            self._windows[self.steps] = _Window(
                previous.configs, previous.traffic, initial=previous.initial
            )
        if outcome.changed:
            self._refresh_view()
        self._health_history.append(self._health)
        r, parts = reward(outcome, self.reward_pieces)
        result = effect.outcome or _looked(action.kind, False, None)
        obs = self._observe(action.service, message, result, effect.source, **effect.shown)
        return obs, r, self.terminated, self.truncated, self._info(outcome, parts)

    @property
    def rng(self) -> Random:
        """The episode's RNG (request ids). It depends on the scenario only, not on
        the reset seed, so a transcript replays to the same observations however
        it was reset."""
        if self._rng is None:
            import random  # only endpoint inspections need it

            self._rng = random.Random(f"episode:{self.scenario.id}:None")
        return self._rng

    def _refresh_view(self) -> None:
        """Recompute what every observation shows; only a config change can alter it."""
        self._health, changed = self.sim.health_update(self._health, self._traffic)
        if self._health_changed is not None:
            self._health_changed = changed
        self._flow_alerts = self.sim.flow_alerts(self._flow_alerts, self._traffic)
        self._alerts = self.sim.joined_alerts(self._flow_alerts)
        if self._masks_moved:  # a problem became masked or visible
            self._masked = sorted(self._masked_services())

    def _info(self, outcome: StepOutcome | None, parts: dict[str, float]) -> dict[str, Any]:
        info: dict[str, Any] = {"step": self.steps, "reward_parts": parts}
        if outcome is not None:
            info.update(
                accepted=outcome.accepted,
                resolved=list(outcome.resolved),
                reopened=list(outcome.reopened),
            )
        return info

    def _observe(
        self,
        service: str | None,
        message: str,
        outcome: ActionOutcome,
        shown: Any = None,
        *,
        logs: list[str] | None = None,
        config: dict[str, Any] | None = None,
        response: dict[str, Any] | None = None,
        trace: list[dict[str, Any]] | None = None,
        probes: list[dict[str, Any]] | None = None,
    ) -> Observation:
        obs = filled(
            Observation,
            {
                "step": self.steps,
                "time": self.sim.stamp(self.time_s),
                "service": service,
                "logs": logs or [],
                "config": config,
                "response": response,
                "health": dict(self._health),
                "alerts": list(self._alerts),
                "message": message,
                "accepted": outcome.accepted,
                "resolved": len(self._resolved),
                "total": len(self.sim.order),
                "steps_left": self.scenario.max_steps - self.steps,
                "hints_used": sum(self.hint_levels.values()) if self.hint_levels else 0,
                "masked_services": list(self._masked),
                "trace": trace or [],
                "probes": probes or [],
                "outcome": outcome,
            },
        )
        self._observations.append(obs)
        self._keep_for_digest(obs, shown)
        return obs

    def _keep_for_digest(self, obs: Observation, shown: Any) -> None:
        """Keep what ``observation_fingerprint(obs, previous)`` needs, from what the
        engine knows changed: its cost follows what the step touched, not the size
        of the scenario.

        The fingerprint is written when the digest is asked for, from values the
        engine never edits in place: ``shown`` is its own ``(log, length)`` behind
        ``obs.logs`` or its own config behind ``obs.config``. A test request's
        answer is written at once (the engine keeps no copy of it).
        """
        if self._shown is None or self._health_changed is None:
            health: Any = self._health
            alerts: Any = self._alerts
            masked: Any = self._masked
        else:
            health = {s: self._health[s] for s in self._health_changed}
            alerts = None if self._shown[0] == self._alerts else self._alerts
            masked = None if self._shown[1] == self._masked else self._masked
        self._health_changed = []
        self._shown = (self._alerts, self._masked)
        if obs.response is not None:  # after the ones kept before it
            self.observation_digest.update(fingerprint(obs, health, alerts, masked))
        else:
            self._unhashed.append((obs, shown, health, alerts, masked))

    @property
    def observation_digest(self) -> Any:
        """SHA-256 (a ``hashlib`` object) over the fingerprint of every observation,
        in order, as handed out (see
        :func:`~apidebug_nb.episode.observation.observation_fingerprint`)."""
        for obs, shown, health, alerts, masked in self._unhashed:
            if isinstance(shown, tuple):
                logs, config = shown[0][: shown[1]], None
            else:
                logs, config = [], None if shown is None else thaw(shown)
            self._digest.update(
                fingerprint(
                    obs, health, alerts, masked, logs=logs, config=config, trace=[], probes=[]
                )
            )
        self._unhashed.clear()
        return self._digest

    # -- logs ---------------------------------------------------------------------
    def log_lines(self, service: str) -> list[str]:
        """``service``'s log up to now: start-up lines, then every finished window.

        Append-only by construction: a window is rendered once, from the
        configs that were in force during it, and only after it ended.
        """
        sim, origin = self.sim, START_OFFSET_S * 1000
        last = self.steps - 1  # the current window is still running
        memo = self._log_memo.get(service)
        if memo is None:  # until the first fix or probe, every episode's log is the same
            upto = min(last + 1, self._same_until)
            lines = sim.initial_log(service, -PRE_WINDOWS, upto, origin)
        else:
            lines, upto = memo
        step_ms = self.scenario.step_seconds * 1000
        for w in range(upto, last + 1):
            window = self._windows[w]
            end = w * step_ms + step_ms - 1
            extra = [e for e in window.extra if e.service == service]
            if window.initial:
                shared, shown = sim.initial_window(w, service, origin)
                if not extra:
                    lines += shown
                    continue
                events = shared + extra
            else:
                events = [e for e in sim.window_events(w, window.traffic, window.configs, service)]
                events += extra
            events.sort(key=lambda e: (min(e.ms, end), e.order))
            lines += [sim.line(origin + min(e.ms, end), e) for e in events]
        self._log_memo[service] = (lines, last + 1)
        return list(lines)

    # -- validation shared by actions -------------------------------------------
    def _unknown_service(self, service: str) -> str | None:
        if service in self._configs:
            return None
        return messages.unknown_service(service, self.scenario.services)

    def _rejected(self, action: Action, message: str, code: str) -> Effect:
        return Effect(
            {"accepted": False},
            f"Rejected: {message} (This cost a step; nothing changed.)",
            outcome=ActionOutcome(action.kind, accepted=False, rejected=code),
        )

    # -- inspections -------------------------------------------------------------
    def _inspection(
        self,
        action: Action,
        content: Any,
        payload: dict[str, Any],
        message: str,
        source: Any = None,
        editable: bool | None = None,
    ) -> Effect:
        """``content`` is what the look showed, compared by value with the last look
        (a value the engine never edits in place); ``source`` is :attr:`Effect.source`."""
        key = (action.kind, action.service_name)
        previous, changes_then = self.seen.get(key, (None, -1))
        repeat = previous == content and changes_then == self.changes
        self.seen[key] = (content, self.changes)
        self.inspected.add(action.service_name)
        facts = {
            "new_info": previous != content,
            "repeat": repeat,
            "new_evidence": self._new_evidence(action),
        }
        if repeat:
            message += " (Nothing has changed since you last looked.)"
        return Effect(facts, message, payload, _looked(action.kind, repeat, editable), source)

    def _evidence_index(self) -> EvidenceIndex:
        if self._evidence is None:  # looked up once per episode, not at every inspection
            self._evidence = evidence_index(self.sim)
        return self._evidence

    def _new_evidence(self, action: Action) -> tuple[str, ...]:
        """Visible, unresolved problems this look shows evidence of for the first time."""
        shown = tuple(
            i
            for i in self._evidence_index().seen_by(action.kind, action.service_name)
            if self._statuses[i] == ACTIVE and i not in self.evidenced
        )
        self.evidenced.update(shown)
        return shown

    def _do_inspect_logs(self, action: Action) -> Effect:
        if err := self._unknown_service(action.service_name):
            return self._rejected(action, err, "unknown_service")
        lines = self.log_lines(action.service_name)
        n = len(lines)
        # a log only grows, so its length says it all
        return self._inspection(
            action,
            n,
            {"logs": lines},
            f"Showing {n} log lines of {action.service_name}.",
            (self._log_memo[action.service_name][0], n),
        )

    def _do_inspect_config(self, action: Action) -> Effect:
        if err := self._unknown_service(action.service_name):
            return self._rejected(action, err, "unknown_service")
        own = self._configs[action.service_name]  # replaced by a fix, never edited
        editable = self.sim.editable[action.service_name]
        note = "" if editable else " It is not yours to edit: its config is the contract."
        return self._inspection(
            action,
            own,
            {"config": thaw(own)},
            f"Showing the config of {action.service_name}.{note}",
            own,
            editable,
        )

    def _do_inspect_endpoint(self, action: Action) -> Effect:
        if err := self._unknown_service(action.service_name):
            return self._rejected(action, err, "unknown_service")
        service = action.service_name
        # The probe runs at the start of the next window, in the traffic of the
        # configs in force now; its lines land in that window's log.
        at_ms = self.steps * self.scenario.step_seconds * 1000 + 100
        probes = self.sim.probe(
            service, self._traffic, self._resolved, self._configs, self.steps, at_ms
        )
        window = self._windows.setdefault(self.steps, _Window(self._snapshot(), self._traffic))
        self._same_until = min(self._same_until, self.steps)
        for p in probes:
            window.extra.extend(p.pop("events"))
        if not probes:
            shown: dict[str, Any] = {
                "response": {
                    "service": service,
                    "status": None,
                    "headers": {},
                    "body": {},
                    "error": "no flow sends requests to this service",
                    "request_id": None,
                    "trace_id": None,
                }
            }
            return self._inspection(
                action, repr(shown), shown, f"No request flow reaches {service}."
            )
        first = probes[0]
        status = first["response"]["status"]
        said = "got no answer" if status is None else f"answered {status}"
        content = [
            (
                p["response"]["status"],
                p["response"]["headers"],
                [(s["callee"], s["status"]) for s in p["trace"]],
            )
            for p in probes
        ]
        return self._inspection(
            action,
            repr(content),  # the caller may edit the headers it is shown
            {"response": first["response"], "trace": first["trace"], "probes": probes},
            f"A test request of {first['response']['flow']} through {service} {said}.",
        )

    # -- fixes ----------------------------------------------------------------------
    def _do_submit_fix(self, action: Action) -> Effect:
        service = action.service_name
        if err := self._unknown_service(service):
            return self._rejected(action, err, "unknown_service")
        if not self.sim.editable[service]:
            faulted = any(f.hop[1] == service for f in self.scenario.faults)
            return self._rejected(
                action,
                messages.not_editable(service, self.sim.editable, faulted=faulted),
                "not_editable",
            )
        try:
            applied = apply_fix(self._configs[service], action.changes, clean=True)
        except PatchError as exc:
            return self._rejected(action, f"{exc}.", "bad_patch")
        if not applied.changed:
            return Effect({}, f"The patch changes nothing in {service}'s config.")

        before = self._statuses
        self._configs[service] = applied.config
        touched = applied.touched
        was = self._resolved
        self._resolved = self.sim.update_resolved(self._resolved, self._configs, service, touched)
        self._traffic = self.sim.update_traffic(
            self._traffic, was, self._resolved, self._configs, service
        )
        self._statuses, flipped = self.sim.statuses_update(
            before, was, self._resolved, self._traffic
        )
        window = _Window(self._snapshot(), self._traffic)
        old = self._windows.get(self.steps)
        if old is not None:
            window.extra.extend(old.extra)
        reload_ms = self.steps * self.scenario.step_seconds * 1000 + 50
        window.extra.append(
            Event(reload_ms, -1, "INFO", service, f"config reloaded; changed: {', '.join(touched)}")
        )
        self._windows[self.steps] = window
        self._same_until = min(self._same_until, self.steps)

        self._masks_moved = any(before[i] == MASKED or self._statuses[i] == MASKED for i in flipped)
        resolved, reopened, unmasked = [], [], []
        for iid in flipped:
            status, old_status = self._statuses[iid], before[iid]
            if status == RESOLVED and old_status != RESOLVED:
                resolved.append(iid)
            elif old_status == RESOLVED and status != RESOLVED:
                reopened.append(iid)
            if old_status == MASKED and status == ACTIVE:
                unmasked.append(iid)
        self.changes += 1
        inspected = self.inspected
        resolved_inspected = tuple(
            i for i in resolved if inspected & set(self.sim.issues[i].symptom_services)
        )
        resolved_masked = tuple(i for i in resolved if before[i] == MASKED)
        near = self._near_misses(service, touched, reopened)
        facts = {
            "changed": True,
            "resolved": tuple(resolved),
            "resolved_inspected": resolved_inspected,
            "resolved_masked": resolved_masked,
            "reopened": tuple(reopened),
            "near_miss": near[1],
        }
        text = messages.fix_result(
            self.scenario,
            service,
            touched,
            resolved,
            reopened,
            near[0],
            applied.new_keys,
            unmasked,
            configs=self._configs,
        )
        result = _new_action_outcome(
            action.kind,
            {
                "applied": tuple(f"{service}.{t}" for t in touched),
                "resolved": facts["resolved"],
                "reopened": facts["reopened"],
            },
        )
        return Effect(facts, text, outcome=result)

    def _near_misses(
        self, service: str, touched: list[str], reopened: list[str]
    ) -> tuple[list[str], tuple[str, ...]]:
        """Active or masked issues whose check reads a touched setting but still fails.

        An issue this patch broke again is a regression, not a near miss: it
        earns no credit and gets no "right setting" message.
        """
        hit, first = [], []
        already = self.near_missed
        for iid in self.sim.readers_of(service, tuple(touched)):
            if self._statuses[iid] == RESOLVED or iid in reopened:
                continue
            hit.append(iid)
            if iid not in already and self._statuses[iid] == ACTIVE:
                first.append(iid)
                already.add(iid)
        return hit, tuple(first)

    # -- help ---------------------------------------------------------------------------
    def _hint_target(self) -> str | None:
        active = [i for i in self.sim.active(self._statuses) if i not in self.revealed]
        return active[0] if active else None

    def _do_hint(self, action: Action) -> Effect:
        target = self._hint_target()
        if target is None:
            return Effect(
                {},
                "No hint: nothing visible is left to fix.",
                outcome=ActionOutcome(action.kind, nothing_visible=True),
            )
        level = self.hint_levels.get(target, 0)
        levels = self.sim.issues[target].hints.levels()
        if level >= len(levels):
            return Effect(
                {},
                "You have every hint for this problem. reveal() shows the fix "
                "(it then earns no fix credit).",
                outcome=ActionOutcome(action.kind, exhausted=True),
            )
        self.hint_levels[target] = level + 1
        names = ("where to look", "the setting", "the contract")
        return Effect(
            {"hint_levels": 1},
            f"Hint {level + 1}/3 ({names[level]}): {levels[level]}",
            outcome=ActionOutcome(action.kind, level=level + 1, hint=levels[level]),
        )

    def _do_reveal(self, action: Action) -> Effect:
        target = action.issue or self._hint_target()
        if target is None:
            return self._rejected(
                action, "there is no visible unresolved problem to reveal.", "nothing_to_reveal"
            )
        visible = [i for i in self.sim.order if self._statuses[i] != MASKED or i in self.revealed]
        if target not in visible:  # a hidden issue's id is never confirmed nor listed
            return self._rejected(
                action,
                f"unknown issue {target!r}; issues you can see are: {', '.join(visible)}",
                "unknown_issue",
            )
        if self._statuses[target] == RESOLVED and target not in self.revealed:
            return self._rejected(
                action,
                "that problem is already fixed; there is nothing to reveal.",
                "already_fixed",
            )
        if target not in self.revealed:
            self.revealed.append(target)
        issue = self.sim.issues[target]
        fix = json.dumps(thaw(issue.reference_fix), sort_keys=True)
        return Effect(
            {"revealed": target},
            f"Revealed: {issue.title}. Fix: submit_fix({issue.service!r}, {fix}). "
            f"{issue.explanation} (A revealed problem earns no fix credit.)",
        )

    # -- reporting ------------------------------------------------------------------------
    def grade(self):
        """Grade the episode so far (see :mod:`apidebug_nb.grading.rubric`)."""
        from apidebug_nb.grading.rubric import grade_episode

        return grade_episode(self)

    def transcript(self) -> dict[str, Any]:
        """The JSON-serialisable transcript of this episode."""
        from apidebug_nb.grading.transcript import make_transcript

        return make_transcript(self)

    def explanations(self) -> list[dict[str, str]]:
        """Title and explanation of each issue that is resolved or revealed, in ideal order."""
        return [
            {
                "id": i,
                "title": self.sim.issues[i].title,
                "explanation": self.sim.issues[i].explanation,
            }
            for i in self.sim.order
            if self._statuses[i] == RESOLVED or i in self.revealed
        ]


# One explicit table from action kind to handler.
_HANDLERS: dict[str, Callable[[Episode, Action], Effect]] = {
    "inspect_logs": Episode._do_inspect_logs,
    "inspect_config": Episode._do_inspect_config,
    "inspect_endpoint": Episode._do_inspect_endpoint,
    "submit_fix": Episode._do_submit_fix,
    "hint": Episode._do_hint,
    "reveal": Episode._do_reveal,
}
assert set(_HANDLERS) == set(KINDS), "every action kind has exactly one handler"


@lru_cache(maxsize=64)
def _looked(kind: str | None, repeat: bool, editable: bool | None) -> ActionOutcome:
    """The outcome of an inspection, or of any step with nothing more to say: one shared
    record per combination (they are frozen)."""
    return ActionOutcome(kind, repeat=repeat, editable=editable)


_new_step_outcome = step_outcome_maker()
_new_action_outcome = action_outcome_maker()
