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
HOLD_COUNTS = ("auto", "every", "last", "tens", "silent")
# The phrase keys of templates/phrases/*.yaml: every phrase file has them all, and a routine's
# `phrases:` may override any of them.
PHRASE_KEYS = (
    "welcome", "safety", "exercise", "equipment", "setup", "tip", "plan_reps", "plan_reps_each",
    "plan_reps_alternate", "plan_duration", "plan_duration_each", "plan_sets", "set",
    "first_side", "switch_sides", "begin", "rep", "last_rep", "rep_right", "rep_left",
    "last_rep_left", "hold", "count", "halfway", "time", "done", "rest",
    "rest_set", "finish", "closing", "introduction",
    "get_ready", "round", "rest_round", "again", "plan_rounds", "rep_numbered", "seconds_left",
    "side_right", "side_left", "first_side_left", "switch_sides_right", "only_right",
    "only_left", "plan_duration_half", "switch_now", "plan_own_pace", "change_in",
    "breathe_in", "breathe_hold", "breathe_out", "breathe_hold_out", "plan_breaths",
    "duration_seconds", "duration_minutes", "duration_both", "summary_reps", "summary_each",
    "summary_seconds", "summary_round", "summary_breaths",
)


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
    empty: bool = False  # text that may be "" (say nothing)


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
    required_keys: tuple[str, ...] = ()  # required, beside those marked required

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys
                     if key.required or key.name in self.required_keys)

    def key(self, name: str) -> Key:
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys)



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
    Key("kind", "choice", "What sort of session: breathing and meditation never say "
        "\"Exercise\", reps, \"Begin\" or \"Well done\" (their words come from the `calm` part of "
        "the phrase file).", default="workout",
        choices=("workout", "stretching", "breathing", "meditation"), example="workout"),
    Key("phrases", "phrases", "Built-in phrases overridden for this routine, by their key in "
        "templates/phrases/en.yaml: a text (\"\" says nothing), or `one:` and `other:` forms.",
        example={"rest": "Breathe out. Next: {next}."}),
    Key("exercises", "list", "The session in order: exercises, blocks (circuits done in rounds), "
        "sections (warm-up, main, cool-down) and repeats. At least one exercise.", required=True,
        of=("exercise", "block", "section", "repeat"), min_items=1),
    Key("derived_from", "text", "For a saved variant: the source file and the options that made "
        "it (`voiceguide customize` writes it)."),
    Key("cover", "text", "Cover art for the rendered file: a square PNG or JPEG of 1400 to 3000 "
        "px beside the routine (default: the title on a colour).", example="cover.png"),
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
    Key("start_countdown", "integer", "A countdown before the first exercise starts "
        "(\"Get ready. 3. 2. 1.\"; 0: none).", default=0, zero=True, maximum=10, example=3),
    Key("end_countdown", "integer", "The countdown that ends timed work (default: get_ready).",
        zero=True, maximum=10, example=3),
    Key("hold_count", "choice", "How holds are counted: every (each second), last (only the "
        "last 5 seconds), tens (\"20 seconds left\" every 10 seconds, then the last 5), silent "
        "(nothing until the next phase); auto: every up to 10 seconds, tens above.",
        default="auto", choices=HOLD_COUNTS, example="auto"),
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
        "alternate: reps alternate right and left (a timed exercise switches at half time); "
        "right or left: that side only (the affected leg).", default="none",
        choices=("none", "each", "alternate", "right", "left"), example="none"),
    Key("first_side", "choice", "The side done first (sides: each or alternate).",
        default="right", choices=("right", "left"), example="left"),
    Key("switch", "choice", "For a timed exercise on each side: pause (each side its full "
        "duration, a changeover between) or half (one duration, sides switched at half time).",
        default="pause", choices=("pause", "half"), example="half"),
    Key("sets", "integer", "How many times the whole exercise is done.", default=1, minimum=1,
        maximum=MAX_SETS, example=2),
    _seconds("rest_between_sets", "Overrides defaults.rest_between_sets.", example=20),
    _seconds("rest", "The rest after this exercise (overrides defaults.rest).", example=15),
    _seconds("changeover", "Overrides defaults.changeover.", example=5),
    Key("rep", "list", "The timed phases of one repetition, in order: cues and holds.",
        of=("cue", "hold"), min_items=1),
    _seconds("own_pace", "Reps at the listener's own pace instead of `rep` phases: the seconds "
             "the set may take; the end is called.", zero=False, example=60),
    Key("short", "integer", "After this many reps, cues with a `short` form say it instead.",
        default=0, zero=True, maximum=MAX_REPS, example=2),
    Key("cues", "list", "Cues said at given seconds of a timed exercise.", of=("timed_cue",),
        min_items=1),
    Key("remind", "text", "A reminder said as every set (and side) begins, such as a pain "
        "check.", example="Stop if the pain goes above 3 out of 10."),
    _seconds("remind_every", "In a timed exercise, the reminder is said again every this many "
             "seconds.", zero=False, example=60),
    Key("switch_setup", "texts", "Said at the switch of sides, after \"Switch sides.\": how to "
        "set up the other side.", example="Now the right foot forward."),
    Key("breathe", "object", "A breathing pattern instead of reps.", of=("breathing",)),
    Key("narration", "list", "Guided narration instead of reps: sentences, each followed by "
        "quiet.", of=("narration_step",), min_items=1),
    Key("set_word", "choice", "What sets are called when announced: set, or round (intervals "
        "such as Tabata).", default="set", choices=("set", "round"), example="round"),
    Key("rest_say", "text", "What the rest after this exercise says instead of the built-in "
        "\"Rest. Next: {next}.\" (\"\" says nothing).", empty=True,
        example="Shake out your legs. Next: {next}."),
), one_of=(("reps", "duration", "breathe", "narration"),))

BLOCK = Mapping("block", "Block", "A circuit: its exercises done in order, `rounds` times, with "
                "\"Round 2 of 3\" announced. Two exercises in rounds make a superset.", (
    Key("block", "text", "The block's name: said as it starts and in its chapters.",
        required=True, example="Hip openers"),
    Key("id", "slug", "A name for `repeat:` to do the whole block again.",
        example="hips"),
    Key("rounds", "integer", "How many times the block is done.", default=1, minimum=1,
        maximum=MAX_SETS, example=3),
    _seconds("rest_between_rounds", "Rest between rounds (default: defaults.rest).",
             example=60),
    Key("exercises", "list", "The block's exercises, in order.", required=True,
        of=("exercise", "repeat"), min_items=1),
), marker="block")

SECTION = Mapping("section", "Section", "A part of the session (warm-up, main part, "
                  "cool-down): its name is said as it starts.", (
    Key("section", "text", "The section's name.", required=True, example="Warm-up"),
    Key("exercises", "list", "The section's exercises, blocks and repeats, in order.",
        required=True, of=("exercise", "block", "repeat"), min_items=1),
), marker="section")

TIMED_CUE = Mapping("timed_cue", "Timed cue", "A cue said at a given second of a timed "
                    "exercise.", (
    _seconds("at", "Seconds from the start of the timed exercise.", zero=True, example=60),
    Key("say", "text", "What is said; `{side}` names the side.", required=True,
        example="Walk."),
    Key("count", "integer", "Count in to it: \"Walk in 3, 2, 1\", the cue falling on `at`.",
        default=0, zero=True, maximum=10, example=3),
), required_keys=("at",))

BREATHING = Mapping("breathing", "Breathing", "A breathing pattern, in seconds per phase; "
                    "each phase starts on its beat.", (
    _seconds("in", "Seconds breathing in.", zero=False, maximum=60, example=4),
    _seconds("hold", "Seconds held full (0: none).", 0, maximum=60, example=4),
    _seconds("out", "Seconds breathing out.", zero=False, maximum=60, example=6),
    _seconds("hold_out", "Seconds held empty (0: none).", 0, maximum=60, example=0),
    Key("rounds", "integer", "How many breaths.", minimum=1, maximum=MAX_REPS, required=True,
        example=6),
    Key("counted", "boolean", "Count each phase aloud on its beats (\"In, 2, 3, 4\"); false: "
        "only the phase's word.", default=True, example=True),
), required_keys=("in", "out"))

REPEAT = Mapping("repeat", "Repeat", "An exercise or block done again, where it stands in the "
                 "order, without copying it.", (
    Key("repeat", "slug", "The id of an exercise or block that comes before.", required=True,
        example="cat-cow"),
), marker="repeat")

NARRATION = Mapping("narration_step", "Narration step", "A sentence, then quiet.", (
    Key("say", "text", "What is said.", required=True, example="Let your shoulders drop."),
    _seconds("pause", "Seconds of quiet after it.", 0, example=10),
), marker="say")


CUE = Mapping("cue", "Cue", "A phase of a rep: its text is said at the start of a phase lasting "
              "`seconds`, speech included.", (
    Key("say", "text", "What is said; `{side}` names the side, `{reps}` the reps.",
        required=True, example="Lift your hips."),
    _seconds("seconds", "How long the phase lasts from its start.", zero=False, example=3),
    Key("short", "text", "A shorter form said once the exercise's `short` reps are done.",
        example="Lift."),
), marker="say", required_keys=("seconds",))

HOLD = Mapping("hold", "Hold", "A hold: \"Hold.\" on its first second, then the others counted "
               "down, each number on its second.", (
    Key("hold", "range", "How many seconds: a whole number or a range such as 3-5.",
        required=True, maximum=MAX_SECONDS, example=5),
    Key("say", "text", "The hold's own instruction, said on its first second instead of "
        "\"Hold.\".", example="Press into the couch."),
    Key("count", "choice", "How this hold is counted (default: defaults.hold_count).",
        choices=HOLD_COUNTS, example="last"),
), marker="hold")

MAPPINGS: dict[str, Mapping] = {m.name: m for m in (
    ROUTINE, DEFAULTS, EXERCISE, BLOCK, SECTION, REPEAT, CUE, HOLD, TIMED_CUE, BREATHING,
    NARRATION)}


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
        return {**_text_schema(), "minLength": 0} if key.empty else _text_schema()
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
        text = {"type": "string", "maxLength": MAX_TEXT_CHARS}
        forms = {"type": "object", "properties": {"one": text, "other": text},
                 "required": ["one", "other"], "additionalProperties": False}
        return {"type": "object", "propertyNames": {"enum": list(PHRASE_KEYS)},
                "additionalProperties": {"anyOf": [text, forms]}}
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
