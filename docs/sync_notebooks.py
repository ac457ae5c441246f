"""Write the notebooks in ``notebooks/`` from their text sources in ``notebooks/src/``.

Each notebook is authored as a Python file in Jupytext's percent format
(``notebooks/src/<name>.py``): ``# %%`` starts a code cell, ``# %% [markdown]``
a markdown cell, and ``# %% tags=["nbval-skip"]`` gives a cell its tags (the
test plumbing lives there, never in what learners read). The sources are
linted and formatted by ruff like the rest of the code. This script turns each
source into its ``.ipynb``, keeping the stored outputs of every code cell whose
text did not change::

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
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def sources(prefixes: list[str] | None = None) -> list[Path]:
    """The text sources, sorted; with ``prefixes``, those whose stem starts with one."""
    found = sorted(SOURCE_DIR.glob("*.py"))
    if prefixes:
        found = [p for p in found if any(p.stem.startswith(x) for x in prefixes)]
    return found


def notebook_path(source: Path) -> Path:
    """``notebooks/src/NAME.py`` -> ``notebooks/NAME.ipynb``."""
    return source.parent.parent / f"{source.stem}.ipynb"


def _text(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def from_source(source: Path) -> nbformat.NotebookNode:
    """The notebook a source describes: cells, tags and fixed metadata, no outputs yet."""
    nb = jupytext.reads(source.read_text(encoding="utf-8"), fmt=FORMAT)
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


def sync(source: Path) -> Path:
    """Write ``source``'s notebook, keeping the outputs of unchanged code cells."""
    target = notebook_path(source)
    nb = from_source(source)
    if target.exists():
        keep_outputs(nb, nbformat.read(target, as_version=4))
    nbformat.validate(nb)
    nbformat.write(nb, target)
    return target


def differences(source: Path) -> list[str]:
    """How ``source`` and its notebook disagree (cells, tags, kernel); empty if they agree.

    Outputs are not compared: nbval checks those.
    """
    target = notebook_path(source)
    if not target.exists():
        return [f"{target.name} is missing"]
    want, have = from_source(source), nbformat.read(target, as_version=4)
    found = []
    if have.metadata.get("kernelspec") != want.metadata["kernelspec"]:
        found.append(f"{target.name}: the kernelspec differs")
    for n, (a, b) in enumerate(zip(want.cells, have.cells, strict=False)):
        if (a.cell_type, _text(a), _tags(a)) != (b.cell_type, _text(b), _tags(b)):
            first = (_text(a).splitlines() or [""])[0][:60]
            found.append(f"{target.name}: cell {n} differs from the source (source: {first!r})")
            break
    if len(want.cells) != len(have.cells):
        found.append(f"{target.name}: {len(have.cells)} cells, the source has {len(want.cells)}")
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
        print("wrote", sync(source).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
