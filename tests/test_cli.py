"""The apidebug-nb command line: every subcommand, its help, its errors and exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import apidebug_nb as adb
from apidebug_nb.cli import build_parser, main
from apidebug_nb.instructor.variants import assign_variants

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "apidebug_nb" / "scenarios" / "examples"
BROKEN = ROOT / "tests" / "broken_scenarios"
SUBCOMMANDS = ("lab", "list", "play", "validate", "variants", "grade", "notebooks")


def _commands_for(actions: list[adb.Action]) -> list[str]:
    out = []
    for a in actions:
        if a.kind == "inspect_logs":
            out.append(f"logs {a.service}")
        elif a.kind == "inspect_config":
            out.append(f"config {a.service}")
        elif a.kind == "submit_fix":
            out.append(f"fix {a.service} {json.dumps(a.changes)}")
        else:
            raise AssertionError(a)
    return out


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "apidebug_nb", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_play_easy_seed_3_through_stdin_to_a_solved_episode(tmp_path):
    sc = adb.load_scenario("easy", 3)
    mistakes = [
        "help",
        "fix payment_client {timeout: 30}",  # malformed JSON: costs no step
        "logs paymnt_client",  # a typo: costs no step
        "dance",
        "status",
    ]
    lines = mistakes + _commands_for(adb.oracle_actions(sc))
    transcript = tmp_path / "t.json"
    done = _run(
        "play",
        "easy",
        "--seed",
        "3",
        "--learner",
        "ada",
        "--transcript",
        str(transcript),
        stdin="\n".join(lines) + "\n",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "not valid JSON" in out and "No step was used" in out
    assert "Did you mean 'payment_client'?" in out
    assert "Unknown command 'dance'" in out
    assert "Every problem is fixed: the incident is over." in out
    assert "Score: 1.00 / 1.00" in out
    assert f"[step {len(lines) - len(mistakes)}/15" in out  # only real actions cost steps
    t = json.loads(transcript.read_text())
    assert t["learner_id"] == "ada" and t["scenario"] == {"task": "easy", "seed": 3}
    assert adb.verify(t).ok and adb.replay(t).grade().score == 1.0


def test_play_costs_a_step_for_a_fix_the_episode_rejects():
    done = _run("play", "easy", stdin='fix payment_gateway {"timeout": 60}\nquit\n')
    assert done.returncode == 0
    assert "[step 1/15, 14 left | fixed 0/2] Rejected:" in done.stdout
    assert "Score: 0.00 / 1.00" in done.stdout


def test_play_a_scenario_file_to_the_end_of_input():
    path = EXAMPLES / "cdn_cache.yaml"
    done = _run("play", str(path), stdin="logs cdn_edge\nhint\n")
    assert done.returncode == 0
    assert "(end of input)" in done.stdout
    assert "Hint 1/3 (where to look)" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("play", "expert"), "unknown task 'expert'; tasks are: easy, medium, hard"),
        (("play", "missing.yaml"), "cannot read the file"),
        (("play", str(EXAMPLES / "cdn_cache.yaml"), "--seed", "2"), "--seed selects a variant"),
    ],
)
def test_play_bad_input_exits_1_with_a_clear_message(args, message, capsys):
    assert main(list(args)) == 1
    assert message in capsys.readouterr().err


def test_bad_seed_is_a_usage_error(capsys):
    assert main(["play", "easy", "--seed", "-4"]) == 2
    assert "a seed is a non-negative integer, got '-4'" in capsys.readouterr().err


def test_list_names_tasks_and_examples(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for task in adb.TASKS:
        assert f"  {task} " in out
    assert "cdn_cache.yaml" in out and "oauth_token_exchange.yaml" in out


def test_validate_good_files(capsys):
    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out
    assert out.count("ok: ") == 2 and "(score 1.00)" in out


def test_validate_reports_every_bad_file_and_exits_1(capsys):
    good = str(EXAMPLES / "cdn_cache.yaml")
    bad = [str(BROKEN / "hint_leaks_number.yaml"), str(BROKEN / "hostile_apply_tag.yaml")]
    assert main(["validate", good, *bad]) == 1
    captured = capsys.readouterr()
    assert "ok: " in captured.out
    err = captured.err.splitlines()
    assert len(err) == 2
    assert err[0].startswith("invalid: scenario 'hint_leaks_number.yaml', line 71, issue 'timeout'")
    assert "!!python/object/apply:os.system is not allowed" in err[1]


def test_variants_prints_and_writes_the_roster(tmp_path, capsys):
    out_csv = tmp_path / "roster.csv"
    code = main(
        ["variants", "--task", "hard", "--salt", "s", "ada", "grace", "--csv", str(out_csv)]
    )
    assert code == 0
    expected = assign_variants(["ada", "grace"], "hard", "s")
    out = capsys.readouterr().out
    for seed in expected.values():
        assert f"hard-{seed}" in out
    rows = list(csv.DictReader(out_csv.open()))
    assert {r["student_id"]: int(r["seed"]) for r in rows} == expected


def test_variants_reads_ids_from_a_file(tmp_path, capsys):
    ids = tmp_path / "ids.txt"
    ids.write_text("ada\ngrace\n")
    assert main(["variants", "--task", "easy", "--salt", "s", f"@{ids}"]) == 0
    assert "ada" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["variants", "--task", "expert", "--salt", "s", "a"], 1, "unknown task 'expert'"),
        (["variants", "--task", "easy", "--salt", "s", "a", "a"], 1, "'a' is listed twice"),
        (["variants", "--task", "easy", "a"], 2, "the following arguments are required: --salt"),
    ],
)
def test_variants_errors(args, code, message, capsys):
    assert main(args) == code
    assert message in capsys.readouterr().err


def test_grade_errors(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nope")]) == 1
    assert "is not a folder" in capsys.readouterr().err
    assert main(["grade", str(tmp_path)]) == 1
    assert "no *.json transcripts" in capsys.readouterr().err
    (tmp_path / "t.json").write_text("{}")
    bad_roster = tmp_path / "r.csv"
    bad_roster.write_text("student_id,seed\n")
    assert main(["grade", str(tmp_path), "--roster", str(bad_roster)]) == 1
    assert "missing: task" in capsys.readouterr().err


def test_notebooks_are_copied_and_never_overwritten_silently(tmp_path, capsys):
    from apidebug_nb.notebook_files import notebook_paths

    sources = notebook_paths()
    dest = tmp_path / "nbs"
    assert main(["notebooks", str(dest)]) == 0
    assert sorted(p.name for p in dest.iterdir()) == [p.name for p in sources]
    assert (dest / sources[0].name).read_bytes() == sources[0].read_bytes()
    assert main(["notebooks", str(dest)]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["notebooks", str(dest), "--force"]) == 0


def test_notebooks_into_a_file_is_an_error(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["notebooks", str(target)]) == 1
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: apidebug-nb {command}")


def test_top_level_help_lists_every_subcommand(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in SUBCOMMANDS:
        assert command in out
    assert set(build_parser()._subparsers._group_actions[0].choices) == set(SUBCOMMANDS)


def test_no_subcommand_is_a_usage_error(capsys):
    assert main([]) == 2
    assert "required: COMMAND" in capsys.readouterr().err


def test_python_dash_m_and_the_console_script_agree():
    done = _run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"apidebug-nb {adb.__version__}"
    script = Path(sys.executable).with_name("apidebug-nb")
    if script.exists():
        via_script = subprocess.run([str(script), "--version"], capture_output=True, text=True)
        assert via_script.stdout == done.stdout
