"""Measure rendered audio independently of the code that wrote it: decode with ffmpeg, read tags
and chapters with ffprobe and mutagen, analyse the samples with numpy.

Every test that checks audio uses these helpers, so that one file is decoded once (``decode`` and
``probe`` keep their last results, keyed by the file's path, size and modification time) and every
check of "speech where speech belongs, silence where silence belongs" uses the same edges and
thresholds.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voiceguide.model import Routine, Segment, Sound, Timeline

RATE = 22050
CODEC_EDGE = 0.020  # MP3 spreads a transition over about 20 ms (measured: -56 dBFS beyond it)
BEAT_TOLERANCE = 0.005  # seconds: consecutive counted numbers are one beat apart within this
SILENCE_DB = -50.0  # a silence is below this, CODEC_EDGE away from a transition
SPEECH_DB = -35.0  # the loudest 10 ms of any spoken segment longer than 0.1 s is above this


# --- decoding and reading files ---------------------------------------------------------------

def _key(path: Path) -> tuple[str, int, int]:
    stat = Path(path).stat()
    return str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=4)
def _decode(key: tuple[str, int, int], rate: int, channels: int) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", key[0], "-f", "s16le", "-ac", str(channels),
         "-ar", str(rate), "-"], check=True, capture_output=True).stdout
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / np.float32(32768.0)
    if channels > 1:
        samples = samples.reshape(-1, channels)
    samples.flags.writeable = False
    return samples


def decode(path: Path, rate: int = RATE, channels: int = 1) -> np.ndarray:
    """The file's audio decoded by ffmpeg as float samples in -1..1: mono, or an array of
    (frames, channels). Read-only, and decoded once while the file stays the same."""
    return _decode(_key(path), rate, channels)


def seconds(path: Path, rate: int = RATE) -> float:
    """The decoded length of a file, in seconds."""
    return float(decode(path, rate).shape[0] / rate)


@functools.lru_cache(maxsize=16)
def _probe(key: tuple[str, int, int]) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
         "-show_chapters", key[0]], check=True, capture_output=True, text=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def probe(path: Path) -> dict[str, Any]:
    """ffprobe's view of the file: format, streams, chapters."""
    return _probe(_key(path))


def tags(path: Path) -> dict[str, str]:
    """The file's tags as ffprobe reads them (audio stream and container; not a cover picture's
    own title and comment), names lower-cased."""
    info = probe(path)
    found: dict[str, str] = {}
    for part in ({**s.get("tags", {})} for s in info["streams"] if s["codec_type"] == "audio"):
        found.update(part)
    found.update(info["format"].get("tags", {}))
    return {k.lower(): v for k, v in found.items()}


@dataclass(frozen=True)
class FoundChapter:
    title: str
    start: float
    end: float | None  # None where the format stores only starts (Ogg's CHAPTERxxx comments)


def chapters(path: Path) -> list[FoundChapter]:
    """The chapters of a file as its own format stores them, read by a reader that is not
    ffmpeg's where one exists: ID3 CHAP frames (mutagen) for MP3, the CHAPTERxxx comments of
    the Ogg Opus header (mutagen) for Opus, and ffprobe for M4A. Times in seconds."""
    suffix = Path(path).suffix.lower()
    if suffix == ".mp3":
        from mutagen.id3 import ID3

        frames = sorted(ID3(path).getall("CHAP"), key=lambda f: f.start_time)
        return [FoundChapter(f.sub_frames["TIT2"].text[0], f.start_time / 1000,
                             f.end_time / 1000) for f in frames]
    if suffix == ".opus":
        from mutagen.oggopus import OggOpus

        comments = {k.upper(): v[0] for k, v in (OggOpus(path).tags or {}).items()}
        found = []
        for key in sorted(k for k in comments if re.fullmatch(r"CHAPTER\d+", k)):
            h, m, s = comments[key].split(":")
            found.append(FoundChapter(comments.get(key + "NAME", ""),
                                      int(h) * 3600 + int(m) * 60 + float(s), None))
        return found
    return [FoundChapter(c["tags"]["title"], float(c["start_time"]), float(c["end_time"]))
            for c in probe(path).get("chapters", [])]


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated loudness LUFS, true peak dBTP) of a file, by ffmpeg's ebur128 filter."""
    log = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                          "ebur128=peak=true", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = log[log.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))


# --- levels -----------------------------------------------------------------------------------

def dbfs(samples: np.ndarray) -> float:
    """Peak level in dBFS (-inf for digital silence)."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return float(20 * np.log10(peak)) if peak > 0 else float("-inf")


def window_levels(samples: np.ndarray, window: float = 0.01, rate: int = RATE) -> np.ndarray:
    """RMS level in dBFS of consecutive windows of ``window`` seconds."""
    size = int(window * rate)
    count = samples.size // size
    frames = samples[: count * size].reshape(count, size).astype(np.float64)
    rms = np.sqrt(np.mean(frames ** 2, axis=1))
    with np.errstate(divide="ignore"):
        return 20 * np.log10(np.maximum(rms, 1e-12))  # type: ignore[no-any-return]


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


def onsets(env: np.ndarray, quiet: float = 0.040, loud_db: float = -40.0,
           quiet_db: float = -45.0) -> np.ndarray:
    """Every onset of the track found from its envelope alone (seconds): a millisecond above
    ``loud_db`` after at least ``quiet`` seconds below ``quiet_db``."""
    loud = np.nonzero(env > 10 ** (loud_db / 20))[0]
    still = np.concatenate([[0], (env < 10 ** (quiet_db / 20)).astype(np.int8), [0]])
    edges = np.diff(still)
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    gap_ends = ends[ends - starts >= round(quiet * 1000)]  # first millisecond after a gap
    at = np.searchsorted(loud, gap_ends)
    found = np.unique(loud[at[at < loud.size]])
    return found / 1000.0  # type: ignore[no-any-return]


def silent_until(segment: Segment, sounds: Sequence[Sound]) -> float:
    """Where a silence segment stops being silent: its end, or the start of the first sound laid
    over it (the end bell; ticks in ``tones`` mode)."""
    return min([s.start for s in sounds if segment.start <= s.start < segment.end]
               + [segment.end])


def check_speech_and_silence(samples: np.ndarray, timeline: Timeline, edge: float = CODEC_EDGE,
                             digital: bool = False, rate: int = RATE,
                             segments: Iterable[Segment] | None = None) -> None:
    """Speech where the timeline has speech (the loudest 10 ms of a segment over 0.1 s above
    SPEECH_DB); silence where it has silence, up to the first sound laid over it, ``edge``
    seconds away from each transition: below SILENCE_DB, or exactly zero with ``digital``
    (WAV output)."""
    for segment in timeline.segments if segments is None else segments:
        lo, hi = round(segment.start * rate), round(segment.end * rate)
        if segment.kind == "speech" and segment.duration > 0.1:
            assert window_levels(samples[lo:hi], rate=rate).max() > SPEECH_DB, segment
            continue
        end = silent_until(segment, timeline.sounds)
        if segment.kind == "silence" and end - segment.start > 2 * edge + 0.001:
            inner = samples[round((segment.start + edge) * rate): round((end - edge) * rate)]
            if digital:
                assert not inner.any(), segment
            else:
                assert dbfs(inner) < SILENCE_DB, (segment, dbfs(inner))


# --- the README's timing rules, measured --------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """Numbers counted one beat apart: a hold ("Hold. 4. 3. 2. 1.") or a countdown ("3. 2. 1.")
    of a rest, a changeover or a timed exercise; ``segments`` as scheduled."""

    segments: tuple[Segment, ...]


def counted_runs(timeline: Timeline, hold: str, count: Any) -> list[Run]:
    """The runs of the timeline, recognised from the texts alone: "Hold." (``hold``) or a number
    ``count(n)``, followed by count(n-1), ... down to count(1); runs of one number are left out."""
    numbers = {count(n): n for n in range(1, 3601)}
    runs: list[list[Segment]] = []
    wanted: int | None = None  # the number that continues the current run; 0: any after "Hold."
    for segment in timeline.speech:
        number = numbers.get(segment.text)
        if segment.text == hold:
            runs.append([segment])
            wanted = 0
        elif number is not None and wanted is not None and wanted in (0, number):
            runs[-1].append(segment)
            wanted = number - 1 or None
        elif number is not None:
            runs.append([segment])
            wanted = number - 1 or None
        else:
            wanted = None
    return [Run(tuple(r)) for r in runs if len(r) > 1 and r[-1].text == count(1)]


def expected_run_lengths(routine: Routine) -> Counter[int]:
    """How many runs of each length the README's rules give a (customized) routine: a hold of N
    seconds is a run of N ("Hold" and N-1 numbers) in every rep on every side of every set; every
    rest, rest between sets and changeover ends with a countdown of ``get_ready`` (as many as
    fit), and a timed exercise counts ``get_ready`` down before its end (at most half of it)."""
    from voiceguide.model import Hold

    d = routine.defaults
    lengths: Counter[int] = Counter()

    def countdown(seconds: float, limit: float | None = None) -> None:
        count = min(d.get_ready, int((limit if limit is not None else seconds) / d.beat + 1e-9))
        if count > 1:
            lengths[count] += 1

    for index, ex in enumerate(routine.exercises):
        sides = 2 if ex.sides in ("each", "alternate") else 1
        for _ in range(ex.sets):
            if ex.duration is not None:
                for _ in range(2 if ex.sides == "each" else 1):
                    countdown(ex.duration, ex.duration / 2)
            else:
                assert ex.reps is not None
                for phase in ex.rep:
                    if isinstance(phase, Hold) and phase.seconds.value > 1:
                        lengths[phase.seconds.value] += ex.reps.value * sides
            if ex.sides == "each":
                countdown(ex.changeover if ex.changeover is not None else d.changeover)
        for _ in range(ex.sets - 1):
            countdown(ex.rest_between_sets if ex.rest_between_sets is not None
                      else d.rest_between_sets)
        if index + 1 < len(routine.exercises):
            countdown(ex.rest if ex.rest is not None else d.rest)
    return lengths


def check_runs_on_the_beat(env: np.ndarray, runs: Sequence[Run], beat: float,
                           tolerance: float = BEAT_TOLERANCE, search: float = 0.05) -> float:
    """Each run, measured in the audio: its first onset found within ``search`` seconds of where
    it is scheduled, then each next onset (of the next number, then of what follows the run:
    the next phase, the end of the countdown) the onset in the audio nearest one ``beat`` after
    the one before, within ``search``. Consecutive onsets must be one beat apart within
    ``tolerance``. Returns the worst deviation (s)."""
    found = onsets(env)
    worst = 0.0

    def nearest(time: float, what: object) -> float:
        near = found[np.abs(found - time) <= search]
        assert near.size, f"no onset within {search * 1000:.0f} ms of {time:.3f} s: {what}"
        return float(near[np.argmin(np.abs(near - time))])

    for run in runs:
        texts = [s.text for s in run.segments]
        measured = [nearest(run.segments[0].start, run.segments[0])]
        for _ in range(len(run.segments)):
            measured.append(nearest(measured[-1] + beat, (texts, measured)))
        gaps = np.diff(measured)
        deviation = float(np.max(np.abs(gaps - beat)))
        assert deviation <= tolerance, (texts, [round(g, 4) for g in gaps], run.segments[0])
        worst = max(worst, deviation)
    return worst


def lowpass(samples: np.ndarray, cutoff: float, rate: int = RATE) -> np.ndarray:
    """``samples`` without what lies above ``cutoff`` Hz (a brick-wall filter in the spectrum)."""
    spectrum = np.fft.rfft(samples)
    spectrum[np.fft.rfftfreq(samples.size, 1 / rate) > cutoff] = 0
    return np.fft.irfft(spectrum, samples.size)


def clip_match(samples: np.ndarray, start: float, clip: np.ndarray, rate: int = RATE,
               lag: float = 0.010, cutoff: float | None = None) -> tuple[float, float]:
    """(normalized cross-correlation, lag in seconds) of ``clip`` against the decoded samples at
    ``start``, the best within ``lag`` seconds either side: 1.0 for the same waveform at any
    gain, near 0 for another word. With ``cutoff``, both below that frequency only (to look
    past a tone laid over the speech)."""
    shift = round(lag * rate)
    lo = round(start * rate) - shift
    window = samples[max(0, lo): lo + clip.size + 2 * shift].astype(np.float64)
    if lo < 0:
        window = np.concatenate([np.zeros(-lo), window])
    window = np.pad(window, (0, max(0, clip.size + 2 * shift - window.size)))
    reference = clip.astype(np.float64)
    if cutoff is not None:
        window, reference = lowpass(window, cutoff, rate), lowpass(reference, cutoff, rate)
    size = 1 << int(np.ceil(np.log2(window.size + reference.size)))
    corr = np.fft.irfft(np.fft.rfft(window, size) * np.conj(np.fft.rfft(reference, size)),
                        size)[: 2 * shift + 1]
    energy = np.concatenate([[0.0], np.cumsum(window ** 2)])
    local = energy[clip.size: clip.size + 2 * shift + 1] - energy[: 2 * shift + 1]
    norm = np.sqrt(np.maximum(local, 1e-20) * float(np.sum(reference ** 2)))
    score = corr / norm
    best = int(np.argmax(score))
    return float(score[best]), (best - shift) / rate


def clip_samples(clip: Any) -> np.ndarray:
    """A pydub AudioSegment (16-bit mono) as float samples."""
    return np.frombuffer(clip.raw_data, dtype="<i2").astype(np.float64) / 32768.0


def likeness(clip: np.ndarray, reference: np.ndarray, rate: int = RATE) -> float:
    """How alike two clips are: their best normalized cross-correlation within 20 ms of
    aligned starts. espeak-ng's noise leaves the same text in the same voice at about 0.6 to 0.8
    for short phrases and 0.4 for long sentences (0.9 and above for the very same clip), another
    voice under about 0.25."""
    pad = np.zeros(round(0.02 * rate))
    return clip_match(np.concatenate([pad, reference, pad]), 0.02, clip, rate, lag=0.02)[0]


def check_clips_in_their_slots(samples: np.ndarray, timeline: Timeline,
                               clips: dict[str, Any], minimum: float = 0.9,
                               rate: int = RATE, lag: float = 0.020) -> dict[str, float]:
    """Each spoken segment of the decoded track is its own synthesized clip: normalized
    cross-correlation at least ``minimum`` within ``lag`` of its place (the README's onset
    tolerance: chapters encoded apart may shift by part of a frame). Where a tone is laid over
    the speech (a chime from 1 kHz up, a tick), both are compared below 900 Hz, where the voice
    is and the tones are not, against a bar of 0.8. Returns the lowest score per text."""
    lowest: dict[str, float] = {}
    toned = [(s.start, s.start + s.duration) for s in timeline.sounds]
    references = {text: clip_samples(clip) for text, clip in clips.items()}
    for segment in timeline.speech:
        under = any(lo < segment.end and segment.start < hi for lo, hi in toned)
        score, found = clip_match(samples, segment.start, references[segment.text], rate,
                                  lag=lag + 0.005, cutoff=900.0 if under else None)
        lowest[segment.text] = min(score, lowest.get(segment.text, 1.0))
        bar = 0.8 if under else minimum
        assert abs(found) <= lag and score >= bar, (segment, round(score, 3), found)
    return lowest


def check_rules(path: Path, timeline: Timeline, routine: Routine, clips: dict[str, Any],
                beat: float = 1.0, rate: int = RATE) -> float:
    """The README's rules measured in a rendered file: every hold and countdown the routine
    calls for is in the audio with its numbers one ``beat`` apart (and the next phase a beat
    after the last), and every spoken segment is its own clip. Returns the worst beat error."""
    from voiceguide.script.phrases import load_phrases

    phrases = load_phrases(routine.language)
    runs = counted_runs(timeline, phrases.say("hold"), lambda n: phrases.say("count", n=n))
    assert Counter(len(r.segments) for r in runs) == expected_run_lengths(routine)
    samples = decode(path, rate)
    worst = check_runs_on_the_beat(envelope(samples, rate), runs, beat)
    check_clips_in_their_slots(samples, timeline, clips, rate=rate)
    return worst


def edge_steps(samples: np.ndarray, rate: int = RATE, min_silence: float = 0.001,
               ) -> list[tuple[float, float]]:
    """Every step from or to digital silence: (time in seconds, level in dBFS) of the first
    sample after and the last sample before each run of exact zeros at least ``min_silence``
    seconds long (the file's own start and end count as silence)."""
    zero = samples == 0
    padded = np.concatenate([[True], zero, [True]]).astype(np.int8)
    changes = np.flatnonzero(np.diff(padded))
    starts, ends = changes[::2], changes[1::2]  # sound runs [start, end) between the zeros
    run = max(1, round(min_silence * rate))
    steps: list[tuple[float, float]] = []
    for index, (lo, hi) in enumerate(zip(starts, ends)):
        before = lo if index == 0 else lo - ends[index - 1]
        after = samples.size - hi if index == len(starts) - 1 else starts[index + 1] - hi
        if before >= run:
            steps.append((lo / rate, 20 * float(np.log10(abs(samples[lo])))))
        if after >= run:
            steps.append(((hi - 1) / rate, 20 * float(np.log10(abs(samples[hi - 1])))))
    return steps
