"""The phrase cache: synthesized clips kept on disk, keyed by everything that changes the sound.

Entries are WAV files written atomically (a temporary file renamed into place); an entry that is
truncated or unreadable is treated as missing and synthesized again, never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from pydub import AudioSegment

from ..atomic import read_bounded
from ..errors import InputError, VoiceguideError
from ..format.load import MAX_TEXT_CHARS

# bump when the stored clips change (2: clips spoken at a lost --rate; 4: faded edges, cut to
# their first and last sample that is not zero)
CACHE_FORMAT = 4
TRACK_FORMAT = (22050, 2, 1)  # frame rate, sample width, channels of every stored clip
WAV_HEADER_ROOM = 4096  # bytes of RIFF header and chunks before the samples
SECONDS_PER_CHAR = 0.3
SECONDS_PER_WIDE_CHAR = 1.0


def default_cache_dir() -> Path:
    """``$VOICEGUIDE_CACHE_DIR``, or the user's cache folder (``~/.cache/voiceguide`` on Linux)."""
    override = os.environ.get("VOICEGUIDE_CACHE_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("voiceguide", appauthor=False)) / "phrases"


def cache_key(engine: str, engine_version: str, voice: str | None, rate: int | None,
              language: str, text: str) -> str:
    """The hash that names a clip: engine, its version, voice, rate, language and text."""
    fields = [CACHE_FORMAT, engine, engine_version, voice, rate, language, text]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


@dataclass
class PhraseCache:
    """A folder of clips named by their cache key."""

    root: Path

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str, text: str | None = None) -> AudioSegment | None:
        """The stored clip, or None when missing, truncated, unreadable, not a regular file, or
        longer than any speaking of ``text`` could be (``max_seconds``): then it is synthesized
        again. Never reads more than that bound."""
        path = self.path(key)
        limit = WAV_HEADER_ROOM + round(max_seconds(text) * TRACK_FORMAT[0]) * TRACK_FORMAT[1]
        try:
            data = read_bounded(path, limit)
            if len(data) > limit:
                return None
            with wave.open(io.BytesIO(data), "rb") as handle:
                frames = handle.readframes(handle.getnframes())
                params = handle.getparams()
        except (OSError, EOFError, wave.Error, InputError):
            return None
        expected = params.nframes * params.sampwidth * params.nchannels
        if params.nframes == 0 or len(frames) != expected or (
                params.framerate, params.sampwidth, params.nchannels) != TRACK_FORMAT:
            return None
        return AudioSegment(data=frames, sample_width=params.sampwidth,
                            frame_rate=params.framerate, channels=params.nchannels)

    def put(self, key: str, clip: AudioSegment) -> None:
        """Store a clip atomically; a cache that cannot be written is skipped silently."""
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
            try:
                with os.fdopen(handle, "wb") as raw, wave.open(raw, "wb") as out:
                    out.setnchannels(clip.channels)
                    out.setsampwidth(clip.sample_width)
                    out.setframerate(clip.frame_rate)
                    out.writeframes(clip.raw_data)
                os.replace(tmp, path)
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError:
            return

    def _entries(self, pattern: str) -> list[Path]:
        """The cache's own files (``ab/ab….wav``); anything else in the folder is not ours."""
        return [p for p in self.root.glob(f"??/{pattern}")
                if _is_hex(p.parent.name) and p.is_file()
                and (p.suffix != ".wav" or (len(p.stem) == 64 and _is_hex(p.stem)
                                            and p.stem.startswith(p.parent.name)))]

    def size(self) -> tuple[int, int]:
        """(number of clips, bytes used)."""
        return entries_size(self._entries("*.wav"))

    def clear(self) -> int:
        """Remove every clip (and leftover partial writes); returns how many clips went.
        Only the cache's own files are removed, whatever else the folder holds."""
        return remove_entries(self.root, self._entries("*.wav"), self._entries(".*.part"))


def max_seconds(text: str | None) -> float:
    """The longest a clip of ``text`` can be: twice its length at the slowest rate (80 words per
    minute, about 7 characters a second, so 0.3 s a character; 1 s for a CJK character, a
    syllable or more), plus 2 s. Without a text, the bound of the longest text a routine may
    hold (5,000 characters)."""
    if text is None:
        return 2.0 + MAX_TEXT_CHARS * SECONDS_PER_WIDE_CHAR
    wide = sum(1 for char in text if unicodedata.east_asian_width(char) in "WF")
    return 2.0 + wide * SECONDS_PER_WIDE_CHAR + (len(text) - wide) * SECONDS_PER_CHAR


def _is_hex(name: str) -> bool:
    return all(char in "0123456789abcdef" for char in name)


def entries_size(entries: list[Path]) -> tuple[int, int]:
    """(number of entries, bytes used) of a cache folder's entries; one that vanished meanwhile
    is not counted."""
    sizes = []
    for path in entries:
        with contextlib.suppress(OSError):
            sizes.append(path.stat().st_size)
    return len(sizes), sum(sizes)


def remove_entries(root: Path, entries: list[Path], partial: list[Path]) -> int:
    """Remove a cache folder's ``entries`` and leftover ``partial`` writes, then its emptied
    ``??`` subfolders; returns how many entries went. Raises VoiceguideError when a file cannot
    be removed."""
    removed, counted = 0, set(entries)
    for path in entries + partial:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise VoiceguideError(f"cannot remove {path}: {exc.strerror or exc}\n  Fix: check "
                                  "the permissions of the cache folder") from None
        removed += path in counted
    for folder in root.glob("??"):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only succeeds when empty
    return removed
