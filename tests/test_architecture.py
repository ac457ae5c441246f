"""The layers stay visible: imports flow only from lower layers to higher ones.

data (scenarios) -> model -> episode -> grading -> instructor -> views -> cli,
with a few foundation modules below everything. Core layers never import
ipywidgets or matplotlib, and every package directory is listed in pyproject.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "apidebug_nb"

# Lower number = lower layer. A module may import its own layer or lower ones.
LAYERS = {
    "apidebug_nb.errors": 0,
    "apidebug_nb._version": 0,
    "apidebug_nb.merge_patch": 0,
    "apidebug_nb.input_limits": 0,
    "apidebug_nb.input_files": 0,
    "apidebug_nb.notebook_files": 0,
    "apidebug_nb.scenarios": 1,
    "apidebug_nb.model": 2,
    "apidebug_nb.episode": 3,
    "apidebug_nb.grading": 4,
    "apidebug_nb.instructor": 5,
    "apidebug_nb.views": 6,
    "apidebug_nb.gym": 7,  # Gymnasium environments: episodes, generated scenarios, text views
    "apidebug_nb.cli": 7,
    "apidebug_nb.lab_launcher": 7,
    "apidebug_nb.__main__": 7,
    "apidebug_nb": 7,  # the package facade re-exports every layer
}
UI_LIBRARIES = ("ipywidgets", "anywidget", "matplotlib", "IPython")
# The public API promises ep.grade() and ep.transcript(); those two methods
# import the grading layer inside the method, so the episode module itself
# still loads without it. No other upward import is allowed.
ALLOWED_UPWARD = {
    # load_scenario derives each issue's masks from the pipeline (a model function).
    ("apidebug_nb.scenarios.catalogue", "apidebug_nb.model.simulation"),
    ("apidebug_nb.episode.episode", "apidebug_nb.grading.rubric"),
    ("apidebug_nb.episode.episode", "apidebug_nb.grading.transcript"),
}


def layer_of(module: str) -> int:
    best = None
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, layer)
    assert best is not None, f"{module} belongs to no layer; add it to LAYERS"
    return best[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_flow_downward(path: Path) -> None:
    me = module_name(path)
    mine = layer_of(me)
    for target in imports(path):
        if target.startswith("apidebug_nb") and (me, target) not in ALLOWED_UPWARD:
            assert layer_of(target) <= mine, f"{me} (layer {mine}) imports {target}, a higher layer"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_core_never_imports_ui_libraries(path: Path) -> None:
    me = module_name(path)
    if layer_of(me) >= LAYERS["apidebug_nb.views"]:
        return
    for target in imports(path):
        assert not target.startswith(UI_LIBRARIES), f"{me} imports {target}"


def test_every_package_directory_ships() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    assert on_disk <= listed, f"add to pyproject [tool.setuptools] packages: {on_disk - listed}"
