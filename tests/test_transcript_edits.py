"""Every single-field edit of an honest transcript is caught, by verify and by grade.

For honest transcripts of easy, medium and hard (seeds 0-2): every leaf changed,
removed and type-swapped; an unknown key added to every object; every pair of
neighbouring actions swapped; the claimed score, the learner id and each
timestamp edited. Each edited transcript must fail :func:`adb.verify` and be
flagged by the folder grader; the test prints ``N caught of N``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

import apidebug_nb as adb
from apidebug_nb.instructor.classroom import grade_file

Path = tuple[Any, ...]


def honest(task: str, seed: int) -> dict[str, Any]:
    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc, learner_id=f"{task}-{seed}-learner")
    ep.reset()
    for a in adb.oracle_actions(sc):
        ep.step(a)
    ep.action_times = [1_780_000_000.25 + 11.5 * n for n in range(ep.steps)]  # a person's pace
    return ep.transcript()


def _nodes(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            yield from _nodes(v, (*path, n))


def _get(t: Any, path: Path) -> Any:
    for p in path:
        t = t[p]
    return t


def _changed(v: Any) -> Any:
    """Another value of the same type."""
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + 1
    if isinstance(v, float):
        return v / 2 if v else 0.5
    if isinstance(v, str):
        return v[:-1] + ("a" if v[-1:] != "a" else "b") if v else "a"
    raise AssertionError(type(v))


def _swapped(v: Any) -> Any:
    """The same value in another JSON type: ``true`` -> ``1``, ``3`` -> ``3.0``, ..."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return float(v)
    if isinstance(v, float):
        return int(v) if v.is_integer() else str(v)
    if isinstance(v, str):
        return [v]
    if v is None:
        return False
    if isinstance(v, list):
        return dict(enumerate(v))
    if isinstance(v, dict):
        return list(v.items())
    raise AssertionError(type(v))


def edits(t: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, edited copy) for every single-field edit of ``t``."""
    for path, value in list(_nodes(t)):
        if path and not isinstance(value, (dict, list)):
            if value is not None:
                e = copy.deepcopy(t)
                _get(e, path[:-1])[path[-1]] = _changed(value)
                yield f"change {path}", e
        if path:
            e = copy.deepcopy(t)
            _get(e, path[:-1])[path[-1]] = _swapped(value)
            yield f"type-swap {path}", e
            e = copy.deepcopy(t)
            del _get(e, path[:-1])[path[-1]]
            yield f"remove {path}", e
        if isinstance(value, dict):
            e = copy.deepcopy(t)
            _get(e, path)["zz_unknown"] = 1
            yield f"unknown key at {path}", e
    for n in range(len(t["actions"]) - 1):
        e = copy.deepcopy(t)
        e["actions"][n], e["actions"][n + 1] = e["actions"][n + 1], e["actions"][n]
        yield f"actions {n} and {n + 1} reordered", e
        e = copy.deepcopy(t)  # the actions swapped, their times left in place
        a, b = e["actions"][n]["action"], e["actions"][n + 1]["action"]
        if a != b:
            e["actions"][n]["action"], e["actions"][n + 1]["action"] = b, a
            yield f"actions {n} and {n + 1} reordered, times kept", e
    for score in (1.0, 0.99, 0.5, t["claimed"]["score"] - 0.01):
        if score == t["claimed"]["score"]:
            continue  # not an edit
        e = copy.deepcopy(t)
        e["claimed"]["score"] = score
        yield f"claimed score {score}", e
    for learner in ("mallory", None, ""):
        e = copy.deepcopy(t)
        e["learner_id"] = learner
        yield f"learner id {learner!r}", e
    for n, entry in enumerate(t["actions"]):
        at = dt.datetime.fromisoformat(entry["at"])
        for delta in (1, -3600):
            e = copy.deepcopy(t)
            e["actions"][n]["at"] = (at + dt.timedelta(seconds=delta)).isoformat()
            yield f"time of action {n} moved {delta} s", e


CASES = [(task, seed) for task in ("easy", "medium", "hard") for seed in range(3)]


@pytest.mark.parametrize("task, seed", CASES)
def test_every_single_field_edit_is_caught_by_verify_and_by_grade(task, seed, tmp_path):
    t = honest(task, seed)
    path = tmp_path / "t.json"
    path.write_text(json.dumps(t))
    row = grade_file(path)
    assert adb.verify(t).ok and row["flags"] == [], row["reasons"]
    total = caught_verify = caught_grade = 0
    missed = []
    for label, edited in edits(t):
        total += 1
        if not adb.verify(edited).ok:
            caught_verify += 1
        else:
            missed.append(f"verify: {label}")
        path.write_text(json.dumps(edited))
        if grade_file(path)["flags"]:
            caught_grade += 1
        else:
            missed.append(f"grade: {label}")
    print(
        f"{task}-{seed}: verify caught {caught_verify} of {total}, "
        f"grade caught {caught_grade} of {total}"
    )
    assert total > 60
    assert missed == []


def test_the_schema_checker_agrees_with_a_full_json_schema_validator():
    jsonschema = pytest.importorskip("jsonschema")
    from apidebug_nb.grading.transcript_schema import SCHEMA, schema_errors

    validator = jsonschema.Draft202012Validator(SCHEMA)
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    t = honest("medium", 1)
    cases = [("honest", t), *edits(t)]
    refused = 0
    for label, edited in cases:
        ours = schema_errors(edited)
        theirs = list(validator.iter_errors(edited))
        assert bool(ours) == bool(theirs), (label, ours, [e.message for e in theirs])
        refused += bool(ours)
    print(f"schema refused {refused} of {len(cases)}; the digest catches the rest")
    assert 0 < refused < len(cases)
