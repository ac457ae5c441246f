"""Run ``apidebug-nb validate FILE`` once per file, each in its own forked process.

Usage: ``python tests/hostile_scenarios/run_validate.py FOLDER`` prints one
JSON object per file: exit code, wall seconds, CPU seconds and peak resident
memory (MB, both from ``wait4``), stdout and stderr. The package is imported once, before forking,
so each child costs what a real ``validate`` run costs beyond start-up, and
its peak memory includes everything the process holds. A child is killed
after ``KILL_AFTER_S`` and its address space is capped at ``AS_LIMIT_MB``, so a
regression shows up as a failed row rather than a hung or swapping machine.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

KILL_AFTER_S = 30.0
AS_LIMIT_MB = 2_000


def _record_rules(into: Any) -> None:
    """Make the child note the ``.rule`` of every ScenarioError a file load raises."""
    from apidebug_nb.errors import ScenarioError
    from apidebug_nb.instructor import scenario_files

    real = scenario_files.load_scenario_file

    def load(path: Any) -> Any:
        try:
            return real(path)
        except ScenarioError as exc:
            into.write(exc.rule.encode() + b"\n")
            into.flush()
            raise

    scenario_files.load_scenario_file = load


def run_one(path: Path) -> dict[str, object]:
    from apidebug_nb import cli

    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryFile() as rules,
    ):
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: one validate run, then exit without cleanup
            code = 99
            try:
                limit = AS_LIMIT_MB * 2**20
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = os.fdopen(1, "w", closefd=False)
                sys.stderr = os.fdopen(2, "w", closefd=False)
                _record_rules(rules)
                code = cli.main(["validate", str(path)])
            except BaseException as exc:  # noqa: BLE001 - reported, not hidden
                import traceback

                traceback.print_exception(exc)
                code = 98
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        killed = False
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if time.perf_counter() - start > KILL_AFTER_S:
                os.kill(pid, signal.SIGKILL)
                killed = True
                done, status, usage = os.wait4(pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        rules.seek(0)
        return {
            "name": path.name,
            "code": os.waitstatus_to_exitcode(status),
            "killed": killed,
            "seconds": round(seconds, 3),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "maxrss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
            "rules": rules.read().decode().split(),
        }


def main(folder: str) -> None:
    import apidebug_nb.cli  # noqa: F401 - import once, before forking
    import apidebug_nb.instructor.scenario_files  # noqa: F401

    for path in sorted(Path(folder).iterdir(), key=lambda p: p.name):
        if path.name == "nowhere.yaml":
            continue
        print(json.dumps(run_one(path)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
