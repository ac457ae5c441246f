"""A different variant per student: a deterministic student -> seed mapping and its roster CSV.

The seed of a student is derived from SHA-256 of (salt, task, student id), so
it is the same in every process and on every machine, does not depend on who
else is on the roster (a late enrolment changes nobody's variant), and cannot
be guessed without the salt. Keep the salt private to the course.

>>> assign_variants(["ada", "grace"], "medium", salt="fall-2026")
{'ada': 341983919, 'grace': 266236209}
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from apidebug_nb.errors import ApiDebugError
from apidebug_nb.scenarios.catalogue import task_spec

SEED_RANGE = 1_000_000_000  # nine digits: collisions in a class are vanishingly rare
ROSTER_COLUMNS = ("student_id", "task", "seed", "scenario_id")


class RosterError(ApiDebugError, ValueError):
    """A student list or roster CSV is malformed (the message names the row)."""


def variant_seed(student_id: str, task: str, salt: str) -> int:
    """The seed of one student's variant of ``task``.

    >>> variant_seed("ada", "medium", "fall-2026") == variant_seed("ada", "medium", "fall-2026")
    True
    """
    digest = hashlib.sha256(f"apidebug_nb\0{salt}\0{task}\0{student_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SEED_RANGE


def assign_variants(student_ids: Iterable[str], task: str, salt: str) -> dict[str, int]:
    """Map each student id to the seed of their own variant of ``task``.

    Args:
        student_ids: unique, non-empty ids (e-mail, login, student number).
        task: a built-in task (``"easy"``, ``"medium"``, ``"hard"``).
        salt: a course-specific secret string; a new salt gives new variants.

    Returns:
        ``{student_id: seed}`` in the order given; play with
        ``load_scenario(task, seed)``.

    Raises:
        UnknownTaskError: for a task that does not exist.
        RosterError: for an empty, blank or duplicate id, or an empty salt.
    """
    task_spec(task)  # a clear error naming the valid tasks
    if not isinstance(salt, str) or not salt:
        raise RosterError("the salt must be a non-empty string, e.g. the course and term")
    if isinstance(student_ids, str):
        raise RosterError("student_ids must be a list of ids, not a single string")
    out: dict[str, int] = {}
    for n, sid in enumerate(student_ids, start=1):
        if not isinstance(sid, str) or not sid.strip() or sid != sid.strip():
            raise RosterError(
                f"student {n}: an id must be a non-empty string without surrounding spaces, "
                f"got {sid!r}"
            )
        if sid in out:
            raise RosterError(f"student {n}: {sid!r} is listed twice")
        out[sid] = variant_seed(sid, task, salt)
    return out


def roster_rows(assignments: Mapping[str, int], task: str) -> list[dict[str, object]]:
    """Roster rows (plain dicts with :data:`ROSTER_COLUMNS`) for ``assignments``."""
    return [
        {"student_id": sid, "task": task, "seed": seed, "scenario_id": f"{task}-{seed}"}
        for sid, seed in assignments.items()
    ]


def write_roster_csv(assignments: Mapping[str, int], task: str, path: str | Path) -> Path:
    """Write the roster as CSV (student_id, task, seed, scenario_id); returns the path."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=ROSTER_COLUMNS)
        writer.writeheader()
        writer.writerows(roster_rows(assignments, task))
    return path


def read_roster_csv(path: str | Path) -> dict[str, dict[str, object]]:
    """Read a roster CSV into ``{student_id: {"task": str, "seed": int}}``.

    Extra columns (names, e-mail) are allowed and ignored; student_id, task and
    seed are required.

    Raises:
        RosterError: naming the file and the line of the first bad row.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets often add a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path.name}: cannot read the roster: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ROSTER_COLUMNS[:3] if c not in (reader.fieldnames or [])]
    if missing:
        raise RosterError(
            f"{path.name}: the roster needs the columns {', '.join(ROSTER_COLUMNS[:3])}; "
            f"missing: {', '.join(missing)}"
        )
    out: dict[str, dict[str, object]] = {}
    for row in reader:
        line = reader.line_num
        sid = (row.get("student_id") or "").strip()
        task = (row.get("task") or "").strip()
        seed_text = (row.get("seed") or "").strip()
        if not sid:
            raise RosterError(f"{path.name}, line {line}: empty student_id")
        if sid in out:
            raise RosterError(f"{path.name}, line {line}: student {sid!r} is listed twice")
        try:
            task_spec(task)
        except ApiDebugError as exc:
            raise RosterError(f"{path.name}, line {line}: {exc}") from None
        if not seed_text.isdigit():
            raise RosterError(
                f"{path.name}, line {line}: seed must be a non-negative integer, got {seed_text!r}"
            )
        out[sid] = {"task": task, "seed": int(seed_text)}
    return out
