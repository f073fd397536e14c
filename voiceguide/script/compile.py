"""The script compiler: a routine and the length of each phrase in, a timed ``Timeline`` out.

Two pure passes: ``expand`` (voiceguide.script.expand) turns the routine's structure into a flat
list of steps with no timing, and ``schedule`` (voiceguide.script.schedule) gives each step its
time from the measured length of every phrase."""

from __future__ import annotations

from ..model import Routine, Timeline
from .expand import exercise_summary, expand
from .phrases import Phrases
from .schedule import Measure, schedule
from .steps import GAP

__all__ = ["GAP", "Measure", "compile_timeline", "exercise_summary", "phrases_of"]


def compile_timeline(routine: Routine, phrases: Phrases, measure: Measure) -> Timeline:
    """Schedule the whole session: intro, safety, each exercise with its rests, outro.

    A routine whose texts say ``{total_minutes}`` is scheduled again with the minutes of its
    own timeline (rounded) until they agree, so the number said is the length heard."""
    timeline = schedule(routine.title, expand(routine, phrases), measure)
    if not _uses_total_minutes(routine):
        return timeline
    said: set[int] = set()
    for _ in range(4):
        minutes = max(1, round(timeline.duration / 60))
        if minutes in said:
            break
        said.add(minutes)
        timeline = schedule(routine.title, expand(routine, phrases, minutes), measure)
    return timeline


def _uses_total_minutes(routine: Routine) -> bool:
    texts = [*routine.intro, *routine.safety, *routine.outro]
    for exercise in routine.exercises:
        texts += [*exercise.setup, exercise.tip or "", exercise.remind or "",
                  exercise.rest_say or "", *(step.say for step in exercise.narration)]
    return any("{total_minutes}" in text for text in texts)


def phrases_of(routine: Routine, phrases: Phrases) -> list[str]:
    """Every distinct text the routine will say, in order (what needs synthesizing)."""
    return compile_timeline(routine, phrases, lambda _text: 1.0).texts()
