"""Bounded work: what a customized routine will say, measured and capped before anything is
synthesized, so that no file (each of its fields within its limit) can cost hours or gigabytes.

Three caps, each checked from everything that will be said, with an error naming the part to
shorten: the number of steps the script expands into (checked arithmetically first, so the
expansion itself stays small), the spoken characters (repetitions included) and the distinct
phrases to synthesize, and the session's length, estimated in milliseconds with speech at a fast
pace (so that no routine that fits is refused). The limits are this project's own: generous for
any real session (the seed routine: 1,044 steps, 15,919 characters, 111 phrases, 23 minutes
estimated, 25 rendered).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import RoutineError
from ..format.load import MAX_SESSION_HOURS
from ..model import Cue, Exercise, Hold, Routine
from .customize import times_done
from .expand import expand
from .phrases import Phrases
from .schedule import schedule
from .steps import Part, Say, Step, Window

MAX_STEPS = 200_000  # steps (phrases said, quiet windows, spans) of one session
MAX_SPOKEN_CHARS = 300_000  # about five hours of speech at 200 words per minute
MAX_PHRASES = 5_000  # distinct phrases, each synthesized and held in memory once
MAX_MILLISECONDS = MAX_SESSION_HOURS * 3_600_000
# a fast pace, so that the estimate stays below the real length: 450 words per minute (the
# fastest --rate) is about 35 characters a second; a CJK character is a syllable or more
FAST_CHARS_PER_SECOND = 35.0
FAST_WIDE_CHARS_PER_SECOND = 10.0


@dataclass(frozen=True)
class Work:
    """What a routine will say: its distinct phrases in order of first use, the spoken
    characters, and the estimated length in milliseconds (speech at a fast pace)."""

    texts: list[str]
    spoken_chars: int
    milliseconds: int


def fast_seconds(text: str) -> float:
    """A low estimate of how long ``text`` takes to say (seconds)."""
    wide = sum(1 for char in text if unicodedata.east_asian_width(char) in "WF")
    return wide / FAST_WIDE_CHARS_PER_SECOND + (len(text) - wide) / FAST_CHARS_PER_SECOND


def check_work(routine: Routine, phrases: Phrases) -> Work:
    """The ``Work`` of a customized routine, or a RoutineError (naming the routine's file, the
    exercise's line where one part is to blame, and what to shorten) when it exceeds a cap."""
    times = times_done(routine)
    counts = [_steps(exercise) * times.get(exercise.id, 1) for exercise in routine.exercises]
    if sum(counts) > MAX_STEPS:
        worst = max(range(len(counts)), key=counts.__getitem__)
        raise _too_much(routine, f"the session would be {sum(counts):,} steps (phrases and "
                        f"pauses), more than the limit of {MAX_STEPS:,}",
                        routine.exercises[worst], f"{counts[worst]:,} steps")
    plan = expand(routine, phrases)
    chars: dict[str | None, int] = {}
    first_use: dict[str, str | None] = {}
    for part, text in _spoken(plan):
        chars[part] = chars.get(part, 0) + len(text)
        first_use.setdefault(text, part)
    total = sum(chars.values())
    if total > MAX_SPOKEN_CHARS:
        part = max(chars, key=chars.__getitem__)
        raise _too_much(routine, f"the session would say {total:,} characters, more than the "
                        f"limit of {MAX_SPOKEN_CHARS:,} (about five hours of speech)",
                        _exercise(routine, part), f"{chars[part]:,} characters")
    if len(first_use) > MAX_PHRASES:
        per_part: dict[str | None, int] = {}
        for part in first_use.values():
            per_part[part] = per_part.get(part, 0) + 1
        part = max(per_part, key=per_part.__getitem__)
        raise _too_much(routine, f"the session has {len(first_use):,} different phrases to "
                        f"synthesize, more than the limit of {MAX_PHRASES:,}",
                        _exercise(routine, part), f"{per_part[part]:,} of them",
                        "split it into several routines, or leave exercises out (--skip)")
    timeline = schedule(routine.title, plan, fast_seconds)
    milliseconds = round(timeline.duration * 1000)
    if milliseconds > MAX_MILLISECONDS:
        chapter = max(timeline.chapters, key=lambda c: c.end - c.start)
        raise _too_much(routine, f"the session would last at least "
                        f"{milliseconds / 3_600_000:,.1f} hours, more than the limit of "
                        f"{MAX_SESSION_HOURS}", _exercise(routine, chapter.exercise),
                        f"at least {(chapter.end - chapter.start) / 3600:,.1f} hours",
                        "shorten the rests, reps, holds or timed intervals, or split the routine")
    return Work(timeline.texts(), total, milliseconds)


def _steps(exercise: Exercise) -> int:
    """How many steps an exercise expands into (an upper bound), from its numbers alone."""
    sides = 2 if exercise.sides in ("each", "alternate") else 1
    if exercise.breathe is not None:
        b = exercise.breathe
        per_side = b.rounds * (round(b.inhale + b.hold + b.exhale + b.hold_out) + 6)
    elif exercise.narration:
        per_side = 2 * len(exercise.narration)
    elif exercise.duration is not None or exercise.reps is None or not exercise.rep:
        per_side = 8 + 6 * len(exercise.cues)
    else:
        per_rep = 3 + sum(1 if isinstance(phase, Cue) else phase.seconds.value + 2
                          for phase in exercise.rep if isinstance(phase, (Cue, Hold)))
        per_side = exercise.reps.value * per_rep
    return 40 + exercise.sets * (sides * per_side + 20)


def _spoken(plan: Sequence[Step]) -> list[tuple[str | None, str]]:
    """(part, text) for everything said, in order; a part is an exercise id or None."""
    said: list[tuple[str | None, str]] = []
    part: str | None = None
    for step in plan:
        if isinstance(step, Part):
            part = step.exercise
        elif isinstance(step, Say):
            said.append((part, step.text))
        elif isinstance(step, Window):
            said += [(part, mark.text) for _, mark in step.marks if isinstance(mark, Say)]
            said += [(part, text) for text in step.countdown]
    return said


def _exercise(routine: Routine, exercise_id: str | None) -> Exercise | None:
    return next((e for e in routine.exercises if e.id == exercise_id), None)


def _too_much(routine: Routine, problem: str, exercise: Exercise | None, share: str,
              fix: str | None = None) -> RoutineError:
    part = f"'{exercise.id}'" if exercise is not None else \
        "the narration (title, intro, safety, outro)"
    hint = f"shorten {part}, which alone has {share}" if fix is None else \
        f"{fix}; {part} alone has {share}"
    if len(routine.exercises) > 100:  # no one part to blame: there are simply too many
        hint = f"split it into several routines: it has {len(routine.exercises):,} exercises " \
            f"({part} alone has {share})"
    return RoutineError(problem, source=routine.source,
                        line=exercise.line if exercise is not None else None, hint=hint)
