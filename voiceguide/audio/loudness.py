"""Loudness (EBU R128 / ITU-R BS.1770), measured by ffmpeg's ``ebur128`` filter.

Speech-only renders are not measured here: ``levels`` computes their loudness from the clips.
A render with music is normalized in passes over its PCM stream: ``measure`` reads the integrated
loudness, ``gain_filter`` gives the ffmpeg filter that export applies while encoding: one static
gain to the target, then a peak limiter that catches the peaks the gain pushes above the ceiling.
Since the limiter takes a little loudness off speech (its peaks stand 15-20 dB above its
loudness), a second measurement through that filter corrects the gain before the encoding pass.
ffmpeg's ``loudnorm`` is not used: in two-pass mode it silently switches to dynamic processing
(and 192 kHz) when the gain would break the true-peak limit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExportError, InputError
from .encode import feed, find_ffmpeg, scratch_folder

STEREO_TARGET = -16.0  # LUFS, the podcast convention for stereo
MONO_TARGET = -19.0  # LUFS for mono (sounds as loud as -16 in stereo)
TRUE_PEAK = -1.0  # dBTP ceiling
LIMIT = -2.5  # dBFS: the limiter's sample ceiling, below TRUE_PEAK for inter-sample and codec peaks
SILENT = -70.0  # LUFS: ebur128's absolute gate; anything at or below is silence


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness (LUFS) and true peak (dBTP; NaN when not measured) of a stream."""

    integrated: float
    true_peak: float


def default_target(channels: int) -> float:
    """-16 LUFS for stereo, -19 LUFS for mono."""
    return STEREO_TARGET if channels >= 2 else MONO_TARGET


def parse_summary(log: str) -> Loudness:
    """The integrated loudness and true peak from the ``ebur128`` filter's summary."""
    summary = log[log.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf)\s+LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf)\s+dBFS", summary)
    if integrated is None:
        raise ExportError("ffmpeg's ebur128 filter printed no loudness summary")
    return Loudness(float(integrated.group(1)), float(peak.group(1)) if peak else math.nan)


def _ebur128(inputs: list[str], chunks: Iterable[bytes] | None = None,
             filters: str | None = None, peak: bool = False) -> Loudness:
    chain = f"{filters}," if filters else ""
    meter = "ebur128=framelog=verbose" + (":peak=true" if peak else "")  # true peak costs 3x
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info",
               *inputs, "-map", "0:a", "-af", chain + meter, "-f", "null", "-"]
    with scratch_folder() as scratch:
        log_path = Path(scratch) / "ebur128.log"
        with log_path.open("wb") as log:
            code = feed(command, chunks, stderr=log)
        log_text = log_path.read_text(encoding="utf-8", errors="replace")
    if code != 0:
        lines = [line for line in log_text.splitlines() if line.strip()]
        raise ExportError(f"ffmpeg could not measure the loudness: "
                          f"{lines[-1] if lines else f'exit {code}'}")
    return parse_summary(log_text)


def measure(chunks: Iterable[bytes], sample_rate: int, channels: int,
            filters: str | None = None, peak: bool = False) -> Loudness:
    """Loudness of a stream of float32 (``f32le``) PCM chunks, after ``filters`` if given; the
    true peak too with ``peak``."""
    return _ebur128(["-f", "f32le", "-ar", str(sample_rate), "-ac", str(channels),
                     "-i", "pipe:0"], chunks, filters, peak)


def measure_file(path: Path, seconds: float | None = None, peak: bool = False) -> Loudness:
    """Loudness of an audio file (of its first ``seconds`` when given); the true peak too with
    ``peak``."""
    if not Path(path).is_file():
        raise InputError(f"no such audio file: {path}")
    limit = ["-t", f"{seconds:.3f}"] if seconds else []
    try:
        return _ebur128([*limit, "-i", str(path)], peak=peak)
    except ExportError as exc:
        raise InputError(f"cannot read {path} as audio ({exc}).\n  Fix: give an audio file "
                         "ffmpeg can decode (MP3, M4A, Ogg, WAV, FLAC)") from None


def gain_db(measured: Loudness, target: float) -> float:
    """The static gain that brings ``measured`` to ``target`` (0 for silence)."""
    if not math.isfinite(measured.integrated) or measured.integrated <= SILENT:
        return 0.0
    return target - measured.integrated


def gain_filter(gain: float) -> str:
    """An ffmpeg filter chain: a static ``gain`` (dB), then a peak limiter at ``LIMIT`` dBFS (no
    auto level, delay compensated so that nothing moves in time)."""
    limit = 10 ** (LIMIT / 20)
    return (f"volume={gain:.3f}dB,"
            f"alimiter=limit={limit:.4f}:attack=5:release=50:level=false:latency=true")
