"""`apidebug-nb grade` on a folder of hostile files: each is flagged by name, honest ones graded.

The folder holds every kind a class hand-in has produced: a lone-surrogate
learner id, a cut ``\\uZZ`` escape, a folder named ``x.json``, a broken link, a
link to ``/dev/zero``, a FIFO, 100,000 open brackets and a lone ``0xff`` byte,
plus three honest transcripts. It runs as a real process, so stdout's own
encoding meets the learner ids.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys

import pytest

import apidebug_nb as adb

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")

#: file -> (status, a fragment of its reasons)
HOSTILE = {
    "broken.json": ("invalid", "No such file or directory"),
    "deep.json": ("invalid", "nested too deeply"),
    "ff.json": ("invalid", "not valid JSON"),
    "fifo.json": ("invalid", "a named pipe (FIFO), not a regular file"),
    "surrogate.json": ("invalid", "learner_id holds a lone surrogate"),
    "truncated.json": ("truncated", "the JSON stops part-way"),
    "x.json": ("invalid", "it is a folder, not a regular file"),
    "zero.json": ("invalid", "it is a character device, not a regular file"),
}


def honest(seed: int, learner_id: str | None = None) -> dict:
    ep = adb.Episode(adb.load_scenario("easy", seed=seed), learner_id=learner_id or f"s{seed}")
    ep.reset()
    for action in adb.oracle_actions(ep.scenario):
        if ep.done:
            break
        ep.step(action)
    ep.action_times = [1_780_000_000.0 + 7.0 * n for n in range(ep.steps)]  # a person's pace
    return ep.transcript()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    for seed in range(3):
        (root / f"honest{seed}.json").write_text(json.dumps(honest(seed)), encoding="utf-8")
    lone = honest(3)
    lone["learner_id"] = "bad\ud800x"
    (root / "surrogate.json").write_text(json.dumps(lone), encoding="ascii")  # \ud800 escaped
    (root / "truncated.json").write_text('{"learner_id": "\\uZZ"', encoding="utf-8")
    (root / "x.json").mkdir()
    (root / "broken.json").symlink_to(root / "nowhere" / "gone.json")
    (root / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(root / "fifo.json")
    (root / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    (root / "ff.json").write_bytes(b"\xff")
    return root


def test_grade_flags_each_hostile_file_by_name_and_grades_the_honest_ones(folder, tmp_path):
    out_csv, report = tmp_path / "grades.csv", tmp_path / "report.html"
    args = ["grade", str(folder), "--csv", str(out_csv), "--report", str(report)]
    # The budget is the grader's own CPU time: on a loaded machine its wall time grows with
    # the load, not with its work. A hang (a FIFO read, say) burns no CPU, so the wall
    # clock guards that: the run may not outlast the subprocess timeout.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "apidebug_nb", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert seconds < 10, f"took {seconds:.1f} s of CPU"
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 0, done.stderr
    assert "11 files, 3 graded by replay" in done.stdout
    rows = {r["file"]: r for r in csv.DictReader(out_csv.open(encoding="utf-8"))}
    assert sorted(rows) == sorted([*HOSTILE, "honest0.json", "honest1.json", "honest2.json"])
    for name, (status, fragment) in HOSTILE.items():
        assert rows[name]["status"] == status, name
        assert fragment in rows[name]["reasons"], (name, rows[name]["reasons"])
        assert name in done.stdout
    for seed in range(3):
        row = rows[f"honest{seed}.json"]
        assert (row["status"], row["learner_id"], row["score"]) == ("ok", f"s{seed}", "1.0")
    assert rows["surrogate.json"]["learner_id"] == "bad\\ud800x"  # shown escaped, writable
    assert "bad\\ud800x" in report.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000, "the transcript is nested too deeply to be one"),
        (b"\xff", "the transcript is not UTF-8 text (at byte 0)"),
        ('{"format": ' + "9" * 5000 + "}", "the transcript is not usable JSON: Exceeds the limit"),
    ],
    ids=["deep", "0xff", "5000-digits"],
)
def test_verify_of_hostile_text_is_a_failed_verification_not_an_exception(text, reason):
    result = adb.verify(text)
    assert not result.ok
    assert result.reasons[0].startswith(reason)
