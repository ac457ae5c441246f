"""Per-student variants, grading a folder of transcripts by replay, and the class report."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb.cli import main
from apidebug_nb.instructor.classroom import (
    CSV_COLUMNS,
    grade_file,
    grade_transcripts,
    summarise,
    write_rows_csv,
)
from apidebug_nb.instructor.generator import generate_scenario
from apidebug_nb.instructor.variants import (
    SEED_RANGE,
    RosterError,
    assign_variants,
    read_roster_csv,
    write_roster_csv,
)
from apidebug_nb.views.class_report import class_report_html, score_bins

SALT = "course-2026"
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")

# -- variants ------------------------------------------------------------------------------------


def test_seed_is_sha256_of_salt_task_and_student():
    digest = hashlib.sha256(b"apidebug_nb\0" + SALT.encode() + b"\0hard\0s001").digest()
    expected = int.from_bytes(digest[:8], "big") % SEED_RANGE
    assert assign_variants(["s001"], "hard", SALT) == {"s001": expected}


@settings(max_examples=30)
@given(
    ids=st.lists(
        st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12),
        min_size=1,
        max_size=20,
        unique=True,
    ),
    extra=st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12),
)
def test_a_student_keeps_their_seed_whoever_else_is_on_the_roster(ids, extra):
    alone = {sid: assign_variants([sid], "medium", SALT)[sid] for sid in ids}
    together = assign_variants(ids, "medium", SALT)
    assert together == alone
    if extra not in ids:
        bigger = assign_variants([extra, *reversed(ids)], "medium", SALT)
        assert {k: bigger[k] for k in ids} == together


def test_salt_and_task_change_the_seeds():
    ids = [f"s{n:03d}" for n in range(30)]
    a = assign_variants(ids, "easy", SALT)
    assert a != assign_variants(ids, "easy", SALT + "!")
    assert a != assign_variants(ids, "hard", SALT)
    assert len(set(a.values())) == 30  # nobody shares a seed in a class of 30


def test_seeds_are_the_same_in_another_process_and_hash_seed():
    code = (
        "from apidebug_nb.instructor.variants import assign_variants;"
        f"print(assign_variants(['ada', 'grace', 'alan'], 'hard', {SALT!r}))"
    )
    here = str(assign_variants(["ada", "grace", "alan"], "hard", SALT))
    for hash_seed in ("0", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == here


@pytest.mark.parametrize(
    ("ids", "task", "salt", "error", "message"),
    [
        (["a", "a"], "easy", SALT, RosterError, "'a' is listed twice"),
        (["a", " "], "easy", SALT, RosterError, "student 2: an id must be a non-empty string"),
        (["a", 7], "easy", SALT, RosterError, "got 7"),
        ("ada", "easy", SALT, RosterError, "not a single string"),
        (["a"], "easy", "", RosterError, "salt must be a non-empty string"),
        (["a"], "expert", SALT, adb.UnknownTaskError, "tasks are: easy, medium, hard"),
    ],
)
def test_bad_student_lists_are_refused_clearly(ids, task, salt, error, message):
    with pytest.raises(error, match=message):
        assign_variants(ids, task, salt)


def test_roster_csv_round_trips(tmp_path):
    a = assign_variants(["ada", "grace"], "medium", SALT)
    path = write_roster_csv(a, "medium", tmp_path / "roster.csv")
    rows = list(csv.DictReader(path.open()))
    assert rows[0]["scenario_id"] == f"medium-{a['ada']}"
    assert read_roster_csv(path) == {
        sid: {"task": "medium", "seed": seed} for sid, seed in a.items()
    }


def test_roster_with_a_bom_and_extra_columns_is_read(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("\ufeffname,student_id,task,seed\nAda L.,ada,easy,17\n", encoding="utf-8")
    assert read_roster_csv(path) == {"ada": {"task": "easy", "seed": 17}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("student_id,seed\nada,3\n", "missing: task"),
        ("student_id,task,seed\nada,easy,three\n", "line 2: seed must be a non-negative integer"),
        ("student_id,task,seed\nada,easy,1\nada,easy,2\n", "line 3: student 'ada' is listed twice"),
        ("student_id,task,seed\nada,expert,1\n", "line 2: unknown task 'expert'"),
        ("student_id,task,seed\n,easy,1\n", "line 2: empty student_id"),
    ],
)
def test_bad_rosters_name_the_line(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(RosterError, match=message):
        read_roster_csv(path)


# -- a class of 30 --------------------------------------------------------------------------------

STUDENTS = [f"s{n:02d}" for n in range(30)]


def _play(task: str, seed: int, learner: str, style: str) -> adb.Episode:
    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc, learner_id=learner)
    ep.reset()
    oracle = adb.oracle_actions(sc)
    if style == "oracle":
        actions = oracle
    elif style == "careful":  # looks at everything first, then fixes
        looks = [adb.Action.inspect_config(s) for s in sc.services]
        looks += [adb.Action.inspect_endpoint(s) for s in sc.services]
        actions = looks + oracle
    elif style == "hints":
        actions = [adb.Action.hint(), adb.Action.hint()] + oracle
    elif style == "flail":  # fixes the vendor's side, then gives up: runs out of steps
        gateway = sc.services[1]
        actions = [adb.Action.submit_fix(gateway, {"timeout": 60})] * 3
        actions += [adb.Action.inspect_logs(sc.services[0])] * sc.max_steps
    else:
        raise AssertionError(style)
    for action in actions:
        if ep.done:
            break
        ep.step(action)
    assert ep.done
    return human_paced(ep)


def human_paced(ep: adb.Episode, gap: float = 6.5) -> adb.Episode:
    """Give the episode's actions a person's pace (tests play at machine speed)."""
    ep.action_times = [1_780_000_000.0 + gap * n for n in range(len(ep.actions))]
    return ep


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """30 transcripts of task easy: 25 honest, 3 edited, 1 on another's variant, 1 cut off."""
    folder = tmp_path_factory.mktemp("transcripts")
    seeds = assign_variants(STUDENTS, "easy", SALT)
    roster = write_roster_csv(seeds, "easy", folder.parent / "roster.csv")
    styles = ["oracle", "careful", "hints", "flail"]
    bad = {
        "s03": "tampered",  # claims 1.0 after flailing
        "s07": "tampered",  # a fix value edited after the fact
        "s11": "tampered",  # an action removed
        "s19": "wrong-variant",  # played s20's variant
        "s23": "truncated",  # the file was cut off
    }
    for n, sid in enumerate(STUDENTS):
        style = {"s03": "flail", "s07": "oracle", "s11": "careful"}.get(
            sid, styles[n % len(styles)]
        )
        seed = seeds["s20"] if sid == "s19" else seeds[sid]
        t = _play("easy", seed, sid, style).transcript()
        text = json.dumps(t, indent=1)
        if sid == "s03":
            t["claimed"]["score"] = 1.0
            text = json.dumps(t)
        elif sid == "s07":
            fix = next(a for a in t["actions"] if a["action"]["kind"] == "submit_fix")
            first_key = next(iter(fix["action"]["changes"]))
            fix["action"]["changes"][first_key] = "edited"
            text = json.dumps(t)
        elif sid == "s11":
            del t["actions"][0]
            text = json.dumps(t)
        elif sid == "s23":
            text = text[: len(text) // 2]
        (folder / f"{sid}.json").write_text(text)
    return folder, roster, bad


def test_the_cli_grades_the_class_and_flags_exactly_the_bad_files(classroom, tmp_path, capsys):
    folder, roster, bad = classroom
    out_csv, report = tmp_path / "grades.csv", tmp_path / "report.html"
    code = main(
        [
            "grade",
            str(folder),
            "--roster",
            str(roster),
            "--csv",
            str(out_csv),
            "--report",
            str(report),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "30 files, 29 graded by replay" in printed
    rows = list(csv.DictReader(out_csv.open()))
    assert tuple(rows[0]) == CSV_COLUMNS
    status = {r["learner_id"] or r["file"][:-5]: r["status"] for r in rows}
    assert {k: v for k, v in status.items() if v != "ok"} == bad
    assert len(rows) == 30
    by_id = {r["learner_id"]: r for r in rows if r["learner_id"]}
    # the edited claim does not count: the score is the replay's
    assert by_id["s03"]["claimed_score"] == "1.0"
    assert float(by_id["s03"]["score"]) < 0.5
    assert "claimed score 1.0 but replay gives" in by_id["s03"]["reasons"]
    assert "the roster gives 's19' easy-" in by_id["s19"]["reasons"]
    cut = by_id["s23"]  # the learner id is read from the text before the cut
    assert "JSON stops part-way" in cut["reasons"] and cut["score"] == ""
    assert report.stat().st_size > 10_000


def test_grading_without_a_roster_cannot_see_the_wrong_variant(classroom):
    folder, _, bad = classroom
    rows = grade_transcripts(folder)
    flagged = {r["file"][:-5]: r["status"] for r in rows if r["status"] != "ok"}
    assert flagged == {k: v for k, v in bad.items() if v != "wrong-variant"}


def test_honest_scores_equal_a_fresh_replay(classroom):
    folder, roster, bad = classroom
    rows = grade_transcripts(folder, read_roster_csv(roster))
    for r in rows:
        if r["status"] == "ok":
            data = json.loads((folder / r["file"]).read_text())
            assert r["score"] == adb.replay(data).grade().score == data["claimed"]["score"]


def test_summary_numbers_follow_from_the_rows(classroom):
    folder, roster, _ = classroom
    rows = grade_transcripts(folder, read_roster_csv(roster))
    s = summarise(rows)
    graded = [r for r in rows if r["score"] is not None]
    assert s["graded"] == len(graded) == 29
    assert s["mean_score"] == round(sum(r["score"] for r in graded) / 29, 4)
    for entry in s["per_issue"]:
        attempts = [i for r in graded for i in r["issues"] if i["id"] == entry["id"]]
        assert entry["attempts"] == len(attempts)
        assert entry["solved"] == sum(i["outcome"] == "resolved" for i in attempts)
    # the flailing students submitted fixes to the vendor's gateway: rejected every time
    top_fix, times = s["fixes_without_effect"][0]
    assert top_fix == "payment_gateway: timeout (rejected)"
    flailers = sum(1 for r in graded if top_fix in r["fixes_without_effect"])
    assert flailers == sum(1 for r in graded if r["steps"] == r["max_steps"])
    assert times == 3 * flailers


def test_class_report_is_accessible_and_self_contained(classroom, tmp_path):
    folder, roster, _ = classroom
    rows = grade_transcripts(folder, read_roster_csv(roster))
    page = class_report_html(rows, title="Week 3: payment gateway")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "<h1>Week 3: payment gateway</h1>" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)"', page)
    assert len(images) == 4
    for data, alt in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(alt) > 30
    assert page.count("<table>") >= 6  # a table twin per chart, plus flags and learners
    assert page.count('<th scope="col">') >= 20
    assert page.count("<caption>") == page.count("<table>")
    for heading in (
        "Score distribution",
        "Solve rate per problem",
        "Most common fixes that fixed nothing",
        "Steps and hints used",
        "Transcripts to check",
    ):
        assert f"<h2>{heading}</h2>" in page
    # the same rows give the same page (nothing depends on the clock)
    assert class_report_html(rows, title="Week 3: payment gateway") == page


def test_score_bins_table_matches_the_scores(classroom):
    folder, _, _ = classroom
    rows = grade_transcripts(folder)
    scores = [r["score"] for r in rows if r["score"] is not None]
    assert sum(n for _, n in score_bins(scores)) == len(scores)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_class_report_renders_in_headless_chromium(classroom, tmp_path):
    folder, roster, _ = classroom
    report = tmp_path / "report.html"
    assert main(["grade", str(folder), "--roster", str(roster), "--report", str(report)]) == 0
    shots = ROOT / "test-artifacts"
    shots.mkdir(exist_ok=True)
    shot = shots / "class_report.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1100,4200",
            f"--screenshot={shot}",
            report.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


# -- other flags ------------------------------------------------------------------------------------


def _oracle_transcript(sc: adb.Scenario, learner: str) -> dict:
    ep = adb.Episode(sc, learner_id=learner)
    ep.reset()
    for a in adb.oracle_actions(sc):
        ep.step(a)
    return human_paced(ep).transcript()


def test_other_flags(tmp_path):
    sc = adb.load_scenario("easy", 5)
    good = _oracle_transcript(sc, "ada")
    (tmp_path / "a_ok.json").write_text(json.dumps(good))
    (tmp_path / "b_not_transcript.json").write_text(json.dumps({"hello": "world"}))
    (tmp_path / "c_list.json").write_text("[1, 2, 3]")
    (tmp_path / "d_garbage.json").write_text("{not json at all} trailing")
    (tmp_path / "e_empty.json").write_text("")
    unfinished = adb.Episode(sc, learner_id="bob")
    unfinished.reset()
    unfinished.step(adb.Action.inspect_logs("payment_client"))
    (tmp_path / "f_unfinished.json").write_text(json.dumps(unfinished.transcript()))
    flipped = dict(unfinished.transcript(), learner_id="cy", finished=True)
    (tmp_path / "g_claims_finished.json").write_text(json.dumps(flipped))
    gen = generate_scenario(8, 4, seed=2)
    edited = _oracle_transcript(gen, "dee")
    edited["scenario"]["data"]["max_steps"] += 10
    (tmp_path / "h_edited_scenario.json").write_text(json.dumps(edited))
    (tmp_path / "i_ok_generated.json").write_text(json.dumps(_oracle_transcript(gen, "eve")))
    (tmp_path / "j_second_file.json").write_text(json.dumps(good))
    (tmp_path / "notes.txt").write_text("not a transcript and not *.json: ignored")
    roster = {
        "ada": {"task": "easy", "seed": 5},
        "bob": {"task": "easy", "seed": 5},
        "cy": {"task": "easy", "seed": 5},
        "dee": {"task": "easy", "seed": 1},
        "eve": {"task": "easy", "seed": 1},
        "fay": {"task": "easy", "seed": 9},
    }
    rows = grade_transcripts(tmp_path, roster, scenarios=[gen])
    got = {(r["file"] or r["learner_id"]): r["status"] for r in rows}
    assert got == {
        "a_ok.json": "duplicate",
        "b_not_transcript.json": "invalid",
        "c_list.json": "invalid",
        "d_garbage.json": "invalid",
        "e_empty.json": "truncated",
        "f_unfinished.json": "truncated",
        "g_claims_finished.json": "tampered",
        "h_edited_scenario.json": "scenario-mismatch",
        "i_ok_generated.json": "wrong-variant",  # the roster says easy-1, not a generated one
        "j_second_file.json": "duplicate",
        "fay": "missing",
    }
    by_file = {r["file"]: r for r in rows}
    assert by_file["i_ok_generated.json"]["score"] == 1.0
    assert "does not match its content hash" in by_file["h_edited_scenario.json"]["reasons"][0]
    assert "stops after 1 of 15 steps" in by_file["f_unfinished.json"]["reasons"][0]
    without = grade_transcripts(tmp_path, {"zed": {"task": "easy", "seed": 5}}, [gen])
    assert {r["status"] for r in without if r["file"] == "i_ok_generated.json"} == {
        "unknown-learner"
    }


def test_rows_csv_joins_lists_and_leaves_blanks(tmp_path):
    rows = grade_transcripts(
        Path(shutil.copytree(ROOT / "tests" / "broken_scenarios", tmp_path / "x"))
    )
    assert rows == []  # scenario files are not *.json transcripts
    (tmp_path / "x" / "t.json").write_text("{}")
    rows = grade_transcripts(tmp_path / "x")
    out = write_rows_csv(rows, tmp_path / "g.csv")
    (row,) = list(csv.DictReader(out.open()))
    assert row["status"] == "invalid" and row["score"] == "" and row["flags"] == "invalid"


def test_grading_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder of transcripts"):
        grade_transcripts(tmp_path / "nope")


def _tricky_transcript_text() -> str:
    ep = adb.Episode(adb.load_scenario("hard", 1), learner_id='o"neil')
    ep.reset()
    ep.step(adb.Action.submit_fix("order_service", {"note": 'a "q" \\ é', "x": None, "n": -1.5e-7}))
    for action in adb.oracle_actions(ep.scenario)[:3]:
        ep.step(action)
    return json.dumps(ep.transcript(), indent=1)


TRICKY = _tricky_transcript_text()


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(1, len(TRICKY) - 1))
def test_any_cut_off_transcript_is_truncated_never_invalid(tmp_path_factory, cut):
    path = tmp_path_factory.mktemp("cut") / "t.json"
    path.write_text(TRICKY[:cut], encoding="utf-8")
    row = grade_file(path)
    assert row["flags"] == ["truncated"], row["reasons"]
    if cut > TRICKY.index('"actions"'):
        assert row["learner_id"] == 'o"neil'


@pytest.mark.parametrize(
    "text", ["{not json} x", '{"a": 1,, "b": 2}', '{"a": tru e}', "[1, 2] 3", '{"a": "x"}}']
)
def test_corrupted_json_is_invalid_not_truncated(tmp_path, text):
    path = tmp_path / "t.json"
    path.write_text(text)
    assert grade_file(path)["flags"] == ["invalid"]
