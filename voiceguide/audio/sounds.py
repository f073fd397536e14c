"""Signals laid over the voice: a chime when an exercise starts, another when it ends, soft ticks
on the last seconds of a countdown, a bell at the end of the session.

The tones are synthesized here (sums of decaying sine partials, nothing shipped, nothing to
license). ``arrange`` is pure: it places them on a compiled timeline as ``model.Sound`` overlays,
and in ``tones`` mode turns the spoken countdown numbers into silence. The segments stay speech and
silence, ordered and contiguous; sounds never move them.

Anchors, found from the timeline and the phrase file (the compiler marks nothing):

* ``chime-start``: each exercise chapter's start (its "Exercise 2 of 5" announcement);
* ``chime-end``: the start of the exercise's last "done" phrase ("Well done.");
* ``tick``: each countdown number's start; a countdown is a run of adjacent count phrases ending
  on 1 ("3. 2. 1."), or a lone 1 right after "Hold";
* ``bell``: the old end of the session, which is extended by the bell's length.

Chimes are cut (with a short fade) to the phrase they start on, so they never spill into silence.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np

from ..model import Segment, Sound, Timeline
from ..script.phrases import Phrases
from .options import CUE_MODES, CueMode

TICKED = 3  # the last numbers of a countdown that get a tick in ``both`` mode
EPSILON = 1e-6
FADE = 0.01  # seconds of fade-out when a sound is cut short
TAIL = 0.2  # the part of each tone that fades out to nothing

# name: (partials as (frequency Hz, relative amplitude, delay s, decay time constant s), length s)
Partial = tuple[float, float, float, float]
TONES: dict[str, tuple[tuple[Partial, ...], float]] = {
    # rising C6 → G6 ("ding-dong up")
    "chime-start": (((1046.5, 1.0, 0.0, 0.25), (2093.0, 0.25, 0.0, 0.12),
                     (1568.0, 0.8, 0.18, 0.3), (3136.0, 0.2, 0.18, 0.12)), 1.0),
    # falling G6 → C6
    "chime-end": (((1568.0, 1.0, 0.0, 0.2), (3136.0, 0.25, 0.0, 0.1),
                   (1046.5, 0.8, 0.16, 0.25), (2093.0, 0.2, 0.16, 0.1)), 0.8),
    # a short woodblock-like click
    "tick": (((1800.0, 1.0, 0.0, 0.012), (3600.0, 0.3, 0.0, 0.006)), 0.06),
    # a bell: inharmonic partials of A4, long decay
    "bell": (((440.0, 1.0, 0.0, 1.2), (880.0, 0.5, 0.0, 0.8), (1214.0, 0.35, 0.0, 0.5),
              (2376.0, 0.15, 0.0, 0.25), (220.0, 0.3, 0.0, 1.5)), 3.5),
}
PEAK = {"chime-start": 0.35, "chime-end": 0.35, "tick": 0.2, "bell": 0.4}
BELL_SECONDS = TONES["bell"][1]


@cache
def tone(name: str, sample_rate: int) -> np.ndarray:
    """The sound ``name`` as float32 mono samples (peak ``PEAK[name]``), starting at once."""
    partials, length = TONES[name]
    t = np.arange(round(length * sample_rate), dtype=np.float64) / sample_rate
    out = np.zeros_like(t)
    for frequency, amplitude, delay, decay in partials:
        if frequency >= sample_rate / 2:
            continue
        local = np.maximum(t - delay, 0.0)
        # a 3 ms raised-cosine attack from exactly zero: no step from silence (a linear one
        # starts about -48 dBFS at full level)
        attack = (1 - np.cos(np.pi * np.clip(local / 0.003, 0.0, 1.0))) / 2
        out += (t >= delay) * amplitude * attack * np.exp(-local / decay) \
            * np.sin(2 * np.pi * frequency * local)
    fade = round(out.size * TAIL)  # die away smoothly over the last fifth
    if fade:
        out[-fade:] *= np.cos(np.linspace(0.0, np.pi / 2, fade)) ** 2
    out *= PEAK[name] / max(float(np.max(np.abs(out))), 1e-9)
    out.flags.writeable = False
    return out.astype(np.float32)


def sound_samples(sound: Sound, sample_rate: int) -> np.ndarray:
    """The samples of one placed sound: its tone, cut to ``sound.duration`` with a short fade."""
    full: np.ndarray = tone(sound.name, sample_rate)
    size = min(full.size, round(sound.duration * sample_rate))
    if size >= full.size:
        return full
    cut: np.ndarray = full[:size].copy()
    fade = min(size, round(FADE * sample_rate))
    if fade:
        cut[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return cut


def countdowns(timeline: Timeline, phrases: Phrases) -> dict[int, int]:
    """The countdown numbers: {segment index: number} for speech that counts down to 1."""
    texts: dict[int, str] = {}

    def count(n: int) -> str:
        if n not in texts:
            texts[n] = phrases.say("count", n=n)
        return texts[n]

    hold = phrases.say("hold")
    speech = [(i, s.text) for i, s in enumerate(timeline.segments) if s.kind == "speech"]
    found: dict[int, int] = {}
    for position, (index, text) in enumerate(speech):
        if text != count(1):
            continue
        run = {index: 1}
        before = position - 1
        while before >= 0 and speech[before][1] == count(len(run) + 1):
            run[speech[before][0]] = len(run) + 1
            before -= 1
        if len(run) >= 2 or (before >= 0 and speech[before][1] == hold):
            found.update(run)
    return found


def arrange(timeline: Timeline, phrases: Phrases, cues: CueMode = "voice",
            chimes: bool = True) -> Timeline:
    """The timeline with its sounds: chimes and the bell (unless ``chimes`` is off), ticks in
    ``tones`` and ``both`` modes; in ``tones`` mode the spoken countdown numbers become silence."""
    if cues not in CUE_MODES:
        raise ValueError(f"unknown cue mode {cues!r}")
    segments = list(timeline.segments)
    sounds: list[Sound] = []
    counted = countdowns(timeline, phrases) if cues != "voice" else {}
    for index, number in counted.items():
        if cues == "tones" or number <= TICKED:
            sounds.append(Sound(segments[index].start, "tick", TONES["tick"][1]))
        if cues == "tones":
            old = segments[index]
            segments[index] = Segment(old.start, old.end, "silence", "", old.exercise)
    if chimes:
        sounds += _chimes(timeline, phrases)
    segments = _merge_silence(segments)
    chapters = timeline.chapters
    if chimes and segments:
        end = segments[-1].end
        sounds.append(Sound(end, "bell", BELL_SECONDS))
        last = segments[-1]
        if last.kind == "silence":
            segments[-1] = replace(last, end=end + BELL_SECONDS)
        else:
            segments.append(Segment(end, end + BELL_SECONDS, "silence", "", None))
        if chapters:
            chapters = (*chapters[:-1], replace(chapters[-1], end=end + BELL_SECONDS))
    sounds.sort(key=lambda s: s.start)
    return replace(timeline, segments=tuple(segments), chapters=chapters, sounds=tuple(sounds))


def _chimes(timeline: Timeline, phrases: Phrases) -> list[Sound]:
    """A start chime on each exercise's announcement, an end chime on its last "done"."""
    starts = {round(s.start, 6): s for s in timeline.segments if s.kind == "speech"}
    done = phrases.say("done")
    last_done: dict[str, Segment] = {}
    for segment in timeline.segments:
        if segment.kind == "speech" and segment.text == done and segment.exercise:
            last_done[segment.exercise] = segment
    sounds = []
    for chapter in timeline.chapters:
        if chapter.exercise is None:
            continue
        spoken = starts.get(round(chapter.start, 6))
        length = TONES["chime-start"][1]
        sounds.append(Sound(chapter.start, "chime-start",
                            min(length, spoken.duration) if spoken else length))
        end = last_done.get(chapter.exercise)
        if end is not None:
            sounds.append(Sound(end.start, "chime-end",
                                min(TONES["chime-end"][1], end.duration)))
    return sounds


def _merge_silence(segments: list[Segment]) -> list[Segment]:
    """Join neighbouring silences into one (a removed number between two silences)."""
    merged: list[Segment] = []
    for segment in segments:
        if merged and segment.kind == "silence" and merged[-1].kind == "silence":
            merged[-1] = replace(merged[-1], end=segment.end)
        else:
            merged.append(segment)
    return merged
