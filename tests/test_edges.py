"""Click-free clip edges and the lead-in, measured in a WAV render (digital silence between
clips, so every edge is exact): no step from or to silence louder than -50 dBFS."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import voiceguide
from voiceguide import Options
from voiceguide.audio.options import SoundOptions
from voiceguide.model import Chapter, Segment, Sound, Span, Timeline
from voiceguide.script.padding import pad

from audio_checks import decode, edge_steps

CLICK_DBFS = -50.0
EDGE_SPAN = 0.003  # seconds: a step this close to a clip's edge is that edge's


@pytest.mark.parametrize("chimes", [False, True], ids=["no-chimes", "chimes"])
def test_every_clip_edge_of_a_wav_render_is_below_minus_50_dbfs(
        tmp_path: Path, chimes: bool) -> None:
    result = voiceguide.render("back-strengthening", tmp_path / "back.wav",
                               Options(sound=SoundOptions(chimes=chimes)), fmt="wav",
                               cue_files=False)
    samples = decode(result.path)
    timeline = result.timeline
    # the clips' edges: where each phrase and each sound starts and ends (espeak-ng's own
    # silences inside a phrase are part of its voice, not an edge of ours)
    edges = np.array(sorted({t for s in timeline.speech for t in (s.start, s.end)}
                            | {t for s in timeline.sounds for t in (s.start, s.start + s.duration)}
                            ))
    steps = [(t, level) for t, level in edge_steps(samples)
             if np.min(np.abs(edges - t)) <= EDGE_SPAN]
    # every phrase next to a silence gives its edges: more than one per phrase of the session
    assert len(steps) > len(timeline.speech)
    worst = max(level for _, level in steps)
    assert worst < CLICK_DBFS, [s for s in steps if s[1] >= CLICK_DBFS][:10]
    # the lead-in: digital silence until the first word, which starts on its time
    first = result.timeline.speech[0]
    assert first.start == pytest.approx(0.5)
    sound = np.flatnonzero(samples)
    assert sound[0] / 22050 == pytest.approx(0.5, abs=0.02)


def test_pad_moves_everything_by_the_lead_in_and_ends_after_the_last_sound() -> None:
    timeline = Timeline("t", (Segment(0.0, 1.0, "speech", "Hello."),
                              Segment(1.0, 2.0, "silence"),
                              Segment(2.0, 3.0, "speech", "Bye.")),
                        (Chapter("Intro", 0.0, 2.0), Chapter("End", 2.0, 3.0)),
                        sounds=(Sound(2.5, "bell", 3.5),),
                        spans=(Span(0.0, 1.0, "setup", "x"),))
    padded = pad(timeline, 0.5, 0.25)
    assert [(s.start, s.end) for s in padded.spans] == [(0.5, 1.5)]
    assert [(s.start, s.end, s.kind) for s in padded.segments] == [
        (0.0, 0.5, "silence"), (0.5, 1.5, "speech"), (1.5, 2.5, "silence"),
        (2.5, 3.5, "speech"), (3.5, 6.75, "silence")]
    assert [(c.start, c.end) for c in padded.chapters] == [(0.0, 2.5), (2.5, 6.75)]
    assert [s.start for s in padded.sounds] == [3.0]
    assert padded.duration == 6.75
    # nothing to add: the same timeline
    plain = replace(timeline, sounds=(), spans=())
    assert pad(plain, 0.0, 0.0) == plain
    # a session that already ends in a longer silence keeps its length after the lead-in
    assert pad(Timeline("t", (Segment(0.0, 1.0, "speech", "A."), Segment(1.0, 3.0, "silence"))),
               0.5, 0.5).duration == 3.5
