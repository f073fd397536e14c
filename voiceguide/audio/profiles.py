"""Levels from the cache: each piece's loudness profile kept beside the clips, and the session's
gain planned on a grid of ``step`` dB from the profiles.

A piece (a phrase's clip, a tone, a group of overlapping ones mixed) has a profile: its true peak
(``levels.peaks``, 4x oversampled) and its K-weighted energy (BS.1770) in blocks of about a
millisecond (a divisor of the 100 ms hop), and, for each gain the plan has tried where its peaks
pass the ceiling, what the peak control (``levels.limit``) changes in that energy, in the same
blocks. Profiles are stored under the SHA-256 of the piece's samples in ``<cache>/levels``, so a
warm render plans its levels without K-weighting, oversampling or limiting anything; only the
pieces of the parts it must encode are then prepared (gain and peak control applied).

The gain is a multiple of ``step`` dB: the grid point whose loudness is nearest the target
(found by secant steps on the grid). Being on a grid, it is the same after a small change
elsewhere in the session (other reps), so the other chapters' samples, and their encoded
parts, stay as they were. A block's energy counts in the hop its middle falls in: against the
exact per-sample split of ``levels.plan`` this moves less than a millisecond of energy between
neighbouring hops (a difference under 0.01 LU).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cache import entries_size, remove_entries
from .levels import SILENT, Clips, energy_changes, limit, peaks, weighted

LEVELS_FORMAT = 1  # bump when a profile's meaning changes
STEPS = 8  # loudness evaluations at most
RAISE = 12.0  # dB the gain may rise above its first estimate


def block_size(rate: int) -> int:
    """Samples per energy block: the largest divisor of the 100 ms hop not above 1 ms."""
    hop = round(0.1 * rate)
    return max(d for d in range(1, max(1, rate // 1000) + 1) if hop % d == 0)


@dataclass
class Profile:
    """A piece's true peak (linear), K-weighted energy per block at unit gain, and the changes
    the peak control makes at each gain tried (key ``"ceiling/gain"``: block indices and energy
    changes at that gain)."""

    peak: float
    energy: np.ndarray
    changes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    dirty: bool = False


def _blocks(values: np.ndarray, size: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``values`` (starting at sample ``offset`` of a piece) per block of ``size``:
    (block indices, sums)."""
    first = offset // size
    padded = np.concatenate([np.zeros(offset - first * size), values])
    padded = np.pad(padded, (0, -padded.size % size))
    sums = padded.reshape(-1, size).sum(axis=1)
    return np.arange(first, first + sums.size), sums


def profile_of(samples: np.ndarray, rate: int) -> Profile:
    """A piece's profile, computed, but for its true peak (NaN: ``Loud.peak`` finds it along
    with the peaks it keeps)."""
    _, energy = _blocks(np.square(weighted(samples, rate)), block_size(rate))
    return Profile(math.nan, energy, dirty=True)


@dataclass
class ProfileStore:
    """Profiles on disk (``root``; None keeps them for this render only). A profile that
    cannot be read is computed again; one that cannot be written is skipped."""

    root: Path | None

    def path(self, digest: str) -> Path:
        assert self.root is not None
        return self.root / digest[:2] / f"{digest}.prof"

    def load(self, digest: str) -> Profile | None:
        """The stored profile: a JSON line (the peak, the arrays' names, types and lengths),
        then the arrays' bytes; None when missing or damaged."""
        if self.root is None:
            return None
        try:
            data = self.path(digest).read_bytes()
            line = data.index(b"\n")
            head = json.loads(data[:line])
            arrays, at = {}, line + 1
            for name, kind, count in head["arrays"]:
                size = count * np.dtype(kind).itemsize
                if at + size > len(data):
                    return None
                arrays[name] = np.frombuffer(data, dtype=kind, count=count, offset=at)
                at += size
            if at != len(data):
                return None
            changes = {name[2:]: (arrays[name], arrays["v:" + name[2:]])
                       for name in arrays if name.startswith("i:")}
            return Profile(float(head["peak"]), arrays["energy"], changes)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, digest: str, profile: Profile) -> None:
        if self.root is None or not profile.dirty:
            return
        arrays = {"energy": profile.energy.astype("<f8")}
        for name, (index, values) in profile.changes.items():
            arrays["i:" + name], arrays["v:" + name] = index.astype("<i8"), values.astype("<f8")
        head = {"peak": profile.peak,
                "arrays": [[name, array.dtype.str, array.size] for name, array in arrays.items()]}
        path = self.path(digest)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(json.dumps(head).encode() + b"\n")
                    for array in arrays.values():
                        out.write(array.tobytes())
                os.replace(tmp, path)
            finally:
                Path(tmp).unlink(missing_ok=True)


    def entries(self) -> list[Path]:
        if self.root is None:
            return []
        return [p for p in self.root.glob("??/*.prof") if p.is_file()]

    def size(self) -> tuple[int, int]:
        """(number of profiles, bytes used)."""
        return entries_size(self.entries())

    def clear(self) -> int:
        """Remove every stored profile (and partial writes); how many profiles went."""
        if self.root is None:
            return 0
        return remove_entries(self.root, self.entries(), list(self.root.glob("??/.*.part")))


def levels_folder(cache: Path) -> Path:
    """Where the profiles of the phrase cache ``cache`` are kept."""
    return cache / "levels"


class Loud:
    """The true peaks of each piece that could pass the ceiling (those above ``near``, linear:
    memory follows the loud moments, not the clips), computed when first asked for."""

    def __init__(self, clips: Clips, near: float) -> None:
        self.clips, self.near = clips, near
        self.found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.lock = threading.Lock()

    def peak(self, key: str) -> float:
        """The piece's highest true peak (linear), its peaks above ``near`` kept."""
        envelope = peaks(self.clips.pieces[key])
        where = np.flatnonzero(envelope >= self.near)
        with self.lock:
            self.found[key] = (where, envelope[where])
        return float(envelope.max()) if envelope.size else 0.0

    def envelope(self, key: str) -> np.ndarray:
        """The piece's true peaks, zero where they stay below ``near``."""
        with self.lock:
            known = self.found.get(key)
        raw = self.clips.pieces[key]
        if known is None:
            self.peak(key)
            with self.lock:
                known = self.found[key]
        out = np.zeros(raw.size)
        out[known[0]] = known[1]
        return out


class Levels:
    """The planned gain (dB, a multiple of the step) of a track of ``clips``, the loudness it
    gives (LUFS, before any codec), and each piece's samples with it (gain and peak control
    applied, prepared on demand)."""

    def __init__(self, clips: Clips, profiles: dict[str, Profile], digests: dict[str, str],
                 gain: float, loudness: float, ceiling: float, loud: Loud) -> None:
        self.clips, self.profiles, self.gain, self.loudness = clips, profiles, gain, loudness
        self.scale = 10 ** (gain / 20)
        self.top = 10 ** (ceiling / 20)
        self.loud = loud
        self._prepared: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.digests = {key: hashlib.sha256(
            f"{LEVELS_FORMAT}:{digest}:{gain:.4f}:{ceiling:.4f}".encode()).hexdigest()
            for key, digest in digests.items()}  # names each prepared piece's exact samples

    def samples(self, key: str) -> np.ndarray:
        """The piece ``key`` ready to mix (float32 mono)."""
        with self._lock:
            found = self._prepared.get(key)
        if found is not None:
            return found
        raw = self.clips.pieces[key]
        if self.profiles[key].peak * self.scale > self.top:
            ready = limit(raw, self.loud.envelope(key), self.scale, self.top, self.clips.rate)
        else:
            ready = raw * np.float32(self.scale)
        with self._lock:
            return self._prepared.setdefault(key, ready)


def plan_levels(clips: Clips, target: float, ceiling: float, extra: float, step: float,
                store: ProfileStore) -> Levels:
    """The gain on a grid of ``step`` dB that brings the track nearest to ``target`` LUFS
    (plus ``extra`` dB, which a codec takes back), each piece's peaks past ``ceiling`` dBTP held
    by ``levels.limit``; profiles read from ``store`` and the new ones written to it."""
    rate, hop, size = clips.rate, clips.hop, block_size(clips.rate)
    digests, profiles = {}, {}
    for key, raw in clips.pieces.items():
        digest = hashlib.sha256(f"{LEVELS_FORMAT}:{rate}:".encode()
                                + np.ascontiguousarray(raw, dtype="<f4").tobytes()).hexdigest()
        digests[key] = digest
        profiles[key] = store.load(digest) or profile_of(raw, rate)

    def place(hops: np.ndarray, key: str, index: np.ndarray, values: np.ndarray) -> None:
        starts = np.array(clips.starts[key])
        where = (starts[:, None] + (index * size + size // 2)[None, :]) // hop
        inside = where < hops.size
        hops += np.bincount(where[inside], np.broadcast_to(values, where.shape)[inside],
                            minlength=hops.size)[: hops.size]

    unit = clips.silence()
    for key, profile in profiles.items():
        place(unit, key, np.arange(profile.energy.size), profile.energy)
    level = clips.level(unit)
    top = 10 ** (ceiling / 20)
    if not math.isfinite(level) or level <= SILENT:
        return _done(clips, profiles, digests, store, 0.0, level, ceiling, Loud(clips, top))
    want = target + extra
    first = round((want - level) / step)
    loud = Loud(clips, top / 10 ** ((first * step + RAISE) / 20))
    for key, profile in profiles.items():  # new profiles: the true peak, once
        if math.isnan(profile.peak):
            profile.peak = loud.peak(key)

    def changes(key: str, gain: float) -> tuple[np.ndarray, np.ndarray]:
        profile = profiles[key]
        name = f"{ceiling:.4f}/{gain:.4f}"
        if name not in profile.changes:
            raw, scale = clips.pieces[key], 10 ** (gain / 20)
            envelope = loud.envelope(key)
            scaled = raw * np.float32(scale)
            index, values = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
            for lo, delta in energy_changes(scaled, limit(raw, envelope, scale, top, rate), rate):
                at, sums = _blocks(delta, size, lo)
                index.append(at)
                values.append(sums)
            profile.changes[name] = (np.concatenate(index), np.concatenate(values))
            profile.dirty = True
        return profile.changes[name]

    def loudness(n: int) -> float:
        gain = n * step
        hops = unit * 10 ** (gain / 10)
        for key, profile in profiles.items():
            if profile.peak * 10 ** (gain / 20) > top:
                place(hops, key, *changes(key, gain))
        return clips.level(hops)

    seen: dict[int, float] = {}
    n, before = first, None
    for _ in range(STEPS):
        seen[n] = loudness(n)
        error = want - seen[n]
        if abs(error) <= step / 2:
            break
        below = [m for m in seen if seen[m] < want]
        above = [m for m in seen if seen[m] >= want]
        if below and above and min(above) - max(below) == 1:
            break  # the nearest point is one of these two
        slope = 1.0  # the peak control swallows part of each extra dB
        if before is not None and n != before:
            slope = min(1.0, max(0.2, (seen[n] - seen[before]) / ((n - before) * step)))
        move = round(error / slope / step) or (1 if error > 0 else -1)
        before, n = n, min(n + move, first + round(RAISE / step))
        if n in seen:
            break
    best = min(seen, key=lambda m: (abs(seen[m] - want), m))
    return _done(clips, profiles, digests, store, best * step, seen[best], ceiling, loud)


def _done(clips: Clips, profiles: dict[str, Profile], digests: dict[str, str],
          store: ProfileStore, gain: float, level: float, ceiling: float, loud: Loud) -> Levels:
    for key, profile in profiles.items():
        if math.isnan(profile.peak):  # a silent track: no gain, so nothing to limit
            profile.peak = loud.peak(key)
        store.save(digests[key], profile)
    return Levels(clips, profiles, digests, gain, level, ceiling, loud)


def placed_keys(clips: Clips) -> Sequence[tuple[int, str]]:
    """(start frame, piece) of every piece on the track, in order."""
    return sorted((start, key) for key, starts in clips.starts.items() for start in starts)
