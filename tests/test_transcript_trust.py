"""Grading never trusts the student's scenario, and never stops at a hostile file.

A built-in task is rebuilt from (task, seed); embedded scenario data that
claims a built-in task must equal it; a scenario file's transcript is graded
against the instructor's file with the same content hash.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest

import apidebug_nb as adb
from apidebug_nb.cli import main
from apidebug_nb.grading.transcript import transcript_digest
from apidebug_nb.instructor.classroom import grade_file, grade_transcripts
from apidebug_nb.instructor.scenario_files import dump_scenario_file, load_scenario_file


def _play(sc: adb.Scenario, learner: str) -> dict:
    ep = adb.Episode(sc, learner_id=learner)
    ep.reset()
    for a in adb.oracle_actions(sc):
        ep.step(a)
    ep.action_times = [1_780_000_000.0 + 9.0 * n for n in range(ep.steps)]  # a person's pace
    return ep.transcript()


def _cut_down(task: str, seed: int) -> adb.Scenario:
    """The built-in variant with only its first unmasked problem: the forger's scenario."""
    sc = adb.load_scenario(task, seed)
    first = next(i for i in sc.issues if not i.depends_on)
    return dataclasses.replace(sc, issue_records=(first,))


def _rehash(t: dict) -> dict:
    """What a careful forger does after editing embedded data: fix every hash."""
    from apidebug_nb.scenarios.parse import scenario_from_dict

    try:
        t["scenario"]["content_hash"] = scenario_from_dict(t["scenario"]["data"]).content_hash()
    except Exception:  # noqa: BLE001 - unparsable data keeps its old hash
        pass
    t["digest"] = transcript_digest(t)
    return t


def test_a_forged_cut_down_hard_task_is_a_scenario_mismatch_with_or_without_roster(tmp_path):
    forged = _play(_cut_down("hard", 3), "mallory")
    assert forged["claimed"]["score"] == 1.0 and forged["claimed"]["steps"] <= 3
    assert forged["scenario"]["data"]["task"] == "hard"
    v = adb.verify(forged)
    assert not v.ok and v.mismatch and v.score is None
    assert v.reasons == [
        "scenario mismatch: the embedded scenario claims to be hard-3 but differs from "
        "that built-in task"
    ]
    (tmp_path / "mallory.json").write_text(json.dumps(forged))
    (tmp_path / "ada.json").write_text(json.dumps(_play(adb.load_scenario("hard", 5), "ada")))
    roster = {"mallory": {"task": "hard", "seed": 3}, "ada": {"task": "hard", "seed": 5}}
    for with_roster in (None, roster):
        rows = {r["file"]: r for r in grade_transcripts(tmp_path, with_roster)}
        assert rows["mallory.json"]["status"] == "scenario-mismatch"
        assert rows["mallory.json"]["score"] is None
        assert "claims to be hard-3" in rows["mallory.json"]["reasons"][0]
        assert (rows["ada.json"]["status"], rows["ada.json"]["score"]) == ("ok", 1.0)


def test_a_forged_scenario_without_a_task_is_never_graded_by_its_own_data(tmp_path):
    anonymous = dataclasses.replace(_cut_down("hard", 3), task=None, seed=None, id="my-lab")
    (tmp_path / "m.json").write_text(json.dumps(_play(anonymous, "mallory")))
    (row,) = grade_transcripts(tmp_path, {"mallory": {"task": "hard", "seed": 3}})
    assert (row["status"], row["score"]) == ("scenario-mismatch", None)
    assert "give it with --scenarios" in row["reasons"][0]
    official = adb.generate_scenario(5, 3, seed=4)  # the instructor's own file: another one
    (row,) = grade_transcripts(tmp_path, scenarios=[official])
    assert (row["status"], row["score"]) == ("scenario-mismatch", None)
    assert "no instructor scenario has content hash" in row["reasons"][0]


def _edit_hostile(kind: str, data: dict) -> None:
    if kind == "cycle":
        a, b = data["edges"][0]
        data["edges"].append([b, a])
    elif kind == "huge-number":
        data["max_steps"] = 10**30
    elif kind == "infinite-number":
        data["step_seconds"] = float("inf")
    elif kind == "bad-rule":
        data["issues"][0]["check"] = {"op": "no-such-op", "path": 7}
    elif kind == "wrong-type":
        data["services"] = "everything"
    elif kind == "unknown-service":
        data["issues"][0]["service"] = "ghost"
    elif kind == "no-issues":
        data["issues"] = []
    else:
        raise AssertionError(kind)


HOSTILE = [
    "cycle",
    "huge-number",
    "infinite-number",
    "bad-rule",
    "wrong-type",
    "unknown-service",
    "no-issues",
]


@pytest.mark.parametrize("kind", HOSTILE)
def test_an_embedded_scenario_failing_validation_never_crashes(kind, tmp_path):
    gen = adb.generate_scenario(5, 3, seed=2)
    t = _play(gen, "eve")
    _edit_hostile(kind, t["scenario"]["data"])
    _rehash(t)
    v = adb.verify(copy.deepcopy(t))  # no exception, whatever the data
    assert not v.ok and v.reasons
    (tmp_path / "a_hostile.json").write_text(json.dumps(t))
    (tmp_path / "b_honest.json").write_text(json.dumps(_play(adb.load_scenario("easy", 1), "bo")))
    for scenarios in (None, [gen]):
        for roster in (
            None,
            {"eve": {"task": "easy", "seed": 1}, "bo": {"task": "easy", "seed": 1}},
        ):
            rows = {r["file"]: r for r in grade_transcripts(tmp_path, roster, scenarios)}
            assert rows["a_hostile.json"]["status"] in ("invalid", "scenario-mismatch"), rows
            assert rows["a_hostile.json"]["score"] is None
            assert rows["b_honest.json"]["status"] == "ok"  # the folder went on


def test_grade_cli_grades_a_scenario_file_against_the_instructors_copy(tmp_path, capsys):
    path = dump_scenario_file(adb.generate_scenario(5, 3, seed=6), tmp_path / "lab.yaml")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "eve.json").write_text(json.dumps(_play(load_scenario_file(path), "eve")))
    assert main(["grade", str(folder), "--scenarios", str(path)]) == 0
    out = capsys.readouterr().out
    assert "eve" in out and " 1.00  ok" in out
    assert main(["grade", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "scenario-mismatch (scenario mismatch: a scenario file's transcript" in out


def test_grade_cli_refuses_a_broken_instructor_scenario_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 2\nid: x\n")
    (tmp_path / "t.json").write_text("{}")
    assert main(["grade", str(tmp_path), "--scenarios", str(bad)]) != 0
    assert "bad.yaml" in capsys.readouterr().err


def test_grade_file_turns_any_error_into_a_flag(tmp_path, monkeypatch):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(_play(adb.load_scenario("easy", 2), "x")))

    def boom(*args, **kwargs):
        raise OverflowError("a hostile number")

    monkeypatch.setattr("apidebug_nb.instructor.classroom.verify", boom)
    row = grade_file(Path(path))
    assert row["flags"] == ["invalid"] and row["score"] is None
    assert row["reasons"] == ["cannot be graded: OverflowError: a hostile number"]
