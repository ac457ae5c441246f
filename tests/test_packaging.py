"""The dists a class installs: both build, pass ``twine check --strict``, and work on their own.

Slow (a few minutes), so it runs in CI (``CI=true``) or when ``APIDEBUG_PACKAGING_TEST=1``.
One fresh virtual environment outside the repository serves every check: it sees this
environment's packages (``--system-site-packages``), so only the wheel itself is installed,
with ``--no-deps``, and nothing is downloaded but the build requirements.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENABLED = os.environ.get("CI") == "true" or os.environ.get("APIDEBUG_PACKAGING_TEST") == "1"
LABS = [
    "00_start_here.ipynb",
    "01_easy_payment_gateway.ipynb",
    "02_medium_webhook_chain.ipynb",
    "03_hard_order_pipeline.ipynb",
    "04_grading_and_agents.ipynb",
    "05_instructor_guide.ipynb",
    "06_new_incidents.ipynb",
]
#: The sdist's own suite without browser tests and without the slow ones (this file among
#: them, and the notebook runs, which the wheel check below does from the installed copy).
CHEAP_SUITE = [
    "-m",
    "not slow and not e2e",
    "--ignore=tests/e2e",
    "--ignore=notebooks",
    "-p",
    "no:randomly",
    "-q",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ENABLED, reason="slow: runs with CI=true or APIDEBUG_PACKAGING_TEST=1"),
]


def run(args: list, cwd: Path, timeout: float = 900, env: dict | None = None) -> str:
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({proc.returncode}):\n"
        f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    return proc.stdout


def outside_env(venv: Path) -> dict:
    """An environment that cannot see the checkout: no PYTHONPATH, the venv first on PATH.

    Nor the outer run's pytest settings (``PYTEST_ADDOPTS``, pytest-xdist's worker
    variables): each inner pytest is a plain run of its own.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("PYTEST_")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("MPLBACKEND", None)
    return env


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """Build the sdist, then the wheel from it (``python -m build`` does both, in that order)."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out)
    (sdist,) = out.glob("apidebug_nb-*.tar.gz")
    (wheel,) = out.glob("apidebug_nb-*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="module")
def venv(dists, tmp_path_factory) -> Path:
    """A fresh venv outside the repository with the wheel installed (dependencies shared)."""
    folder = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", folder], cwd=folder.parent)
    python = folder / "bin" / "python"
    own = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], folder)
    # A path line, not addsitedir: this environment's .pth files (its editable install of
    # the checkout among them) are not run, so the wheel's copy is the only apidebug_nb.
    shared = sysconfig.get_path("purelib")
    (Path(own.strip()) / "_shared_test_deps.pth").write_text(shared + "\n", encoding="utf-8")
    run([python, "-m", "pip", "install", "-q", "--no-deps", dists["wheel"]], cwd=folder.parent)
    return folder


def test_both_dists_pass_twine_check_strict(dists):
    out = run([sys.executable, "-m", "twine", "check", "--strict", *dists.values()], cwd=ROOT)
    assert out.count("PASSED") == 2, out


def test_the_sdist_carries_what_its_tests_need(dists):
    with tarfile.open(dists["sdist"]) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    for needed in (
        "conftest.py",
        "tests/conftest.py",
        "tests/e2e/conftest.py",
        "tests/broken_scenarios/_valid_base.yaml",
        "benchmarks/__init__.py",
        "nbval_sanitize.cfg",
        ".ci/run",
        "binder/requirements.txt",
        "docs/sync_notebooks.py",
        *(f"notebooks/src/{Path(name).stem}.py" for name in LABS),
        "docs/images/hard_grade.png",
        "share/jupyter/voila/templates/apidebug/index.html.j2",
        *(f"notebooks/{name}" for name in LABS),
    ):
        assert needed in names, f"the sdist lacks {needed}"


def test_the_wheel_installs_outside_the_repository_and_its_labs_run(dists, venv, tmp_path):
    env = outside_env(venv)
    python = venv / "bin" / "python"
    where = run(
        [python, "-c", "import apidebug_nb; print(apidebug_nb.__file__)"], tmp_path, env=env
    )
    assert Path(where.strip()).is_relative_to(venv), f"imported from {where}, not the wheel"
    template = venv / "share" / "jupyter" / "voila" / "templates" / "apidebug" / "index.html.j2"
    assert template.is_file(), "the wheel did not install the offline Voila template"
    with zipfile.ZipFile(dists["wheel"]) as zf:
        assert "apidebug_nb/scenarios/examples/cdn_cache.yaml" in zf.namelist()

    labs = tmp_path / "labs"
    run([venv / "bin" / "apidebug-nb", "notebooks", labs], tmp_path, env=env)
    assert sorted(p.name for p in labs.glob("*.ipynb")) == sorted([*LABS, "app.ipynb"])
    # Strict nbval on the copies, with the installed package: every stored output reproduces.
    shutil.copy(ROOT / "nbval_sanitize.cfg", tmp_path / "nbval_sanitize.cfg")
    out = run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with", tmp_path / "nbval_sanitize.cfg", labs],
        tmp_path,
        env=env,
    )  # fmt: skip
    assert " passed" in out and "failed" not in out, out


def test_the_unpacked_sdist_runs_its_own_tests(dists, venv, tmp_path):
    with tarfile.open(dists["sdist"]) as tf:
        tf.extractall(tmp_path, filter="data")
    (src,) = tmp_path.glob("apidebug_nb-*")
    env = outside_env(venv)
    # The sdist's pyproject puts its own folder first on sys.path: its sources are tested.
    out = run([venv / "bin" / "python", "-m", "pytest", *CHEAP_SUITE], src, timeout=1800, env=env)
    assert " passed" in out and "failed" not in out, out[-2000:]
