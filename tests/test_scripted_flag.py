"""Machine-speed play is flagged "check: scripted?" for a human look, never failed."""

from __future__ import annotations

import csv
import json

import apidebug_nb as adb
from apidebug_nb.instructor.classroom import grade_transcripts, timing, write_rows_csv
from apidebug_nb.views.class_report import class_report_html


def _episode(learner: str) -> adb.Episode:
    sc = adb.load_scenario("medium", 4)
    ep = adb.Episode(sc, learner_id=learner)
    ep.reset()
    for a in adb.oracle_actions(sc):  # as fast as Python goes: a script
        ep.step(a)
    return ep


def test_timing_of_hand_made_times():
    at = [
        "2026-03-14T09:00:00+00:00",
        "2026-03-14T09:00:08.500000+00:00",
        "2026-03-14T09:00:09+00:00",
        "2026-03-14T09:00:30+00:00",
    ]
    t = timing([{"at": a} for a in at])
    assert t == {
        "seconds": 30.0,
        "median_gap_s": 8.5,
        "step_seconds": [8.5, 0.5, 21.0],
        "scripted": False,
    }
    fast = timing([{"at": f"2026-03-14T09:00:00.{n:03d}000+00:00"} for n in (0, 20, 40, 60)])
    assert fast == {
        "seconds": 0.06,
        "median_gap_s": 0.02,
        "step_seconds": [0.02, 0.02, 0.02],
        "scripted": True,
    }
    three = timing([{"at": f"2026-03-14T09:00:00.{n:03d}000+00:00"} for n in (0, 20, 40)])
    assert three["scripted"] is False  # too few actions to say
    assert timing([{"action": {}}, "junk"])["seconds"] is None
    assert timing("not a list")["scripted"] is False


def test_machine_speed_is_flagged_for_a_look_and_still_graded(tmp_path):
    fast = _episode("bot")
    (tmp_path / "bot.json").write_text(json.dumps(fast.transcript()))
    human = _episode("ada")
    human.action_times = [1_780_000_000.0 + 14.0 * n for n in range(human.steps)]
    (tmp_path / "ada.json").write_text(json.dumps(human.transcript()))
    rows = {r["learner_id"]: r for r in grade_transcripts(tmp_path)}
    bot, ada = rows["bot"], rows["ada"]
    assert bot["status"] == "check: scripted?" and bot["flags"] == ["check: scripted?"]
    assert bot["score"] == 1.0  # a flag for a human, not a fail
    assert bot["reasons"][0].startswith(f"machine speed: {fast.steps} actions in ")
    assert bot["median_gap_s"] < 1.0
    assert ada["status"] == "ok" and ada["flags"] == []
    assert ada["median_gap_s"] == 14.0 and ada["seconds"] == 14.0 * (human.steps - 1)
    out = write_rows_csv(list(rows.values()), tmp_path / "g.csv")
    by = {r["learner_id"]: r for r in csv.DictReader(out.open())}
    assert by["bot"]["flags"] == "check: scripted?" and by["bot"]["status"] == "check: scripted?"
    assert by["ada"]["step_seconds"] == "; ".join(["14.0"] * (human.steps - 1))
    page = class_report_html(list(rows.values()), title="t")
    assert "<td>check: scripted?</td>" in page
    assert "median " in page and "s between actions" in page
