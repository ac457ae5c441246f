"""The README's promises: its two opening commands, and that CI runs the second one."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def opening_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    return [b.strip() for b in blocks[:2]]


VENV = "python3 -m venv .venv && . .venv/bin/activate && "


def test_readme_opens_with_the_lab_and_the_test_command() -> None:
    lab, test = opening_commands()
    assert README.index(lab) < README.index("## ")  # before any section
    # Each makes its own virtual environment first: a fresh Debian refuses a bare pip install.
    assert lab == VENV + 'pip install -e ".[lab]" && apidebug-nb lab'
    assert test == VENV + 'pip install -e ".[test]" && python -m pytest'


def test_the_lab_command_exists_and_its_extra_brings_jupyterlab() -> None:
    from apidebug_nb.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    assert "lab" in commands
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lab_extra = pyproject["project"]["optional-dependencies"]["lab"]
    assert any(req.startswith("jupyterlab") for req in lab_extra)
    assert pyproject["project"]["scripts"]["apidebug-nb"] == "apidebug_nb.cli:main"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, test = opening_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()


REPO = "https://github.com/apidebug-nb/apidebug_nb"
BLOB = REPO + "/blob/main/"
RAW = "https://raw.githubusercontent.com/apidebug-nb/apidebug_nb/main/"
BINDER = "https://mybinder.org/v2/gh/apidebug-nb/apidebug_nb/main"
BADGE = "https://img.shields.io/badge/"


def links() -> list[tuple[bool, str, str]]:
    """Every Markdown link and image as ``(is_image, text, target)``; a badge gives both."""
    found = [(True, alt, url) for alt, url in re.findall(r"!\[([^\]]*)\]\(([^)\s]+)\)", README)]
    without_images = re.sub(r"!\[[^\]]*\]\([^)\s]+\)", "IMG", README)
    found += [
        (False, text, url) for text, url in re.findall(r"\[([^\]]*)\]\(([^)\s]+)\)", without_images)
    ]
    return found


def test_every_readme_link_is_absolute_so_it_works_on_pypi() -> None:
    targets = [url for _, _, url in links()]
    assert len(targets) >= 19
    relative = [url for url in targets if not url.startswith("https://")]
    assert not relative, f"relative links break on PyPI: {relative}"


def test_every_readme_image_exists_in_the_repository() -> None:
    images = [(alt, url) for is_image, alt, url in links() if is_image]
    assert len(images) == 13 + 2  # the pictures (one per notebook among them) and the two badges
    for alt, url in images:
        assert alt.strip(), f"every README image needs alt text: {url}"
        if url.startswith(BADGE):
            continue
        assert url.startswith(RAW), url
        assert (ROOT / url.removeprefix(RAW)).is_file(), url


def test_every_readme_link_into_the_repository_points_at_a_file() -> None:
    into = [url for is_image, _, url in links() if not is_image and url.startswith(BLOB)]
    assert len(into) >= 8  # seven notebooks, the Binder requirements, the JupyterHub recipe
    for url in into:
        assert (ROOT / url.removeprefix(BLOB)).is_file(), url


def test_binder_badges_open_start_here_in_jupyterlab_and_the_app_in_voila() -> None:
    badges = [url for is_image, _, url in links() if not is_image and url.startswith(BINDER)]
    assert badges == [
        BINDER + "?labpath=notebooks%2F00_start_here.ipynb",
        BINDER + "?urlpath=voila%2Frender%2Fnotebooks%2Fapp.ipynb",
    ]
    assert (ROOT / "notebooks" / "00_start_here.ipynb").is_file()
    assert (ROOT / "notebooks" / "app.ipynb").is_file()
    # Both badges stand before the opening commands, where a visitor looks first.
    assert all(README.index(url) < README.index("```bash") for url in badges)
    requirements = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").split()
    assert ".[lab]" in requirements and any(r.startswith("voila") for r in requirements)


def test_the_agents_section_closes_the_readme_and_its_example_runs():
    import subprocess

    import pytest

    pytest.importorskip("gymnasium")
    section = README[README.index("\n## Agents\n") :]
    assert "\n## " not in section[1:], "the Agents section is the last one"
    (code,) = re.findall(r"```python\n(.*?)\n```", section, flags=re.S)
    assert 15 <= len(code.splitlines()) <= 25  # a short example
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    random_line, baseline_line = out.stdout.splitlines()
    assert random_line.startswith("[step ")  # the text twin of the random agent's last step
    assert (
        baseline_line == "2 of 2 fixed"
    )  # the easy task has two problems; the baseline fixes both
