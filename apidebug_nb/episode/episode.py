"""The episode: Gymnasium-style ``reset``/``step`` over a scenario.

State is the current configs plus the incident clock; every issue's status is
derived by evaluating its check (see :mod:`apidebug_nb.model.simulation`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from apidebug_nb.episode import messages
from apidebug_nb.episode.actions import KINDS, Action
from apidebug_nb.episode.observation import Observation, observation_fingerprint
from apidebug_nb.episode.outcome import StepOutcome
from apidebug_nb.episode.rewards import REWARD_PIECES, RewardPiece, reward
from apidebug_nb.errors import EpisodeFinishedError
from apidebug_nb.input_limits import InputTypeError, brief, check_name, check_options
from apidebug_nb.merge_patch import PatchError, apply_fix
from apidebug_nb.model.simulation import ACTIVE, MASKED, RESOLVED, Simulation
from apidebug_nb.scenarios.records import Scenario, thaw

if TYPE_CHECKING:
    from random import Random

# A handler's result: StepOutcome fields, the message, and what the observation shows.
_Result = tuple[dict[str, Any], str, dict[str, Any]]

START_OFFSET_S = 300  # the learner arrives five minutes into the incident
_OPTIONS = ("learner_id",)


class Episode:
    """One attempt at a scenario.

    >>> import apidebug_nb as adb
    >>> ep = adb.Episode(adb.load_scenario("easy"))
    >>> obs, info = ep.reset()
    >>> obs.alerts
    ['payment_client: POST /payments failing with 401', 'payment_client: POST /payments failing with 415']
    >>> obs, r, terminated, truncated, info = ep.step(
    ...     adb.Action.submit_fix("payment_client", {"headers.Content-Type": "application/json"}))
    >>> obs.resolved, obs.total, terminated
    (1, 2, False)
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
        self.reward_pieces = reward_pieces
        self.sim = Simulation.of(scenario)
        self._handlers = {kind: getattr(self, f"_do_{kind}") for kind in KINDS}
        self._started = False
        self._reset_state()
        self._fresh = True  # reset() without a seed can reuse this state

    # -- lifecycle -----------------------------------------------------------
    def _reset_state(self) -> None:
        self._rng: Random | None = None  # made on first use: seeding costs time
        self.configs: dict[str, dict[str, Any]] = self.sim.fresh_configs()
        start = self.sim.initial_state()
        self.resolved: set[str] = set(start.resolved)
        self.statuses = dict(start.statuses)
        self.steps = 0
        self.time_s = float(START_OFFSET_S)
        self.history: list[StepOutcome] = []
        self.actions: list[Action] = []
        self.action_times: list[float | str | None] = []  # wall clock, for transcripts only
        self.observations: list[Observation] = []
        # Fingerprint of every observation as it was handed out, so a caller who
        # edits obs.logs afterwards cannot make its own transcript look tampered.
        self.observation_digest = hashlib.sha256()
        self.hint_levels: dict[str, int] = {}
        self.revealed: list[str] = []
        self.visible_since = {i: 0.0 for i, s in self.statuses.items() if s == ACTIVE}
        self.resolved_at: dict[str, float] = {}
        self.extra_logs: dict[str, list[tuple[float, str, str]]] = {}
        # (kind, service) -> (what it showed, config changes so far) at the last look
        self.seen: dict[tuple[str, str], tuple[str, int]] = {}
        self.changes = 0  # accepted fixes that changed a config
        self.inspected: set[str] = set()  # services inspected so far
        self.near_missed: set[str] = set()  # issues already given near-miss credit
        self.terminated = False
        self.truncated = False
        self._health = dict(start.health)
        self._alerts, self._masked = start.alerts, start.masked  # replaced, never edited
        self.health_history: list[dict[str, str]] = [self._health]

    def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Start (or restart) the episode.

        ``seed`` selects a built-in task's variant, Gymnasium-style. The
        episode's own RNG (request ids) is seeded from the scenario id, so the
        observations are a function of the scenario and the actions alone.
        ``options`` may hold ``learner_id``.
        """
        options = check_options(options, _OPTIONS, "reset")  # before anything changes
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise InputTypeError(
                f"reset(seed=...) takes a non-negative integer or None, got {brief(seed)}"
            )
        if "learner_id" in options:
            self.learner_id = check_name(options["learner_id"], "learner_id")
        if seed is not None and self.scenario.task is not None and self.scenario.seed != seed:
            from apidebug_nb.scenarios.catalogue import TASKS, load_scenario

            if self.scenario.task in TASKS:
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
        obs = self._observe(None, msg, True)
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
        now = self.time_s
        fields, message, payload = self._handlers[action.kind](action, now)
        self.time_s += self.scenario.step_seconds
        self.terminated = len(self.resolved) == len(self.sim.order)
        outcome = StepOutcome(
            self.steps, action.kind, action.service, completed=self.terminated, **fields
        )
        self.truncated = not self.terminated and self.steps >= self.scenario.max_steps
        if self.terminated:
            message += " Every problem is fixed: the incident is over."
        elif self.truncated:
            message += " No steps left: the episode is over."
        self.history.append(outcome)
        self.actions.append(action)
        self.action_times.append(round(time.time()))
        if outcome.changed:
            self._refresh_view()
        self.health_history.append(self._health)
        r, parts = reward(outcome, self.reward_pieces)
        obs = self._observe(action.service, message, outcome.accepted, **payload)
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
        self._health = self.sim.health(self.statuses)
        self._alerts = self.sim.alerts(self.statuses, self.configs)
        self._masked = sorted(self.sim.masked_services(self.statuses))

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
        accepted: bool,
        *,
        logs: list[str] | None = None,
        config: dict[str, Any] | None = None,
        response: dict[str, Any] | None = None,
    ) -> Observation:
        obs = Observation(
            step=self.steps,
            time=self.sim.stamp(self.time_s),
            service=service,
            logs=logs or [],
            config=config,
            response=response,
            health=dict(self._health),
            alerts=list(self._alerts),
            message=message,
            accepted=accepted,
            resolved=len(self.resolved),
            total=len(self.sim.order),
            steps_left=self.steps_left,
            hints_used=sum(self.hint_levels.values()),
            masked_services=list(self._masked),
        )
        self.observations.append(obs)
        self.observation_digest.update(observation_fingerprint(obs))
        return obs

    # -- validation shared by actions -------------------------------------------
    def _unknown_service(self, service: str | None) -> str | None:
        if service in self.configs:
            return None
        return messages.unknown_service(service, self.scenario.services)

    def _rejected(self, action: Action, message: str) -> _Result:
        outcome = {"accepted": False}
        return outcome, f"Rejected: {message} (This cost a step; nothing changed.)", {}

    # -- inspections -------------------------------------------------------------
    def _inspection(
        self, action: Action, content: Any, payload: dict[str, Any], message: str
    ) -> _Result:
        key = (action.kind, action.service or "")
        digest = repr(content)  # compared by value on the next look
        previous, changes_then = self.seen.get(key, (None, -1))
        repeat = previous == digest and changes_then == self.changes
        self.seen[key] = (digest, self.changes)
        self.inspected.add(action.service)
        outcome = {"new_info": previous != digest, "repeat": repeat}
        if repeat:
            message += " (Nothing has changed since you last looked.)"
        return outcome, message, payload

    def _do_inspect_logs(self, action: Action, now: float):
        if err := self._unknown_service(action.service):
            return self._rejected(action, err)
        lines = self.sim.logs(
            action.service,
            self.statuses,
            self.configs,
            self.visible_since,
            self.resolved_at,
            self.extra_logs.get(action.service, ()),
        )
        return self._inspection(
            action, lines, {"logs": lines}, f"Showing {len(lines)} log lines of {action.service}."
        )

    def _do_inspect_config(self, action: Action, now: float):
        if err := self._unknown_service(action.service):
            return self._rejected(action, err)
        config = thaw(self.configs[action.service])
        editable = self.sim.editable[action.service]
        note = "" if editable else " It is not yours to edit: its config is the contract."
        return self._inspection(
            action, config, {"config": config}, f"Showing the config of {action.service}.{note}"
        )

    def _do_inspect_endpoint(self, action: Action, now: float):
        if err := self._unknown_service(action.service):
            return self._rejected(action, err)
        response = self.sim.endpoint(action.service, self.statuses, self.configs)
        shown = dict(response, request_id=f"req_{self.rng.getrandbits(32):08x}")
        return self._inspection(
            action,
            response,
            {"response": shown},
            f"A test request through {action.service} answered {response['status']}.",
        )

    # -- fixes ----------------------------------------------------------------------
    def _do_submit_fix(self, action: Action, now: float):
        service = action.service
        if err := self._unknown_service(service):
            return self._rejected(action, err)
        if not self.sim.editable[service]:
            return self._rejected(action, messages.not_editable(service, self.sim.editable))
        try:
            applied = apply_fix(self.configs[service], action.changes)
        except PatchError as exc:
            return self._rejected(action, f"{exc}.")
        if not applied.changed:
            outcome: dict[str, Any] = {}
            return outcome, f"The patch changes nothing in {service}'s config.", {}

        before = self.statuses
        self.configs[service] = applied.config
        touched = applied.touched
        self.resolved = self.sim.update_resolved(self.resolved, self.configs, service, touched)
        self.statuses = self.sim.statuses(self.resolved)
        self.extra_logs.setdefault(service, []).append(
            (now, "INFO", f"config reloaded; changed: {', '.join(touched)}")
        )

        resolved, reopened, unmasked = [], [], []
        for iid, status in self.statuses.items():
            old = before[iid]
            if status == RESOLVED and old != RESOLVED:
                resolved.append(iid)
                self.resolved_at[iid] = now
            elif old == RESOLVED and status != RESOLVED:
                reopened.append(iid)
                self.resolved_at.pop(iid, None)
            if status == ACTIVE and old != ACTIVE:
                self.visible_since[iid] = now + 2
            if old == MASKED and status == ACTIVE:
                unmasked.append(iid)
        self.changes += 1
        inspected = self.inspected
        resolved_inspected = tuple(
            i for i in resolved if inspected & set(self.sim.issues[i].symptom_services)
        )
        resolved_masked = tuple(i for i in resolved if before[i] == MASKED)
        near = self._near_misses(service, touched, reopened)
        outcome = {
            "changed": True,
            "resolved": tuple(resolved),
            "resolved_inspected": resolved_inspected,
            "resolved_masked": resolved_masked,
            "reopened": tuple(reopened),
            "near_miss": near[1],
        }
        text = messages.fix_result(
            self.scenario, service, touched, resolved, reopened, near[0], applied.new_keys, unmasked
        )
        return outcome, text, {}

    def _near_misses(
        self, service: str, touched: list[str], reopened: list[str]
    ) -> tuple[list[str], tuple[str, ...]]:
        """Active or masked issues whose check reads a touched setting but still fails.

        An issue this patch broke again is a regression, not a near miss: it
        earns no credit and gets no "right setting" message.
        """
        hit, first = [], []
        already = self.near_missed
        full = [f"{service}.{t}" for t in touched]
        for iid in self.sim.order:
            if self.statuses[iid] == RESOLVED or iid in reopened:
                continue
            read = self.sim.read_paths[iid]
            if any(
                r == f or r.startswith(f + ".") or f.startswith(r + ".") for r in read for f in full
            ):
                hit.append(iid)
                if iid not in already and self.statuses[iid] == ACTIVE:
                    first.append(iid)
                    already.add(iid)
        return hit, tuple(first)

    # -- help ---------------------------------------------------------------------------
    def _hint_target(self) -> str | None:
        active = [i for i in self.sim.active(self.statuses) if i not in self.revealed]
        return active[0] if active else None

    def _do_hint(self, action: Action, now: float):
        target = self._hint_target()
        if target is None:
            outcome = {}
            return outcome, "No hint: nothing visible is left to fix.", {}
        level = self.hint_levels.get(target, 0)
        levels = self.sim.issues[target].hints.levels()
        if level >= len(levels):
            outcome = {}
            return (
                outcome,
                (
                    "You have every hint for this problem. reveal() shows the fix "
                    "(it then earns no fix credit)."
                ),
                {},
            )
        self.hint_levels[target] = level + 1
        outcome = {"hint_levels": 1}
        names = ("where to look", "the setting", "the contract")
        return outcome, f"Hint {level + 1}/3 ({names[level]}): {levels[level]}", {}

    def _do_reveal(self, action: Action, now: float):
        target = action.issue or self._hint_target()
        if target is None:
            return self._rejected(action, "there is no visible unresolved problem to reveal.")
        if target not in self.sim.issues:
            return self._rejected(
                action, f"unknown issue {target!r}; issues are: {', '.join(self.sim.order)}"
            )
        if self.statuses[target] == RESOLVED and target not in self.revealed:
            return self._rejected(
                action, "that problem is already fixed; there is nothing to reveal."
            )
        if target not in self.revealed:
            self.revealed.append(target)
        issue = self.sim.issues[target]
        outcome = {"revealed": target}
        fix = json.dumps(thaw(issue.reference_fix), sort_keys=True)
        return (
            outcome,
            (
                f"Revealed: {issue.title}. Fix: submit_fix({issue.service!r}, {fix}). "
                f"{issue.explanation} (A revealed problem earns no fix credit.)"
            ),
            {},
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
            if self.statuses[i] == RESOLVED or i in self.revealed
        ]
