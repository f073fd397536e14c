"""Mixing: lay the clips on the timeline and stream the track as raw PCM, in order.

The track is produced chunk by chunk, so memory stays flat however long the session is, and the
time taken is linear in its length (no repeated ``+`` on a growing AudioSegment).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydub import AudioSegment

from .model import Timeline
from .synthesize import CHANNELS, SAMPLE_RATE, SAMPLE_WIDTH

FRAME_BYTES = SAMPLE_WIDTH * CHANNELS
SILENCE_CHUNK = SAMPLE_RATE  # frames of silence handed out at a time (one second)


def frame_count(seconds: float, sample_rate: int = SAMPLE_RATE) -> int:
    """Frames from the start of the track to ``seconds`` (rounded to the nearest frame)."""
    return round(seconds * sample_rate)


def total_frames(timeline: Timeline, sample_rate: int = SAMPLE_RATE) -> int:
    return frame_count(timeline.duration, sample_rate)


def pcm_chunks(timeline: Timeline, clips: Mapping[str, AudioSegment]) -> Iterator[bytes]:
    """The whole track as 16-bit mono PCM chunks, exactly ``total_frames(timeline)`` frames."""
    silence = bytes(SILENCE_CHUNK * FRAME_BYTES)
    position = 0
    for segment in timeline.segments:
        end = frame_count(segment.end)
        wanted = end - position
        if wanted <= 0:
            continue
        if segment.kind == "speech":
            data = clips[segment.text].raw_data[: wanted * FRAME_BYTES]
            yield data
            wanted -= len(data) // FRAME_BYTES
        while wanted > 0:
            step = min(wanted, SILENCE_CHUNK)
            yield silence[: step * FRAME_BYTES]
            wanted -= step
        position = end
