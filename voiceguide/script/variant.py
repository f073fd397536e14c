"""Saved variants: a customized routine written back as a routine file.

The source file is edited with a round-trip YAML parser, so its comments, key order and layout
survive; ranges become the numbers chosen, skipped exercises go, the order follows the choices,
and a ``derived_from`` key records the source file and the options. The result is checked
(it must load and compile to the same routine) and written atomically; the source file and an
existing file are never overwritten (unless ``force`` for the latter).
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..atomic import check_new_file, write_text
from ..errors import InputError, VoiceguideError
from ..format.load import parse_routine
from ..model import Cue, Defaults, Exercise, Hold, Routine
from .customize import customize

DEFAULT_KEYS = ("rest", "rest_between_sets", "changeover", "beat")
EXERCISE_SECONDS = ("rest", "rest_between_sets", "changeover")


def write_variant(source: Path, routine: Routine, output: Path, derived_from: str,
                  *, force: bool = False) -> Path:
    """Write ``routine`` (``source`` customized) to ``output`` as a routine file; return it.

    Raises InputError for a routine with blocks or sections (not written as variants yet)."""
    if routine.structure:
        raise InputError(f"{source} has blocks or sections, which a saved variant cannot "
                         "hold yet; nothing was written.\n  Fix: render or preview it with the "
                         "same options instead of saving a variant")
    check_output(source, output, force)
    text = variant_text(source.read_text(encoding="utf-8-sig"), routine, derived_from)
    written = parse_routine(text, output)
    if _comparable(customize(written)) != _comparable(routine):
        raise VoiceguideError(f"the variant of {source} does not match the choices; nothing "
                              "was written (this is a bug in voiceguide, please report it)")
    write_text(output, text)
    return output


def check_output(source: Path, output: Path, force: bool) -> None:
    """Refuse to write over the source routine, a folder, or an existing file without force."""
    if output.exists() and os.path.samefile(output, source):
        raise InputError(f"{output} is the routine being customized; it is never overwritten.\n"
                         "  Fix: give another file with -o")
    check_new_file(output, force, "my-routine.yaml")


def variant_text(source_text: str, routine: Routine, derived_from: str) -> str:
    """The source routine's YAML text with ``routine``'s values, comments and order kept."""
    yaml = round_trip_yaml()
    doc = yaml.load(source_text)
    _apply(doc, routine, derived_from)
    out = io.StringIO()
    yaml.dump(doc, out)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())


def round_trip_yaml() -> YAML:
    """ruamel.yaml's round-trip parser and writer, set up as routine files are laid out."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _comparable(routine: Routine) -> Routine:
    return replace(routine, source=None, derived_from=None,
                   exercises=tuple(replace(e, line=None) for e in routine.exercises))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _set(mapping: CommentedMap, key: str, value: Any, default: Any, after: tuple[str, ...]
         ) -> None:
    """Set ``key`` where it is, or add it after the first of ``after`` present if not default."""
    if key in mapping:
        if mapping[key] != value:
            mapping[key] = value
        return
    if value == default:
        return
    keys = list(mapping)
    position = next((keys.index(k) + 1 for k in after if k in mapping), len(keys))
    # the last key carries the comments and blank lines that follow the mapping: stay above it
    mapping.insert(min(position, max(len(keys) - 1, 0)), key, value)


def _apply(doc: CommentedMap, routine: Routine, derived_from: str) -> None:
    _set(doc, "title", routine.title, None, after=())
    if routine.description is None:
        doc.pop("description", None)
    else:
        _set(doc, "description", routine.description, None, after=("language", "author", "title"))
    _set(doc, "derived_from", derived_from, None, after=("title",))
    for key in ("intro", "safety", "outro"):
        if not getattr(routine, key) and key in doc:
            del doc[key]
    values = {key: _number(getattr(routine.defaults, key)) for key in DEFAULT_KEYS}
    builtin = {key: _number(getattr(Defaults(), key)) for key in DEFAULT_KEYS}
    defaults = doc.get("defaults")
    if isinstance(defaults, CommentedMap):
        for key, value in values.items():
            _set(defaults, key, value, builtin[key], after=("pause", "get_ready", "changeover"))
    else:
        changed = CommentedMap((k, v) for k, v in values.items() if v != builtin[k])
        _set(doc, "defaults", changed or None, None,
             after=("outro", "safety", "intro", "derived_from"))
    items: CommentedSeq = doc["exercises"]
    by_id = {str(item["id"]): item for item in items}
    comments = {str(item["id"]): items.ca.items.get(index) for index, item in enumerate(items)}
    del items[:]
    items.ca.items.clear()
    for index, exercise in enumerate(routine.exercises):
        items.append(by_id[exercise.id])
        if comments[exercise.id] is not None:
            items.ca.items[index] = comments[exercise.id]
        _apply_exercise(by_id[exercise.id], exercise)


def _apply_exercise(item: CommentedMap, exercise: Exercise) -> None:
    if exercise.reps is not None:
        _set(item, "reps", exercise.reps.value, None, after=())
    if exercise.duration is not None:
        _set(item, "duration", _number(exercise.duration), None, after=())
    _set(item, "sets", exercise.sets, 1, after=("sides", "reps", "duration"))
    for key in EXERCISE_SECONDS:
        value = getattr(exercise, key)
        if value is not None:
            _set(item, key, _number(value), None, after=("sets", "sides", "reps", "duration"))
    for phase_item, phase in zip(item.get("rep") or [], exercise.rep):
        if isinstance(phase, Hold):
            _set(phase_item, "hold", phase.seconds.value, None, after=())
        elif isinstance(phase, Cue):
            _set(phase_item, "seconds", _number(phase.seconds), None, after=("say",))
