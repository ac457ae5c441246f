"""Memory: the peak resident size of fresh processes doing typical work.

Each figure is the peak resident size (Linux's ``VmHWM``, else ``ru_maxrss``) of
one fresh ``python -c`` process (the peak, not the size at the end), with bytecode
caches as an installed package has them.
A hard episode is the canonical hard task played by the reference solver,
graded, with its transcript made: that peak was 35 MiB when the target was
set (the seed environment took 170 MiB), and the target leaves room for the
allocator's noise. The workload figure keeps the 600 variants of the seed
workload (and what their simulations memoise) alive, as a long agent run does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

AREA = "memory"
TARGET_HARD_MIB = 40.0
ROOT = Path(__file__).resolve().parents[1]

# The peak in KiB: Linux's VmHWM belongs to this process's own memory since its exec;
# ru_maxrss also carries the peak of the process that forked it (here, a benchmark run
# that has drawn 1,000-service graphs), so it is only the fallback elsewhere.
_PEAK = (
    "import json, resource, pathlib\n"
    "status = pathlib.Path('/proc/self/status')\n"
    "hwm = [line.split()[1] for line in status.read_text().splitlines()\n"
    "       if line.startswith('VmHWM:')] if status.exists() else []\n"
    "print(json.dumps(int(hwm[0]) if hwm else "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))"
)
HARD_EPISODE = (
    "import apidebug_nb as adb\n"
    "sc = adb.load_scenario('hard'); ep = adb.Episode(sc); ep.reset()\n"
    "for a in adb.oracle_actions(sc): ep.step(a)\n"
    "ep.grade(); ep.transcript()\n" + _PEAK
)
WORKLOAD = (
    "from benchmarks import bench_workload as b\nb.one_pass(range({seeds}), cold=False)\n" + _PEAK
)


def peak_mib(code: str) -> float:
    """The peak resident size of one fresh process running ``code``, in MiB."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules load from bytecode
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.splitlines()[-1]) / 1024  # Linux reports KiB


def run(quick: bool = False) -> list[dict]:
    seeds = 10 if quick else 200
    return [
        {
            "area": AREA,
            "name": "peak memory, a hard episode",
            "value": peak_mib(HARD_EPISODE),
            "unit": "MiB",
            "target": TARGET_HARD_MIB,
            "better": "lower",
            "note": "fresh process: import, reference solution, grade, transcript (was 35 MiB)",
        },
        {
            "area": AREA,
            "name": "peak memory, seed workload with its variants kept",
            "value": peak_mib(WORKLOAD.format(seeds=seeds)),
            "unit": "MiB",
            "target": None,
            "better": "lower",
            "note": f"fresh process: one warm pass of 3 tasks x seeds 0..{seeds - 1}, "
            "every variant built and cached",
        },
    ]
