"""Export: encode the PCM stream with ffmpeg into MP3, M4A (AAC), Ogg Opus or WAV, with tags and
chapters where the format has them, atomically.

The file appears under its final name only once it is complete: ffmpeg writes a hidden temporary
file beside it, which is renamed into place on success and removed on any failure or interruption.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import ExportError
from ..model import Chapter

SAMPLE_RATE = 22050
CHANNELS = 1
FORMATS = ("mp3", "m4a", "opus", "wav")
MUXERS = {"mp3": "mp3", "m4a": "ipod", "opus": "opus", "wav": "wav"}
OPUS_RATE = 48000  # the only rate voiceguide feeds Opus (it accepts 8/12/16/24/48 kHz)
OPUS_BITRATE = {1: "32k", 2: "64k"}  # by channel count


def codec_options(fmt: str, sample_rate: int, channels: int) -> list[str]:
    """ffmpeg's encoder options for ``fmt``: bit rates sized for speech, doubled for stereo."""
    wide = channels >= 2 or sample_rate > 24000
    if fmt == "mp3":
        # 96 kb/s: at lower rates (and in VBR) LAME smears a loud phrase's end beyond 20 ms
        # (-48 to -54 dBFS there), at 96k it stays under -60 dBFS
        return ["-c:a", "libmp3lame", "-b:a", "160k" if wide else "96k", "-id3v2_version", "3",
                "-write_xing", "1"]
    if fmt == "m4a":
        # the fast coder: 3x quicker than ffmpeg's default (twoloop), 60x realtime here
        return ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "128k" if wide else "64k"]
    if fmt == "opus":
        # Opus is fed 48 kHz always, so its rate follows the channels only: 32 kb/s mono is
        # fullband for speech (README: sizes, and the speech band's error against the WAV)
        return ["-c:a", "libopus", "-b:a", OPUS_BITRATE[min(channels, 2)]]
    return ["-c:a", "pcm_s16le"]

FFMPEG_HINT = {
    "linux": "install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg)",
    "darwin": "install ffmpeg (Homebrew: brew install ffmpeg)",
    "win32": "install ffmpeg (winget install ffmpeg) and make sure it is on PATH",
}


def find_ffmpeg() -> str:
    """The ffmpeg executable, or an ExportError saying how to install it."""
    found = shutil.which("ffmpeg")
    if found is None:
        hint = FFMPEG_HINT.get(sys.platform, FFMPEG_HINT["linux"])
        raise ExportError(f"ffmpeg is not installed or not on PATH.\n  Fix: {hint}")
    return found


def _escape(value: str) -> str:
    """Escape a value for ffmpeg's FFMETADATA format."""
    for char in ("\\", "=", ";", "#", "\n"):
        value = value.replace(char, "\\" + char)
    return value


def ffmetadata(tags: Mapping[str, str], chapters: Sequence[Chapter]) -> str:
    """An FFMETADATA1 document: global tags, then one [CHAPTER] block per chapter (ms)."""
    lines = [";FFMETADATA1"]
    lines += [f"{key}={_escape(value)}" for key, value in tags.items() if value]
    for chapter in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(chapter.start * 1000)}",
                  f"END={round(chapter.end * 1000)}", f"title={_escape(chapter.title)}"]
    return "\n".join(lines) + "\n"


@contextmanager
def scratch_folder() -> Iterator[str]:
    """A private temporary folder; a full or unwritable temporary folder is an ExportError."""
    try:
        with tempfile.TemporaryDirectory(prefix="voiceguide-") as scratch:
            yield scratch
    except OSError as exc:
        raise ExportError(f"cannot write a temporary file in {tempfile.gettempdir()}: "
                          f"{exc.strerror or exc}\n  Fix: free some disk space there, or point "
                          "TMPDIR (Windows: TEMP) at a folder you can write to") from None


def _set_default_permissions(path: Path) -> None:
    """Give the file the permissions a normal new file gets (mkstemp makes it private)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def feed(command: list[str], chunks: Iterable[bytes] | None, stderr: IO[bytes]) -> int:
    """Run ffmpeg ``command`` with ``chunks`` written to its standard input; its exit code.
    Any error or interruption while feeding kills ffmpeg before it is passed on."""
    process = subprocess.Popen(command, stdin=subprocess.PIPE if chunks is not None else
                               subprocess.DEVNULL, stderr=stderr, stdout=subprocess.DEVNULL)
    try:
        if chunks is not None:
            assert process.stdin is not None
            try:
                for chunk in chunks:
                    process.stdin.write(chunk)
                process.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped reading: its exit code and log say why
        return process.wait()
    finally:
        if process.poll() is None:  # interrupted or failed while ffmpeg still runs
            process.kill()
            process.wait()


def export(
    chunks: Iterable[bytes],
    output: Path,
    *,
    fmt: str = "mp3",
    tags: Mapping[str, str] | None = None,
    chapters: Sequence[Chapter] = (),
    sample_rate: int = SAMPLE_RATE,
    channels: int = CHANNELS,
    sample_format: str = "s16le",
    filters: str | None = None,
) -> Path:
    """Encode the PCM ``chunks`` (``sample_format`` s16le or f32le, interleaved) into ``output``
    (created atomically), through the ffmpeg audio ``filters`` when given."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    ffmpeg = find_ffmpeg()
    output = Path(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the folder {output.parent}: {exc.strerror}") from None
    with scratch_folder() as scratch:
        meta = Path(scratch) / "meta.txt"
        meta.write_text(ffmetadata(tags or {}, chapters), encoding="utf-8")
        errors = Path(scratch) / "ffmpeg.log"
        try:
            handle, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.",
                                                suffix=".part")
        except OSError as exc:
            raise ExportError(f"cannot write in {output.parent}: {exc.strerror}") from None
        os.close(handle)
        tmp = Path(tmp_name)
        command = [
            ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", sample_format, "-ar", str(sample_rate), "-ac", str(channels), "-i", "pipe:0",
            "-f", "ffmetadata", "-i", str(meta),
            "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
            *(["-af", filters] if filters else []),
            *codec_options(fmt, sample_rate, channels), "-f", MUXERS[fmt], str(tmp),
        ]
        try:
            with errors.open("wb") as log:
                code = feed(command, chunks, log)
            if code != 0:
                message = errors.read_text(encoding="utf-8", errors="replace").strip()
                raise ExportError(f"ffmpeg could not write {output}: "
                                  f"{message.splitlines()[-1] if message else f'exit {code}'}\n"
                                  "  Fix: check that 'ffmpeg -version' runs and that the disk "
                                  "has room; reinstall ffmpeg if it fails")
            _set_default_permissions(tmp)
            os.replace(tmp, output)
        except OSError as exc:
            raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
    return output
