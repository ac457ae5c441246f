"""Transcripts: record an episode as JSON, rebuild it by replay, verify claims.

A transcript names its scenario (task and seed, or the full scenario data
with its content hash), the learner, every action with its wall-clock time,
the grade the episode claimed with digests of its actions and observations,
and a digest binding every other field (see
:mod:`apidebug_nb.grading.transcript_schema` for the format).

Instructors grade by :func:`replay`, never by the claimed number, and never by
a scenario the student supplies: a built-in task is rebuilt from its task and
seed, and a scenario file is matched by content hash against the instructor's
own files (``scenarios=``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apidebug_nb._version import __version__
from apidebug_nb.episode.actions import Action
from apidebug_nb.episode.episode import Episode
from apidebug_nb.errors import ActionError, ApiDebugError, TranscriptError
from apidebug_nb.grading.transcript_schema import FORMAT, FORMAT_VERSION, schema_errors
from apidebug_nb.scenarios.catalogue import TASKS, load_scenario
from apidebug_nb.scenarios.records import Scenario

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ScenarioMismatch",
    "Verification",
    "make_transcript",
    "replay",
    "transcript_digest",
    "transcript_scenario",
    "verify",
]

_KEYS = {
    "format",
    "format_version",
    "package_version",
    "scenario",
    "learner_id",
    "actions",
    "claimed",
    "finished",
    "digest",
}

#: The instructor's scenarios: a content hash -> scenario mapping, or any iterable of them.
Scenarios = Mapping[str, Scenario] | Iterable[Scenario] | None


class ScenarioMismatch(TranscriptError):
    """The transcript's scenario is not the one the instructor hands out."""


def observations_digest(ep: Episode) -> str:
    """SHA-256 over every observation of the episode, in order, as handed out."""
    return ep.observation_digest.hexdigest()


def actions_digest(actions: Sequence[Action]) -> str:
    """SHA-256 over the action records, in order (what the learner did, as replayed)."""
    text = json.dumps([a.to_dict() for a in actions], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def transcript_digest(t: Mapping[str, Any]) -> str:
    """SHA-256 of every field but ``digest``, as canonical JSON.

    Canonical JSON keeps types apart (``true`` is not ``1``, ``1`` is not
    ``1.0``), so any edit of any field changes it.
    """
    body = {k: v for k, v in t.items() if k != "digest"}
    try:
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    except (TypeError, ValueError):  # not JSON data at all: no digest can match it
        return ""
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _scenario_ref(sc: Scenario) -> dict[str, Any]:
    if sc.task in TASKS and load_scenario(sc.task, sc.seed).content_hash() == sc.content_hash():
        return {"task": sc.task, "seed": sc.seed}
    return {"id": sc.id, "content_hash": sc.content_hash(), "data": sc.to_dict()}


def _iso(at: float | str) -> str:
    if isinstance(at, str):
        return at
    return dt.datetime.fromtimestamp(at, dt.timezone.utc).isoformat()


def make_transcript(ep: Episode) -> dict[str, Any]:
    """The transcript of ``ep`` as plain JSON-serialisable data."""
    times = ep.action_times
    actions = []
    for n, action in enumerate(ep.actions):
        entry: dict[str, Any] = {"action": action.to_dict()}
        if n < len(times) and times[n] is not None:
            entry["at"] = _iso(times[n])  # type: ignore[arg-type]
        actions.append(entry)
    g = ep.grade()
    t: dict[str, Any] = {
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
    t["digest"] = transcript_digest(t)
    return t


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
    if t.get("format_version") != FORMAT_VERSION or isinstance(t.get("format_version"), bool):
        raise TranscriptError(
            f"unsupported transcript format_version {t.get('format_version')!r};"
            f" this package reads version {FORMAT_VERSION}"
        )
    unknown = set(t) - _KEYS
    if unknown:
        raise TranscriptError(
            f"unknown transcript fields {sorted(map(str, unknown))}; valid: {sorted(_KEYS)}"
        )
    for key in ("scenario", "actions"):
        if key not in t:
            raise TranscriptError(f"the transcript has no {key!r} field (is it truncated?)")
    if not isinstance(t["actions"], list):
        raise TranscriptError("'actions' must be a list")
    try:
        errors = schema_errors(t)
    except RecursionError:
        raise TranscriptError("the transcript is nested too deeply to be one") from None
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise TranscriptError(f"the transcript breaks its schema {errors[0]}{more}")
    return t


def _by_hash(scenarios: Scenarios) -> dict[str, Scenario] | None:
    if scenarios is None:
        return None
    if isinstance(scenarios, Mapping):
        return dict(scenarios)
    return {sc.content_hash(): sc for sc in scenarios}


def _embedded(ref: Mapping[str, Any]) -> Scenario:
    """The embedded scenario, parsed and validated like a scenario file; never a crash."""
    from apidebug_nb.model.simulation import with_masks
    from apidebug_nb.model.validation import validate_scenario
    from apidebug_nb.scenarios.parse import scenario_from_dict

    try:
        return with_masks(validate_scenario(scenario_from_dict(ref["data"], source="transcript")))
    except ApiDebugError as exc:
        raise TranscriptError(f"the embedded scenario is invalid: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - hostile data must never crash grading
        raise TranscriptError(
            f"the embedded scenario is invalid: {type(exc).__name__}: {exc}"
        ) from None


def transcript_scenario(t: Any, scenarios: Scenarios = None) -> Scenario:
    """The scenario to replay a transcript on; never one the transcript alone vouches for.

    A built-in task is rebuilt from its task and seed. Embedded scenario data
    claiming to be a built-in task must equal that task's variant. Other
    embedded data is matched by content hash against ``scenarios`` (the
    instructor's own scenario files) when given; without them it is parsed,
    validated and checked against its own content hash (enough for a learner
    checking their own work, not for grading).

    Raises:
        ScenarioMismatch: the scenario differs from the instructor's (or the built-in one).
        TranscriptError: the scenario reference or data is invalid.
    """
    return _scenario_of(_load(t), scenarios)


def _scenario_of(t: Mapping[str, Any], scenarios: Scenarios) -> Scenario:
    ref = t["scenario"]
    known = _by_hash(scenarios)
    if "task" in ref:
        try:
            return load_scenario(ref["task"], ref.get("seed"))
        except (ApiDebugError, ValueError) as exc:
            raise TranscriptError(f"bad scenario reference {dict(ref)!r}: {exc}") from None
    data, claimed_hash = ref["data"], ref["content_hash"]
    task, seed = data.get("task"), data.get("seed")
    if task in TASKS:
        try:
            official = load_scenario(task, seed)
        except Exception as exc:  # noqa: BLE001 - a seed of any JSON type must not crash
            raise TranscriptError(f"bad scenario reference {task!r} seed {seed!r}: {exc}") from None
        if official.content_hash() != claimed_hash:
            raise ScenarioMismatch(
                f"scenario mismatch: the embedded scenario claims to be {official.id} but "
                "differs from that built-in task"
            )
    if known is not None and claimed_hash not in known:
        raise ScenarioMismatch(
            f"scenario mismatch: no instructor scenario has content hash {claimed_hash[:12]}…"
            f" (scenario id {ref['id']!r})"
        )
    sc = _embedded(ref)
    if sc.content_hash() != claimed_hash:
        raise ScenarioMismatch(
            "scenario mismatch: the embedded scenario does not match its content hash "
            "(it was edited)"
        )
    if known is not None:
        return known[claimed_hash]
    return sc


def replay(t: Any, scenarios: Scenarios = None) -> Episode:
    """Rebuild the episode a transcript describes by replaying its actions.

    ``scenarios`` are the instructor's scenario files (see :func:`transcript_scenario`).
    """
    return _replay(_load(t), scenarios)


def _replay(t: Mapping[str, Any], scenarios: Scenarios) -> Episode:
    ep = Episode(_scenario_of(t, scenarios), learner_id=t.get("learner_id"))
    ep.reset()
    times = []
    for n, entry in enumerate(t["actions"], start=1):
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
    """The result of :func:`verify`: ``ok`` and the reasons when it is not.

    ``mismatch`` is True when the scenario is not the instructor's (or the
    built-in task's): such a transcript is never graded.
    """

    ok: bool
    reasons: list[str] = field(default_factory=list)
    score: float | None = None
    claimed_score: float | None = None
    steps: int = 0
    mismatch: bool = False
    episode: Episode | None = field(default=None, repr=False, compare=False)


def verify(t: Any, scenarios: Scenarios = None) -> Verification:
    """Replay a transcript and check its digest, claimed grade and observations.

    Never raises for a bad transcript: every problem is a reason in the result.
    """
    try:
        data = _load(t)
        ep = _replay(data, scenarios)
    except ScenarioMismatch as exc:
        return Verification(False, [str(exc)], mismatch=True)
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
            episode=ep,
        )
    if data.get("digest") != transcript_digest(data):
        reasons.append("the transcript was edited: its digest does not match its fields")
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
    if data.get("finished") is not ep.done:
        reasons.append(f"claims finished={data.get('finished')!r} but the replay says {ep.done}")
    return Verification(not reasons, reasons, g.score, claimed.get("score"), ep.steps, episode=ep)
