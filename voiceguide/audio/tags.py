"""Tags, chapters and cover art written into an encoded file (mutagen), after ffmpeg.

ffmpeg writes the basic tags and the chapters; this fixes what it gets wrong or leaves out:

* MP3 (ID3v2.3): the description as a ``COMM`` frame (most players show only that, not
  ``TXXX:comment``), the language as ISO 639-2 in ``TLAN`` (``eng``, not ``en``), the cover as
  ``APIC`` (front cover); ffmpeg's CHAP/CTOC frames stay as written, in time order.
* M4A: the cover as ``covr``; the comment stays in ``©cmt``.
* Ogg Opus: the chapters again as Vorbis comments ``CHAPTERnnn`` / ``CHAPTERnnnNAME`` (ffmpeg 5.1
  writes every start with a fraction above about .5 s one second late, field notes), the
  language as ISO 639-2, the cover as ``METADATA_BLOCK_PICTURE``.
* WAV carries no cover and no chapters.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import ExportError
from ..model import Chapter
from ..script.cues import vtt_time
from .cover import Cover

# ISO 639-1 → ISO 639-2/T, for the languages voiceguide ships and their neighbours; anything
# else is "und" (undetermined), which ISO 639-2 reserves for that
ISO_639_2 = {
    "en": "eng", "de": "deu", "es": "spa", "fr": "fra", "it": "ita", "pt": "por", "nl": "nld",
    "sv": "swe", "da": "dan", "nb": "nob", "no": "nor", "fi": "fin", "pl": "pol", "cs": "ces",
    "ru": "rus", "tr": "tur", "el": "ell", "ja": "jpn", "zh": "zho", "ko": "kor", "ar": "ara",
}
FRONT_COVER = 3  # ID3 APIC / FLAC picture type


def iso_639_2(language: str) -> str:
    """The ISO 639-2 code of a language tag (``de-AT`` → ``deu``); ``und`` when unknown."""
    return ISO_639_2.get(language.replace("_", "-").split("-")[0].lower(), "und")


def write_tags(path: Path, fmt: str, tags: Mapping[str, str], chapters: Sequence[Chapter],
               cover: Cover | None) -> None:
    """Complete the tags of the encoded ``path`` (format ``fmt``: mp3, m4a, opus, wav) from
    ``tags`` (``comment``, ``language`` as a language tag such as ``en``), ``chapters`` (seconds)
    and ``cover``. Raises ExportError if the file cannot be read or written."""
    from mutagen import MutagenError

    try:
        if fmt == "mp3":
            _mp3(path, tags, cover)
        elif fmt == "m4a":
            _m4a(path, cover)
        elif fmt == "opus":
            _opus(path, tags, chapters, cover)
    except (MutagenError, OSError) as exc:
        raise ExportError(f"cannot write the tags of {path}: {exc}") from None


def _mp3(path: Path, tags: Mapping[str, str], cover: Cover | None) -> None:
    from mutagen.id3 import APIC, COMM, ID3, TLAN, Frames

    # CHAP and CTOC are kept as raw frames, in ffmpeg's (time) order: mutagen would sort the
    # frames it parses by size, and ffprobe then lists the chapters out of order (field notes)
    known = {name: kind for name, kind in Frames.items() if name not in ("CHAP", "CTOC")}
    id3 = ID3(path, known_frames=known)
    language = iso_639_2(tags.get("language", ""))
    for key in [k for k in id3 if k.lower().startswith("txxx:comment")]:
        del id3[key]
    id3.delall("COMM")
    if tags.get("comment"):
        id3.add(COMM(encoding=3, lang=language if language != "und" else "XXX", desc="",
                     text=[tags["comment"]]))
    id3.delall("TLAN")
    id3.add(TLAN(encoding=3, text=[language]))
    id3.delall("APIC")
    if cover is not None:
        id3.add(APIC(encoding=3, mime=cover.mime, type=FRONT_COVER, desc="",
                     data=cover.data))
    id3.save(path, v2_version=3)


def _m4a(path: Path, cover: Cover | None) -> None:
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(path)
    if mp4.tags is None:
        mp4.add_tags()
    assert mp4.tags is not None
    if cover is not None:
        kind = MP4Cover.FORMAT_PNG if cover.mime == "image/png" else MP4Cover.FORMAT_JPEG
        mp4.tags["covr"] = [MP4Cover(cover.data, imageformat=kind)]
    mp4.save()


def _opus(path: Path, tags: Mapping[str, str], chapters: Sequence[Chapter],
          cover: Cover | None) -> None:
    from mutagen.flac import Picture
    from mutagen.oggopus import OggOpus

    opus = OggOpus(path)
    if opus.tags is None:
        opus.add_tags()
    comments = opus.tags
    assert comments is not None
    for key in [k for k in comments.keys() if k.upper().startswith("CHAPTER")]:  # noqa: SIM118
        del comments[key]
    for number, chapter in enumerate(chapters):
        comments[f"CHAPTER{number:03d}"] = vtt_time(chapter.start)  # the same HH:MM:SS.mmm
        comments[f"CHAPTER{number:03d}NAME"] = chapter.title
    if tags.get("language"):
        comments["LANGUAGE"] = iso_639_2(tags["language"])
    if cover is not None:
        picture = Picture()
        picture.type = FRONT_COVER
        picture.mime = cover.mime
        picture.desc = ""
        picture.data = cover.data
        comments["METADATA_BLOCK_PICTURE"] = base64.b64encode(picture.write()).decode("ascii")
    opus.save()
