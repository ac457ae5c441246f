"""CPU burners: make the machine as slow as a busy classroom server for one block of code.

Timing bugs between the browser and the kernel (a click overtaking the text it
should submit) hide on a quiet machine and show within a few tries under load.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

BURN = "while True: pass"


@contextmanager
def cpu_burners(count: int = 2) -> Iterator[list[subprocess.Popen]]:
    """Run ``count`` processes spinning a CPU each; always stopped (by their pid) on exit."""
    burners: list[subprocess.Popen] = []
    try:
        for _ in range(count):
            burners.append(subprocess.Popen([sys.executable, "-c", BURN]))
        yield burners
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait(timeout=10)
