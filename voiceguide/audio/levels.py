"""Loudness of a track made of known clips, computed from the clips (no pass over the track).

A speech-only track is distinct clips (phrases, tones) laid at known frames over digital silence.
Its ITU-R BS.1770-4 integrated loudness follows from the clips alone, in numpy: each distinct
piece is K-weighted once (a convolution with the filter's impulse response, whose ringing is
counted) and the cumulative sum of its squares kept; each placement adds its energy into the
track's 100 ms hops from those sums (the cost follows the clips, not the track's length); 400 ms
gating blocks are four consecutive hops; then the absolute (-70 LUFS) and relative (-10 LU)
gates. Clips that overlap (a chime on a phrase, a tick on a number) are mixed into one piece
first, so their sum is what is measured. True peaks are read 4x oversampled.

``plan`` finds one gain to the target and, in each distinct piece, holds the peaks the gain would
push past the true-peak ceiling with a short smooth dip (computed once per piece, not over the
track); it corrects the gain by the little loudness that takes off until it settles. Agreement
with ffmpeg's ebur128 on real mixes is checked in ``tests/test_levels.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

SILENT = -70.0  # LUFS: BS.1770's absolute gate
RELATIVE_GATE = 10.0  # LU below the absolutely gated loudness
TAIL = 0.05  # seconds of the K-weighting's ringing counted after each clip
OVERSAMPLE = 4  # for the true peak
TAPS = 12  # per phase of the oversampling filter
SETTLED = 0.05  # LU: close enough to the target
STEPS = 8  # gain corrections at most
HOLD = 0.01  # seconds: how long the gain dips around a peak past the ceiling
RAISE = 12.0  # dB the gain may rise above its first estimate while it settles


def k_weighting(sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BS.1770's K-weighting as two biquads (b1, a1, b2, a2) for ``sample_rate``: the high shelf
    and the high pass, by the bilinear transform of their analog prototypes (the formulae of
    libebur128's ``ebur128_init_filter``, also used by ffmpeg's ebur128 filter and pyloudnorm),
    which give BS.1770's tabulated 48 kHz coefficients exactly."""
    f0, gain, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10 ** (gain / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    b1 = np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0,
                   (vh - vb * k / q + k * k) / a0])
    a1 = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1 + k / q + k * k
    b2 = np.array([1.0, -2.0, 1.0])
    a2 = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    return b1, a1, b2, a2


def _biquad(b: np.ndarray, a: np.ndarray, x: list[float]) -> list[float]:
    """A biquad (direct form I) over a short list of samples."""
    out: list[float] = []
    x1 = x2 = y1 = y2 = 0.0
    for x0 in x:
        y0 = b[0] * x0 + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
        out.append(y0)
        x1, x2, y1, y2 = x0, x1, y0, y1
    return out


@cache
def k_response(sample_rate: int) -> np.ndarray:
    """The K-weighting's impulse response, ``TAIL`` seconds of it (by then it has decayed by
    more than 100 dB)."""
    b1, a1, b2, a2 = k_weighting(sample_rate)
    impulse = [1.0] + [0.0] * (round(TAIL * sample_rate) - 1)
    response = np.array(_biquad(b2, a2, _biquad(b1, a1, impulse)))
    response.flags.writeable = False
    return response


def weighted(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """``samples`` K-weighted, followed by the filter's ringing (``TAIL`` s): a convolution with
    its impulse response, by FFT."""
    size = samples.size + k_response(sample_rate).size - 1
    length = 1 << (size - 1).bit_length()
    out: np.ndarray = np.fft.irfft(np.fft.rfft(samples.astype(np.float64), length)
                                   * _k_spectrum(sample_rate, length), length)[:size]
    return out


@cache
def _k_spectrum(sample_rate: int, length: int) -> np.ndarray:
    spectrum: np.ndarray = np.fft.rfft(k_response(sample_rate), length)
    return spectrum


@cache
def _interpolator() -> np.ndarray:
    """The ``OVERSAMPLE`` x interpolation filter (windowed sinc, ``TAPS`` per phase), one row per
    phase."""
    taps = OVERSAMPLE * TAPS
    t = (np.arange(taps) - (taps - 1) / 2) / OVERSAMPLE
    h = np.sinc(t) * np.kaiser(taps, 8.0)
    phases = np.stack([h[p::OVERSAMPLE] for p in range(OVERSAMPLE)])
    normalized: np.ndarray = phases / phases.sum(axis=1, keepdims=True)
    return normalized


def peaks(samples: np.ndarray) -> np.ndarray:
    """Each sample's true peak: the highest magnitude from it to the next sample, read
    ``OVERSAMPLE`` times oversampled (BS.1770's method)."""
    if samples.size == 0:
        return np.zeros(0)
    x = samples.astype(np.float64)
    delay = TAPS // 2  # the phases then fall 1/8, 3/8, 5/8 and 7/8 of a sample after it
    found = np.abs(x)
    for phase in _interpolator():
        found = np.maximum(found, np.abs(np.convolve(x, phase)[delay: delay + x.size]))
    return found


def true_peak(samples: np.ndarray) -> float:
    """The true peak of ``samples`` (linear)."""
    return float(peaks(samples).max()) if samples.size else 0.0


def integrated(hops: np.ndarray, hop: int, channels: int) -> float:
    """Integrated loudness (LUFS) from the K-weighted energy of each 100 ms hop (``hop`` frames,
    one channel; every channel is a copy): 400 ms blocks of four hops, both gates."""
    if hops.size < 4:
        return -math.inf
    cumulative = np.concatenate([[0.0], np.cumsum(hops)])
    power = (cumulative[4:] - cumulative[:-4]) * channels / (4 * hop)
    with np.errstate(divide="ignore"):
        level = -0.691 + 10 * np.log10(power)
    kept = power[level > SILENT]
    if kept.size == 0:
        return -math.inf
    gate = -0.691 + 10 * math.log10(float(np.mean(kept))) - RELATIVE_GATE
    kept = power[(level > SILENT) & (level > gate)]
    return -0.691 + 10 * math.log10(float(np.mean(kept))) if kept.size else -math.inf


@dataclass(frozen=True)
class Placed:
    """One clip on the track: the first ``size`` frames of ``source``'s samples (a phrase's text,
    a tone) from frame ``start``."""

    start: int
    source: str
    size: int


@dataclass(frozen=True)
class Plan:
    """The pieces' samples ready to mix (float32 mono, gain and peak control applied) and the
    loudness they give before any codec (LUFS)."""

    samples: dict[str, np.ndarray]
    loudness: float


def _running_min(values: np.ndarray, width: int) -> np.ndarray:
    """The minimum over a centred window of ``width`` (odd) values (van Herk / Gil-Werman)."""
    half = width // 2
    padded = np.concatenate([np.ones(half), values, np.ones(half + width)])
    blocks = padded[: padded.size // width * width].reshape(-1, width)
    ahead = np.minimum.accumulate(blocks, axis=1).ravel()
    behind = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    index = np.arange(values.size)
    found: np.ndarray = np.minimum(behind[index], ahead[index + width - 1])
    return found


def _running_mean(values: np.ndarray, width: int) -> np.ndarray:
    """The mean over a centred window of ``width`` (odd) values (edges padded with ones)."""
    half = width // 2
    total = np.concatenate([[0.0], np.cumsum(np.concatenate([np.ones(half), values,
                                                             np.ones(half)]))])
    found: np.ndarray = (total[width:] - total[:-width]) / width
    return found


def limit(samples: np.ndarray, envelope: np.ndarray, gain: float, ceiling: float,
          rate: int) -> np.ndarray:
    """``samples`` times ``gain``, their true peak (``envelope``, from ``peaks``) held under
    ``ceiling`` (linear): where a peak would pass it, the gain dips smoothly (the minimum needed
    over +-``HOLD`` s, averaged over ``HOLD`` s: never above what any sample needs); the rest is
    untouched, nothing moves in time."""
    scaled: np.ndarray = samples * np.float32(gain)
    over = np.flatnonzero(envelope * gain > ceiling)
    if over.size == 0:
        return scaled
    hold = max(1, round(HOLD * rate))
    reach = 2 * hold + 1  # how far a dip reaches from the peak that needs it
    splits = np.flatnonzero(np.diff(over) > 2 * reach) + 1
    for group in np.split(over, splits):  # each stretch of peaks on its own
        lo, hi = max(0, int(group[0]) - reach), min(samples.size, int(group[-1]) + reach + 1)
        need = np.minimum(1.0, ceiling / np.maximum(envelope[lo:hi] * gain, 1e-12))
        factor = np.minimum(_running_mean(_running_min(need, 2 * hold + 1), hold | 1), need)
        factor[factor > 1 - 1e-9] = 1.0  # untouched away from the peaks, to the bit
        scaled[lo:hi] *= factor.astype(np.float32)
    return scaled


def _cumulative(weighted: np.ndarray) -> np.ndarray:
    """Cumulative energy of K-weighted samples: element i is the sum of the first i squares."""
    return np.concatenate([[0.0], np.cumsum(np.square(weighted, dtype=np.float64))])


def _changes(before: np.ndarray, after: np.ndarray) -> list[tuple[int, int]]:
    """The runs (start, end) where ``after`` differs from ``before``."""
    changed = np.concatenate([[False], before != after, [False]])
    edges = np.flatnonzero(changed[1:] != changed[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _add(hops: np.ndarray, starts: np.ndarray, energy: np.ndarray, hop: int) -> None:
    """Add a piece's cumulative energy, placed at each of ``starts``, into the hops it spans
    (vectorized over placements and hops: the cost follows the clips, not the track)."""
    size = energy.size - 1
    index = (starts // hop)[:, None] + np.arange(-(-(size + hop) // hop))[None, :]
    lo = np.clip(index * hop - starts[:, None], 0, size)
    hi = np.clip((index + 1) * hop - starts[:, None], 0, size)
    inside = (index < hops.size) & (hi > lo)
    hops += np.bincount(index[inside], (energy[hi] - energy[lo])[inside],
                        minlength=hops.size)[: hops.size]


def _islands(placed: Sequence[Placed]) -> list[list[Placed]]:
    """The placements grouped where they overlap (sorted by start)."""
    groups: list[list[Placed]] = []
    end = -1
    for item in sorted(placed, key=lambda p: p.start):
        if groups and item.start < end:
            groups[-1].append(item)
        else:
            groups.append([item])
            end = item.start
        end = max(end, item.start + item.size)
    return groups


class Clips:
    """A track of ``frames`` frames at ``rate`` Hz and ``channels`` identical channels made of
    ``placed`` clips of ``sources`` (mono float32 samples at ``rate``) over digital silence, as
    pieces: each distinct clip that stands alone, and each group of overlapping clips mixed into
    one (so their sum is measured and peak-controlled as it will sound)."""

    def __init__(self, sources: Mapping[str, np.ndarray], placed: Sequence[Placed], frames: int,
                 rate: int, channels: int) -> None:
        self.rate, self.channels = rate, channels
        self.hop = round(0.1 * rate)
        self.bins = -(-frames // self.hop)
        self.pieces: dict[str, np.ndarray] = {}
        self.starts: dict[str, list[int]] = {}
        for number, group in enumerate(_islands(placed)):
            start = group[0].start
            if len(group) == 1:
                key = f"{group[0].source}:{group[0].size}"
                if key not in self.pieces:
                    self.pieces[key] = sources[group[0].source][: group[0].size]
            else:
                key = f"overlap:{number}"
                mixed = np.zeros(max(p.start + p.size for p in group) - start, dtype=np.float32)
                for p in group:
                    mixed[p.start - start: p.start - start + p.size] += \
                        sources[p.source][: p.size]
                self.pieces[key] = mixed
            self.starts.setdefault(key, []).append(start)

    def placements(self, pieces: Mapping[str, np.ndarray]) -> list[tuple[int, np.ndarray]]:
        """(start frame, samples) of every piece on the track, in order, from ``pieces``."""
        return sorted(((start, pieces[key]) for key, starts in self.starts.items()
                       for start in starts), key=lambda item: item[0])

    def loudness(self, pieces: Mapping[str, np.ndarray]) -> float:
        """Integrated loudness (LUFS) of the track made of these ``pieces``."""
        hops = self.silence()
        for key, samples in pieces.items():
            self.add(hops, key, weighted(samples, self.rate))
        return self.level(hops)

    def silence(self) -> np.ndarray:
        """The K-weighted energy of each 100 ms hop of the track before anything is added."""
        return np.zeros(self.bins)

    def add(self, hops: np.ndarray, key: str, weighted: np.ndarray) -> None:
        """Add the piece ``key``, K-weighted, at each place it has on the track."""
        _add(hops, np.array(self.starts[key]), _cumulative(weighted), self.hop)

    def level(self, hops: np.ndarray) -> float:
        """Integrated loudness (LUFS) from the hops' energies."""
        return integrated(hops, self.hop, self.channels)


def plan(clips: Clips, target: float, ceiling: float, extra: float = 0.0) -> Plan:
    """The pieces' samples that bring the track to ``target`` LUFS (plus ``extra`` dB, which a
    codec takes back) with its true peak under ``ceiling`` dBTP: one gain for all, each piece's
    peaks past the ceiling held down by ``limit`` (once per distinct piece); the gain corrected
    by the loudness that took off (secant steps) until it settles within ``SETTLED`` LU."""
    top = 10 ** (ceiling / 20)
    unit = clips.silence()  # the hops' energies at unit gain
    for key, raw in clips.pieces.items():
        clips.add(unit, key, weighted(raw, clips.rate))
    level = clips.level(unit)
    if not math.isfinite(level) or level <= SILENT:
        return Plan(dict(clips.pieces), level)
    first = gain = target + extra - level
    # only the samples that could come near the ceiling are kept (the gain rises by less than
    # RAISE dB while it settles): memory follows the loud moments, not the clips
    near = top / 10 ** ((first + RAISE) / 20)
    loud = {}
    for key, raw in clips.pieces.items():
        envelope = peaks(raw)
        where = np.flatnonzero(envelope >= near)
        if where.size:
            loud[key] = (where, envelope[where])
    before: tuple[float, float] | None = None
    for _step in range(STEPS):
        scale = 10 ** (gain / 20)
        hops = unit * scale ** 2
        for key, (where, values) in loud.items():
            _add_changes(clips, hops, key, limit_at(clips, key, where, values, scale, top),
                         scale)
        level = clips.level(hops)
        error = target + extra - level
        if abs(error) <= SETTLED:
            break
        slope = 1.0  # the peak control swallows part of each extra dB
        if before is not None and gain != before[0]:
            slope = min(1.0, max(0.2, (level - before[1]) / (gain - before[0])))
        before = (gain, level)
        gain = min(gain + error / slope, first + RAISE)
    pieces = {key: limit_at(clips, key, *loud[key], scale, top) if key in loud  # as measured
              else raw * np.float32(scale) for key, raw in clips.pieces.items()}
    return Plan(pieces, level)


def limit_at(clips: Clips, key: str, where: np.ndarray, values: np.ndarray, gain: float,
             ceiling: float) -> np.ndarray:
    """``limit`` the piece ``key`` whose true peaks above the quiet are ``values`` at ``where``."""
    raw = clips.pieces[key]
    envelope = np.zeros(raw.size)
    envelope[where] = values
    return limit(raw, envelope, gain, ceiling, clips.rate)


def _add_changes(clips: Clips, hops: np.ndarray, key: str, limited: np.ndarray,
                 gain: float) -> None:
    """Add to ``hops`` (which hold the piece ``key`` at ``gain``) what ``limited`` changes in its
    K-weighted energy."""
    starts = np.array(clips.starts[key])
    for lo, delta in energy_changes(clips.pieces[key] * np.float32(gain), limited, clips.rate):
        _add(hops, starts + lo, np.concatenate([[0.0], np.cumsum(delta)]), clips.hop)


def energy_changes(scaled: np.ndarray, limited: np.ndarray,
                   rate: int) -> list[tuple[int, np.ndarray]]:
    """What ``limited`` changes in the K-weighted energy of ``scaled`` (the same piece before
    the peak control): (first sample, change per sample) for each changed stretch. K-weighting
    is linear, so only the changed stretches (and the filter's ringing after them) are filtered
    again."""
    ring = k_response(rate).size
    runs: list[tuple[int, int]] = []
    for lo, hi in _changes(scaled, limited):  # stretches closer than the ringing go together
        if runs and lo - runs[-1][1] < ring:
            runs[-1] = (runs[-1][0], hi)
        else:
            runs.append((lo, hi))
    found = []
    for lo, hi in runs:
        change = weighted(limited[lo:hi] - scaled[lo:hi], rate)
        before = max(0, lo - ring)
        plain = weighted(scaled[before: hi + ring], rate)[lo - before:]
        plain = np.pad(plain, (0, max(0, change.size - plain.size)))[: change.size]
        found.append((lo, change * (2 * plain + change)))
    return found
