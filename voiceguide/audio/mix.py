"""Mixing: lay the clips on the timeline, add the sounds and a music bed, stream the track.

The track is produced block by block (one second of float32 samples at a time), so memory stays
flat however long the session is, and the time taken is linear in its length: each block looks
only at the segments, sounds and speech intervals that touch it (pointers that only move forward).
The music bed is decoded by ffmpeg as a stream too, looped to fit, faded in and out, and ducked
under speech: its gain follows an envelope built from the timeline's speech segments.
"""

from __future__ import annotations

import subprocess
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from ..model import Timeline
from .encode import CHANNELS, OPUS_RATE, SAMPLE_RATE, find_ffmpeg
from .options import DUCK_DB
from .sounds import sound_samples

MUSIC_RATE = 44100
DUCK_ATTACK = 0.25  # seconds: the music starts dropping this long before speech
DUCK_RELEASE = 0.6  # seconds: and comes back up over this long after it
DUCK_BRIDGE = 1.0  # seconds: pauses shorter than this stay ducked (no pumping between phrases)
MUSIC_FADE_IN = 1.0
MUSIC_FADE_OUT = 6.0
MUSIC_UNDER_VOICE_LU = -8.0  # the unducked music's loudness relative to the voice's


@dataclass(frozen=True)
class Track:
    """The track's format: sample rate and channel count (float32 samples while mixing)."""

    sample_rate: int = SAMPLE_RATE
    channels: int = CHANNELS


def track_for(fmt: str, channels: int | None = None, music: bool = False) -> Track:
    """The sample rate for the job: 22050 Hz for speech alone, 44100 Hz with music or stereo,
    48000 Hz for Opus. Music defaults to stereo, speech to mono."""
    count = channels or (2 if music else 1)
    if fmt == "opus":
        rate = OPUS_RATE
    elif music or count == 2:
        rate = MUSIC_RATE
    else:
        rate = SAMPLE_RATE
    return Track(rate, count)


@dataclass(frozen=True)
class MusicBed:
    """A music file laid under the whole session: ``gain_db`` sets its level when nobody speaks,
    and it drops by ``duck_db`` under speech."""

    path: Path
    gain_db: float = 0.0
    duck_db: float = DUCK_DB


def frame_count(seconds: float, sample_rate: int = SAMPLE_RATE) -> int:
    """Frames from the start of the track to ``seconds`` (rounded to the nearest frame)."""
    return round(seconds * sample_rate)


def total_frames(timeline: Timeline, sample_rate: int = SAMPLE_RATE) -> int:
    return frame_count(timeline.duration, sample_rate)


def clip_samples(clip: AudioSegment, sample_rate: int) -> np.ndarray:
    """A 16-bit mono clip as float32 samples at ``sample_rate`` (linear interpolation)."""
    samples = np.frombuffer(clip.raw_data, dtype="<i2").astype(np.float32) / 32768.0
    if clip.frame_rate == sample_rate or samples.size == 0:
        return samples
    size = round(samples.size * sample_rate / clip.frame_rate)
    positions = np.arange(size, dtype=np.float64) * (clip.frame_rate / sample_rate)
    resampled: np.ndarray = np.interp(positions, np.arange(samples.size), samples)
    return resampled.astype(np.float32)


def speech_intervals(timeline: Timeline) -> list[tuple[float, float]]:
    """The stretches with speech, pauses shorter than ``DUCK_BRIDGE`` bridged."""
    merged: list[tuple[float, float]] = []
    for segment in timeline.speech:
        if merged and segment.start - merged[-1][1] < DUCK_BRIDGE:
            merged[-1] = (merged[-1][0], max(merged[-1][1], segment.end))
        else:
            merged.append((segment.start, segment.end))
    return merged


def mix(timeline: Timeline, clips: Mapping[str, AudioSegment], track: Track = Track(),
        music: MusicBed | None = None,
        pieces: Sequence[tuple[int, np.ndarray]] | None = None) -> Iterator[np.ndarray]:
    """The whole track as float32 blocks of shape (frames, channels): speech, sounds, music;
    exactly ``total_frames(timeline, track.sample_rate)`` frames in all. ``pieces`` (start frame,
    float32 samples at the track's rate; sorted, not overlapping), when given, are laid instead
    of the clips and sounds: the same audio, prepared (e.g. gain applied) beforehand."""
    rate = track.sample_rate
    total = total_frames(timeline, rate)
    speech: list[tuple[int, int, np.ndarray]] = []
    sounds: list[tuple[int, np.ndarray]] = list(pieces or ())
    if pieces is None:
        voices = {text: clip_samples(clip, rate) for text, clip in clips.items()}
        speech = [(frame_count(s.start, rate), frame_count(s.end, rate), voices[s.text])
                  for s in timeline.speech]
        sounds = [(frame_count(s.start, rate), sound_samples(s, rate)) for s in timeline.sounds]
    longest = max((samples.size for _, samples in sounds), default=0)
    ducking = _Ducking(speech_intervals(timeline), music.duck_db if music else 0.0, rate)
    bed = _music(music, track, total) if music is not None else None
    first_speech = first_sound = 0
    try:
        for start in range(0, total, rate):
            end = min(total, start + rate)
            block = np.zeros(end - start, dtype=np.float32)
            while first_speech < len(speech) and speech[first_speech][1] <= start:
                first_speech += 1
            _lay(block, start, speech, first_speech)
            first_sound = _overlay(block, start, sounds, first_sound, longest)
            out = np.repeat(block[:, None], track.channels, axis=1)
            if bed is not None:
                out += next(bed) * ducking.gain(start, end - start)[:, None]
            yield out
    finally:
        if bed is not None:
            bed.close()


def _lay(block: np.ndarray, start: int, speech: Sequence[tuple[int, int, np.ndarray]],
         first: int) -> None:
    """Copy the speech that falls in ``block`` (which starts at frame ``start``)."""
    end = start + block.size
    index = first
    while index < len(speech) and speech[index][0] < end:
        lo, hi, samples = speech[index]
        samples = samples[: hi - lo]
        a, b = max(lo, start), min(lo + samples.size, end)
        if b > a:
            block[a - start: b - start] += samples[a - lo: b - lo]
        index += 1


def _overlay(block: np.ndarray, start: int, sounds: Sequence[tuple[int, np.ndarray]],
             first: int, longest: int) -> int:
    """Add the sounds that overlap ``block`` (sorted by start, none longer than ``longest``
    frames); returns the first sound that may still matter for the next block."""
    end = start + block.size
    while first < len(sounds) and sounds[first][0] + longest <= start:
        first += 1
    index = first
    while index < len(sounds) and sounds[index][0] < end:
        lo, samples = sounds[index]
        a, b = max(lo, start), min(lo + samples.size, end)
        if b > a:
            block[a - start: b - start] += samples[a - lo: b - lo]
        index += 1
    return first


class _Ducking:
    """The music's gain under speech: ``duck_db`` down, ramped in dB over the attack/release."""

    def __init__(self, intervals: list[tuple[float, float]], duck_db: float, rate: int) -> None:
        self.intervals = intervals
        self.duck_db = duck_db
        self.rate = rate
        self.first = 0

    def gain(self, start: int, size: int) -> np.ndarray:
        t = (start + np.arange(size)) / self.rate
        depth = np.zeros(size)
        t0, t1 = t[0] if size else 0.0, t[-1] if size else 0.0
        while self.first < len(self.intervals) and \
                self.intervals[self.first][1] + DUCK_RELEASE < t0:
            self.first += 1
        index = self.first
        while index < len(self.intervals) and self.intervals[index][0] - DUCK_ATTACK <= t1:
            lo, hi = self.intervals[index]
            up = np.clip((t - (lo - DUCK_ATTACK)) / DUCK_ATTACK, 0.0, 1.0)
            down = np.clip(((hi + DUCK_RELEASE) - t) / DUCK_RELEASE, 0.0, 1.0)
            depth = np.maximum(depth, np.minimum(up, down))
            index += 1
        return (10 ** (-self.duck_db * depth / 20)).astype(np.float32)


def _music(music: MusicBed, track: Track, total: int) -> Generator[np.ndarray, None, None]:
    """The music, looped to ``total`` frames, at its gain, faded in and out, in 1 s blocks."""
    rate, channels = track.sample_rate, track.channels
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error",
               "-stream_loop", "-1", "-i", str(music.path), "-map", "0:a:0", "-vn",
               "-f", "f32le", "-ac", str(channels), "-ar", str(rate), "pipe:1"]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    gain = 10 ** (music.gain_db / 20)
    fade_in = max(1, round(MUSIC_FADE_IN * rate))
    fade_out = max(1, min(round(MUSIC_FADE_OUT * rate), total // 3))
    try:
        for start in range(0, total, rate):
            size = min(total, start + rate) - start
            raw = process.stdout.read(size * channels * 4)
            block = np.zeros((size, channels), dtype=np.float32)
            got = np.frombuffer(raw, dtype="<f4")
            got = got[: got.size - got.size % channels].reshape(-1, channels)
            block[: got.shape[0]] = got
            frames = start + np.arange(size)
            envelope = np.minimum(np.minimum(frames / fade_in, (total - frames) / fade_out), 1.0)
            yield block * (gain * envelope.astype(np.float32))[:, None]
    finally:
        process.kill()
        process.wait()
        process.stdout.close()


def float_chunks(blocks: Iterator[np.ndarray]) -> Iterator[bytes]:
    """Float blocks as interleaved little-endian float32 bytes (ffmpeg's ``f32le``)."""
    for block in blocks:
        yield block.astype("<f4", copy=False).tobytes()

