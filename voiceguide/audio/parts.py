"""Chapters encoded apart, side by side, and joined into one gapless MP3; encoded parts cached.

A speech-only MP3 render is cut into parts at its chapters, each join in digital silence (a gap
of at least ``MIN_GAP`` s between sounds). The parts are encoded on their own, one ffmpeg per
core, and kept in the cache under the hash of their exact samples and the encoder's settings; a
render that finds a part there (the same routine again with a change: the chapters before it, and
the ones after it that it moved by whole frames) only joins it.

How the parts join without a gap, a click or a shift (MPEG Layer III as LAME writes it through
ffmpeg, measured here with ffmpeg 5.1 / LAME 3.100):

* a frame holds F = 1152 samples (576 below 32 kHz); LAME delays its input by 576 samples and the
  decoder by 529 (1105 in all), and for L samples LAME writes ceil((L + 1152) / F) frames;
* a part is the track from the frame boundary at least ``LEAD`` s before its first sound to
  ``TAIL`` s after its last one, so every sound stays exactly where the timeline has it (a
  part's samples, and so its cache entry, are the same when it is where it was, or moved by a
  whole number of frames: the chapters before a change, and after it when the change moved
  them so);
* each part's frames stand alone: LAME starts with an empty bit reservoir (the first frame's
  main_data_begin is 0) and a part ends in digital silence, so the decoder's overlap state is
  zero at every join and the joined file decodes exactly as its parts decode apart;
* frames of digital silence (side information all zero: no coefficients) fill the space up to
  the next part's place;
* one Info (Xing/LAME) frame comes first, with LAME's delay and the padding for the whole file;
  ffmpeg then copies the frames into the output with the tags and chapters and rewrites that
  frame (frame count, size, seek table, CRCs), keeping delay and padding, so the file decodes to
  exactly the timeline's length.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ExportError
from ..model import Chapter
from .cache import entries_size, remove_entries
from .encode import codec_options, export, feed, find_ffmpeg, scratch_folder
from .mix import _overlay, float_chunks
from .profiles import Levels, placed_keys

PARTS_FORMAT = 1  # bump when the stored parts change
ENCODER_DELAY = 576  # samples LAME delays its input by
FLUSH = 1152  # LAME writes ceil((samples + FLUSH) / frame) frames
MIN_GAP = 0.25  # s of digital silence a join needs (measured need: about 0.2 s)
LEAD = 0.06  # s of silence a part keeps at least before its first sound (the join lies in it)
TAIL = 0.05  # s of silence a part keeps after its last sound (the codec's smear, under 20 ms)
READ = 1 << 20  # bytes read at a time from a stored part

Placement = tuple[int, str]  # (start frame, piece)


def frame_size(rate: int) -> int:
    """Samples per MP3 frame: 1152 (MPEG-1, 32-48 kHz), 576 (MPEG-2/2.5, below 32 kHz)."""
    return 1152 if rate >= 32000 else 576


@dataclass(frozen=True)
class Part:
    """A stretch of the track encoded on its own: ``size`` frames from ``start`` on the
    timeline, made of ``pieces`` (offset within the part, piece), placed at frame ``place`` of
    the joined file (a multiple of the MP3 frame size)."""

    start: int
    size: int
    place: int
    pieces: tuple[Placement, ...]

    def frames(self, rate: int) -> int:
        """MP3 frames LAME writes for it."""
        return -(-(self.size + FLUSH) // frame_size(rate))


def layout(placements: Sequence[Placement], sizes: Mapping[str, int], total: int, rate: int,
           cuts: Sequence[int]) -> list[Part]:
    """The parts of a track of ``total`` frames made of ``placements`` (sorted, not overlapping;
    a piece lasts ``sizes[piece]`` frames) over digital silence, cut at the gap at or before
    each of ``cuts`` (frames) wide enough for a join; a cut with no such gap since the previous
    one is left out."""
    size = frame_size(rate)
    gap, lead, tail = round(MIN_GAP * rate), round(LEAD * rate), round(TAIL * rate)
    starts = [start for start, _ in placements]
    ends = [start + sizes[key] for start, key in placements]
    joins: list[int] = []  # a part begins before these placements
    for cut in sorted(cuts):
        index = bisect_left(starts, cut)
        while 0 < index < len(placements) and starts[index] - ends[index - 1] < gap:
            index -= 1
        if 0 < index < len(placements) and (not joins or index > joins[-1]):
            joins.append(index)
    while True:
        parts = _parts(placements, ends, total, rate, joins, lead, tail)
        late = [k for k in range(len(parts) - 1)
                if parts[k].place + parts[k].frames(rate) * size > parts[k + 1].place]
        if not late:
            return parts
        del joins[late[0]]  # too little room: that join goes (MIN_GAP prevents this)


def _parts(placements: Sequence[Placement], ends: Sequence[int], total: int, rate: int,
           joins: Sequence[int], lead: int, tail: int) -> list[Part]:
    size = frame_size(rate)
    bounds = [0, *joins, len(placements)]
    parts = []
    for k in range(len(bounds) - 1):
        first, stop = bounds[k], bounds[k + 1]
        # on the frame boundary at least ``lead`` before its first sound: nothing moves
        begin = 0 if k == 0 else size * ((placements[first][0] - lead) // size)
        end = total if stop == len(placements) else ends[stop - 1] + tail
        place = begin
        pieces = tuple((start - begin, key) for start, key in placements[first:stop])
        parts.append(Part(begin, end - begin, place, pieces))
    return parts


def blocks(part: Part, levels: Levels, rate: int, channels: int,
           stop: threading.Event | None = None) -> Iterator[np.ndarray]:
    """The part's samples, one second at a time, as (frames, channels) float32 blocks."""
    pieces = [(offset, levels.samples(key)) for offset, key in part.pieces]
    longest = max((samples.size for _, samples in pieces), default=0)
    first = 0
    for start in range(0, part.size, rate):
        if stop is not None and stop.is_set():
            raise ExportError("stopped")
        block = np.zeros(min(part.size, start + rate) - start, dtype=np.float32)
        first = _overlay(block, start, pieces, first, longest)
        yield np.repeat(block[:, None], channels, axis=1)


# --- MP3 frames ------------------------------------------------------------------------------

_BITRATES = {1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
             2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class Header:
    """An MPEG audio Layer III frame header (``raw``, 4 bytes) and what follows from it."""

    raw: bytes
    size: int  # bytes in the frame
    side_info: int  # bytes of side information after the header
    rate: int


def header(data: bytes, offset: int = 0) -> Header:
    """The Layer III frame header at ``offset``; ValueError if there is none."""
    if offset + 4 > len(data):
        raise ValueError("no frame header")
    word = int.from_bytes(data[offset: offset + 4], "big")
    version, layer = (word >> 19) & 3, (word >> 17) & 3
    bitrate, rate_index = (word >> 12) & 15, (word >> 10) & 3
    if word >> 21 != 0x7FF or version == 1 or layer != 1 or bitrate in (0, 15) \
            or rate_index == 3:
        raise ValueError("not a Layer III frame header")
    mpeg1, mono = version == 3, (word >> 6) & 3 == 3
    rate = _RATES[version][rate_index]
    kbps = _BITRATES[1 if mpeg1 else 2][bitrate]
    size = (144 if mpeg1 else 72) * kbps * 1000 // rate + ((word >> 9) & 1)
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    return Header(data[offset: offset + 4], size, side, rate)


def count_frames(data: bytes) -> int:
    """How many whole frames ``data`` is; ValueError if it is anything else."""
    offset = count = 0
    while offset < len(data):
        offset += header(data, offset).size
        count += 1
    if offset != len(data):
        raise ValueError("a truncated frame")
    return count


def _unpadded(first: Header) -> Header:
    """``first``'s header without the padding slot (the size every added frame has)."""
    raw = (int.from_bytes(first.raw, "big") & ~(1 << 9)).to_bytes(4, "big")
    return header(raw)


def silent_frame(first: Header) -> bytes:
    """A frame of digital silence like ``first``: side information all zero (no bits from the
    reservoir, no coefficients)."""
    plain = _unpadded(first)
    return plain.raw + bytes(plain.size - 4)


def crc16(data: bytes) -> int:
    """CRC-16 (polynomial 0x8005, reflected, initial 0), as LAME's Info tag uses."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def info_frame(first: Header, frames: int, size: int, padding: int, toc: bytes) -> bytes:
    """The Info frame (Xing header with LAME's extension, laid out as LAME and ffmpeg write it)
    for ``frames`` audio frames and ``size`` bytes (this frame included) with the seek table
    ``toc`` (100 bytes), whose decoder skips LAME's delay at the start and ``padding`` samples at
    the end. The music CRC is left 0, as ffmpeg leaves it when it cannot seek back."""
    plain = _unpadded(first)
    xing = b"Info" + (0xF).to_bytes(4, "big") + frames.to_bytes(4, "big") \
        + size.to_bytes(4, "big") + toc + bytes(4)
    lame = b"Lavf" + bytes(5) + bytes(2 + 8 + 2) \
        + (ENCODER_DELAY << 12 | padding).to_bytes(3, "big") + bytes(1 + 1 + 2) \
        + size.to_bytes(4, "big") + bytes(2)
    frame = bytearray(plain.raw + bytes(plain.side_info) + xing + lame)
    frame += crc16(bytes(frame[:190])).to_bytes(2, "big")
    if len(frame) > plain.size or not 0 <= padding < 4096:
        raise ExportError("the MP3 Info frame does not fit")
    return bytes(frame) + bytes(plain.size - len(frame))


# --- the cache of encoded parts --------------------------------------------------------------

@dataclass
class PartCache:
    """Encoded parts named by their key: the frames, then the SHA-256 of the frames (a damaged
    or truncated entry is found out and encoded again). Parts that cannot be written to
    ``root`` go to ``spare`` (a scratch folder) for this render only."""

    root: Path
    spare: Path | None = None

    def __post_init__(self) -> None:
        self.moved: set[str] = set()

    def path(self, key: str) -> Path:
        root = self.spare if key in self.moved and self.spare is not None else self.root
        return root / key[:2] / f"{key}.mp3"

    def check(self, key: str) -> bool:
        """True when the entry exists and is whole."""
        try:
            self._read(key, lambda _chunk: None)
        except (OSError, ValueError):
            return False
        return True

    def _read(self, key: str, use: Callable[[bytes], None]) -> None:
        """Pass the stored frames to ``use`` in chunks; ValueError if damaged."""
        digest = hashlib.sha256()
        with self.path(key).open("rb") as handle:
            left = os.fstat(handle.fileno()).st_size - 32
            if left <= 0:
                raise ValueError("empty")
            while left:
                chunk = handle.read(min(READ, left))
                if not chunk:
                    raise ValueError("truncated")
                digest.update(chunk)
                left -= len(chunk)
                use(chunk)
            if handle.read() != digest.digest():
                raise ValueError("damaged")

    def chunks(self, key: str) -> Iterator[bytes]:
        """The stored frames in chunks (an ExportError if the entry is damaged meanwhile)."""
        read: list[bytes] = []
        try:
            self._read(key, read.append)
        except (OSError, ValueError) as exc:
            raise ExportError(f"an encoded part in {self.path(key).parent} could not be read "
                              f"({exc}).\n  Fix: render again") from None
        yield from read

    def put(self, key: str, frames: bytes) -> None:
        """Store ``frames`` atomically (in ``spare`` if ``root`` cannot be written)."""
        try:
            self._write(self.path(key), frames)
        except OSError as exc:
            if self.spare is None:
                raise ExportError(f"cannot write {self.path(key)}: {exc.strerror or exc}"
                                  ) from None
            self.moved.add(key)
            try:
                self._write(self.path(key), frames)
            except OSError as again:
                raise ExportError(f"cannot write {self.path(key)}: "
                                  f"{again.strerror or again}") from None

    @staticmethod
    def _write(path: Path, frames: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(frames)
                out.write(hashlib.sha256(frames).digest())
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def entries(self) -> list[Path]:
        return [p for p in self.root.glob("??/*.mp3") if p.is_file()]

    def size(self) -> tuple[int, int]:
        """(number of parts, bytes used)."""
        return entries_size(self.entries())

    def clear(self) -> int:
        """Remove every stored part (and partial writes); how many parts went."""
        return remove_entries(self.root, self.entries(), list(self.root.glob("??/.*.part")))


def parts_folder(cache: Path) -> Path:
    """Where the encoded parts of the phrase cache ``cache`` are kept."""
    return cache / "parts"


# --- encoding and joining --------------------------------------------------------------------

def encoder_options(rate: int, channels: int) -> list[str]:
    """``codec_options`` for MP3, writing bare frames (no Info frame, no ID3 tag)."""
    options = codec_options("mp3", rate, channels)
    out: list[str] = []
    for name, value in zip(options[::2], options[1::2]):
        if name not in ("-id3v2_version", "-write_xing"):
            out += [name, value]
    return [*out, "-write_xing", "0", "-id3v2_version", "0"]


def part_keys(parts: Sequence[Part], levels: Levels, rate: int, channels: int) -> list[str]:
    """Each part's cache key: its exact samples (its length, and each piece's offset and the
    name of its exact samples, ``Levels.digests``) and the encoder's settings."""
    settings = [PARTS_FORMAT, rate, channels, encoder_options(rate, channels)]
    keys = []
    for part in parts:
        pieces = [(offset, levels.digests[key]) for offset, key in part.pieces]
        text = json.dumps([settings, part.size, pieces])
        keys.append(hashlib.sha256(text.encode()).hexdigest())
    return keys


def _encode(part: Part, levels: Levels, key: str, store: PartCache, rate: int, channels: int,
            folder: Path, stop: threading.Event) -> None:
    """Encode one part with its own ffmpeg and store it."""
    target = folder / f"{key}.mp3"
    log = folder / f"{key}.log"
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-f", "f32le", "-ar", str(rate), "-ac", str(channels), "-i", "pipe:0",
               "-map_metadata", "-1", *encoder_options(rate, channels), "-f", "mp3",
               str(target)]
    with log.open("wb") as errors:
        code = feed(command, float_chunks(blocks(part, levels, rate, channels, stop)), errors)
    if code != 0:
        message = log.read_text(encoding="utf-8", errors="replace").strip()
        raise ExportError("ffmpeg could not encode a part: "
                          f"{message.splitlines()[-1] if message else f'exit {code}'}")
    frames = target.read_bytes()
    target.unlink()
    try:
        count = count_frames(frames)
    except ValueError as exc:
        raise ExportError(f"ffmpeg wrote an MP3 part voiceguide cannot read ({exc})") from None
    if count != part.frames(rate):
        raise ExportError(f"ffmpeg wrote {count} MP3 frames for a part where LAME writes "
                          f"{part.frames(rate)}; this ffmpeg cannot join parts")
    store.put(key, frames)


def encode_parts(parts: Sequence[Part], levels: Levels, keys: Sequence[str], store: PartCache,
                 rate: int, channels: int, workers: int | None = None) -> int:
    """Encode the parts that ``store`` lacks (or holds damaged), longest first, one ffmpeg per
    core; how many were encoded."""
    missing = {key: part for part, key in zip(parts, keys) if not store.check(key)}
    if not missing:
        return 0
    order = sorted(missing.items(), key=lambda item: -item[1].size)
    stop = threading.Event()
    count = min(len(order), workers or os.cpu_count() or 1)
    with scratch_folder() as scratch, ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(_encode, part, levels, key, store, rate, channels,
                               Path(scratch), stop) for key, part in order]
        try:
            for future in futures:
                future.result()
        finally:
            stop.set()  # on an error or Ctrl-C the other encoders stop at their next block
    return len(missing)


def tag_prefix(tags: Mapping[str, str], chapters: Sequence[Chapter], rate: int, channels: int,
               folder: Path) -> bytes:
    """The ID3v2 tag (tags and chapters) ``export`` writes at the start of an MP3, taken from a
    file it encodes from a tenth of a second of silence (so both paths tag files alike)."""
    stub = folder / "tags.mp3"
    export(iter([bytes(4 * channels * (rate // 10))]), stub, fmt="mp3", tags=tags,
           chapters=chapters, sample_rate=rate, channels=channels, sample_format="f32le")
    data = stub.read_bytes()
    if data[:3] != b"ID3" or len(data) < 10:
        return b""
    size = 10 + sum((byte & 0x7F) << (7 * (3 - i)) for i, byte in enumerate(data[6:10]))
    return data[: size + (10 if data[5] & 0x10 else 0)]


def write_joined(output: Path, prefix: bytes, parts: Sequence[Part], keys: Sequence[str],
                 store: PartCache, rate: int, total: int) -> None:
    """Write ``output``: the tag ``prefix``, the Info frame, then each part's frames and the
    silent frames up to the next part's place, and at the end enough silent frames for LAME's
    padding."""
    size = frame_size(rate)
    first = header(next(store.chunks(keys[0]))[:4])
    silence = silent_frame(first)
    plain = _unpadded(first).size
    fill, lengths = [], []
    for k, part in enumerate(parts):
        here = part.place // size + part.frames(rate)  # frames up to the end of this part
        if k + 1 < len(parts):
            after = parts[k + 1].place // size - here
        else:  # room for at least FLUSH samples of padding after the last sample
            after = max(0, -(-(ENCODER_DELAY + total + FLUSH) // size) - here)
        fill.append(after)
        lengths.append(store.path(keys[k]).stat().st_size - 32)
    count = sum(part.frames(rate) for part in parts) + sum(fill)
    padding = count * size - ENCODER_DELAY - total
    # the seek table: byte offset at each hundredth of the frames (CBR: within a part, frames
    # are all but equal in size, so linear there)
    offsets, position, frame = [], plain, 0
    for part, length, after in zip(parts, lengths, fill):
        offsets.append((frame, position, part.frames(rate), length))
        frame += part.frames(rate)
        position += length
        offsets.append((frame, position, after, after * len(silence)))
        frame += after
        position += after * len(silence)
    table = []
    for i in range(100):
        wanted = i * count // 100
        start, at, frames, length = next(o for o in reversed(offsets) if o[0] <= wanted)
        byte = at + (length * (wanted - start) // frames if frames else 0)
        table.append(min(255, byte * 256 // position))
    info = info_frame(first, count, position, padding, bytes(table))
    try:
        with output.open("wb") as out:
            out.write(prefix)
            out.write(info)
            for key, after in zip(keys, fill):
                for chunk in store.chunks(key):
                    out.write(chunk)
                out.write(silence * after)
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from None


def encode_joined(levels: Levels, total: int, output: Path, *, channels: int,
                  tags: Mapping[str, str], chapters: Sequence[Chapter],
                  cache: Path | None) -> int:
    """Write the MP3 ``output``: the speech-only track of ``total`` frames made of the pieces
    of ``levels``, encoded in parts at ``chapters`` (kept in ``cache``'s parts folder when
    given); how many parts had to be encoded."""
    rate = levels.clips.rate
    cuts = [round(chapter.start * rate) for chapter in chapters[1:]]
    sizes = {key: samples.size for key, samples in levels.clips.pieces.items()}
    parts = layout(placed_keys(levels.clips), sizes, total, rate, cuts)
    keys = part_keys(parts, levels, rate, channels)
    with scratch_folder() as scratch, ThreadPoolExecutor(1) as tagger:
        folder = Path(scratch)
        prefix = tagger.submit(tag_prefix, tags, chapters, rate, channels, folder)
        store = PartCache(parts_folder(cache), folder / "parts") if cache is not None \
            else PartCache(folder / "parts")
        encoded = encode_parts(parts, levels, keys, store, rate, channels)
        write_joined(output, prefix.result(), parts, keys, store, rate, total)
    return encoded
