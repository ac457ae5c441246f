"""Hostile input from learners: every reproducer from the fuzzing report is a test here.

Nothing crashes, a refused action changes nothing and costs no step, the
transcript always serialises and verifies, and no learner work is lost
(autosave, resume, ``play --transcript``, Ctrl-C).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import apidebug_nb as adb
from apidebug_nb import Action, ActionError
from apidebug_nb.errors import ApiDebugError, TranscriptError
from apidebug_nb.input_limits import InputTypeError

ROOT = Path(__file__).resolve().parents[1]


def verified(ep: adb.Episode) -> bool:
    """The transcript serialises to strict JSON and verifies after the round trip."""
    text = json.dumps(ep.transcript(), allow_nan=False)
    return adb.verify(json.loads(text)).ok


@pytest.fixture
def ep():
    e = adb.Episode(adb.load_scenario("easy"))
    e.reset()
    return e


# -- actions ---------------------------------------------------------------------------


def test_a_huge_integer_is_refused_before_the_step_and_everything_still_works(ep):
    with pytest.raises(ActionError, match="an integer of 5001 digits is too large"):
        ep.step(Action.submit_fix("payment_client", {"timeout": 10**5000}))
    with pytest.raises(ActionError, match="No step was used"):
        ep.step(
            {
                "action_type": "submit_fix",
                "target": "payment_client",
                "fix_payload": {"timeout": 10**5000},
            }
        )
    assert ep.steps == 0
    obs, *_ = ep.step(Action.inspect_config("payment_client"))
    assert obs.accepted and obs.config["timeout"] == 15  # as it was
    assert verified(ep)


@pytest.mark.parametrize(
    "changes",
    [
        {None: 1},
        {1: 1},
        {(1,): 2},
        {True: 1},
        {1.5: 1},
        {"timeout": b"30"},
        {"timeout": {30}},
        {"timeout": object()},
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"timeout": 1e400},
        {"timeout": "x" * 1_000_001},
    ],
    ids=[
        "none-key",
        "int-key",
        "tuple-key",
        "bool-key",
        "float-key",
        "bytes",
        "set",
        "object",
        "nan",
        "inf",
        "1e400",
        "1MB-string",
    ],
)
def test_non_json_fixes_cost_no_step_and_leave_the_transcript_verifiable(ep, changes):
    ep.step(Action.inspect_logs("payment_client"))
    configs = json.dumps(ep.configs, sort_keys=True)
    with pytest.raises(ActionError):
        ep.step(Action.submit_fix("payment_client", changes))
    assert ep.steps == 1 and len(ep.actions) == 1
    assert json.dumps(ep.configs, sort_keys=True) == configs
    assert verified(ep)


def test_a_rejected_patch_is_recorded_in_a_json_safe_form(ep):
    # well-formed but refused by the episode: it costs its step and is recorded as is
    obs, *_ = ep.step(Action.submit_fix("payment_client", {"a..b": 1, "": 2}))
    assert not obs.accepted and "empty segment" in obs.message
    assert ep.transcript()["actions"][0]["action"]["changes"] == {"a..b": 1, "": 2}
    assert verified(ep)


def test_tuples_and_mappings_become_plain_json(ep):
    from types import MappingProxyType

    a = Action.submit_fix("payment_client", MappingProxyType({"retry_on": (429, 503)}))
    assert a.changes == {"retry_on": [429, 503]} and type(a.changes) is dict
    ep.step(a)
    assert verified(ep)


def test_a_service_name_of_a_megabyte_is_refused(ep):
    with pytest.raises(ActionError, match="names are at most 200 characters"):
        Action.inspect_logs("x" * 1_000_000)
    with pytest.raises(ActionError, match="lone surrogate"):
        Action.inspect_logs("pay\ud800")


def test_episode_of_a_task_name_points_at_load_scenario():
    with pytest.raises(InputTypeError) as info:
        adb.Episode("easy")
    assert isinstance(info.value, TypeError) and isinstance(info.value, ApiDebugError)
    assert "Episode needs a Scenario, got 'easy'" in str(info.value)
    assert "adb.load_scenario('easy')" in str(info.value)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"options": 5}, "reset(options=...) takes a dict such as {'learner_id': ...} or None"),
        ({"options": {"colour": 1}}, "unknown reset options 'colour'; valid: learner_id"),
        ({"options": {1: 1}}, "unknown reset options 1"),
        ({"options": {"learner_id": 5}}, "learner_id must be a string or None, got 5"),
        ({"seed": "x"}, "reset(seed=...) takes a non-negative integer or None, got 'x'"),
        ({"seed": -1}, "got -1"),
    ],
)
def test_reset_says_what_it_takes_and_changes_nothing(ep, kwargs, fragment):
    ep.step(Action.hint())
    with pytest.raises(ApiDebugError) as info:
        ep.reset(**kwargs)
    assert fragment in str(info.value)
    assert ep.steps == 1  # nothing was reset


# -- the dashboard: autosave and resume ----------------------------------------------------


def _play(dash: adb.Dashboard, n: int) -> None:
    for _ in range(n):
        dash.inspect_logs("order_service")


def test_autosave_onto_existing_progress_resumes_it_and_never_wipes_it(tmp_path):
    path = tmp_path / "progress.json"
    _play(adb.Dashboard("hard", seed=7, autosave=path), 4)
    assert len(json.loads(path.read_text())["actions"]) == 4
    again = adb.Dashboard("hard", seed=7, autosave=path)  # the cell, run again
    assert again.episode.steps == 4
    assert f"Resumed from {path} at step 4" in again._message_box.value  # what the learner reads
    again.inspect_config("order_service")
    assert len(json.loads(path.read_text())["actions"]) == 5


@pytest.mark.parametrize(
    "other, fragment",
    [
        (dict(scenario="hard", seed=8), "holds 4 steps on scenario 'hard-7', not 'hard-8'"),
        (dict(scenario="easy"), "not 'easy'"),
        (dict(scenario="hard", seed=7, learner_id="bo"), "learner None, not 'bo'"),
    ],
)
def test_autosave_onto_someone_elses_progress_refuses_and_says_how(tmp_path, other, fragment):
    path = tmp_path / "progress.json"
    _play(adb.Dashboard("hard", seed=7, autosave=path), 4)
    before = path.read_bytes()
    with pytest.raises(TranscriptError) as info:
        adb.Dashboard(**other, autosave=path)
    assert fragment in str(info.value)
    assert f"Dashboard.resume({str(path)!r})" in str(info.value)
    assert "another autosave path" in str(info.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [b"my notes, not a transcript\n", b"\xff\xfe", b"[" * 100_000, b'{"format": 1}'],
    ids=["text", "not-utf8", "deep", "not-a-transcript"],
)
def test_autosave_onto_a_file_that_is_not_progress_refuses_and_leaves_it(tmp_path, content):
    path = tmp_path / "progress.json"
    path.write_bytes(content)
    with pytest.raises(TranscriptError, match="already exists and is not resumable progress"):
        adb.Dashboard("easy", autosave=path)
    assert path.read_bytes() == content


def test_autosave_onto_an_empty_file_starts_fresh(tmp_path):
    path = tmp_path / "progress.json"
    path.write_bytes(b"")
    dash = adb.Dashboard("easy", autosave=path)
    dash.hint()
    assert len(json.loads(path.read_text())["actions"]) == 1


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda p: p.write_bytes(b"[" * 100_000), "nested more than 64 levels deep"),
        (lambda p: p.write_bytes(b"\xff"), "not UTF-8 text"),
        (lambda p: p.write_bytes(b'{"learner_id": "\\uZZ"'), "not valid JSON"),
        (lambda p: p.mkdir(), "it is a folder, not a regular file"),
        (lambda p: os.mkfifo(p), "a named pipe (FIFO)"),
        (lambda p: os.symlink("/dev/zero", p), "a character device"),
        (lambda p: None, "does not exist"),
        (lambda p: p.write_text('{"format": "apidebug_nb.transcript"}'), "cannot resume"),
    ],
    ids=["deep", "not-utf8", "truncated", "folder", "fifo", "dev-zero", "missing", "partial"],
)
def test_resume_gives_a_clear_error_never_a_raw_one(tmp_path, make, fragment):
    path = tmp_path / "progress.json"
    make(path)
    with pytest.raises(TranscriptError) as info:
        adb.Dashboard.resume(path)
    assert fragment in str(info.value)


def test_dashboard_refuses_garbage_fixes_in_the_message_area_and_keeps_saving(tmp_path):
    path = tmp_path / "progress.json"
    dash = adb.Dashboard("easy", autosave=path)
    dash.inspect_logs("payment_client")
    for changes in ({(1,): 2}, {"timeout": 10**5000}, {"timeout": float("nan")}):
        assert dash.submit_fix("payment_client", changes) is None
        assert "No step was used" in dash.render_text()
    assert dash.episode.steps == 1
    dash.hint()
    saved = json.loads(path.read_text())
    assert len(saved["actions"]) == 2 and adb.verify(saved).ok


# -- play: --transcript and Ctrl-C -----------------------------------------------------------


def _play_cli(*args: str, stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "apidebug_nb", "play", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda p: p.mkdir(), "that is a folder"),
        (lambda p: None, "does not exist"),
        (lambda p: p.write_text("earlier work"), "already exists and is never overwritten"),
    ],
    ids=["folder", "missing-folder", "existing-file"],
)
def test_play_checks_the_transcript_path_before_the_first_prompt(tmp_path, make, fragment):
    target = tmp_path / "t.json"
    make(target)
    if fragment == "does not exist":
        target = tmp_path / "missing" / "t.json"
    done = _play_cli("easy", "--transcript", str(target), stdin="hint\nhint\n")
    assert done.returncode == 1
    assert fragment in done.stderr and "Traceback" not in done.stderr
    assert "Type help" not in done.stdout  # no step was ever offered
    if fragment.startswith("already"):
        assert target.read_text() == "earlier work"


def test_play_survives_hostile_fixes_and_writes_a_verifiable_transcript(tmp_path):
    target = tmp_path / "t.json"
    lines = [
        'fix payment_client {"timeout": 1e400}',
        'fix payment_client {"timeout": ' + "9" * 5_000 + "}",
        "fix payment_client " + "[" * 100_000,
        'fix payment_client {"timeout": NaN}',
        'fix payment_client {"a": "\\ud800"}',
        "logs " + "x" * 10_000,
        "hint",
    ]
    done = _play_cli("easy", "--transcript", str(target), stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.count("No step used") >= 5
    t = json.loads(target.read_text())
    assert [a["action"]["kind"] for a in t["actions"]] == ["hint"]
    assert adb.verify(t).ok


def _ctrl_c_as_in_a_terminal() -> None:
    # A suite started in the background (`pytest &` in a script) ignores SIGINT, and a
    # child inherits that; the learner's session in a terminal gets it as usual.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_saves_what_was_done(tmp_path):
    target = tmp_path / "t.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "apidebug_nb", "play", "easy", "--transcript", str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    try:
        proc.stdin.write("logs payment_client\nconfig payment_client\n")
        proc.stdin.flush()
        seen = ""
        deadline = time.monotonic() + 120
        while "[step 2/" not in seen and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
        assert "[step 2/" in seen
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert "Traceback" not in err
    t = json.loads(target.read_text())
    assert [a["action"]["kind"] for a in t["actions"]] == ["inspect_logs", "inspect_config"]
    assert adb.verify(t).ok
