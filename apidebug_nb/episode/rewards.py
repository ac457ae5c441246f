"""Reward shaping for agents as small composable pieces.

Each piece maps a :class:`StepOutcome` to a number; the reward of a step is
their sum. ``REWARD_PIECES`` is the default rubric; pass another tuple to
:class:`~apidebug_nb.episode.episode.Episode` to experiment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apidebug_nb.episode.actions import INSPECT_KINDS
from apidebug_nb.episode.outcome import StepOutcome


@dataclass(frozen=True)
class RewardPiece:
    """A named part of the reward: ``score`` maps a step's outcome to a number.

    The name is the piece's own field, so two pieces built from lambdas
    still keep two keys in ``info["reward_parts"]``.
    """

    name: str
    score: Callable[[StepOutcome], float]

    def __call__(self, o: StepOutcome) -> float:
        return self.score(o)


def step_cost(o: StepOutcome) -> float:
    """Every step costs a little, whatever it does."""
    return -0.01


def inspection_value(o: StepOutcome) -> float:
    """+0.03 per visible, unresolved problem whose evidence this look shows for the first
    time; -0.02 for a repeat with nothing changed; nothing otherwise.

    A config change does not make old evidence new: once a problem's evidence has
    been seen, looking again (after any number of harmless edits) earns nothing.
    """
    if o.kind not in INSPECT_KINDS or not o.accepted:
        return 0.0
    if o.repeat:
        return -0.02
    return 0.03 * len(o.new_evidence)


def resolution_reward(o: StepOutcome) -> float:
    """+0.25 per resolved issue, +0.05 more if its service was inspected first."""
    return 0.25 * len(o.resolved) + 0.05 * len(o.resolved_inspected)


def rejection_penalty(o: StepOutcome) -> float:
    """A rejected action (bad service, bad patch, refused edit) costs extra."""
    return 0.0 if o.accepted else -0.05


def reopen_penalty(o: StepOutcome) -> float:
    """Breaking a resolved issue again undoes its reward."""
    return -0.25 * len(o.reopened)


def near_miss_credit(o: StepOutcome) -> float:
    """Touching the right setting earns a little, at most once per issue."""
    return 0.02 * len(o.near_miss)


def completion_bonus(o: StepOutcome) -> float:
    """Paid once, on the step that resolves the last issue."""
    return 0.5 if o.completed else 0.0


REWARD_PIECES: tuple[RewardPiece, ...] = tuple(
    RewardPiece(f.__name__, f)
    for f in (
        step_cost,
        inspection_value,
        resolution_reward,
        rejection_penalty,
        reopen_penalty,
        near_miss_credit,
        completion_bonus,
    )
)


def reward(
    o: StepOutcome, pieces: tuple[RewardPiece, ...] = REWARD_PIECES
) -> tuple[float, dict[str, float]]:
    """The step's reward and each piece's share (for ``info``), keyed by piece name."""
    parts = {}
    total = 0.0
    for piece in pieces:
        parts[piece.name] = value = piece.score(o)
        total += value
    rounded = _ROUNDED.get(total)
    if rounded is None:  # round(x, 6) is slow, and a step's total takes few values
        if len(_ROUNDED) >= 4096:
            _ROUNDED.clear()
        rounded = _ROUNDED[total] = round(total, 6)
    return rounded, parts


_ROUNDED: dict[float, float] = {}


def check_pieces(pieces: object) -> tuple[RewardPiece, ...]:
    """``pieces`` as a tuple of :class:`RewardPiece` with distinct names, or a TypeError/ValueError."""
    if pieces is REWARD_PIECES:
        return pieces
    if not isinstance(pieces, tuple | list) or not all(isinstance(p, RewardPiece) for p in pieces):
        raise TypeError(
            "reward_pieces takes a tuple of RewardPiece(name, score) records, "
            "e.g. (RewardPiece('step_cost', lambda o: -0.01),)"
        )
    names = [p.name for p in pieces]
    if len(set(names)) != len(names):
        raise ValueError(f"reward piece names must be distinct, got {names}")
    return tuple(pieces)
