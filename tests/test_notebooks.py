"""The teaching notebooks: content, determinism, independence from the dashboard, packaging.

Strict nbval (``pytest notebooks/``) already re-runs every notebook and compares
it with its stored outputs. These tests add what nbval cannot see:

- every issue of every built-in pool is explained in the notebook that teaches it;
- every lesson has objectives, self-checks and reflection;
- two executions under different ``PYTHONHASHSEED`` values give identical text;
- a learner who plays the dashboard before running the scripted cells gets the
  same scripted outputs as one who does not;
- the notebooks ship inside the wheel and :func:`notebook_paths` lists them.

Notebooks are executed in subprocesses (so that the kernel inherits the hash
seed), two at a time, once per session.

Run as a script, this file executes notebooks and writes their text outputs as
JSON: ``python tests/test_notebooks.py OUT.json NB.ipynb [...] [--click]``.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SANITIZE_FILE = ROOT / "nbval_sanitize.cfg"
LESSONS = [
    "00_start_here.ipynb",
    "01_easy_payment_gateway.ipynb",
    "02_medium_webhook_chain.ipynb",
    "03_hard_order_pipeline.ipynb",
    "04_grading_and_agents.ipynb",
    "05_instructor_guide.ipynb",
    "06_new_incidents.ipynb",
]
APP = "app.ipynb"
TEACHES = {
    "easy": "01_easy_payment_gateway.ipynb",
    "medium": "02_medium_webhook_chain.ipynb",
    "hard": "03_hard_order_pipeline.ipynb",
}
IGNORE_TAG = "nbval-ignore-output"


def _ignored(cell: dict) -> bool:
    return IGNORE_TAG in cell.get("metadata", {}).get("tags", [])


def _ignored_sources(name: str) -> set[str]:
    return {_source(c) for c in _read(NOTEBOOK_DIR / name)["cells"] if _ignored(c)}


# Printed by a probe cell appended to every run, to prove the two runs really
# used different hash seeds (otherwise the determinism test proves nothing).
HASH_PROBE = 'print("hash probe:", hash("apidebug_nb hash probe"))'
# Appended after a lesson's `dash = adb.Dashboard(...)` cell in the "click" run:
# a learner plays the whole incident in the dashboard, asks for a hint, reveals,
# and makes a bad fix, before running any scripted cell.
CLICKS = """
import apidebug_nb as adb

_sc = dash.episode.scenario
dash.hint()
dash.submit_fix(_sc.services[0], "{not json")
for _action in adb.oracle_actions(_sc):
    if _action.kind == "submit_fix":
        dash.submit_fix(_action.service, _action.changes)
    else:
        getattr(dash, _action.kind)(_action.service)
print("clicked to the end:", dash.episode.done)
"""


# -- reading notebooks ---------------------------------------------------------------


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _sanitizers() -> list[tuple[re.Pattern, str]]:
    """The regex/replace pairs nbval applies (nbval_sanitize.cfg)."""
    cfg = configparser.ConfigParser()
    cfg.read(SANITIZE_FILE)
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def text_outputs(cell: dict) -> list[str]:
    """The stream and text/plain outputs of a cell, sanitized as nbval does."""
    out: list[str] = []
    last_stream = None
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            # A kernel may split one print into several stream messages, depending on
            # timing; like nbval, join consecutive chunks of the same stream.
            if last_stream == o["name"]:
                out[-1] += _text(o["text"])
            else:
                out.append(f"{o['name']}: {_text(o['text'])}")
            last_stream = o["name"]
            continue
        last_stream = None
        if o["output_type"] in ("execute_result", "display_data"):
            if "text/plain" in o.get("data", {}):
                out.append(_text(o["data"]["text/plain"]))
        elif o["output_type"] == "error":
            out.append(f"error: {o['ename']}: {o['evalue']}")
    text = "\n".join(out)
    for pattern, replacement in _sanitizers():
        text = pattern.sub(replacement, text)
    return [text] if text else []


def all_text(nb: dict) -> str:
    """Markdown and stored text outputs of a notebook, as one string."""
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            parts.append(_source(cell))
        elif cell["cell_type"] == "code":
            parts.extend(text_outputs(cell))
    return "\n".join(parts)


def headings(nb: dict) -> list[str]:
    return [
        line.lstrip("#").strip()
        for cell in nb["cells"]
        if cell["cell_type"] == "markdown"
        for line in _source(cell).splitlines()
        if line.startswith("#")
    ]


# -- executing notebooks (the script part) ---------------------------------------------


def execute(paths: list[Path], click: bool) -> dict[str, list]:
    """Run each notebook in a fresh kernel; returns {name: [(source, text outputs)]}.

    The kernels listen on Unix sockets in a folder of this process's own: a TCP port picked
    for a kernel can be taken by another process before the kernel binds it (see
    ``kernels_on_unix_sockets`` in the root ``conftest.py``).
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    sockets = Path(tempfile.mkdtemp(prefix="apidebug-kernels-"))
    results = {}
    try:
        for number, path in enumerate(paths):
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            if click:
                at = next(
                    (
                        n
                        for n, c in enumerate(nb.cells)
                        if c.cell_type == "code" and c.source.startswith("dash = adb.Dashboard(")
                    ),
                    None,
                )
                if at is not None:
                    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(CLICKS.strip()))
            nb.cells.append(nbformat.v4.new_code_cell(HASH_PROBE))
            manager = KernelManager(
                kernel_name="python3", transport="ipc", ip=str(sockets / f"kernel{number}")
            )
            NotebookClient(
                nb,
                km=manager,
                timeout=600,
                resources={"metadata": {"path": str(path.parent)}},
            ).execute()
            results[path.name] = [
                (c.source, text_outputs(c)) for c in nb.cells if c.cell_type == "code"
            ]
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return results


def run_in_subprocess(names: list[str], hash_seed: str, out: Path, click: bool = False) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        str(out),
        *(str(NOTEBOOK_DIR / n) for n in names),
    ]
    if click:
        cmd.append("--click")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"executing {names} failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    return json.loads(out.read_text())


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> dict[str, dict]:
    """Three executions, two at a time: hash seeds 0 and 1, and seed 1 with dashboard clicks."""
    folder = tmp_path_factory.mktemp("notebook-runs")
    names = LESSONS + [APP]
    jobs = {
        "seed0": (names, "0", False),
        "seed1": (names, "1", False),
        "clicked": (LESSONS[:4], "1", True),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            key: pool.submit(run_in_subprocess, ns, seed, folder / f"{key}.json", click)
            for key, (ns, seed, click) in jobs.items()
        }
        return {key: f.result() for key, f in futures.items()}


# -- tests: content --------------------------------------------------------------------


@pytest.mark.parametrize("task", sorted(TEACHES))
def test_every_pool_issue_is_explained_in_its_lab(task):
    import apidebug_nb as adb

    nb = _read(NOTEBOOK_DIR / TEACHES[task])
    text = all_text(nb)
    pool = adb.task_pool(task)
    assert len(pool) >= len(adb.load_scenario(task).issues) > 0
    missing = [i.title for i in pool if i.title not in text]
    assert not missing, f"{TEACHES[task]} never shows: {missing}"
    # The explanation itself is shown too, not only the title.
    unexplained = [
        i.title for i in pool if i.explanation.split(". ")[0] not in text.replace("\n   ", " ")
    ]
    assert not unexplained, f"{TEACHES[task]} does not explain: {unexplained}"


@pytest.mark.parametrize("name", LESSONS)
def test_lessons_have_objectives_self_checks_and_reflection(name):
    found = headings(_read(NOTEBOOK_DIR / name))
    for wanted in ("Learning objectives", "Self-check", "Reflection"):
        assert any(h.startswith(wanted) for h in found), (
            f"{name} has no '{wanted}' heading: {found}"
        )


def test_app_is_a_titled_dashboard_only_notebook():
    nb = _read(NOTEBOOK_DIR / APP)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) == 1 and "adb.Dashboard(" in _source(code[0])
    assert headings(nb), "the app needs a markdown title"


@pytest.mark.parametrize("name", LESSONS + [APP])
def test_outputs_are_stored_without_errors(name):
    nb = _read(NOTEBOOK_DIR / name)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), f"{name}: run it and store outputs"
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{name}: not executed top to bottom once"
    for c in code:
        for o in c.get("outputs", []):
            assert o["output_type"] != "error", f"{name}: stored error {o.get('ename')}"
            assert not (o["output_type"] == "stream" and o["name"] == "stderr"), (
                f"{name}: stored stderr output {_text(o['text'])[:200]!r}"
            )


def test_ignored_cells_are_followed_by_a_checked_cell():
    for name in LESSONS + [APP]:
        code = [c for c in _read(NOTEBOOK_DIR / name)["cells"] if c["cell_type"] == "code"]
        for n, c in enumerate(code):
            if _ignored(c):
                after = code[n + 1] if n + 1 < len(code) else None
                assert after is not None and not _ignored(after)
                assert text_outputs(after), f"{name}: the cell after an ignored one prints nothing"


@pytest.mark.parametrize("name", LESSONS)
def test_each_lab_opens_with_a_guarded_install_cell_that_nbval_skips(name):
    """Hosted Jupyter without the package: the first cell installs it; elsewhere it does nothing."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    import apidebug_nb as adb

    first = _read(NOTEBOOK_DIR / name)["cells"][0]
    assert first["cell_type"] == "code"
    assert first["metadata"].get("tags") == ["nbval-skip"]
    assert first.get("outputs") == [], "with the package installed the cell prints nothing"
    (guard,) = ast.parse(TransformerManager().transform_cell(_source(first))).body
    assert isinstance(guard, ast.Try)
    assert [ast.unparse(s) for s in guard.body] == ["import apidebug_nb"]
    (handler,) = guard.handlers
    assert ast.unparse(handler.type) == "ImportError"
    assert [ast.unparse(s) for s in handler.body] == [
        f"get_ipython().run_line_magic('pip', 'install --quiet \"apidebug_nb=={adb.__version__}\"')"
    ]


def test_the_app_has_no_install_cell():
    """Voila serves app.ipynb from an environment that has the package: one cell, the dashboard."""
    code = [c for c in _read(NOTEBOOK_DIR / APP)["cells"] if c["cell_type"] == "code"]
    assert not any("%pip" in _source(c) for c in code)


# -- tests: execution -----------------------------------------------------------------


@pytest.mark.slow
def test_text_outputs_do_not_depend_on_the_hash_seed(runs):
    a, b = runs["seed0"], runs["seed1"]
    assert sorted(a) == sorted(b) == sorted(LESSONS + [APP])
    probe_a, probe_b = a[LESSONS[0]][-1][1], b[LESSONS[0]][-1][1]
    assert probe_a != probe_b, "both runs used the same hash seed: the comparison proves nothing"
    for name in a:
        cells_a, cells_b = a[name][:-1], b[name][:-1]  # drop the probe
        assert len(cells_a) == len(cells_b)
        for (src, out_a), (_, out_b) in zip(cells_a, cells_b, strict=True):
            assert out_a == out_b, f"{name}: outputs differ between hash seeds in cell:\n{src}"


@pytest.mark.slow
def test_executed_outputs_match_the_stored_ones(runs):
    """What a fresh kernel prints is what the notebook stores (ignored cells excepted)."""
    for name, cells in runs["seed0"].items():
        stored = [c for c in _read(NOTEBOOK_DIR / name)["cells"] if c["cell_type"] == "code"]
        assert len(stored) == len(cells) - 1
        for cell, (src, out) in zip(stored, cells, strict=False):
            if _ignored(cell):
                continue
            assert text_outputs(cell) == out, f"{name}: stored output is stale for:\n{src}"


@pytest.mark.slow
def test_playing_the_dashboard_first_does_not_break_the_scripted_cells(runs):
    clicked, plain = runs["clicked"], runs["seed1"]
    assert sorted(clicked) == sorted(LESSONS[:4])
    for name, cells in clicked.items():
        sources = [src for src, _ in cells]
        n = sources.index(CLICKS.strip())
        assert cells[n][1] == ["stdout: clicked to the end: True\n"], cells[n][1]
        after_click = cells[:n] + cells[n + 1 :]
        assert len(after_click) == len(plain[name])
        ignored = _ignored_sources(name)
        for (src, out), (_, expected) in zip(after_click, plain[name], strict=True):
            if src in ignored or src == HASH_PROBE:
                continue
            assert not any(o.startswith("error:") for o in out), (
                f"{name}: error after clicking in:\n{src}"
            )
            assert out == expected, f"{name}: a scripted cell depends on the dashboard:\n{src}"


# -- tests: how kernels are reached ------------------------------------------------------


def test_strict_nbval_starts_kernels_on_unix_sockets(pytestconfig):
    """No TCP port of a notebook's kernel can be taken by another process while it starts."""
    if not pytestconfig.getoption("nbval", default=False):
        pytest.skip("strict nbval is off (the default options turn it on)")
    import nbval.kernel

    manager, client = nbval.kernel.start_new_kernel(
        kernel_name=nbval.kernel.CURRENT_ENV_KERNEL_NAME
    )
    try:
        ports = [manager.shell_port, manager.iopub_port, manager.stdin_port]
        ports += [manager.control_port, manager.hb_port]
        assert manager.transport == "ipc"
        assert sorted(ports) == [1, 2, 3, 4, 5]
        assert all(Path(f"{manager.ip}-{port}").is_socket() for port in ports)
        assert client.execute_interactive("6 * 7", timeout=60)["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert not any(Path(f"{manager.ip}-{port}").exists() for port in ports)


# -- tests: packaging -----------------------------------------------------------------


def test_notebook_paths_lists_every_notebook():
    from apidebug_nb.notebook_files import notebook_paths

    names = [p.name for p in notebook_paths()]
    assert names == sorted(LESSONS + [APP])
    assert names == sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb"))


@pytest.mark.slow
def test_the_wheel_ships_the_notebooks(tmp_path):
    """Build a wheel from a copy of the sources (the checkout stays clean)."""
    src = tmp_path / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for item in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / item, src / item)
    for folder in ("apidebug_nb", "notebooks", "share"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        offline = re.search(
            r"No matching distribution|Could not find a version|network|resolve", proc.stderr, re.I
        )
        if offline:
            pytest.skip(
                f"cannot build a wheel offline (build requirements unavailable): {proc.stderr[-300:]}"
            )
        pytest.fail(f"pip wheel failed:\n{proc.stderr[-3000:]}")
    (wheel,) = (tmp_path / "dist").glob("apidebug_nb-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        shipped = {
            Path(n).name
            for n in zf.namelist()
            if n.startswith("apidebug_nb/notebooks/") and n.endswith(".ipynb")
        }
        assert shipped == set(LESSONS + [APP])
        # The shipped copies are the stored, executed notebooks, byte for byte.
        for name in shipped:
            assert zf.read(f"apidebug_nb/notebooks/{name}") == (NOTEBOOK_DIR / name).read_bytes()


# -- script entry point ----------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Execute notebooks and write their text outputs as JSON."
    )
    parser.add_argument("out")
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--click", action="store_true", help="play the dashboard first")
    args = parser.parse_args(argv)
    results = execute([Path(p) for p in args.notebooks], args.click)
    Path(args.out).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def test_no_cell_learners_read_mentions_nbval():
    """Test plumbing lives in cell tags, not in the text of a lesson."""
    for name in LESSONS + [APP]:
        for c in _read(NOTEBOOK_DIR / name)["cells"]:
            assert "NBVAL" not in _source(c), f"{name}: {_source(c)[:80]!r}"


# -- tests: the text sources ---------------------------------------------------------------


def _sync_tool():
    """docs/sync_notebooks.py, imported from its path (docs/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sync_notebooks", ROOT / "docs/sync_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_notebook_has_a_text_source_and_agrees_with_it():
    """Cells, their tags and the kernel come from notebooks/src; outputs are nbval's business."""
    pytest.importorskip("jupytext")
    tool = _sync_tool()
    notebooks = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))
    assert notebooks == sorted(p.stem for p in (NOTEBOOK_DIR / "src").glob("*.py"))
    assert set(LESSONS + [APP]) <= {f"{stem}.ipynb" for stem in notebooks}
    for source in tool.sources():
        assert tool.differences(source) == [], source.name
    # An instructor's copy exists exactly for the sources with cells tagged "solution".
    copies = sorted(p.stem for p in (NOTEBOOK_DIR / "instructor").glob("*.ipynb"))
    assert copies == [s.stem for s in tool.sources() if tool.has_solutions(s)]
    assert copies == ["03_hard_order_pipeline"]


def test_the_sync_command_carries_a_source_edit_into_its_notebook(tmp_path):
    pytest.importorskip("jupytext")
    (tmp_path / "src").mkdir()
    source = tmp_path / "src" / "01_easy_payment_gateway.py"
    shutil.copy(NOTEBOOK_DIR / "src" / source.name, source)
    shutil.copy(NOTEBOOK_DIR / "01_easy_payment_gateway.ipynb", tmp_path)
    tool = _sync_tool()
    assert tool.differences(source) == []
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("# # Lab 01: the payment gateway (easy)", "# # Lab 01: the gateway", 1),
        encoding="utf-8",
    )
    found = tool.differences(source)
    assert len(found) == 1 and found[0].startswith("01_easy_payment_gateway.ipynb: cell 1 differs")
    before = _read(tmp_path / "01_easy_payment_gateway.ipynb")
    tool.sync(source)
    assert tool.differences(source) == []
    after = _read(tmp_path / "01_easy_payment_gateway.ipynb")
    assert _source(after["cells"][1]).startswith("# Lab 01: the gateway\n")
    # Unchanged code cells keep their stored outputs.
    code_before = [c for c in before["cells"] if c["cell_type"] == "code"]
    code_after = [c for c in after["cells"] if c["cell_type"] == "code"]
    assert [c["outputs"] for c in code_after] == [c["outputs"] for c in code_before]


def test_the_sync_check_fails_when_a_notebook_was_edited_alone(tmp_path):
    pytest.importorskip("jupytext")
    (tmp_path / "src").mkdir()
    shutil.copy(NOTEBOOK_DIR / "src" / "app.py", tmp_path / "src")
    nb = _read(NOTEBOOK_DIR / "app.ipynb")
    nb["cells"][-1]["metadata"]["tags"] = ["nbval-ignore-output"]
    (tmp_path / "app.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    tool = _sync_tool()
    assert tool.differences(tmp_path / "src" / "app.py") == [
        f"app.ipynb: cell {len(nb['cells']) - 1} differs from the source (source: 'import apidebug_nb as adb')"
    ]


# -- tests: no spoilers -----------------------------------------------------------------------

#: A learner's dashboard in a lab: adb.Dashboard("task"), adb.Dashboard("task", seed=N),
#: or the same through adb.load_scenario(...).
DASHBOARD_CELL = re.compile(
    r'adb\.Dashboard\(\s*(?:adb\.load_scenario\(\s*)?"(\w+)"(?:\s*,\s*seed=(\d+))?\s*\)'
)
#: The explicit control that shows a lab's solution; nothing before it may give one away.
SOLUTION_CONTROL = "Walkthrough("


def _leaves(value, path=()):
    if isinstance(value, dict) or hasattr(value, "items"):
        for key, inner in value.items():
            yield from _leaves(inner, (*path, str(key)))
    else:
        yield path, value


def spoiler_fragments(reference_fix) -> set[str]:
    """The ways a reference fix's values would show in a notebook's text.

    A distinctive string (a secret, a URL, a path: it holds a digit, "/" or "_") is a
    spoiler wherever it appears. Any value is one when written as its setting's value:
    ``"key": value`` (a patch or a config) or ``key=value`` (a log's config line).
    """
    found = set()
    for path, value in _leaves(reference_fix):
        plain = list(value) if isinstance(value, tuple) else value
        as_json = json.dumps(plain)
        for key in {path[-1], ".".join(path)}:
            found.add(f'"{key}": {as_json}')
            found.add(f"{key}={plain if isinstance(plain, str) else as_json}")
        if isinstance(value, str) and re.search(r"[\d/_]", value):
            found.add(value)
    return found


def _lab_dashboards() -> list[tuple[str, str, int | None]]:
    import apidebug_nb as adb

    found = []
    # Every lesson, new labs included; the app is the dashboard alone, for Voila.
    for name in sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb") if p.name != APP):
        for cell in _read(NOTEBOOK_DIR / name)["cells"]:
            for task, seed in DASHBOARD_CELL.findall(_source(cell)):
                if task in adb.TASKS and "autosave" not in _source(cell):
                    found.append((name, task, int(seed) if seed else None))
    return found


def test_every_task_lab_has_a_dashboard_and_a_solution_control():
    labs = {name for name, _task, _seed in _lab_dashboards()}
    assert set(TEACHES.values()) <= labs
    for name in labs:
        assert any(SOLUTION_CONTROL in _source(c) for c in _read(NOTEBOOK_DIR / name)["cells"])


@pytest.mark.parametrize(("name", "task", "seed"), _lab_dashboards())
def test_no_lab_gives_away_the_fix_of_the_incident_its_dashboard_opens(name, task, seed):
    """Before its "Show the walk-through" control, a lab shows no reference-fix value."""
    import apidebug_nb as adb

    scenario = adb.load_scenario(task, seed)
    fragments = set()
    for issue in scenario.issues:
        fragments |= spoiler_fragments(issue.reference_fix)
    seen = []
    for cell in _read(NOTEBOOK_DIR / name)["cells"]:
        if SOLUTION_CONTROL in _source(cell):
            break
        seen.append(_source(cell))
        if cell["cell_type"] == "code":
            seen.extend(text_outputs(cell))
    text = "\n".join(seen)
    assert sorted(f for f in fragments if f in text) == [], f"{name} ({scenario.id})"


def test_spoiler_fragments_of_a_nested_fix():
    fix = {"retry": {"max_retries": 3, "retry_on": (429, 503)}, "base_url": "https://x/v2"}
    assert spoiler_fragments(fix) == {
        '"max_retries": 3',
        '"retry.max_retries": 3',
        "max_retries=3",
        "retry.max_retries=3",
        '"retry_on": [429, 503]',
        '"retry.retry_on": [429, 503]',
        "retry_on=[429, 503]",
        "retry.retry_on=[429, 503]",
        '"base_url": "https://x/v2"',
        "base_url=https://x/v2",
        "https://x/v2",
    }


def test_a_stored_dashboard_says_to_run_its_cell():
    """Before its cell runs, a dashboard is stored text: it says how to start it."""
    seen = 0
    for name in LESSONS + [APP]:
        for cell in _read(NOTEBOOK_DIR / name)["cells"]:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                text = _text(data.get("text/plain", ""))
                if "application/vnd.jupyter.widget-view+json" in data and "steps left" in text:
                    seen += 1
                    assert text.startswith(
                        "Run this cell to start the dashboard. Until then, its state in words:\n"
                    ), f"{name}: {text[:80]!r}"
    assert seen >= 7  # the labs' dashboards, the tour's two, the guide's and the app's
