"""The scheduler: expanded steps and the length of each phrase in, a timed ``Timeline`` out.

Pure and deterministic: ``measure(text)`` gives how long a phrase sounds (seconds), and every
time follows from it:

* a phrase with a slot lasts its slot from the moment it starts, speech included (a cue phase,
  a hold's seconds, the numbers of a countdown); a longer phrase pushes what follows later, and
  the timeline carries a warning naming the exercise and the phase;
* a window (a rest, a timed interval) says its marks at their offsets and ends its countdown
  exactly at its end, each number on its beat;
* anything else is followed by a short gap (or the routine's pause, for narration).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..model import Chapter, Segment, Span, Timeline
from .steps import Close, Open, Part, Say, Step, Window

Measure = Callable[[str], float]

EPSILON = 1e-6


def schedule(title: str, plan: Sequence[Step], measure: Measure) -> Timeline:
    """The timeline of ``plan``: ordered, contiguous speech and silence segments, chapters and
    the warnings of phrases that did not fit."""
    scheduler = _Scheduler(measure)
    for step in plan:
        scheduler.step(step)
    return scheduler.timeline(title)


class _Scheduler:
    def __init__(self, measure: Measure) -> None:
        self.measure = measure
        self.t = 0.0
        self.part: str | None = None
        self.speech: list[Segment] = []
        self.chapter_starts: list[tuple[str, float, str | None]] = []
        self.warnings: dict[str, str] = {}
        self.open: list[tuple[Open, float]] = []
        self.spans: list[Span] = []

    def step(self, step: Step) -> None:
        if isinstance(step, Say):
            self.say(step)
        elif isinstance(step, Window):
            self.window(step)
        elif isinstance(step, Part):
            self.part = step.exercise
        elif isinstance(step, Open):
            self.open.append((step, self.t))
        elif isinstance(step, Close):
            what, start = self.open.pop()
            self.spans.append(Span(start, self.t, what.kind, self.part, what.set, what.sets,
                                   what.rep, what.reps, what.side, what.next))
        else:
            self.chapter_starts.append((step.title, self.t, step.exercise))

    def say(self, step: Say) -> None:
        length = max(0.0, self.measure(step.text))
        self.speech.append(Segment(self.t, self.t + length, "speech", step.text, self.part))
        if step.slot is None:
            self.t += length + step.gap
            return
        if length > step.slot + EPSILON:
            self.warn(step.what or f"'{step.text}'", f"the cue '{step.text}' lasts "
                      f"{length:.2f} s, {length - step.slot:.2f} s longer than its "
                      f"{step.slot:g} s phase; what follows starts that much later")
        self.t += max(step.slot, length)

    def window(self, step: Window) -> None:
        start = self.t
        count = len(step.countdown)
        countdown_at = start + step.seconds - count * step.beat
        required = len(step.marks) if step.required is None else step.required
        for index, (offset, mark) in enumerate(step.marks):
            if index == required:
                self.overrun(step, start, countdown_at)
            self.t = max(self.t, start + offset)
            if isinstance(mark, Say):
                self.say(mark)
            else:
                self.chapter_starts.append((mark.title, self.t, mark.exercise))
        if required >= len(step.marks):
            self.overrun(step, start, countdown_at)
        self.t = max(self.t, countdown_at)
        for text in step.countdown:
            self.say(Say(text, step.beat, "countdown"))
        self.t = max(self.t, start + step.seconds)

    def overrun(self, step: Window, start: float, countdown_at: float) -> None:
        """Warn when what a window must say pushes its countdown later."""
        if step.overrun is None or self.t <= countdown_at + EPSILON:
            return
        count = len(step.countdown)
        said = " ".join(mark.text for _, mark in step.marks[:step.required]
                        if isinstance(mark, Say))
        self.warn(step.overrun, f"'{said}' and its countdown need "
                  f"{self.t - start + count * step.beat:.2f} s, more than the "
                  f"{step.seconds:g} s {step.overrun}; it runs that much longer")

    def warn(self, key: str, message: str) -> None:
        where = f"exercise '{self.part}'" if self.part else "narration"
        self.warnings.setdefault(f"{where}:{key}", f"{where}, {key}: {message}")

    def timeline(self, title: str) -> Timeline:
        end = max(self.t, self.speech[-1].end if self.speech else 0.0)
        segments: list[Segment] = []
        cursor = 0.0
        for speech in self.speech:
            if speech.start > cursor + EPSILON:
                segments.append(Segment(cursor, speech.start, "silence", "", speech.exercise))
            if speech.end > speech.start:
                segments.append(speech)
            cursor = max(cursor, speech.end)
        if end > cursor + EPSILON:
            segments.append(Segment(cursor, end, "silence", "", None))
        starts = self.chapter_starts
        chapters = tuple(
            Chapter(title, start, starts[i + 1][1] if i + 1 < len(starts) else end, exercise)
            for i, (title, start, exercise) in enumerate(starts))
        spans = tuple(sorted(self.spans, key=lambda s: (s.start, -s.end)))
        return Timeline(title, tuple(segments), chapters, tuple(self.warnings.values()),
                        spans=spans)
