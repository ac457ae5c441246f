"""Hostile scenario files: each is refused by ``apidebug-nb validate`` with a message naming
the file, no traceback, within 5 s and 300 MB; several files are checked one by one.

The corpus (``tests/hostile_scenarios/corpus.py``) is written into a temporary
folder; ``tests/hostile_scenarios/run_validate.py`` runs ``validate`` on each
file in its own forked process and reports exit code, time, peak memory and
the validation rule that fired.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "hostile_scenarios"))

from corpus import write_corpus  # noqa: E402

# The main run includes it; the Python matrix in .ci/run leaves it out (one process per hostile file).
pytestmark = pytest.mark.slow

BASE = HERE / "broken_scenarios" / "_valid_base.yaml"
SECONDS, MEGABYTES = 5.0, 300.0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, write_corpus(folder)


@pytest.fixture(scope="module")
def rows(corpus):
    folder, _ = corpus
    done = subprocess.run(
        [sys.executable, str(HERE / "hostile_scenarios" / "run_validate.py"), str(folder)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    return {r["name"]: r for r in map(json.loads, done.stdout.splitlines())}


def test_the_corpus_is_large_and_covers_every_class(corpus):
    _, expected = corpus
    assert len(expected) >= 100
    by_rule = Counter(expected.values())
    for rule in (
        "too-large",  # aliases, depth, sizes, counts, huge numbers
        "bad-rule",  # {all: 5}, deep not, refused regexes
        "bad-clock",  # the end of time, step_seconds
        "call-cycle",  # cycles and self-loops
        "shape",  # empty scenarios, non-JSON values, bad keys
        "unreadable",  # FIFO, /dev/zero, folder, dangling link, encodings, 2.7 MB
        "fix-does-not-resolve",  # catastrophic regexes, answered at once
    ):
        assert by_rule[rule] >= 3, rule
    names = set(expected)
    for must in (
        "billion_laughs.yaml",
        "anchor_loop.yaml",
        "fifo.yaml",
        "dev_zero.yaml",
        "list_2_7_mb.yaml",
        "list_1_9_mb.yaml",
        "regex_evil_0.yaml",
        "deep_list_10000.yaml",
        "deep_list_10000.json",
        "deep_array_10000.toml",
        "not_600_deep.json",
        "big_int.yaml",
        "big_int.json",
        "big_int.toml",
        "rule_all_5.yaml",
        "clock_end_of_time.yaml",
        "step_seconds_huge.yaml",
        "step_seconds_negative.yaml",
        "max_steps_1e18.yaml",
        "offset_1e300.json",
        "no_services.yaml",
        "empty.yaml",
        "call_cycle_2.yaml",
        "self_loop_shop_api.yaml",
    ):
        assert must in names, must


def test_every_hostile_file_is_refused_by_name_quickly_and_without_a_traceback(corpus, rows):
    _, expected = corpus
    assert set(rows) == set(expected)
    problems = []
    for name, row in sorted(rows.items()):
        stderr = row["stderr"]
        why = []
        if row["code"] != 1:
            why.append(f"exit {row['code']}")
        # CPU time is the file's own cost; wall time on a loaded machine is the load's.
        # A hang burns no CPU, and is caught by the kill timer instead.
        if row["killed"] or row["cpu_seconds"] > SECONDS:
            why.append(f"{row['cpu_seconds']} s of CPU, {row['seconds']} s wall")
        if row["maxrss_mb"] > MEGABYTES:
            why.append(f"{row['maxrss_mb']} MB")
        if "Traceback" in stderr or "could not be checked" in stderr:
            why.append("traceback")
        if not stderr.startswith(f"invalid: scenario {name!r}"):
            why.append(f"message {stderr[:80]!r}")
        if row["rules"] != [expected[name]]:
            why.append(f"rule {row['rules']} != {expected[name]!r}")
        if row["stdout"]:
            why.append("printed ok")
        if why:
            problems.append(f"{name}: {', '.join(why)}")
    assert not problems, "\n".join(problems)


def test_the_billion_laughs_stays_small_in_a_real_process(corpus):
    """The console entry point itself, under an address-space cap of 300 MB beyond start-up."""
    folder, _ = corpus

    def cap():
        limit = 1_000 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = dict(os.environ, PYTHONHASHSEED="7")
    done = subprocess.run(
        [sys.executable, "-m", "apidebug_nb", "validate", str(folder / "billion_laughs.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
        env=env,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("invalid: scenario 'billion_laughs.yaml', line 2: YAML aliases")
    assert "Traceback" not in done.stderr


def test_validate_checks_each_file_on_its_own(corpus, tmp_path):
    folder, _ = corpus
    good = tmp_path / "good.yaml"
    good.write_bytes(BASE.read_bytes())
    files = [
        folder / "fifo.yaml",
        folder / "rule_all_5.yaml",
        good,
        folder / "deep_list_10000.json",
        folder / "clock_end_of_time.yaml",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "apidebug_nb", "validate", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    errors = done.stderr.splitlines()
    assert [line.split("'")[1] for line in errors] == [
        "fifo.yaml",
        "rule_all_5.yaml",
        "deep_list_10000.json",
        "clock_end_of_time.yaml",
    ]
    assert done.stdout.startswith(f"ok: {good}: 'broken-base'")
    assert "Traceback" not in done.stderr
