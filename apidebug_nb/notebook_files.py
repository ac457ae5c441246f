"""Where the teaching notebooks are: inside an installed wheel, or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def notebook_dir() -> Path:
    """The folder holding the shipped ``.ipynb`` notebooks.

    An installed wheel carries them as ``apidebug_nb/notebooks/``; an editable
    install from a checkout reads the repository's ``notebooks/`` folder.
    """
    for candidate in (_PACKAGE / "notebooks", _PACKAGE.parent / "notebooks"):
        if any(candidate.glob("*.ipynb")):
            return candidate
    raise FileNotFoundError(
        "the teaching notebooks were not found: reinstall apidebug_nb "
        "(pip install --force-reinstall apidebug_nb) or run from a source checkout"
    )


def notebook_paths() -> list[Path]:
    """Every shipped notebook, sorted by name (``00_start_here.ipynb`` first)."""
    return sorted(notebook_dir().glob("*.ipynb"))
