"""Mastering: mix the timeline (voice, sounds, music), normalize its loudness, encode it.

Speech and tones alone (the common case): the track is known clips at known frames over digital
silence, so ``levels`` computes its loudness from the clips, and the one gain plus the per-clip
peak control that reach the target under the true-peak ceiling; the clips are prepared with them
and the mix is streamed once, straight into the encoder (one pass, no ffmpeg filter).

With music (not made of known clips), passes over the streamed mix, each regenerated from the
clips in memory: the first measures the integrated loudness; one to three more measure it through
the gain and the peak limiter (which takes a little off) until the gain settles; the last applies
it while ffmpeg encodes. The encoded file is measured once more; if the codec moved its level, it
is encoded again.
Memory stays flat and the work linear in the session's length.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from ..atomic import atomic_path
from ..errors import ExportError, InputError
from ..model import Timeline
from .encode import SAMPLE_RATE, export
from .levels import Clips, Placed
from .loudness import SILENT, default_target, gain_db, gain_filter, measure, measure_file
from .mix import (
    MUSIC_UNDER_VOICE_LU,
    MusicBed,
    Track,
    clip_samples,
    float_chunks,
    frame_count,
    mix,
    total_frames,
    track_for,
)
from .options import SoundOptions
from .parts import encode_joined
from .profiles import ProfileStore, levels_folder, placed_keys, plan_levels
from .sounds import sound_samples

MUSIC_MEASURE_SECONDS = 600.0  # the music's loudness is measured on its first ten minutes
ENCODED_TOLERANCE = 0.25  # LU: an encoded file further than this from the target is redone
SETTLED = 0.1  # LU: close enough to the target before encoding
# dB an encoder takes off, made up in advance (measured here: LAME's CBR mode lowers the level by
# 0.4-0.45 dB); the check of the encoded file catches whatever this misses
ENCODER_LOSS = {"mp3": 0.4}
SETTLE_STEPS = 3  # measurements through the limiter at most
# dBTP: the clips' true peak (4x oversampled) before encoding, below loudness.TRUE_PEAK for the
# codec's overshoot (measured on the seed: -2.0 before, -1.8 dBTP at most after MP3/AAC/Opus)
CEILING = -2.0
# dB: the gain is a multiple of this, so that a change in one chapter (other reps) leaves the
# other chapters' samples unchanged and their encoded parts reusable (at most 0.05 dB off)
GAIN_STEP = 0.1


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


def settle(gain: float, target: float, loudness: Callable[[float], float]) -> float:
    """The gain whose ``loudness(gain)`` (through the limiter) reaches ``target``: a step by the
    error, then secant steps (the limiter swallows part of each extra dB), at most
    ``SETTLE_STEPS`` measurements."""
    before: tuple[float, float] | None = None
    for _step in range(SETTLE_STEPS):
        level = loudness(gain)
        if not math.isfinite(level) or level <= SILENT:
            return gain
        error = target - level
        if abs(error) <= SETTLED:
            return gain
        slope = 1.0
        if before is not None and gain != before[0]:
            slope = min(1.0, max(0.2, (level - before[1]) / (gain - before[0])))
        before = (gain, level)
        gain += error / slope
    return gain


def placements(timeline: Timeline, clips: Mapping[str, AudioSegment],
               rate: int) -> tuple[dict[str, np.ndarray], list[Placed]]:
    """Every phrase and sound of ``timeline`` as ``mix.mix`` lays it on the track: the distinct
    samples (by text; by tone and length) and where each goes."""
    sources: dict[str, np.ndarray] = {}
    placed = []
    for segment in timeline.speech:
        if segment.text not in sources:
            sources[segment.text] = clip_samples(clips[segment.text], rate)
        start, end = frame_count(segment.start, rate), frame_count(segment.end, rate)
        size = min(end - start, sources[segment.text].size)
        placed.append(Placed(start, segment.text, size))
    for sound in timeline.sounds:
        samples = sound_samples(sound, rate)
        key = f"tone:{sound.name}:{samples.size}"
        sources.setdefault(key, samples)
        placed.append(Placed(frame_count(sound.start, rate), key, samples.size))
    return sources, placed


def master_speech(timeline: Timeline, clips: Mapping[str, AudioSegment], output: Path, fmt: str,
                  tags: Mapping[str, str], track: Track, target: float,
                  cache: Path | None = None) -> Path:
    """Speech and tones alone: the clips' levels planned from the clips (``levels.plan``), then
    one encode; MP3 in parts encoded side by side and joined (``parts``, reusing the parts
    stored in ``cache``)."""
    rate = track.sample_rate
    sources, placed = placements(timeline, clips, rate)
    total = total_frames(timeline, rate)
    analysed = Clips(sources, placed, total, rate, track.channels)
    store = ProfileStore(levels_folder(cache) if cache is not None else None)
    levels = plan_levels(analysed, target, CEILING, ENCODER_LOSS.get(fmt, 0.0), GAIN_STEP, store)
    try:
        with atomic_path(Path(output)) as draft:
            if fmt == "mp3":
                encode_joined(levels, total, draft, channels=track.channels, tags=tags,
                              chapters=timeline.chapters, cache=cache)
                return Path(output)
            ready = [(start, levels.samples(key)) for start, key in placed_keys(analysed)]
            export(float_chunks(mix(timeline, clips, track, None, ready)), draft,
                   fmt=fmt, tags=tags, chapters=timeline.chapters, sample_rate=rate,
                   channels=track.channels, sample_format="f32le")
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from None
    return Path(output)


def master(timeline: Timeline, clips: Mapping[str, AudioSegment], output: Path, fmt: str,
           tags: Mapping[str, str], options: SoundOptions, cache: Path | None = None) -> Path:
    """Mix, normalize to the loudness target (true peak under -1 dBTP) and encode ``output``;
    encoded parts of a speech-only MP3 are kept in (and reused from) the phrase cache folder
    ``cache`` when given."""
    track: Track = track_for(fmt, options.channels, options.music is not None)
    target = options.loudness if options.loudness is not None \
        else default_target(track.channels)
    if options.music is None:
        return master_speech(timeline, clips, output, fmt, tags, track, target, cache)
    bed = music_bed(options.music, clips, options.duck)

    def stream() -> Iterator[bytes]:
        return float_chunks(mix(timeline, clips, track, bed))

    def limited(gain: float) -> float:
        """The loudness after the gain and the limiter."""
        return measure(stream(), track.sample_rate, track.channels,
                       gain_filter(gain)).integrated

    gain = gain_db(measure(stream(), track.sample_rate, track.channels), target)
    gain = settle(gain, target, limited) + ENCODER_LOSS.get(fmt, 0.0)
    try:
        with atomic_path(Path(output)) as draft:  # the output is replaced once, when all is done
            for _attempt in range(2):
                export(stream(), draft, fmt=fmt, tags=tags, chapters=timeline.chapters,
                       sample_rate=track.sample_rate, channels=track.channels,
                       sample_format="f32le", filters=gain_filter(gain))
                # an encoder may change the level a little more than ENCODER_LOSS: check the
                # file itself, and encode once more with the gain corrected if it is off
                error = gain_db(measure_file(draft), target)
                if abs(error) <= ENCODED_TOLERANCE:
                    break
                gain += error
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from None
    return Path(output)
