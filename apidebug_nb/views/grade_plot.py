"""The grade chart: the four dimensions and the total, each with its sentence.

Bars run from 0 to 1. The total bar is hatched as well as coloured, so it
stands apart without colour. The formula line under the title says how the
dimensions combine (process credit counts only as far as problems were fixed);
while nothing is fixed the process dimensions are greyed and say "not earned".
:meth:`apidebug_nb.grading.rubric.Grade.render_text` is the text twin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from apidebug_nb.views import figures
from apidebug_nb.views.palette import DIMENSION_COLOUR, INK, MUTED, TOTAL_COLOUR

if TYPE_CHECKING:
    from apidebug_nb.grading.rubric import Grade

FONT = 12
TITLE_FONT = 15
MARGIN = 0.25
BAR_IN = 3.2  # the length of a full (1.0) bar
ROW_IN = 0.5
FORMULA = (
    "score = 0.40·fix + fix × (0.25·strategy + 0.20·diagnosis + 0.15·efficiency) − hint penalty"
)
WEIGHT_TEXT = {"fix": "40%", "strategy": "25%", "diagnosis": "20%", "efficiency": "15%"}
#: The process dimensions: they count only as far as problems were fixed (the fix gate).
GATED = ("strategy", "diagnosis", "efficiency")
NOT_EARNED = "not earned: process credit counts only once something is fixed"


def gated_out(grade: Grade) -> set[str]:
    """The dimensions the fix gate zeroes: every process dimension while fix is 0."""
    if grade.dimensions.get("fix", 0.0) > 0:
        return set()
    return {name for name in GATED if name in grade.dimensions}


def grade_rows(grade: Grade) -> list[tuple[str, float | None, str, bool]]:
    """``(label, value, sentence, is_total)`` per bar, dimensions first, total last.

    A dimension the fix gate zeroes has value ``None`` (drawn greyed, "not earned"),
    never a full bar beside a total of 0.
    """
    gated = gated_out(grade)
    rows: list[tuple[str, float | None, str, bool]] = [
        (
            f"{name} ({WEIGHT_TEXT.get(name, '')})",
            None if name in gated else value,
            NOT_EARNED if name in gated else grade.sentences.get(name, ""),
            False,
        )
        for name, value in grade.dimensions.items()
    ]
    note = f"hint penalty −{grade.hint_penalty:.2f}" if grade.hint_penalty else "no hints used"
    rows.append(("total score", grade.score, f"{grade.steps_used} steps; {note}", True))
    return rows


def plot_grade(grade: Grade, ax: Axes | None = None) -> Axes:
    """Draw the grade: one bar per dimension and one for the total score.

    Args:
        grade: the result of ``episode.grade()``.
        ax: an Axes to draw into; by default a new figure.

    Returns:
        The Axes drawn into.
    """
    rows = grade_rows(grade)
    title = f"Grade: {grade.score:.2f} of 1.00"
    title_h = figures.text_size_in(title, TITLE_FONT, "bold")[1]
    formula_w, formula_h = figures.text_size_in(FORMULA, FONT * 0.85)
    label_w = max(figures.text_size_in(r[0], FONT, "bold")[0] for r in rows)
    value_w = figures.text_size_in("0.00", FONT, "bold")[0]
    sentence_w = max(figures.text_size_in(r[2], FONT)[0] for r in rows)
    bar_x = MARGIN + label_w + 0.2
    text_x = bar_x + BAR_IN + 0.15
    width = max(text_x + value_w + 0.2 + sentence_w + MARGIN, formula_w + 2 * MARGIN)
    top = -(MARGIN + title_h + 0.15 + formula_h + 0.3)
    height = -top + len(rows) * ROW_IN + 0.15 + MARGIN

    ax, ours = figures.axes_or_new(ax, width, height)
    figures.inch_canvas(ax, ours, width, height)
    ax.text(MARGIN, -MARGIN, title, fontsize=TITLE_FONT, weight="bold", va="top", color=INK)
    ax.text(
        MARGIN,
        -(MARGIN + title_h + 0.15),
        FORMULA,
        fontsize=FONT * 0.85,
        va="top",
        color=INK,
    )
    for k, (label, value, sentence, is_total) in enumerate(rows):
        y = top - (k + 0.5) * ROW_IN - (0.15 if is_total else 0.0)
        bar_h = ROW_IN * 0.62
        ax.add_patch(
            Rectangle(
                (bar_x, y - bar_h / 2),
                BAR_IN,
                bar_h,
                facecolor="#F2F2F2",
                edgecolor=MUTED,
                linewidth=0.8,
            )
        )
        ax.add_patch(
            Rectangle(
                (bar_x, y - bar_h / 2),
                BAR_IN * (0.0 if value is None else max(0.0, min(1.0, value))),
                bar_h,
                facecolor=TOTAL_COLOUR if is_total else DIMENSION_COLOUR,
                edgecolor=INK,
                linewidth=1.0,
                hatch="//" if is_total else None,
                gid=f"bar:{'total' if is_total else label.split()[0]}",
            )
        )
        weight = "bold" if is_total else "normal"
        ink = MUTED if value is None else INK
        ax.text(
            bar_x - 0.15, y, label, ha="right", va="center", fontsize=FONT, weight="bold", color=ink
        )
        shown = "—" if value is None else f"{value:.2f}"
        ax.text(text_x, y, shown, va="center", fontsize=FONT, weight="bold", color=ink)
        ax.text(
            text_x + value_w + 0.2,
            y,
            sentence,
            va="center",
            fontsize=FONT,
            weight=weight,
            style="italic" if value is None else "normal",
            color=ink,
        )
    return ax


def grade_text(grade: Grade) -> str:
    """The text twin of :func:`plot_grade` (the grade's own plain-text rendering)."""
    return grade.render_text()
