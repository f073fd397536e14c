"""Tags, chapters and cover art read back from every format (ffprobe and mutagen), against the
cue sheet written beside the file, never against the code that wrote them."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.flac import Picture
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from PIL import Image

import voiceguide
from voiceguide import Options
from voiceguide.audio.tags import iso_639_2

from audio_checks import RATE, decode, probe
from conftest import run_cli

FORMATS = ("mp3", "m4a", "opus")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small routine rendered once in each format that carries chapters."""
    from conftest import SMALL

    folder = tmp_path_factory.mktemp("tags")
    routine = folder / "small.yaml"
    routine.write_text(SMALL, encoding="utf-8")
    return {fmt: voiceguide.render(routine, folder / fmt / f"small.{fmt}", Options(),
                                   fmt=fmt).path for fmt in FORMATS}


def sheet_of(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".cues.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_chapters_equal_the_cue_sheet_to_the_millisecond(rendered: dict[str, Path],
                                                         fmt: str) -> None:
    path = rendered[fmt]
    expected = sheet_of(path)["chapters"]
    found = probe(path)["chapters"]
    assert [c["tags"]["title"] for c in found] == [c["title"] for c in expected]
    assert len(expected) == 5
    for mine, theirs in zip(found, expected):
        assert round(float(mine["start_time"]) * 1000) == round(theirs["start"] * 1000), mine
    # MP3 and M4A store each chapter's end; an Ogg chapter is only a start, so each one ends
    # where the next starts, and the last one where the decoded audio ends
    for mine, theirs in zip(found[:-1], expected[:-1]):
        assert round(float(mine["end_time"]) * 1000) == round(theirs["end"] * 1000), mine
    last = expected[-1]["end"]
    if fmt == "opus":
        assert decode(path).size / RATE == pytest.approx(last, abs=0.001)
    else:
        assert round(float(found[-1]["end_time"]) * 1000) == round(last * 1000)


def cover_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (1400, 1400)
    colours = image.convert("RGB").getcolors(1 << 20)
    assert colours is not None and len(colours) > 2  # a colour and a drawn title
    return image


def test_mp3_has_comm_iso_639_2_language_and_a_cover(rendered: dict[str, Path]) -> None:
    tags = ID3(rendered["mp3"])
    assert [str(t) for t in tags.getall("COMM")] == ["A short routine for tests."]
    assert tags.getall("COMM")[0].lang == "eng"
    assert not [key for key in tags if key.lower().startswith("txxx:comment")]
    assert str(tags["TLAN"]) == "eng"
    assert str(tags["TIT2"]) == "Small test routine" and str(tags["TPE1"]) == "Test Author"
    (picture,) = tags.getall("APIC")
    assert picture.type == 3 and picture.mime == "image/png"
    cover_image(picture.data)


def test_m4a_and_opus_carry_the_cover_and_the_language(rendered: dict[str, Path]) -> None:
    mp4 = MP4(rendered["m4a"])
    assert mp4.tags is not None
    cover_image(bytes(mp4.tags["covr"][0]))
    assert mp4.tags["©cmt"] == ["A short routine for tests."]
    opus = OggOpus(rendered["opus"])
    assert opus.tags is not None
    assert opus.tags["LANGUAGE"] == ["eng"]
    picture = Picture(base64.b64decode(opus.tags["METADATA_BLOCK_PICTURE"][0]))
    assert picture.type == 3
    cover_image(picture.data)


def test_iso_639_2_codes() -> None:
    assert [iso_639_2(code) for code in ("en", "de", "es", "fr", "de-AT", "xx")] == \
        ["eng", "deu", "spa", "fra", "deu", "und"]


def write_image(path: Path, size: tuple[int, int], kind: str = "PNG") -> Path:
    Image.new("RGB", size, "#336699").save(path, kind)
    return path


def test_a_given_cover_is_embedded_as_it_is(tmp_path: Path, small_routine_file: Path) -> None:
    cover = write_image(tmp_path / "cover.jpg", (1400, 1400), "JPEG")
    out = tmp_path / "out.mp3"
    code, _, err = run_cli("render", str(small_routine_file), "-o", str(out), "--cover",
                           str(cover), "--no-cue-files")
    assert code == 0, err
    (picture,) = ID3(out).getall("APIC")
    assert picture.mime == "image/jpeg" and picture.data == cover.read_bytes()
    # the same from the routine's own 'cover:' key, a file beside it
    routine = tmp_path / "with-cover.yaml"
    routine.write_text("cover: cover.jpg\n" + small_routine_file.read_text(encoding="utf-8"),
                       encoding="utf-8")
    out = tmp_path / "out.m4a"
    code, _, err = run_cli("render", str(routine), "-o", str(out), "--no-cue-files")
    assert code == 0, err
    mp4 = MP4(out)
    assert mp4.tags is not None and bytes(mp4.tags["covr"][0]) == cover.read_bytes()


@pytest.mark.parametrize(("size", "kind", "message"), [
    ((1400, 1000), "PNG", "1400 x 1000 px is not square"),
    ((600, 600), "PNG", "600 x 600 px; podcast apps want 1400 to 3000 px"),
    ((1400, 1400), "GIF", "a GIF image; podcast apps take PNG or JPEG"),
    (None, None, "not an image Pillow can read"),
])
def test_a_wrong_cover_is_refused_before_anything_is_rendered(
        tmp_path: Path, small_routine_file: Path, size: tuple[int, int] | None,
        kind: str | None, message: str) -> None:
    cover = tmp_path / "cover.img"
    if size is None:
        cover.write_text("not an image", encoding="utf-8")
    else:
        write_image(cover, size, kind or "PNG")
    out = tmp_path / "out.mp3"
    code, _, err = run_cli("render", str(small_routine_file), "-o", str(out), "--cover",
                           str(cover))
    assert code == 2
    assert f"Error: cover {cover}: {message}" in err
    assert "Fix: give a square PNG or JPEG of 1400 to 3000 px" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cover.img", "small.yaml"]


def test_a_cover_outside_the_routine_folder_is_refused_by_validate(tmp_path: Path,
                                                                  small_routine_file: Path
                                                                  ) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text(small_routine_file.read_text(encoding="utf-8")
                       + "cover: ../../etc/cover.png\n", encoding="utf-8")
    code, _, err = run_cli("validate", str(routine))
    assert code == 2
    line = routine.read_text(encoding="utf-8").splitlines().index(
        "cover: ../../etc/cover.png") + 1
    assert f"{routine}, line {line}" in err and "'cover' must name a file in the routine's " \
        "folder" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_as_cover_is_refused_at_once(tmp_path: Path,
                                                 small_routine_file: Path) -> None:
    """A cover is read as an untrusted file: a named pipe is refused, never waited on."""
    fifo = tmp_path / "cover.png"
    os.mkfifo(fifo)
    cli = [sys.executable, "-c", "from voiceguide.cli import main; main()"]
    done = subprocess.run([*cli, "render", str(small_routine_file), "--cover", str(fifo),
                           "-o", str(tmp_path / "out.mp3")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "not a regular file" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out.mp3").exists()
