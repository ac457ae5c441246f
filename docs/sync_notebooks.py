"""Write the notebooks in ``notebooks/`` from their text sources in ``notebooks/src/``.

Each notebook is authored as a Python file in Jupytext's percent format
(``notebooks/src/<name>.py``): ``# %%`` starts a code cell, ``# %% [markdown]``
a markdown cell, and ``# %% tags=["nbval-skip"]`` gives a cell its tags (the
test plumbing lives there, never in what learners read). The sources are
linted and formatted by ruff like the rest of the code. Cells tagged
``solution`` (a worked solution of the incident the lab's dashboard opens) are
left out of the learner's notebook and kept in the instructor's copy,
``notebooks/instructor/<name>.ipynb``, built from the same source. This script
turns each source into its ``.ipynb`` (and instructor copy), keeping the stored
outputs of every code cell whose text did not change::

    python docs/sync_notebooks.py            # every source -> its notebook
    python docs/sync_notebooks.py 01_easy    # only the sources whose name starts so
    python docs/sync_notebooks.py --check    # exit 1 if a notebook and its source differ

Then store fresh outputs by executing the notebooks, and check them strictly::

    cd notebooks && jupyter nbconvert --to notebook --execute --inplace \\
        --ExecutePreprocessor.store_widget_state=False *.ipynb
    cd .. && pytest -p no:randomly notebooks/

(Widget state is not stored: it would only repeat what the kernel rebuilds,
and it makes the files large and their diffs noisy.) A teacher who edits a
notebook in JupyterLab can carry the edit back with
``jupytext --to py:percent --opt notebook_metadata_filter=-all
--opt cell_metadata_filter=tags -o notebooks/src/NAME.py notebooks/NAME.ipynb``.

Needs ``jupytext`` and ``nbformat`` (the ``test`` and ``lab`` extras); it does
not import apidebug_nb.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SOURCE_DIR = NOTEBOOK_DIR / "src"
FORMAT = "py:percent"
INSTRUCTOR_DIR = NOTEBOOK_DIR / "instructor"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: Tag of a cell only the instructor's copy has.
SOLUTION_TAG = "solution"


def sources(prefixes: list[str] | None = None) -> list[Path]:
    """The text sources, sorted; with ``prefixes``, those whose stem starts with one."""
    found = sorted(SOURCE_DIR.glob("*.py"))
    if prefixes:
        found = [p for p in found if any(p.stem.startswith(x) for x in prefixes)]
    return found


def notebook_path(source: Path, instructor: bool = False) -> Path:
    """``notebooks/src/NAME.py`` -> ``notebooks/NAME.ipynb`` (or ``notebooks/instructor/...``)."""
    folder = source.parent.parent
    return (folder / "instructor" if instructor else folder) / f"{source.stem}.ipynb"


def has_solutions(source: Path) -> bool:
    """Whether ``source`` has cells for the instructor's copy only."""
    return any(SOLUTION_TAG in _tags(c) for c in _read_source(source).cells)


def _read_source(source: Path) -> nbformat.NotebookNode:
    return jupytext.reads(source.read_text(encoding="utf-8"), fmt=FORMAT)


def targets(source: Path) -> list[tuple[Path, bool]]:
    """``(notebook, is the instructor's copy)`` for every notebook ``source`` makes."""
    made = [(notebook_path(source), False)]
    if has_solutions(source):
        made.append((notebook_path(source, instructor=True), True))
    return made


def _text(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def from_source(source: Path, instructor: bool = False) -> nbformat.NotebookNode:
    """The notebook a source describes: cells, tags and fixed metadata, no outputs yet.

    The learner's notebook (the default) leaves out the cells tagged ``solution``.
    """
    nb = _read_source(source)
    if not instructor:
        nb.cells = [c for c in nb.cells if SOLUTION_TAG not in _tags(c)]
    nb.metadata = nbformat.from_dict(
        {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    )
    prefix = source.stem.split("_")[0][:3]
    for n, cell in enumerate(nb.cells):
        tags = _tags(cell)
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})
        cell["id"] = f"{prefix}-{n:03d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def keep_outputs(new: nbformat.NotebookNode, old: nbformat.NotebookNode) -> None:
    """Give every code cell of ``new`` the stored outputs of the same code in ``old``."""
    old_code = [c for c in old.cells if c.cell_type == "code"]
    new_code = [c for c in new.cells if c.cell_type == "code"]
    matcher = difflib.SequenceMatcher(
        a=[_text(c) for c in old_code], b=[_text(c) for c in new_code], autojunk=False
    )
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            before, after = old_code[block.a + k], new_code[block.b + k]
            after.outputs = before.get("outputs", [])
            after.execution_count = before.get("execution_count")


def sync(source: Path) -> list[Path]:
    """Write ``source``'s notebooks, keeping the outputs of unchanged code cells."""
    written = []
    for target, instructor in targets(source):
        nb = from_source(source, instructor)
        if target.exists():
            keep_outputs(nb, nbformat.read(target, as_version=4))
        nbformat.validate(nb)
        target.parent.mkdir(exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    return written


def differences(source: Path) -> list[str]:
    """How ``source`` and its notebook disagree (cells, tags, kernel); empty if they agree.

    Outputs are not compared: nbval checks those.
    """
    found = []
    for target, instructor in targets(source):
        found += _differences(source, target, instructor)
    return found


def _differences(source: Path, target: Path, instructor: bool) -> list[str]:
    label = f"instructor/{target.name}" if instructor else target.name
    if not target.exists():
        return [f"{label} is missing"]
    want, have = from_source(source, instructor), nbformat.read(target, as_version=4)
    found = []
    if have.metadata.get("kernelspec") != want.metadata["kernelspec"]:
        found.append(f"{label}: the kernelspec differs")
    for n, (a, b) in enumerate(zip(want.cells, have.cells, strict=False)):
        if (a.cell_type, _text(a), _tags(a)) != (b.cell_type, _text(b), _tags(b)):
            first = (_text(a).splitlines() or [""])[0][:60]
            found.append(f"{label}: cell {n} differs from the source (source: {first!r})")
            break
    if len(want.cells) != len(have.cells):
        found.append(f"{label}: {len(have.cells)} cells, the source has {len(want.cells)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="source name prefixes (default: all)")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if anything differs"
    )
    args = parser.parse_args(argv)
    chosen = sources(args.names)
    if not chosen:
        print(f"no sources match in {SOURCE_DIR}", file=sys.stderr)
        return 2
    if args.check:
        found = [d for s in chosen for d in differences(s)]
        for line in found:
            print(line)
        if found:
            print("run: python docs/sync_notebooks.py", file=sys.stderr)
        return 1 if found else 0
    for source in chosen:
        for target in sync(source):
            print("wrote", target.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
