"""Transcripts: record an episode as JSON, rebuild it by replay, verify claims.

A transcript names its scenario (task and seed, or the full scenario data
with its content hash), the learner, every action with its wall-clock time,
and the grade the episode claimed with digests of its actions and observations.
Instructors grade by :func:`replay`, never by the claimed number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apidebug_nb._version import __version__
from apidebug_nb.episode.actions import Action
from apidebug_nb.episode.episode import Episode
from apidebug_nb.errors import ActionError, ApiDebugError, TranscriptError
from apidebug_nb.scenarios.catalogue import TASKS, load_scenario
from apidebug_nb.scenarios.parse import scenario_from_dict
from apidebug_nb.scenarios.records import Scenario

FORMAT = "apidebug-nb-transcript"
FORMAT_VERSION = 1
_KEYS = {
    "format",
    "format_version",
    "package_version",
    "scenario",
    "learner_id",
    "actions",
    "claimed",
    "finished",
}


def observations_digest(ep: Episode) -> str:
    """SHA-256 over every observation of the episode, in order, as handed out."""
    return ep.observation_digest.hexdigest()


def actions_digest(actions: Sequence[Action]) -> str:
    """SHA-256 over the action records, in order (what the learner did, as replayed)."""
    text = json.dumps([a.to_dict() for a in actions], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _scenario_ref(sc: Scenario) -> dict[str, Any]:
    if sc.task in TASKS and load_scenario(sc.task, sc.seed).content_hash() == sc.content_hash():
        return {"task": sc.task, "seed": sc.seed}
    return {"id": sc.id, "content_hash": sc.content_hash(), "data": sc.to_dict()}


def make_transcript(ep: Episode) -> dict[str, Any]:
    """The transcript of ``ep`` as plain JSON-serialisable data."""
    times = ep.action_times
    actions = []
    for n, action in enumerate(ep.actions):
        entry: dict[str, Any] = {"action": action.to_dict()}
        if n < len(times) and times[n] is not None:
            at = times[n]
            if isinstance(at, (int, float)):  # live episodes keep epoch seconds (cheap)
                at = dt.datetime.fromtimestamp(at, dt.timezone.utc).isoformat()
            entry["at"] = at
        actions.append(entry)
    g = ep.grade()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "scenario": _scenario_ref(ep.scenario),
        "learner_id": ep.learner_id,
        "actions": actions,
        "finished": ep.done,
        "claimed": {
            "score": g.score,
            "dimensions": dict(g.dimensions),
            "steps": ep.steps,
            "actions": actions_digest(ep.actions),
            "observations": observations_digest(ep),
        },
    }


def _load(t: Any) -> Mapping[str, Any]:
    if isinstance(t, bytes):
        try:
            t = t.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TranscriptError(
                f"the transcript is not UTF-8 text (at byte {exc.start})"
            ) from None
    if isinstance(t, str):
        try:
            t = json.loads(t)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"the transcript is not valid JSON: {exc}") from None
        except RecursionError:
            raise TranscriptError("the transcript is nested too deeply to be one") from None
        except ValueError as exc:  # a number beyond Python's 4,300-digit limit
            raise TranscriptError(f"the transcript is not usable JSON: {exc}") from None
    if not isinstance(t, Mapping):
        raise TranscriptError("a transcript is a JSON object")
    if t.get("format") != FORMAT:
        raise TranscriptError(
            f"not an apidebug_nb transcript (format {t.get('format')!r}, expected {FORMAT!r})"
        )
    if t.get("format_version") != FORMAT_VERSION:
        raise TranscriptError(
            f"unsupported transcript format_version {t.get('format_version')!r};"
            f" this package reads version {FORMAT_VERSION}"
        )
    unknown = set(t) - _KEYS
    if unknown:
        raise TranscriptError(
            f"unknown transcript fields {sorted(unknown)}; valid: {sorted(_KEYS)}"
        )
    for key in ("scenario", "actions"):
        if key not in t:
            raise TranscriptError(f"the transcript has no {key!r} field (is it truncated?)")
    if not isinstance(t["actions"], list):
        raise TranscriptError("'actions' must be a list")
    return t


def transcript_scenario(t: Any) -> Scenario:
    """The scenario a transcript was played on (checked against its content hash)."""
    t = _load(t)
    ref = t["scenario"]
    if not isinstance(ref, Mapping):
        raise TranscriptError("'scenario' must be an object")
    if "task" in ref:
        try:
            return load_scenario(ref["task"], ref.get("seed"))
        except (ApiDebugError, ValueError) as exc:
            raise TranscriptError(f"bad scenario reference {dict(ref)!r}: {exc}") from None
    if "data" in ref and "content_hash" in ref:
        try:
            sc = scenario_from_dict(ref["data"], source="transcript")
        except ApiDebugError as exc:
            raise TranscriptError(f"the embedded scenario is invalid: {exc}") from None
        if sc.content_hash() != ref["content_hash"]:
            raise TranscriptError(
                "the embedded scenario does not match its content hash (it was edited)"
            )
        return sc
    raise TranscriptError("'scenario' needs either task and seed, or data and content_hash")


def replay(t: Any) -> Episode:
    """Rebuild the episode a transcript describes by replaying its actions."""
    t = _load(t)
    ep = Episode(transcript_scenario(t), learner_id=t.get("learner_id"))
    ep.reset()
    times = []
    for n, entry in enumerate(t["actions"], start=1):
        if not isinstance(entry, Mapping) or "action" not in entry:
            raise TranscriptError(
                f"action {n} is malformed: expected {{'action': {{...}}, 'at': ...}}"
            )
        try:
            action = Action.from_dict(entry["action"])
        except ActionError as exc:
            raise TranscriptError(f"action {n} is invalid: {exc}") from None
        if ep.done:
            raise TranscriptError(f"action {n} comes after the episode ended")
        ep.step(action)
        times.append(entry.get("at"))
    ep.action_times = times  # keep the original wall-clock times, not the replay's
    return ep


@dataclass(frozen=True)
class Verification:
    """The result of :func:`verify`: ``ok`` and the reasons when it is not."""

    ok: bool
    reasons: list[str] = field(default_factory=list)
    score: float | None = None
    claimed_score: float | None = None
    steps: int = 0


def verify(t: Any) -> Verification:
    """Replay a transcript and check its claimed grade and observations."""
    try:
        data = _load(t)
        ep = replay(data)
    except TranscriptError as exc:
        return Verification(False, [str(exc)])
    g = ep.grade()
    claimed = data.get("claimed")
    reasons = []
    if not isinstance(claimed, Mapping):
        return Verification(
            False,
            ["the transcript has no claimed grade (is it truncated?)"],
            g.score,
            None,
            ep.steps,
        )
    if claimed.get("score") != g.score:
        reasons.append(f"claimed score {claimed.get('score')!r} but replay gives {g.score}")
    if claimed.get("dimensions") != g.dimensions:
        reasons.append("claimed dimensions differ from the replay")
    if claimed.get("steps") != ep.steps:
        reasons.append(f"claimed {claimed.get('steps')!r} steps but the transcript has {ep.steps}")
    # Two actions can lead to the same observations (a timeout of 30 or of 31
    # seconds both fix it), so the action list is claimed on its own.
    if claimed.get("actions") != actions_digest(ep.actions):
        reasons.append("the actions differ from the ones the grade was claimed for")
    if claimed.get("observations") != observations_digest(ep):
        reasons.append("the observations differ from the replay")
    return Verification(not reasons, reasons, g.score, claimed.get("score"), ep.steps)
