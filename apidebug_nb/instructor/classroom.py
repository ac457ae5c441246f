"""Grade a folder of transcripts by replay, and flag the ones that cannot be trusted.

Every ``*.json`` file is replayed; the score is the replay's, never the number
the file claims. Each row says why a file needs a look:

- ``invalid``: not JSON, not a transcript, or a transcript that cannot be replayed;
- ``truncated``: the JSON stops part-way, or the episode was not finished;
- ``scenario-mismatch``: the scenario is not the one the instructor hands out: embedded
  data claiming a built-in task but differing from it, or a scenario file whose content
  hash matches none of the instructor's files (or no instructor files were given); such a
  file is never graded;
- ``tampered``: the replay disagrees with what the file claims (score, steps,
  observations), or the digest binding every field (learner id, times, version,
  finished flag) does not match;
- ``wrong-variant``: played on a task or seed other than the roster's for that learner;
- ``unknown-learner``: a roster was given but the learner is not on it;
- ``duplicate``: the same learner submitted more than one file;
- ``missing``: on the roster, but no transcript was found;
- ``check: scripted?``: played at machine speed (see :func:`timing`): not a fail, a
  prompt for a human look at the per-step timings.

Threat model: replay proves what was done; per-student variants stop copying;
nothing stops a student from running the reference solver locally on their own
variant, which is why machine-speed play is flagged and its timings shown.

Rows are plain dicts (see :data:`CSV_COLUMNS`); ``issues`` and
``fixes_without_effect`` are lists used by the class report.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from apidebug_nb.grading.transcript import FORMAT, verify
from apidebug_nb.input_files import read_file_bytes
from apidebug_nb.input_limits import InputError
from apidebug_nb.merge_patch import PatchError, normalise_patch, patch_paths
from apidebug_nb.scenarios.records import Scenario

SCRIPTED = "check: scripted?"
FLAGS = (
    "invalid",
    "scenario-mismatch",
    "truncated",
    "tampered",
    "wrong-variant",
    "unknown-learner",
    "duplicate",
    "missing",
    SCRIPTED,
)
#: Machine speed: at least this many timed actions, half of them under a second apart.
SCRIPTED_MIN_ACTIONS = 4
SCRIPTED_MEDIAN_GAP_S = 1.0
CSV_COLUMNS = (
    "file",
    "learner_id",
    "status",
    "flags",
    "score",
    "claimed_score",
    "task",
    "seed",
    "expected_seed",
    "scenario_id",
    "steps",
    "max_steps",
    "resolved",
    "total",
    "revealed",
    "hints",
    "finished",
    "seconds",
    "median_gap_s",
    "step_seconds",
    "reasons",
)
MAX_TRANSCRIPT_BYTES = 20_000_000
_LEARNER = re.compile(r'"learner_id":\s*"((?:[^"\\]|\\.)*)"')


def _row(file: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(CSV_COLUMNS)
    row.update(file=file, flags=[], reasons=[], issues=[], fixes_without_effect=[])
    return row


def _flag(row: dict[str, Any], flag: str, reason: str) -> None:
    if flag not in row["flags"]:
        row["flags"].append(flag)
    row["reasons"].append(reason)


def _read_json(path: Path, row: dict[str, Any]) -> Any:
    # Regular files only, size checked on the open handle: a FIFO, a folder named
    # x.json, a broken or /dev/zero link or an unreadable file is one flagged row.
    try:
        raw = read_file_bytes(path, MAX_TRANSCRIPT_BYTES)
    except InputError as exc:
        _flag(row, "invalid", f"not read: {exc}")
        return None
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        _flag(row, "truncated", "the file is empty")
        return None
    try:
        return json.loads(text)
    except RecursionError:
        _flag(row, "invalid", "not valid JSON: nested too deeply for any transcript")
        return None
    except json.JSONDecodeError as exc:
        if _cut_off(text, exc):
            _flag(row, "truncated", f"the JSON stops part-way (cut off at byte {exc.pos})")
            named = _LEARNER.search(text)  # so the learner is not also reported missing
            try:
                row["learner_id"] = json.loads(f'"{named.group(1)}"') if named else None
            except json.JSONDecodeError:  # cut inside an escape, e.g. "\uZZ"
                row["learner_id"] = None
            _check_learner_id(row)
        else:
            _flag(row, "invalid", f"not valid JSON: {exc.msg} at line {exc.lineno}")
        return None


def _check_learner_id(row: dict[str, Any]) -> None:
    """Keep a ``learner_id`` only as printable text: else flag it and show it escaped."""
    lid = row["learner_id"]
    if lid is None:
        return
    if not isinstance(lid, str):
        row["learner_id"] = None
        _flag(row, "invalid", f"learner_id must be text, not {type(lid).__name__}")
        return
    try:
        lid.encode("utf-8")
    except UnicodeEncodeError:
        row["learner_id"] = lid.encode("utf-8", "backslashreplace").decode("ascii", "replace")
        _flag(row, "invalid", "learner_id holds a lone surrogate (not writable as UTF-8)")


def _cut_off(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether the text is the start of some valid JSON: the file was cut, not corrupted."""
    rest = text[exc.pos :].strip()
    return (
        exc.pos >= len(text.rstrip())
        or exc.msg.startswith("Unterminated string")
        or (exc.msg.startswith("Invalid \\uXXXX") and len(text) - exc.pos < 6)
        or rest in ("-", "\\", ".", "e", "E", "e-", "e+", "E-", "E+")  # a number or escape cut
        or any(word.startswith(rest) for word in ("true", "false", "null"))
    )


def _fix_label(action: Any) -> str:
    try:
        keys = patch_paths(normalise_patch(action.changes))
    except PatchError:
        return f"{action.service}: malformed patch"
    return f"{action.service}: {', '.join(keys)}"


def timing(actions: Any) -> dict[str, Any]:
    """Wall-clock facts of a transcript's actions: total seconds, median gap, each gap.

    ``scripted`` is True for machine-speed play: at least
    :data:`SCRIPTED_MIN_ACTIONS` timed actions with a median gap under
    :data:`SCRIPTED_MEDIAN_GAP_S` seconds (nobody reads a log that fast).

    >>> timing([{"at": "2026-01-05T10:00:00+00:00"}, {"at": "2026-01-05T10:00:04.500000+00:00"}])
    {'seconds': 4.5, 'median_gap_s': 4.5, 'step_seconds': [4.5], 'scripted': False}
    """
    times = []
    for entry in actions if isinstance(actions, list) else []:
        at = entry.get("at") if isinstance(entry, Mapping) else None
        if not isinstance(at, str):
            continue
        try:
            times.append(dt.datetime.fromisoformat(at).timestamp())
        except ValueError:
            continue
    gaps = [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]
    median = round(statistics.median(gaps), 3) if gaps else None
    return {
        "seconds": round(times[-1] - times[0], 3) if times else None,
        "median_gap_s": median,
        "step_seconds": gaps,
        "scripted": len(times) >= SCRIPTED_MIN_ACTIONS
        and median is not None
        and median < SCRIPTED_MEDIAN_GAP_S,
    }


def grade_file(path: str | Path, scenarios: Iterable[Scenario] | None = None) -> dict[str, Any]:
    """Replay one transcript file into a row (no roster checks; see :func:`grade_transcripts`).

    Never raises for a bad file: whatever is wrong with it becomes a flag.
    """
    path = Path(path)
    row = _row(path.name)
    try:
        _grade_into(row, path, scenarios)
    except Exception as exc:  # noqa: BLE001 - one hostile file must never stop the folder
        row["score"] = None
        _flag(row, "invalid", f"cannot be graded: {type(exc).__name__}: {exc}")
    return row


def _grade_into(row: dict[str, Any], path: Path, scenarios: Iterable[Scenario] | None) -> None:
    data = _read_json(path, row)
    if row["flags"]:
        return
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        _flag(row, "invalid", f'not an apidebug_nb transcript (no "format": "{FORMAT}")')
        return
    row["learner_id"] = data.get("learner_id")
    _check_learner_id(row)
    claimed = data.get("claimed")
    if isinstance(claimed, Mapping):
        row["claimed_score"] = claimed.get("score")
    for key in ("actions", "claimed", "finished"):
        if key not in data:
            _flag(row, "truncated", f"the transcript has no {key!r} field")
    if row["flags"]:
        return
    v = verify(data, None if scenarios is None else list(scenarios))
    ref = data.get("scenario")
    ep = v.episode
    if v.mismatch:
        _flag(row, "scenario-mismatch", v.reasons[0])
        return
    if ep is None:
        _flag(row, "invalid", f"cannot be replayed: {v.reasons[0]}")
        return
    if scenarios is None and isinstance(ref, Mapping) and "data" in ref:
        _flag(
            row,
            "scenario-mismatch",
            "scenario mismatch: a scenario file's transcript is graded only against the "
            "instructor's own file (give it with --scenarios)",
        )
        return
    g = ep.grade()
    sc = ep.scenario
    row.update(
        score=g.score,
        task=sc.task,
        seed=sc.seed,
        scenario_id=sc.id,
        steps=ep.steps,
        max_steps=sc.max_steps,
        resolved=sum(1 for i in g.issues if i.outcome == "resolved"),
        total=len(g.issues),
        revealed=len(ep.revealed),
        hints=sum(ep.hint_levels.values()),
        finished=ep.done,
        issues=[{"id": i.id, "title": i.title, "outcome": i.outcome} for i in g.issues],
        fixes_without_effect=[
            f"{_fix_label(a)} ({'rejected' if not o.accepted else 'no effect'})"
            for a, o in zip(ep.actions, ep.history, strict=True)
            if a.kind == "submit_fix" and not o.resolved
        ],
    )
    for reason in v.reasons:
        _flag(row, "tampered", reason)
    if not ep.done and "tampered" not in row["flags"]:
        _flag(
            row,
            "truncated",
            f"the episode stops after {ep.steps} of {sc.max_steps} steps with "
            f"{row['resolved']} of {row['total']} problems fixed",
        )
    t = timing(data.get("actions"))
    row.update(seconds=t["seconds"], median_gap_s=t["median_gap_s"], step_seconds=t["step_seconds"])
    if t["scripted"]:
        _flag(
            row,
            SCRIPTED,
            f"machine speed: {len(t['step_seconds']) + 1} actions in {t['seconds']} s, "
            f"median {t['median_gap_s']} s between actions",
        )


def grade_transcripts(
    folder: str | Path,
    roster: Mapping[str, Mapping[str, Any]] | None = None,
    scenarios: Iterable[Scenario] | None = None,
) -> list[dict[str, Any]]:
    """Replay every ``*.json`` transcript in ``folder`` and flag the suspicious ones.

    Args:
        folder: the folder holding the transcripts (not searched recursively).
        roster: optionally ``{learner_id: {"task": ..., "seed": ...}}`` (see
            :func:`~apidebug_nb.instructor.variants.read_roster_csv`); enables the
            wrong-variant, unknown-learner and missing checks.
        scenarios: the instructor's own scenario files (loaded scenarios); a transcript
            of a scenario file is graded against the one with the same content hash, and
            flagged ``scenario-mismatch`` when none has it (or none is given).

    Returns:
        One row per file, sorted by file name, then one ``missing`` row per
        roster learner without a file. ``status`` is the most serious flag, or
        ``"ok"``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of transcripts")
    scenarios = None if scenarios is None else list(scenarios)
    rows = [grade_file(p, scenarios) for p in sorted(folder.glob("*.json"))]
    seen = Counter(r["learner_id"] for r in rows if r["learner_id"] is not None)
    for row in rows:
        lid = row["learner_id"]
        if lid is not None and seen[lid] > 1:
            _flag(row, "duplicate", f"{lid!r} submitted {seen[lid]} files")
        if roster is not None and "invalid" not in row["flags"] and row["score"] is not None:
            _check_roster(row, roster)
    if roster is not None:
        for lid, entry in roster.items():
            if lid not in seen:
                row = _row("")
                row.update(learner_id=lid, task=entry.get("task"), expected_seed=entry.get("seed"))
                _flag(row, "missing", "no transcript from this learner")
                rows.append(row)
    for row in rows:
        row["status"] = next((f for f in FLAGS if f in row["flags"]), "ok")
    return rows


def _check_roster(row: dict[str, Any], roster: Mapping[str, Mapping[str, Any]]) -> None:
    lid = row["learner_id"]
    entry = roster.get(lid) if lid is not None else None
    if entry is None:
        who = "the transcript names no learner" if lid is None else f"{lid!r} is not on the roster"
        _flag(row, "unknown-learner", who)
        return
    row["expected_seed"] = entry.get("seed")
    if (row["task"], row["seed"]) != (entry.get("task"), entry.get("seed")):
        _flag(
            row,
            "wrong-variant",
            f"played {row['scenario_id']}, but the roster gives {lid!r} "
            f"{entry.get('task')}-{entry.get('seed')}",
        )


def csv_value(value: Any) -> Any:
    """How a row value is written to CSV (lists joined, None empty)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def write_rows_csv(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """Write grading rows as CSV with :data:`CSV_COLUMNS`; returns the path."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: csv_value(row.get(k)) for k in CSV_COLUMNS})
    return path


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Class-level numbers the report and the command line show.

    Only replayed rows count towards scores; flagged rows are listed separately.
    """
    graded = [r for r in rows if r.get("score") is not None]
    scores = sorted(r["score"] for r in graded)
    per_issue: dict[str, dict[str, Any]] = {}
    for r in graded:
        for i in r["issues"]:
            entry = per_issue.setdefault(
                i["id"], {"id": i["id"], "title": i["title"], "attempts": 0, "solved": 0}
            )
            entry["attempts"] += 1
            entry["solved"] += i["outcome"] == "resolved"
    fixes = Counter(f for r in graded for f in r["fixes_without_effect"])
    status = Counter(r["status"] for r in rows)
    return {
        "files": sum(1 for r in rows if r["file"]),
        "graded": len(graded),
        "status": dict(sorted(status.items())),
        "mean_score": round(sum(scores) / len(scores), 4) if scores else None,
        "median_score": _median(scores),
        "scores": scores,
        "per_issue": sorted(
            per_issue.values(), key=lambda e: (e["solved"] / e["attempts"], e["id"])
        ),
        "fixes_without_effect": sorted(fixes.items(), key=lambda kv: (-kv[1], kv[0]))[:10],
        "steps": [r["steps"] for r in graded],
        "hints": [r["hints"] for r in graded],
        "flagged": [r for r in rows if r["status"] != "ok"],
    }


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else round((values[mid - 1] + values[mid]) / 2, 4)
