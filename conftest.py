"""How the suite shares out over processes when pytest-xdist runs it (``.ci/run`` does).

Without ``-n`` this file changes nothing. Under ``-n N`` every test belongs to a group,
the unit a worker takes whole (a scheduler of our own: pytest-xdist's ``loadgroup`` reads
marks that pytest 9 no longer carries into the test ids):

* a file is one group, so a notebook's cells run in order in one kernel (strict nbval) and
  a module-scoped fixture (a corpus of played variants) is built once;
* the browser tests form one group: one JupyterLab, one Voila and one Chromium serve them
  all, on ports no other worker hands out;
* the tests that build the package from the checkout itself share a group, so two builds
  never write the same ``build/`` and ``*.egg-info`` folders at once.

The longest groups are queued first, so no long file starts last and keeps one worker busy
while the others wait.

It also starts the kernels of strict nbval on Unix sockets instead of TCP ports (see
``kernels_on_unix_sockets``).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import pytest

#: Files that build a wheel or an sdist from the checkout folder itself.
CHECKOUT_BUILDS = ("tests/test_packaging.py", "tests/test_typing.py")
#: Groups by measured length, longest first (minutes in the packaging group, seconds below).
LONGEST_FIRST = (
    "checkout-builds",
    "tests/test_variants.py",
    "e2e",
    "tests/test_notebooks.py",
    "tests/test_gym_env.py",
    "tests/test_benchmarks.py",
    "tests/test_fuzz_steps.py",
    "tests/test_agents.py",
    "tests/test_traffic.py",
    "tests/test_grade.py",
    "tests/test_hostile_scenario_files.py",
)


def group_of(relative: str) -> str:
    """The group of a test file, given as a path relative to the repository."""
    if relative.startswith("tests/e2e/"):
        return "e2e"
    if relative in CHECKOUT_BUILDS:
        return "checkout-builds"
    return relative


def _rank(group: str) -> int:
    return LONGEST_FIRST.index(group) if group in LONGEST_FIRST else len(LONGEST_FIRST)


def _group_of_nodeid(nodeid: str) -> str:
    return group_of(nodeid.split("::", 1)[0])


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, called only when it distributes
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Workers take whole groups (``group_of``), in the order the workers collected them."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group_of_nodeid(nodeid)

    config.option.loadscopereorder = False  # keep the longest-first order set below
    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker, queue the longest groups first (a stable sort: file order is kept)."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: _rank(_group_of_nodeid(item.nodeid)))


def kernels_on_unix_sockets(folder: Path) -> None:
    """Have nbval start each kernel on Unix sockets of its own, in ``folder``.

    Over TCP the client picks five free ports and the kernel binds them a second or two
    later, while it starts. Meanwhile any other process may take one of those ports, say
    for an outgoing connection (the browser tests make many), and the kernel then exits
    with "Address already in use": every cell of that notebook errors with "Kernel died
    before replying to kernel_info". Socket files in a folder of this process's own cannot
    be taken by anyone else.
    """
    import nbval.kernel

    numbers = itertools.count()

    class UnixSocketKernelManager(nbval.kernel.KernelManager):
        def __init__(self, **kwargs: object) -> None:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(folder / f"kernel{next(numbers)}"))
            super().__init__(**kwargs)

    nbval.kernel.KernelManager = UnixSocketKernelManager  # nbval's start_new_kernel reads it


def pytest_configure(config: pytest.Config) -> None:
    """Under ``--nbval``, kernels listen on Unix sockets (``kernels_on_unix_sockets``)."""
    if config.getoption("nbval", default=False) or config.getoption("nbval_lax", default=False):
        folder = Path(tempfile.mkdtemp(prefix="apidebug-kernels-"))
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        kernels_on_unix_sockets(folder)
