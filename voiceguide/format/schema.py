"""The routine format, declared once: every key, its type, range, default, description and example.

The loader (``voiceguide.format.load``) takes its keys, limits and messages from here; the JSON
Schema (``json_schema()``, printed by ``voiceguide schema`` and shipped as
``templates/routine.schema.json``) and the README's format reference (``markdown_reference()``)
are generated from it, and a test keeps both in step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "texts", "seconds", "integer", "range", "choice", "slug", "language",
               "object", "list", "boolean", "phrases"]

MAX_TEXT_CHARS = 5_000
MAX_REPS = 1_000
MAX_SETS = 100
MAX_SECONDS = 3_600.0
MAX_SESSION_HOURS = 12
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$"
RANGE_PATTERN = r"^\s*\d+\s*(?:-|–|to)\s*\d+\s*$"
SCHEMA_ID = "https://voiceguide.invalid/routine.schema.json"


@dataclass(frozen=True)
class Key:
    """One key of a mapping.

    ``kind`` says what its value is (``seconds`` is a number of seconds, ``range`` a whole number
    or a range such as ``12-15``, ``texts`` one text or a list of texts); ``minimum``/``maximum``
    bound numbers (``zero`` says whether 0 is allowed); ``of`` names the mapping a value (or each
    item of a list) is; ``default`` is what an absent key means (None: nothing)."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    default: object = None
    minimum: float = 0
    maximum: float = MAX_SECONDS
    zero: bool = False
    choices: tuple[str, ...] = ()
    of: tuple[str, ...] = ()
    example: object = None
    min_items: int = 0


@dataclass(frozen=True)
class Mapping:
    """A mapping of keys, such as the routine itself or one exercise."""

    name: str
    title: str
    description: str
    keys: tuple[Key, ...]
    # a key whose presence picks this mapping among others allowed at the same place
    marker: str | None = None
    # groups of keys of which exactly one must be present (a counted or a timed exercise)
    one_of: tuple[tuple[str, ...], ...] = field(default=())

    def key(self, name: str) -> Key:
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys if key.required)


def _seconds(name: str, description: str, default: float | None = None, *, zero: bool = True,
             maximum: float = MAX_SECONDS, example: object = None) -> Key:
    return Key(name, "seconds", description, default=default, zero=zero, maximum=maximum,
               example=example)


TEXT_NOTE = f"text up to {MAX_TEXT_CHARS} characters"

ROUTINE = Mapping("routine", "Routine", "A whole session: what is said before, the exercises in "
                  "order, and what is said after.", (
    Key("title", "text", "The session's name: said first and written as the file's title tag.",
        required=True, example="Morning mobility"),
    Key("author", "text", "Who wrote the routine: written as the file's artist tag.",
        example="Jane Doe, physiotherapist"),
    Key("language", "language", "The routine's language: picks templates/phrases/<language>.yaml "
        "and its voice (en, de, es, fr ship).", default="en", example="en"),
    Key("description", "text", "What the session is: the file's comment tag; shown, not said.",
        example="Ten minutes to wake up the back."),
    Key("intro", "texts", "Said first, after the title: one text or a list of paragraphs.",
        example=["Good morning."]),
    Key("safety", "texts", "Said after the intro, after \"A word on safety.\".",
        example="Stop if anything hurts."),
    Key("outro", "texts", "Said last.", example="Well done."),
    Key("defaults", "object", "Timings shared by every exercise unless it sets its own.",
        of=("defaults",)),
    Key("exercises", "list", "The exercises, in order: at least one.", required=True,
        of=("exercise",), min_items=1),
    Key("derived_from", "text", "For a saved variant: the source file and the options that made "
        "it (`voiceguide customize` writes it)."),
))

DEFAULTS = Mapping("defaults", "Defaults", "Timings shared by every exercise unless an exercise "
                   "sets its own, in seconds.", (
    _seconds("rest", "Rest between exercises.", 20.0, example=20),
    _seconds("rest_between_sets", "Rest between sets.", 30.0, example=30),
    _seconds("changeover", "Pause to switch sides.", 5.0, example=5),
    Key("get_ready", "integer", "The countdown at the end of every rest (0: none).", default=3,
        zero=True, maximum=10, example=3),
    _seconds("pause", "Silence after each sentence of narration.", 1.0, maximum=60, example=1.0),
    _seconds("beat", "Seconds between counted numbers (holds, countdowns); a saved variant "
             "carries its tempo here.", 1.0, zero=False, maximum=4),
))

EXERCISE = Mapping("exercise", "Exercise", "One exercise: counted reps of timed phases (`reps` "
                   "and `rep`), or a timed interval (`duration`).", (
    Key("id", "slug", "A unique slug (lowercase letters, digits, dashes): names the exercise in "
        "options such as --reps ID=N.", required=True, example="bridge"),
    Key("name", "text", "Said when the exercise starts.", required=True, example="Glute bridge"),
    Key("description", "text", "What the exercise is for: shown, not said.",
        example="Lifts the hips."),
    Key("equipment", "texts", "What is needed (\"You will need: a mat.\").", example="a mat"),
    Key("setup", "texts", "Said before the first rep.",
        example=["Lie on your back, knees bent."]),
    Key("tip", "text", "Said after the setup (\"Tip: ...\").", example="Keep your back flat."),
    Key("reps", "range", "How many repetitions: a whole number or a range such as 12-15 (the "
        "level picks from it).", maximum=MAX_REPS, example="10-12"),
    _seconds("duration", "A timed exercise instead of reps: its length.", zero=False,
             example=30),
    Key("sides", "choice", "none; each: all reps (or the duration) on one side, then the other; "
        "alternate: reps alternate right and left.", default="none",
        choices=("none", "each", "alternate"), example="none"),
    Key("sets", "integer", "How many times the whole exercise is done.", default=1, minimum=1,
        maximum=MAX_SETS, example=2),
    _seconds("rest_between_sets", "Overrides defaults.rest_between_sets.", example=20),
    _seconds("rest", "The rest after this exercise (overrides defaults.rest).", example=15),
    _seconds("changeover", "Overrides defaults.changeover.", example=5),
    Key("rep", "list", "The timed phases of one repetition, in order: cues and holds.",
        of=("cue", "hold"), min_items=1),
), one_of=(("reps", "duration"),))

CUE = Mapping("cue", "Cue", "A phase of a rep: its text is said at the start of a phase lasting "
              "`seconds`, speech included.", (
    Key("say", "text", "What is said.", required=True, example="Lift your hips."),
    _seconds("seconds", "How long the phase lasts from its start.", zero=False, example=3),
), marker="say")

HOLD = Mapping("hold", "Hold", "A hold: \"Hold.\" on its first second, then the others counted "
               "down, each number on its second.", (
    Key("hold", "range", "How many seconds: a whole number or a range such as 3-5.",
        required=True, maximum=MAX_SECONDS, example=5),
), marker="hold")

MAPPINGS: dict[str, Mapping] = {m.name: m for m in (ROUTINE, DEFAULTS, EXERCISE, CUE, HOLD)}


# --- the JSON Schema ------------------------------------------------------------------------------

def _ref(name: str) -> dict[str, object]:
    return {"$ref": f"#/$defs/{name}"}


def _text_schema() -> dict[str, object]:
    return {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS}


def _number_schema(key: Key, integer: bool) -> dict[str, object]:
    schema: dict[str, object] = {"type": "integer" if integer else "number"}
    low = max(key.minimum, 0)
    if key.zero or low > 0:
        schema["minimum"] = low
    else:
        schema["exclusiveMinimum"] = 0
    schema["maximum"] = int(key.maximum) if integer else key.maximum
    return schema


def _value_schema(key: Key) -> dict[str, object]:
    kind = key.kind
    if kind == "text":
        return _text_schema()
    if kind == "texts":
        return {"anyOf": [_text_schema(), {"type": "array", "items": _text_schema(),
                                           "minItems": 1}]}
    if kind == "seconds":
        return _number_schema(key, integer=False)
    if kind == "integer":
        return _number_schema(key, integer=True)
    if kind == "range":
        return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": int(key.maximum)},
                          {"type": "string", "pattern": RANGE_PATTERN}]}
    if kind == "choice":
        return {"type": "string", "enum": list(key.choices)}
    if kind == "slug":
        return {"type": "string", "pattern": SLUG_PATTERN}
    if kind == "language":
        return {"type": "string", "pattern": LANGUAGE_PATTERN}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "phrases":
        return {"type": "object", "additionalProperties": _text_schema()}
    if kind == "object":
        return _ref(key.of[0])
    if kind == "list":
        items = _ref(key.of[0]) if len(key.of) == 1 else {"oneOf": [_ref(n) for n in key.of]}
        schema: dict[str, object] = {"type": "array", "items": items}
        if key.min_items:
            schema["minItems"] = key.min_items
        return schema
    raise AssertionError(kind)


def _mapping_schema(mapping: Mapping) -> dict[str, object]:
    properties: dict[str, object] = {}
    for key in mapping.keys:
        schema = _value_schema(key)
        schema = {**schema, "description": key.description}
        if key.default is not None:
            schema["default"] = key.default
        if key.example is not None:
            schema["examples"] = [key.example]
        properties[key.name] = schema
    result: dict[str, object] = {"type": "object", "title": mapping.title,
                                 "description": mapping.description,
                                 "properties": properties, "additionalProperties": False}
    if mapping.required:
        result["required"] = list(mapping.required)
    for group in mapping.one_of:
        result["oneOf"] = [{"required": [name]} for name in group]
    return result


def json_schema() -> dict[str, object]:
    """The routine format as a JSON Schema (draft 2020-12) dict: for editors (through the
    ``# yaml-language-server: $schema=`` line) and for forms generated from it."""
    schema: dict[str, object] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
    }
    schema.update(_mapping_schema(ROUTINE))
    schema["$defs"] = {name: _mapping_schema(m) for name, m in MAPPINGS.items()
                       if m is not ROUTINE}
    return schema


def json_schema_text() -> str:
    """``json_schema()`` as the text of ``templates/routine.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# --- the README reference -----------------------------------------------------------------------

def _type_words(key: Key) -> str:
    kind = key.kind
    if kind in ("seconds", "integer"):
        low = f"{max(key.minimum, 0):g}" if key.zero or key.minimum > 0 else "above 0"
        unit = "seconds" if kind == "seconds" else "whole number"
        return f"{unit}, {low} to {key.maximum:g}"
    words = {
        "text": TEXT_NOTE, "texts": f"{TEXT_NOTE}, or a list of them",
        "range": f"whole number or range (`12-15`), 1 to {key.maximum:g}",
        "slug": "slug (`a-z`, `0-9`, `-`)", "language": "language code (`en`, `de-AT`)",
        "boolean": "true or false", "phrases": "phrase key: text",
        "choice": " \\| ".join(f"`{c}`" for c in key.choices),
    }
    if kind in words:
        return words[kind]
    names = " or ".join(f"[{MAPPINGS[n].title}](#{MAPPINGS[n].title.lower()})" for n in key.of)
    return f"list of {names}" if kind == "list" else names


def _mappings_in_order() -> Iterator[Mapping]:
    seen: list[str] = []
    queue = ["routine"]
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.append(name)
        yield MAPPINGS[name]
        queue += [n for key in MAPPINGS[name].keys for n in key.of]


def markdown_reference() -> str:
    """The README's format reference: one table per mapping, generated from the declaration."""
    parts: list[str] = []
    for mapping in _mappings_in_order():
        lines = [f"#### {mapping.title}", "", mapping.description, "",
                 "| key | value | default | meaning |", "|---|---|---|---|"]
        for key in mapping.keys:
            default = "required" if key.required else (
                "" if key.default is None else f"`{key.default}`")
            lines.append(f"| `{key.name}` | {_type_words(key)} | {default} | "
                         f"{key.description} |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)
