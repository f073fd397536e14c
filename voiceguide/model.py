"""The data a routine is made of: typed, immutable, and free of any I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["easy", "standard", "hard"]
LEVELS: tuple[Level, ...] = ("easy", "standard", "hard")
Sides = Literal["none", "each", "alternate", "right", "left"]
SIDES: tuple[Sides, ...] = ("none", "each", "alternate", "right", "left")
Side = Literal["right", "left"]
HoldCount = Literal["auto", "every", "last", "tens", "silent"]
Kind = Literal["workout", "stretching", "breathing", "meditation"]
CALM_KINDS: tuple[Kind, ...] = ("breathing", "meditation")


@dataclass(frozen=True)
class Range:
    """A whole number or a range such as ``12-15``; ``value`` is the standard pick (the middle)."""

    low: int
    high: int

    def pick(self, level: Level = "standard") -> int:
        """Low end for ``easy``, high end for ``hard``, the middle (rounded down) otherwise."""
        if level == "easy":
            return self.low
        if level == "hard":
            return self.high
        return (self.low + self.high) // 2

    @property
    def value(self) -> int:
        return self.pick("standard")

    @property
    def is_fixed(self) -> bool:
        return self.low == self.high

    def __str__(self) -> str:
        return str(self.low) if self.is_fixed else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class Cue:
    """A spoken cue lasting ``seconds`` from the moment it starts (speech included); ``short``
    is said instead once the exercise's ``short`` reps are done ("Knees in.")."""

    say: str
    seconds: float
    short: str | None = None


@dataclass(frozen=True)
class Hold:
    """A hold of whole seconds: "Hold" (or its own instruction, ``say``) on its first second,
    then counted as ``count`` says (None: the routine's ``defaults.hold_count``)."""

    seconds: Range
    say: str | None = None
    count: HoldCount | None = None


@dataclass(frozen=True)
class TimedCue:
    """Said ``at`` seconds into a timed exercise; with ``count``, counted in ("Walk in 3, 2, 1")
    so that the cue itself falls on ``at``."""

    at: float
    say: str
    count: int = 0


@dataclass(frozen=True)
class Breathing:
    """A breathing pattern: seconds in, held, out, held empty; ``rounds`` breaths; ``counted``
    says the numbers of each phase on their beats ("In, 2, 3, 4")."""

    inhale: float
    hold: float
    exhale: float
    hold_out: float
    rounds: int
    counted: bool = True


@dataclass(frozen=True)
class Narration:
    """A sentence of a guided relaxation, then ``pause`` seconds of quiet."""

    say: str
    pause: float


Phase = Cue | Hold


@dataclass(frozen=True)
class Defaults:
    """Timings shared by every exercise unless an exercise sets its own (seconds)."""

    rest: float = 20.0
    rest_between_sets: float = 30.0
    changeover: float = 5.0
    get_ready: int = 3
    pause: float = 1.0
    beat: float = 1.0  # seconds between counted numbers (holds, countdowns); --tempo scales it
    start_countdown: int = 0
    end_countdown: int | None = None  # None: get_ready
    hold_count: HoldCount = "auto"


@dataclass(frozen=True)
class Exercise:
    """One exercise: counted reps of timed phases, or a timed interval (``duration``)."""

    id: str
    name: str
    rep: tuple[Phase, ...] = ()
    reps: Range | None = None
    duration: float | None = None
    sides: Sides = "none"
    sets: int = 1
    description: str | None = None
    equipment: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()
    tip: str | None = None
    rest: float | None = None
    rest_between_sets: float | None = None
    changeover: float | None = None
    line: int | None = None
    first_side: Side = "right"
    switch: Literal["pause", "half"] = "pause"
    cues: tuple[TimedCue, ...] = ()
    remind: str | None = None
    remind_every: float | None = None
    switch_setup: tuple[str, ...] = ()
    breathe: Breathing | None = None
    narration: tuple[Narration, ...] = ()
    own_pace: float | None = None
    set_word: Literal["set", "round"] = "set"
    rest_say: str | None = None  # what the rest after it says ("" nothing; None: the phrase)
    short: int = 0  # reps after which cues use their short form (0: never)

    @property
    def timed(self) -> bool:
        return self.duration is not None


@dataclass(frozen=True)
class Block:
    """A circuit: ``exercises`` (ids) done in order, ``rounds`` times, with "Round 2 of 3"
    announced and ``rest_between_rounds`` between rounds (None: the routine's rest)."""

    name: str
    exercises: tuple[str, ...]
    rounds: int = 1
    rest_between_rounds: float | None = None


@dataclass(frozen=True)
class Section:
    """A part of the session (warm-up, main, cool-down): its name is said, then its items."""

    name: str
    items: tuple[str | Block, ...]


Item = str | Block | Section


@dataclass(frozen=True)
class Routine:
    """A whole session: what is said before, the exercises in order, and what is said after."""

    title: str
    exercises: tuple[Exercise, ...]
    author: str | None = None
    language: str = "en"
    description: str | None = None
    intro: tuple[str, ...] = ()
    safety: tuple[str, ...] = ()
    outro: tuple[str, ...] = ()
    defaults: Defaults = field(default_factory=Defaults)
    source: Path | None = None
    derived_from: str | None = None  # for a saved variant: its source file and the options
    kind: Kind = "workout"
    # built-in phrases overridden by the routine: key, and text or (singular, plural)
    phrases: tuple[tuple[str, str | tuple[str, str]], ...] = ()
    structure: tuple[Item, ...] = ()  # blocks and sections; () = the exercises in order
    cover: Path | None = None  # cover art beside the routine file ('cover:')

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise KeyError(exercise_id)


@dataclass(frozen=True)
class Segment:
    """A stretch of the track: speech of ``text``, or silence, from ``start`` to ``end`` seconds."""

    start: float
    end: float
    kind: Literal["speech", "silence"]
    text: str = ""
    exercise: str | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


SpanKind = Literal["setup", "rep", "hold", "timed", "rest", "set_rest", "changeover"]


@dataclass(frozen=True)
class Span:
    """A stretch of the session a listener follows (what a player's "now" panel shows), from
    ``start`` to ``end`` seconds: an exercise's ``setup`` (announcement to first rep), one ``rep``,
    a ``hold`` inside it, a ``timed`` interval, a ``rest`` before the exercise ``next`` (its id),
    a ``set_rest`` before set ``set + 1``, or a ``changeover`` between sides. Spans may nest (a
    hold inside a rep). ``set``/``sets``, ``rep``/``reps`` count from 1; ``side`` is the side
    being worked (``right``/``left``) or None."""

    start: float
    end: float
    kind: SpanKind
    exercise: str | None = None
    set: int = 1
    sets: int = 1
    rep: int | None = None
    reps: int | None = None
    side: str | None = None
    next: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The span as the cue sheet lists it (seconds to the tenth of a millisecond)."""
        return {"start": round(self.start, 4), "end": round(self.end, 4), "kind": self.kind,
                "exercise": self.exercise, "set": self.set, "sets": self.sets,
                "rep": self.rep, "reps": self.reps, "side": self.side, "next": self.next}


@dataclass(frozen=True)
class Chapter:
    """A navigable part of the track: the introduction, one exercise, or the closing."""

    title: str
    start: float
    end: float
    exercise: str | None = None


@dataclass(frozen=True)
class Sound:
    """A tone laid over the track (a chime, a tick, the bell): ``name`` from ``start`` seconds,
    lasting at most ``duration`` seconds. Sounds overlay the segments; they never replace them."""

    start: float
    name: str
    duration: float


@dataclass(frozen=True)
class Timeline:
    """The compiled session: ordered, non-overlapping segments covering ``0..duration``."""

    title: str
    segments: tuple[Segment, ...]
    chapters: tuple[Chapter, ...] = ()
    warnings: tuple[str, ...] = ()
    sounds: tuple[Sound, ...] = ()
    spans: tuple[Span, ...] = ()

    @property
    def duration(self) -> float:
        return self.segments[-1].end if self.segments else 0.0

    @property
    def speech(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.kind == "speech")

    def texts(self) -> list[str]:
        """Every distinct spoken text, in order of first use."""
        return list(dict.fromkeys(s.text for s in self.speech))

    def to_dict(self) -> dict[str, object]:
        """The ``preview --json`` object (seconds rounded to the millisecond's tenth)."""
        return {
            "title": self.title,
            "duration": round(self.duration, 4),
            "segments": [
                {"start": round(s.start, 4), "end": round(s.end, 4), "kind": s.kind,
                 "text": s.text, "exercise": s.exercise}
                for s in self.segments
            ],
            "warnings": list(self.warnings),
            "sounds": [{"start": round(x.start, 4), "name": x.name,
                        "duration": round(x.duration, 4)} for x in self.sounds],
        }
