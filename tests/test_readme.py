"""The README's promises: its two opening commands, and that CI runs the second one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def opening_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    return [b.strip() for b in blocks[:2]]


def test_readme_opens_with_the_lab_and_the_test_command() -> None:
    lab, test = opening_commands()
    assert README.index(lab) < README.index("## ")  # before any section
    notebook = re.search(r"jupyter lab (notebooks/\S+\.ipynb)", lab)
    assert notebook and (ROOT / notebook.group(1)).is_file()
    assert '".[test]"' in test and "pytest" in test


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, test = opening_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()


def test_every_readme_image_exists() -> None:
    for target in re.findall(r"!\[[^\]]+\]\(([^)]+)\)", README):
        assert (ROOT / target).is_file(), target
    for alt in re.findall(r"!\[([^\]]*)\]", README):
        assert alt.strip(), "every README image needs alt text"
