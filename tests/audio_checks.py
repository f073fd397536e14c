"""Measure rendered audio independently of the code that wrote it: decode with ffmpeg, analyse
the samples with numpy."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voiceguide.model import Segment, Sound

RATE = 22050


def decode(path: Path, rate: int = RATE) -> np.ndarray:
    """The file's audio as mono float samples in -1..1, decoded by ffmpeg."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate),
         "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0


def probe(path: Path) -> dict:
    """ffprobe's view of the file: format, streams, chapters."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
         "-show_chapters", str(path)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def dbfs(samples: np.ndarray) -> float:
    """Peak level in dBFS (-inf for digital silence)."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def window_levels(samples: np.ndarray, window: float = 0.01, rate: int = RATE) -> np.ndarray:
    """RMS level in dBFS of consecutive windows of ``window`` seconds."""
    size = int(window * rate)
    count = samples.size // size
    frames = samples[: count * size].reshape(count, size)
    rms = np.sqrt(np.mean(frames ** 2, axis=1))
    with np.errstate(divide="ignore"):
        return 20 * np.log10(np.maximum(rms, 1e-12))


def onset_after(samples: np.ndarray, start: float, search: float = 0.5,
                threshold_db: float = -45.0, rate: int = RATE) -> float | None:
    """Time of the first sample at or after ``start - search`` whose level exceeds the threshold
    (samples are scanned in 1 ms windows; returns None if nothing within the search span)."""
    lo = max(0, int((start - search) * rate))
    hi = min(samples.size, int((start + search) * rate))
    size = max(1, rate // 1000)
    threshold = 10 ** (threshold_db / 20)
    for index in range(lo, hi - size, size):
        if np.max(np.abs(samples[index: index + size])) > threshold:
            return index / rate
    return None


def envelope(samples: np.ndarray, rate: int = RATE) -> np.ndarray:
    """Peak level (linear) of each millisecond of the track (window k starts at sample
    round(k * rate / 1000), so millisecond k is exactly k ms from the start)."""
    count = int(samples.size * 1000 // rate)
    starts = np.round(np.arange(count) * rate / 1000).astype(np.int64)
    return np.maximum.reduceat(np.abs(samples), starts) if count else np.zeros(0)


def measured_onset(env: np.ndarray, scheduled: float, not_before: float,
                   threshold_db: float = -40.0, search: float = 0.1) -> float | None:
    """When speech scheduled at ``scheduled`` really starts: the first millisecond above the
    threshold within ``search`` seconds either side (never before ``not_before``, the end of
    the previous speech), found in the per-millisecond envelope ``env``."""
    lo = max(0, round(max(scheduled - search, not_before) * 1000))
    hi = min(env.size, round((scheduled + search) * 1000))
    above = np.nonzero(env[lo:hi] > 10 ** (threshold_db / 20))[0]
    return (lo + int(above[0])) / 1000 if above.size else None


def silent_until(segment: Segment, sounds: Sequence[Sound]) -> float:
    """Where a silence segment stops being silent: its end, or the start of the first sound laid
    over it (the end bell; ticks in ``tones`` mode)."""
    return min([s.start for s in sounds if segment.start <= s.start < segment.end]
               + [segment.end])
