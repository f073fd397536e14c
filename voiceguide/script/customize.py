"""Customization: the user's choices applied to a routine before compiling.

Pure: a Routine and a Customization in, a new Routine out, with every range resolved to one value.
The rules, in the order they apply:

* ``--only``/``--skip`` pick the exercises (in the routine's order), ``--order`` reorders them;
* reps: ``--reps ID=N``, else ``--reps N`` (every counted exercise), else the level's pick of the
  range; holds: ``--hold ID=S``, else the level's pick; sets: ``--sets ID=N``;
* rests between exercises and between sets: the level scales them (easy ×1.25, hard ×0.8, to the
  tenth of a second); ``--rest S`` sets every rest between exercises instead;
* a cut (``--max-minutes``) scales reps, timed lengths and rests (never holds, cues or sets);
* the tempo makes every timed phase, hold beat, rest and changeover longer or shorter.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from ..errors import InputError
from ..format.load import MAX_REPS, MAX_SECONDS, MAX_SESSION_HOURS, MAX_SETS, too_long
from ..model import Block, Cue, Exercise, Hold, Item, Level, Range, Routine, Section

MIN_TEMPO = 0.5
MAX_TEMPO = 2.0
MAX_HOLD = int(MAX_SECONDS)
REST_FACTOR: Mapping[Level, float] = {"easy": 1.25, "standard": 1.0, "hard": 0.8}
LEVEL_RULE: Mapping[Level, str] = {
    "easy": "the low end of every range, rests ×1.25",
    "standard": "the middle of every range (rounded down), rests as written",
    "hard": "the high end of every range, rests ×0.8",
}


@dataclass(frozen=True)
class Customization:
    """What to change; every field's default leaves the routine as written (ranges resolved).

    ``reps``/``sets``/``holds`` map exercise ids to counts (holds in whole seconds); ``all_reps``
    sets the reps of every counted exercise; ``rest`` is the rest between exercises (seconds);
    ``only``/``skip``/``order`` are exercise ids; ``cut`` (0-1] scales reps and rests
    (``--max-minutes``).
    """

    level: Level = "standard"
    reps: Mapping[str, int] = field(default_factory=dict)
    tempo: float = 1.0
    all_reps: int | None = None
    sets: Mapping[str, int] = field(default_factory=dict)
    holds: Mapping[str, int] = field(default_factory=dict)
    rest: float | None = None
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    intro: bool = True
    outro: bool = True
    cut: float = 1.0

    def as_args(self) -> list[str]:
        """The command-line options that make these choices (for records and messages)."""
        args: list[str] = []
        if self.level != "standard":
            args += ["--level", self.level]
        if self.all_reps is not None:
            args += ["--reps", str(self.all_reps)]
        for option, values in (("--reps", self.reps), ("--sets", self.sets),
                               ("--hold", self.holds)):
            args += [arg for key, value in values.items() for arg in (option, f"{key}={value}")]
        if self.rest is not None:
            args += ["--rest", f"{self.rest:g}"]
        for option, ids in (("--only", self.only), ("--order", self.order)):
            if ids:
                args += [option, ",".join(ids)]
        args += [arg for exercise_id in self.skip for arg in ("--skip", exercise_id)]
        args += [] if self.intro else ["--no-intro"]
        args += [] if self.outro else ["--no-outro"]
        if self.tempo != 1.0:
            args += ["--tempo", f"{self.tempo:g}"]
        return args


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
    check(routine, choices)
    factor = REST_FACTOR[choices.level]
    rest_factor = factor * choices.cut
    rest = (_seconds(routine.defaults.rest, rest_factor) if choices.rest is None
            else _seconds(choices.rest, choices.cut))
    defaults = replace(routine.defaults, rest=rest, rest_between_sets=_seconds(
        routine.defaults.rest_between_sets, rest_factor))
    resolved = replace(
        routine,
        exercises=tuple(_resolve(exercise, choices) for exercise in select(routine, choices)),
        defaults=defaults,
        intro=routine.intro if choices.intro else (),
        safety=routine.safety if choices.intro else (),
        outro=routine.outro if choices.outro else (),
    )
    if choices.cut != 1.0 or factor != 1.0:
        resolved = replace(resolved, structure=_scale_structure(
            resolved.structure, lambda seconds: _seconds(seconds, rest_factor)))
    result = scale_time(resolved, choices.tempo)
    found = too_long(result.exercises, times_done(result))
    if found is not None:
        raise InputError(f"these choices make the routine last about {found[0]:,.0f} hours, "
                         f"more than the limit of {MAX_SESSION_HOURS}.\n  Fix: lower the reps, "
                         f"sets or holds of '{result.exercises[found[1]].id}', which alone "
                         f"lasts about {found[2]:,.1f} hours")
    return result


def _check_range(option: str, value: float, low: float, high: float, what: str) -> None:
    if not low <= value <= high:
        raise InputError(f"{option}: {value:g} {what} is out of range; allowed: {low:g} to "
                         f"{high:g}")


def check(routine: Routine, choices: Customization) -> None:
    """Refuse choices that do not fit the routine: unknown ids, values out of range, conflicts."""
    ids = {exercise.id for exercise in routine.exercises}

    def known(option: str, wanted: Iterable[str]) -> None:
        for exercise_id in wanted:
            if exercise_id not in ids:
                raise unknown_id_error(exercise_id, routine, option)

    known("--reps", choices.reps)
    known("--sets", choices.sets)
    known("--hold", choices.holds)
    known("--only", choices.only)
    known("--skip", choices.skip)
    known("--order", choices.order)
    if choices.all_reps is not None:
        _check_range("--reps", choices.all_reps, 1, MAX_REPS, "reps")
    for exercise_id, count in choices.reps.items():
        _check_range("--reps", count, 1, MAX_REPS, f"reps for '{exercise_id}'")
        if routine.exercise(exercise_id).timed:
            raise InputError(f"--reps: '{exercise_id}' is a timed exercise "
                             f"({routine.exercise(exercise_id).duration:g} s), it has no reps")
    for exercise_id, count in choices.sets.items():
        _check_range("--sets", count, 1, MAX_SETS, f"sets for '{exercise_id}'")
    for exercise_id, seconds in choices.holds.items():
        _check_range("--hold", seconds, 1, MAX_HOLD, f"s of hold for '{exercise_id}'")
        if not any(isinstance(phase, Hold) for phase in routine.exercise(exercise_id).rep):
            raise InputError(f"--hold: '{exercise_id}' has no hold phase to set")
    if choices.rest is not None:
        _check_range("--rest", choices.rest, 0, MAX_SECONDS, "s of rest")
    _check_range("--tempo", choices.tempo, MIN_TEMPO, MAX_TEMPO,
                 "(1.5 makes every phase, hold and rest 1.5× as long)")
    if not 0 < choices.cut <= 1:
        raise InputError(f"cut: {choices.cut:g} is out of range; allowed: above 0 up to 1")
    if choices.order and routine.structure:
        raise InputError("--order: this routine has blocks or sections, which keep their order."
                         "\n  Fix: leave out --order, or change the order in the routine file")
    if choices.only and choices.skip:
        raise InputError("--only and --skip cannot be used together.\n"
                         "  Fix: list the exercises to keep with --only, or those to leave out "
                         "with --skip")
    kept = [e.id for e in routine.exercises
            if (not choices.only or e.id in choices.only) and e.id not in choices.skip]
    if not kept:
        raise InputError("--skip: every exercise is skipped; at least one must remain")
    if choices.order and sorted(choices.order) != sorted(kept):
        repeated = sorted({i for i in choices.order if choices.order.count(i) > 1})
        missing = [i for i in kept if i not in choices.order]
        extra = [i for i in choices.order if i not in kept]
        problem = (f"'{repeated[0]}' is listed twice" if repeated
                   else f"'{missing[0]}' is missing" if missing
                   else f"'{extra[0]}' is not part of this session (skipped)")
        raise InputError(f"--order: {problem}.\n  Fix: list each exercise of the session "
                         f"exactly once: --order {','.join(kept)}")


def select(routine: Routine, choices: Customization) -> list[Exercise]:
    """The exercises left by ``--only``/``--skip``, in the ``--order`` given or the routine's."""
    kept = [e for e in routine.exercises
            if (not choices.only or e.id in choices.only) and e.id not in choices.skip]
    if choices.order:
        kept.sort(key=lambda exercise: choices.order.index(exercise.id))
    return kept


def scale_time(routine: Routine, tempo: float) -> Routine:
    """Every timed phase, hold beat, rest and changeover ``tempo`` times as long; never speech."""
    if tempo == 1.0:
        return routine

    def scaled(seconds: float | None) -> float | None:
        return None if seconds is None else _times(seconds, tempo)

    d = routine.defaults
    defaults = replace(d, rest=_times(d.rest, tempo),
                       rest_between_sets=_times(d.rest_between_sets, tempo),
                       changeover=_times(d.changeover, tempo), beat=_times(d.beat, tempo))
    exercises = tuple(
        replace(e, duration=scaled(e.duration), rest=scaled(e.rest),
                rest_between_sets=scaled(e.rest_between_sets), changeover=scaled(e.changeover),
                rep=tuple(replace(p, seconds=_times(p.seconds, tempo)) if isinstance(p, Cue)
                          else p for p in e.rep),
                own_pace=scaled(e.own_pace), remind_every=scaled(e.remind_every),
                cues=tuple(replace(c, at=_times(c.at, tempo)) for c in e.cues),
                narration=tuple(replace(n, pause=_times(n.pause, tempo)) for n in e.narration),
                breathe=None if e.breathe is None else replace(
                    e.breathe, inhale=_times(e.breathe.inhale, tempo),
                    hold=_times(e.breathe.hold, tempo), exhale=_times(e.breathe.exhale, tempo),
                    hold_out=_times(e.breathe.hold_out, tempo)))
        for e in routine.exercises)
    return replace(routine, defaults=defaults, exercises=exercises,
                   structure=_scale_structure(routine.structure, lambda s: _times(s, tempo)))


def _scale_structure(structure: tuple[Item, ...], scale: Callable[[float], float]
                     ) -> tuple[Item, ...]:
    """The blocks' rests between rounds scaled (sections and ids unchanged)."""
    def block(item: str | Block) -> str | Block:
        if isinstance(item, Block) and item.rest_between_rounds is not None:
            return replace(item, rest_between_rounds=scale(item.rest_between_rounds))
        return item

    return tuple(replace(item, items=tuple(block(i) for i in item.items))
                 if isinstance(item, Section) else block(item) for item in structure)


def times_done(routine: Routine) -> dict[str, int]:
    """How often each exercise is done: the rounds of its block (1 outside blocks)."""
    found: dict[str, int] = {}
    for item in routine.structure:
        for inner in item.items if isinstance(item, Section) else (item,):
            if isinstance(inner, Block):
                found.update({i: inner.rounds for i in inner.exercises})
    return found


def _times(seconds: float, tempo: float) -> float:
    """``seconds`` times ``tempo``, to the millisecond (a saved variant shows 3.6, not 3.5999…)."""
    return round(seconds * tempo, 3)


def _seconds(seconds: float, factor: float) -> float:
    """``seconds`` scaled by ``factor``, to the tenth of a second (unchanged when 1)."""
    return seconds if factor == 1.0 else round(seconds * factor, 1)


def _optional_seconds(seconds: float | None, factor: float) -> float | None:
    return None if seconds is None else _seconds(seconds, factor)


def _fixed(value: int) -> Range:
    return Range(value, value)


def _count(count: int, cut: float) -> int:
    return count if cut == 1.0 else max(1, round(count * cut))


def _resolve(exercise: Exercise, choices: Customization) -> Exercise:
    level = choices.level
    reps = exercise.reps
    if reps is not None:
        count = choices.reps.get(exercise.id, choices.all_reps)
        count = _count(reps.pick(level) if count is None else count, choices.cut)
        reps = _fixed(count)
    hold = choices.holds.get(exercise.id)
    rep = tuple(
        replace(phase, seconds=_fixed(phase.seconds.pick(level) if hold is None else hold))
        if isinstance(phase, Hold) else phase
        for phase in exercise.rep
    )
    duration = exercise.duration
    if duration is not None and choices.cut != 1.0:
        duration = float(max(1, round(duration * choices.cut)))
    rest_factor = REST_FACTOR[level] * choices.cut
    rest = _optional_seconds(exercise.rest, rest_factor)
    if choices.rest is not None and exercise.rest is not None:
        rest = _seconds(choices.rest, choices.cut)
    return replace(exercise, reps=reps, rep=rep, duration=duration,
                   sets=choices.sets.get(exercise.id, exercise.sets), rest=rest,
                   rest_between_sets=_optional_seconds(exercise.rest_between_sets,
                                                       rest_factor))


def describe(routine: Routine, choices: Customization) -> list[str]:
    """What the level picked: its rule, then each range and the value chosen from it."""
    lines = [f"Level {choices.level}: {LEVEL_RULE[choices.level]}."]
    picks: list[str] = []
    for exercise in select(routine, choices):
        if exercise.reps is not None and not exercise.reps.is_fixed:
            picks.append(f"{exercise.id} reps {exercise.reps.pick(choices.level)} "
                         f"(of {exercise.reps})")
        for phase in exercise.rep:
            if isinstance(phase, Hold) and not phase.seconds.is_fixed:
                picks.append(f"{exercise.id} hold {phase.seconds.pick(choices.level)} s "
                             f"(of {phase.seconds})")
    if picks:
        lines.append("Picked: " + ", ".join(dict.fromkeys(picks)) + ".")
    return lines


def changes(before: Routine, after: Routine) -> list[str]:
    """What differs between two customized routines, in short: "lift 12 → 9 reps"."""
    found: list[str] = []
    old = {exercise.id: exercise for exercise in before.exercises}
    for new in after.exercises:
        was = old.get(new.id)
        if was is None:
            continue
        if was.reps is not None and new.reps is not None and was.reps != new.reps:
            found.append(f"{new.id} {was.reps.value} → {new.reps.value} reps")
        if was.duration is not None and new.duration is not None and was.duration != new.duration:
            found.append(f"{new.id} {was.duration:g} → {new.duration:g} s")
        if was.sets != new.sets:
            found.append(f"{new.id} {was.sets} → {new.sets} sets")
        holds = [(a.seconds.value, b.seconds.value) for a, b in zip(was.rep, new.rep)
                 if isinstance(a, Hold) and isinstance(b, Hold) and a != b]
        found += [f"{new.id} hold {a} → {b} s" for a, b in dict.fromkeys(holds)]
    rests = [("rest", "rest")] if len(after.exercises) > 1 else []
    if any(exercise.sets > 1 for exercise in after.exercises):
        rests.append(("rest_between_sets", "rest between sets"))
    for key, label in rests:
        a, b = getattr(before.defaults, key), getattr(after.defaults, key)
        if a != b:
            found.append(f"{label} {a:g} → {b:g} s")
    kept = {exercise.id for exercise in after.exercises}
    found += [f"without {exercise.id}" for exercise in before.exercises if exercise.id not in kept]
    return found or ["no change"]
