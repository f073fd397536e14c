"""Customization: the user's choices (level, rep counts) applied to a routine before compiling.

Pure: a Routine and a Customization in, a new Routine out, with every range resolved to one value.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from .errors import InputError
from .load import MAX_REPS
from .model import Exercise, Hold, Level, Range, Routine


@dataclass(frozen=True)
class Customization:
    """What to change: ``level`` picks from ranges; ``reps`` sets an exercise's reps by id."""

    level: Level = "standard"
    reps: Mapping[str, int] = field(default_factory=dict)


def unknown_id_error(exercise_id: str, routine: Routine, option: str) -> InputError:
    """An error for an exercise id the routine does not have, with the nearest valid one."""
    ids = [exercise.id for exercise in routine.exercises]
    close = difflib.get_close_matches(exercise_id, ids, n=1, cutoff=0.5)
    guess = f" Did you mean '{close[0]}'?" if close else ""
    return InputError(f"{option}: no exercise with the id '{exercise_id}'.{guess}\n"
                      f"  Valid ids: {', '.join(ids)}")


def customize(routine: Routine, choices: Customization | None = None) -> Routine:
    """The routine with ``choices`` applied and every range resolved to a single value."""
    choices = choices or Customization()
    for exercise_id, count in choices.reps.items():
        if exercise_id not in {exercise.id for exercise in routine.exercises}:
            raise unknown_id_error(exercise_id, routine, "--reps")
        if not 1 <= count <= MAX_REPS:
            raise InputError(f"--reps: {count} reps for '{exercise_id}' is out of range; "
                             f"allowed: 1 to {MAX_REPS}")
    return replace(routine, exercises=tuple(
        _resolve(exercise, choices) for exercise in routine.exercises))


def _resolve(exercise: Exercise, choices: Customization) -> Exercise:
    level = choices.level
    reps = exercise.reps
    if exercise.id in choices.reps:
        reps = Range(choices.reps[exercise.id], choices.reps[exercise.id])
    elif reps is not None:
        reps = Range(reps.pick(level), reps.pick(level))
    rep = tuple(
        Hold(Range(phase.seconds.pick(level), phase.seconds.pick(level)))
        if isinstance(phase, Hold) else phase
        for phase in exercise.rep
    )
    return replace(exercise, reps=reps, rep=rep)
