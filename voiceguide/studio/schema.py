"""What the editor's form is generated from (the format's JSON Schema), and a routine's kind."""

from __future__ import annotations

from typing import Any

from ..format.schema import json_schema
from ..model import Routine


def routine_schema() -> dict[str, Any]:
    """The routine format's JSON Schema, as ``voiceguide schema`` prints it."""
    return dict(json_schema())


def kind_of(routine: Routine) -> str:
    """The routine's declared kind, or what its exercises are (timed, counted or both)."""
    declared = getattr(routine, "kind", None)
    if isinstance(declared, str) and declared:
        return declared
    timed = {exercise.duration is not None for exercise in routine.exercises}
    return "timed" if timed == {True} else "counted" if timed == {False} else "mixed"
