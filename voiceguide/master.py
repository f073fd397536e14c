"""Mastering: mix the timeline (voice, sounds, music), normalize its loudness, encode it.

Three passes over the streamed mix, each regenerated from the clips in memory: the first measures
the integrated loudness, the second measures it again through the gain and the peak limiter (which
takes a little off), the third applies the corrected gain and the limiter while ffmpeg encodes.
The encoded file is measured once more; if the codec moved its level, it is encoded again.
Memory stays flat and the work linear in the session's length.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from .errors import InputError
from .export import export
from .loudness import SILENT, default_target, gain_db, gain_filter, measure, measure_file
from .mix import (
    DUCK_DB,
    MUSIC_UNDER_VOICE_LU,
    MusicBed,
    Track,
    clip_samples,
    float_chunks,
    mix,
    track_for,
)
from .model import Timeline
from .sounds import CueMode
from .synthesize import SAMPLE_RATE

MUSIC_MEASURE_SECONDS = 600.0  # the music's loudness is measured on its first ten minutes
ENCODED_TOLERANCE = 0.25  # LU: an encoded file further than this from the target is redone


@dataclass(frozen=True)
class SoundOptions:
    """How the session sounds besides the voice: counting by voice, tones or both; chimes and the
    end bell; a music bed ducked by ``duck`` dB; the loudness target (LUFS, default -16 stereo /
    -19 mono); the channel count (default mono, stereo with music)."""

    cues: CueMode = "voice"
    chimes: bool = True
    music: Path | None = None
    duck: float = DUCK_DB
    loudness: float | None = None
    channels: int | None = None


def music_bed(path: Path, clips: Mapping[str, AudioSegment], duck: float) -> MusicBed:
    """The music at a level ``MUSIC_UNDER_VOICE_LU`` below the voice, ducked by ``duck`` dB."""
    music = measure_file(path, MUSIC_MEASURE_SECONDS).integrated
    if music <= SILENT:
        raise InputError(f"the music file {path} is silent.\n  Fix: choose another file")
    voice = np.concatenate([clip_samples(clip, SAMPLE_RATE) for clip in clips.values()]
                           or [np.zeros(1, dtype=np.float32)])
    spoken = measure(float_chunks(iter([voice[:, None]])), SAMPLE_RATE, 1).integrated
    level = spoken if spoken > SILENT else -23.0
    return MusicBed(Path(path), level + MUSIC_UNDER_VOICE_LU - music, duck)


def master(timeline: Timeline, clips: Mapping[str, AudioSegment], output: Path, fmt: str,
           tags: Mapping[str, str], options: SoundOptions) -> Path:
    """Mix, normalize to the loudness target (true peak under -1 dBTP) and encode ``output``."""
    track: Track = track_for(fmt, options.channels, options.music is not None)
    bed = music_bed(options.music, clips, options.duck) if options.music is not None else None
    target = options.loudness if options.loudness is not None \
        else default_target(track.channels)

    def stream() -> Iterator[bytes]:
        return float_chunks(mix(timeline, clips, track, bed))

    gain = gain_db(measure(stream(), track.sample_rate, track.channels), target)
    limited = measure(stream(), track.sample_rate, track.channels, gain_filter(gain))
    gain += gain_db(limited, target)
    for _attempt in range(2):
        path = export(stream(), output, fmt=fmt, tags=tags, chapters=timeline.chapters,
                      sample_rate=track.sample_rate, channels=track.channels,
                      sample_format="f32le", filters=gain_filter(gain))
        # an encoder may change the level a little (LAME's CBR: -0.45 dB at 22050 Hz): check
        # the file itself, and encode once more with the gain corrected if it is off
        error = gain_db(measure_file(path), target)
        if abs(error) <= ENCODED_TOLERANCE:
            break
        gain += error
    return path
