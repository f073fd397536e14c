"""Lead-in and tail: silence before the first word and after the last sound of a timeline.

Players and car systems often swallow the first fraction of a second of a file, and podcast
producers leave about half a second of lead-in (field notes, 2026-11-29). ``pad`` is a small step
after the compiler (and after the sounds are placed): everything moves later by the lead-in, the
first chapter still starts at 0 (it holds the lead-in), and the session ends at least ``tail``
seconds after its last sound (speech, chime or bell), the last chapter with it.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Segment, Timeline

EPSILON = 1e-9


def pad(timeline: Timeline, lead_in: float, tail: float) -> Timeline:
    """``timeline`` with ``lead_in`` seconds of silence before everything and at least ``tail``
    seconds of silence after its last sound (both >= 0, seconds). Segments, chapters, sounds and
    spans keep their order and lengths; every time moves by ``lead_in``."""
    if lead_in < 0 or tail < 0:
        raise ValueError("lead-in and tail are seconds >= 0")
    if not timeline.segments:
        return timeline
    segments = [replace(s, start=s.start + lead_in, end=s.end + lead_in)
                for s in timeline.segments]
    if lead_in > EPSILON:
        first = segments[0]
        if first.kind == "silence":
            segments[0] = replace(first, start=0.0)
        else:
            segments.insert(0, Segment(0.0, lead_in, "silence", "", first.exercise))
    sounds = tuple(replace(s, start=s.start + lead_in) for s in timeline.sounds)
    spans = tuple(replace(s, start=s.start + lead_in, end=s.end + lead_in)
                  for s in timeline.spans)
    heard = max([s.end for s in segments if s.kind == "speech"]
                + [s.start + s.duration for s in sounds] + [lead_in])
    end = max(segments[-1].end, heard + tail)
    if end > segments[-1].end + EPSILON:
        last = segments[-1]
        if last.kind == "silence":
            segments[-1] = replace(last, end=end)
        else:
            segments.append(Segment(last.end, end, "silence", "", None))
    chapters = [replace(c, start=c.start + lead_in, end=c.end + lead_in)
                for c in timeline.chapters]
    if chapters:
        chapters[0] = replace(chapters[0], start=0.0)
        chapters[-1] = replace(chapters[-1], end=end)
    return replace(timeline, segments=tuple(segments), chapters=tuple(chapters), sounds=sounds,
                   spans=spans)
