"""The JSON Schema the editor's form is generated from, and a routine's kind for the library.

The form covers whatever the schema declares: the format's own schema when the package ships
one (``voiceguide.format.schema``), else the schema of the format as ``format/load.py`` reads
it, written out here.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..format.load import MAX_REPS, MAX_SECONDS, MAX_SETS, MAX_TEXT_CHARS
from ..model import Routine

TEXT: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS}
TEXTS: dict[str, Any] = {"anyOf": [
    {**TEXT, "title": "one text"},
    {"type": "array", "title": "a list", "items": TEXT, "minItems": 1},
]}


def seconds(title: str, description: str = "", zero: bool = True,
            maximum: float = MAX_SECONDS) -> dict[str, Any]:
    bound = {"minimum": 0} if zero else {"exclusiveMinimum": 0}
    return {"type": "number", "title": title, "description": description, **bound,
            "maximum": maximum}


def count_or_range(title: str, maximum: int, description: str) -> dict[str, Any]:
    return {"title": title, "description": description, "anyOf": [
        {"type": "integer", "title": "a number", "minimum": 1, "maximum": maximum},
        {"type": "string", "title": "a range", "pattern": r"^\s*\d+\s*(-|–|to)\s*\d+\s*$",
         "examples": ["12-15"]},
    ]}


FALLBACK: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "voiceguide routine",
    "type": "object",
    "required": ["title", "exercises"],
    "additionalProperties": False,
    "properties": {
        "title": {**TEXT, "title": "Title", "description": "Said first."},
        "author": {**TEXT, "title": "Author", "description": "Written as the file's artist."},
        "language": {"type": "string", "title": "Language", "enum": ["en", "de", "es", "fr"],
                     "default": "en"},
        "description": {**TEXT, "title": "Description", "description": "Shown, not said."},
        "intro": {**TEXTS, "title": "Intro", "description": "Said after the title."},
        "safety": {**TEXTS, "title": "Safety advice", "description": "Said after the intro."},
        "outro": {**TEXTS, "title": "Outro", "description": "Said last."},
        "defaults": {
            "type": "object", "title": "Defaults", "additionalProperties": False,
            "properties": {
                "rest": seconds("Rest between exercises", "Seconds (default 20)."),
                "rest_between_sets": seconds("Rest between sets", "Seconds (default 30)."),
                "changeover": seconds("Pause to switch sides", "Seconds (default 5)."),
                "get_ready": {"type": "integer", "title": "Get-ready countdown", "minimum": 0,
                              "maximum": 10, "description": "Counted at the end of every rest "
                              "(default 3)."},
                "pause": seconds("Pause after narration", "Seconds (default 1).", maximum=60),
                "beat": seconds("Beat", "Seconds between counted numbers (default 1).",
                                zero=False, maximum=4),
            },
        },
        "exercises": {
            "type": "array", "title": "Exercises", "minItems": 1,
            "items": {
                "type": "object", "title": "Exercise", "additionalProperties": False,
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "string", "title": "Id", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
                           "description": "A unique slug: lowercase letters, digits, dashes."},
                    "name": {**TEXT, "title": "Name", "description": "Said when it starts."},
                    "description": {**TEXT, "title": "Description"},
                    "equipment": {**TEXTS, "title": "Equipment"},
                    "setup": {**TEXTS, "title": "Setup", "description": "Said before the first "
                              "rep."},
                    "tip": {**TEXT, "title": "Tip"},
                    "duration": seconds("Duration", "Seconds of a timed exercise (instead of "
                                        "reps).", zero=False),
                    "reps": count_or_range("Reps", MAX_REPS, "A number or a range such as "
                                           "12-15."),
                    "rep": {
                        "type": "array", "title": "Phases of one rep", "minItems": 1,
                        "items": {"anyOf": [
                            {"type": "object", "title": "cue", "required": ["say", "seconds"],
                             "additionalProperties": False, "properties": {
                                 "say": {**TEXT, "title": "Say"},
                                 "seconds": seconds("Seconds", zero=False)}},
                            {"type": "object", "title": "hold", "required": ["hold"],
                             "additionalProperties": False, "properties": {
                                 "hold": count_or_range("Hold, seconds", int(MAX_SECONDS),
                                                        "A number or a range such as 3-5.")}},
                        ]},
                    },
                    "sides": {"type": "string", "title": "Sides",
                              "enum": ["none", "each", "alternate"], "default": "none"},
                    "sets": {"type": "integer", "title": "Sets", "minimum": 1,
                             "maximum": MAX_SETS, "default": 1},
                    "rest_between_sets": seconds("Rest between sets"),
                    "rest": seconds("Rest after this exercise"),
                    "changeover": seconds("Pause to switch sides"),
                },
            },
        },
        "derived_from": {**TEXT, "title": "Derived from",
                         "description": "Where a saved variant comes from."},
    },
}


def routine_schema() -> dict[str, Any]:
    """The routine format's JSON Schema: the format's own when it declares one."""
    try:
        module = importlib.import_module("voiceguide.format.schema")
    except ImportError:
        return FALLBACK
    for name in ("json_schema", "routine_schema", "schema"):
        function = getattr(module, name, None)
        if callable(function):
            value = function()
            if isinstance(value, dict):
                return value
    return FALLBACK


def kind_of(routine: Routine) -> str:
    """The routine's declared kind, or what its exercises are (timed, counted or both)."""
    declared = getattr(routine, "kind", None)
    if isinstance(declared, str) and declared:
        return declared
    timed = {exercise.duration is not None for exercise in routine.exercises}
    return "timed" if timed == {True} else "counted" if timed == {False} else "mixed"
