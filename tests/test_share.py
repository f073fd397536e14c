"""Bundles: what they hold, reusing a current render, importing them safely, rendering them.

The hostile zips are built here, in tmp_path, from a real bundle's files with zipfile: each must be
refused with a clear message (exit 2) and leave the folder exactly as it was.
"""

from __future__ import annotations

import json
import re
import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from voiceguide import Customization, InputError, Options
from voiceguide.engines.pyttsx3_engine import Pyttsx3Engine
from voiceguide.share.archive import MAX_FILES, import_bundle, routine_from_bundle
from voiceguide.share.bundle import bundle

from audio_checks import RATE, decode
from conftest import SMALL, environment, run_cli

NAMES = {"index.html", "manifest.json", "small.yaml", "small.mp3", "small.cues.json", "small.vtt",
         "cover.png"}


def listing(root: Path) -> list[tuple[str, int, int]]:
    """Every file and folder under ``root`` (hidden ones too) with its size and mtime."""
    return sorted((str(p.relative_to(root)), p.lstat().st_size if p.is_file() else -1,
                   p.lstat().st_mtime_ns) for p in root.rglob("*"))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A real bundle of the small routine with --reps lift=2, and the folder it rendered into."""
    root = tmp_path_factory.mktemp("bundle")
    source = root / "small.yaml"
    source.write_text(SMALL, encoding="utf-8")
    options = Options(choices=Customization(reps={"lift": 2}))
    result = bundle(source, options, root / "small.zip", root / "renders")
    return result.path, root / "renders"


@pytest.fixture(scope="module")
def members(made: tuple[Path, Path]) -> dict[str, bytes]:
    with zipfile.ZipFile(made[0]) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_bundle_holds_the_routine_as_rendered_the_audio_and_a_self_contained_page(
        made: tuple[Path, Path], members: dict[str, bytes], tmp_path: Path) -> None:
    assert set(members) == NAMES
    routine = members["small.yaml"].decode()
    assert re.search(r"^derived_from: small\.yaml with --reps lift=2$", routine, re.M)
    assert re.search(r"- id: lift\n    name: Leg lift\n    setup: Lie down.\n    reps: 2\n",
                     routine)
    manifest = json.loads(members["manifest.json"])
    assert manifest["options"] == ["--reps", "lift=2"] and manifest["audio"] == "small.mp3"
    sheet = json.loads(members["small.cues.json"])
    assert [c["title"] for c in sheet["chapters"]][1] == "1. Leg lift — 2 reps"
    # the packed MP3 is the render, and it lasts what its cue sheet says
    (render,) = made[1].glob("small-*.mp3")  # a variant's render, named after its options
    assert members["small.mp3"] == render.read_bytes()
    assert not (made[1] / "small.mp3").exists()  # the standard render's name stays free
    audio = tmp_path / "x.mp3"
    audio.write_bytes(members["small.mp3"])
    assert abs(decode(audio).size / RATE - sheet["duration"]) < 0.05
    assert members["small.vtt"].startswith(b"WEBVTT")
    page = members["index.html"].decode()
    assert 'src="small.mp3"' in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing from the network
    assert "<script src" not in page
    # the one <link>: an empty icon, so that the browser fetches no favicon
    assert re.findall(r"<link [^>]*>", page) == ['<link rel="icon" href="data:,">']
    assert "Leg lift" in page and "default-src 'none'" in page


def test_bundle_reuses_a_current_render_and_renders_again_when_anything_changes(
        tmp_path: Path) -> None:
    source = tmp_path / "small.yaml"
    source.write_text(SMALL, encoding="utf-8")
    renders = tmp_path / "renders"
    first = bundle(source, Options(), tmp_path / "a.zip", renders)
    audio = renders / "small.mp3"
    stamp = audio.stat().st_mtime_ns, audio.stat().st_ino
    again = bundle(source, Options(), tmp_path / "b.zip", renders)
    assert not first.render.reused and again.render.reused
    assert (audio.stat().st_mtime_ns, audio.stat().st_ino) == stamp
    with pytest.MonkeyPatch.context() as patch:  # README: reused while the engine stays the same
        patch.setattr(Pyttsx3Engine, "version", lambda self: "espeak-ng 99 (another version)")
        upgraded = bundle(source, Options(), tmp_path / "b2.zip", renders)
    assert not upgraded.render.reused
    faster = bundle(source, Options(rate=260), tmp_path / "c.zip", renders)
    assert not faster.render.reused
    with zipfile.ZipFile(tmp_path / "c.zip") as archive:
        faster_len = json.loads(archive.read("small.cues.json"))["duration"]
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert json.loads(archive.read("small.cues.json"))["duration"] > faster_len
    source.write_text(SMALL.replace("reps: 3", "reps: 1"), encoding="utf-8")
    edited = bundle(source, Options(rate=260), tmp_path / "d.zip", renders)
    assert not edited.render.reused
    code, _, err = run_cli("bundle", str(source), "-o", str(tmp_path / "d.zip"))
    assert code == 2 and "already exists" in err and "--force" in err


def test_import_unpacks_and_writes_its_own_player_page(made: tuple[Path, Path],
                                                       members: dict[str, bytes],
                                                       tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in members.items():
            if name == "index.html":
                data = data.replace(b"<main>", b"<main><script>alert('hi')</script>")
            archive.writestr(name, data)
    code, out, _ = run_cli("import", str(tampered), "-d", str(tmp_path / "in" / "shared"))
    assert code == 0, out
    folder = tmp_path / "in" / "shared"
    assert {p.name for p in folder.iterdir()} == NAMES
    assert (folder / "small.mp3").read_bytes() == members["small.mp3"]
    assert (folder / "small.yaml").read_bytes() == members["small.yaml"]
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "alert(" not in page and 'src="small.mp3"' in page
    assert stat.S_IMODE(folder.stat().st_mode) & 0o055 == 0o055  # not a private temp folder
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


HOSTILE_TEXT = "</script><script>alert('x')</script><img src=x onerror=alert('y')>"


def test_import_escapes_html_in_the_cue_sheet_of_a_bundle(members: dict[str, bytes],
                                                          tmp_path: Path) -> None:
    """A bundle whose cue sheet carries </script> and HTML in a chapter title and a spoken cue:
    the page written anew holds them as text, never as markup or a script's end."""
    sheet = json.loads(members["small.cues.json"])
    sheet["chapters"][1]["title"] = HOSTILE_TEXT
    spoken = next(s for s in sheet["segments"] if s["kind"] == "speech")
    spoken["text"] = HOSTILE_TEXT
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, json.dumps(sheet) if name == "small.cues.json" else data)
    code, _, err = run_cli("import", str(hostile), "-d", str(tmp_path / "in"))
    if code != 0:  # refused as a whole is safe too, but then nothing may be written
        assert code == 2 and "Traceback" not in err and not (tmp_path / "in").exists()
        return
    page = (tmp_path / "in" / "index.html").read_text(encoding="utf-8")
    template = members["index.html"].decode()
    assert page.lower().count("</script") == template.lower().count("</script")
    assert page.lower().count("<script") == template.lower().count("<script")
    assert "<img" not in page.lower()


def test_import_refuses_to_overwrite_unless_forced(made: tuple[Path, Path], tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "small.yaml").write_text("my own routine", encoding="utf-8")
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    before = listing(tmp_path)
    code, _, err = run_cli("import", str(made[0]), "-d", str(folder))
    assert code == 2
    assert "already has" in err and "small.yaml" in err and "--force" in err
    assert listing(tmp_path) == before
    code, _, _ = run_cli("import", str(made[0]), "-d", str(folder), "--force")
    assert code == 0
    assert (folder / "small.yaml").read_text(encoding="utf-8").startswith("title: Small")
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_import_defaults_to_a_folder_named_after_the_bundle(
        made: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("import", str(made[0]))
    assert code == 0 and "small/index.html" in out.replace("\\", "/")
    assert {p.name for p in (tmp_path / "small").iterdir()} == NAMES


def test_render_and_preview_accept_a_bundle(made: tuple[Path, Path], members: dict[str, bytes],
                                            tmp_path: Path) -> None:
    sheet = json.loads(members["small.cues.json"])
    code, out, _ = run_cli("preview", str(made[0]))
    assert code == 0 and "1. Leg lift — 2 reps" in out
    code, _, _ = run_cli("render", str(made[0]), "-o", str(tmp_path / "again.mp3"))
    assert code == 0
    assert abs(decode(tmp_path / "again.mp3").size / RATE - sheet["duration"]) < 0.05
    extracted = routine_from_bundle(made[0])
    assert extracted.read_bytes() == members["small.yaml"]
    assert extracted.parent != made[0].parent


# --- hostile zips ---------------------------------------------------------------------------------


def write_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def declare_size(path: Path, member: str, size: int) -> None:
    """Make the zip's headers declare ``size`` uncompressed bytes for ``member`` (a liar)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, size_at, name_len_at, name_at in ((b"PK\x01\x02", 24, 28, 46),
                                                     (b"PK\x03\x04", 22, 26, 30)):
        at = data.find(signature)
        while at >= 0:
            length = struct.unpack("<H", data[at + name_len_at:at + name_len_at + 2])[0]
            if data[at + name_at:at + name_at + length] == name:
                data[at + size_at:at + size_at + 4] = struct.pack("<I", size)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def symlink_entry(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def replaced(members: dict[str, bytes], name: str, entry: tuple[str | zipfile.ZipInfo, bytes]
             ) -> list[tuple[str | zipfile.ZipInfo, bytes]]:
    return [entry if n == name else (n, d) for n, d in members.items()]


def added(members: dict[str, bytes], *extra: tuple[str | zipfile.ZipInfo, bytes]
          ) -> list[tuple[str | zipfile.ZipInfo, bytes]]:
    return [*members.items(), *extra]


Builder = Callable[[Path, dict[str, bytes]], Path]


def _traversal(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, added(m, ("../evil.yaml", m["small.yaml"])))


def _absolute(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, added(m, ("/tmp/evil.yaml", b"title: x")))


def _drive(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, added(m, ("C:evil.vtt", b"WEBVTT")))


def _backslash(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, added(m, ("..\\evil.vtt", b"WEBVTT")))


def _symlink(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, replaced(m, "small.vtt", symlink_entry("small.vtt", "/etc/passwd")))


def _folder(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, added(m, ("sub/small.vtt", b"WEBVTT")))


def _unexpected(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, added(m, ("run.sh", b"rm -rf ~")))


def _ratio_bomb(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, replaced(m, "small.vtt", ("small.vtt", b"WEBVTT\n" + b" " * 15_000_000)))


def _huge_declared(p: Path, m: dict[str, bytes]) -> Path:
    write_zip(p, list(m.items()))
    declare_size(p, "small.mp3", 0xFFFF_FF00)
    return p


def _too_many(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, added(m, *((f"x{i}.vtt", b"WEBVTT") for i in range(MAX_FILES))))


def _bad_routine(p: Path, m: dict[str, bytes]) -> Path:
    bad = m["small.yaml"].replace(b"reps: 2", b"reps: [2")
    return write_zip(p, replaced(m, "small.yaml", ("small.yaml", bad)))


def _two_routines(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, added(m, ("other.yaml", m["small.yaml"])))


def _no_routine(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, [(n, d) for n, d in m.items() if n != "small.yaml"])


def _bad_sheet(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, replaced(m, "small.cues.json", ("small.cues.json",
                                                        b'{"title": 1, "segments": "x"}')))


def _other_sheet(p: Path, m: dict[str, bytes]) -> Path:
    sheet = m["small.cues.json"].replace(b"Small test routine", b"Another routine")
    return write_zip(p, replaced(m, "small.cues.json", ("small.cues.json", sheet)))


def _not_mp3(p: Path, m: dict[str, bytes]) -> Path:
    return write_zip(p, replaced(m, "small.mp3", ("small.mp3", b"#!/bin/sh\necho hi\n")))


def _not_zip(p: Path, m: dict[str, bytes]) -> Path:
    p.write_bytes(m["small.yaml"])
    return p


HOSTILE: dict[str, tuple[Builder, str]] = {
    "path-traversal": (_traversal, "would leave the folder"),
    "absolute-path": (_absolute, "is an absolute path"),
    "drive-letter": (_drive, "starts with a drive letter"),
    "backslash": (_backslash, "has a backslash"),
    "symlink-entry": (_symlink, "is a symbolic link"),
    "subfolder": (_folder, "is a folder or is inside one"),
    "unexpected-file": (_unexpected, "is not a file a bundle holds"),
    "zip-bomb-ratio": (_ratio_bomb, "a ratio above 100 (a zip bomb?)"),
    "zip-bomb-declared-size": (_huge_declared, "declares 4,294,967,040 bytes, more than"),
    "too-many-files": (_too_many, f"declares {len(NAMES) + MAX_FILES} files; a bundle holds "
                                  f"at most {MAX_FILES}"),
    "malformed-routine": (_bad_routine, "hostile.zip:small.yaml, line 17: this is not valid "
                                        "YAML"),
    "two-routines": (_two_routines, "two files of the kind routine"),
    "no-routine": (_no_routine, "it has no routine (a .yaml file)"),
    "bad-cue-sheet": (_bad_sheet, "'segments' must be a list"),
    "cue-sheet-of-another-routine": (_other_sheet, "the cue sheet is for 'Another routine'"),
    "not-an-mp3": (_not_mp3, "'small.mp3' is not an MP3 file"),
    "not-a-zip": (_not_zip, "this is not a zip file"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_bundles_are_refused_and_nothing_is_written(
        case: str, members: dict[str, bytes], tmp_path: Path) -> None:
    build, message = HOSTILE[case]
    hostile = build(tmp_path / "hostile.zip", members)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notes.txt").write_text("mine", encoding="utf-8")
    before = listing(tmp_path)
    code, out, err = run_cli("import", str(hostile), "-d", str(inbox / "shared"))
    assert code == 2, out
    assert err.startswith("Error: ") and message in err, err
    assert "Fix:" in err
    assert listing(tmp_path) == before
    with pytest.raises(InputError, match=re.escape(message)):
        routine_from_bundle(hostile)  # `render BUNDLE` refuses it the same way


def test_a_member_that_holds_more_than_it_declares_is_caught_while_extracting(
        members: dict[str, bytes], tmp_path: Path) -> None:
    """The names, sizes and routine pass; the audio lies about its size and is only found out
    while it is written into the temporary folder, which is then removed."""
    hostile = write_zip(tmp_path / "liar.zip", list(members.items()))
    declare_size(hostile, "small.mp3", 1000)
    before = listing(tmp_path)
    with pytest.raises(InputError, match=r"small\.mp3' is damaged|holds more than it declares"):
        import_bundle(hostile, tmp_path / "deep" / "er" / "shared")
    assert listing(tmp_path) == before  # the parents made for it are gone too


def test_zip_members_are_readable_by_everyone(made: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(made[0]) as archive:
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16)
                 for info in archive.infolist()}
    assert set(modes) == NAMES and set(modes.values()) == {0o644}, modes


@pytest.fixture(scope="module")
def levels_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("levels")
    source = root / "small.yaml"
    source.write_text(SMALL.replace("reps: 3", "reps: 2-4"), encoding="utf-8")
    config = root / "config.toml"  # renders go to this test's folder, not ./output
    config.write_text(f'output = "{(root / "renders").as_posix()}"\n', encoding="utf-8")
    with environment("VOICEGUIDE_CONFIG", str(config)):
        code, out, err = run_cli("bundle", str(source), "--levels", "easy,standard,hard",
                                 "-o", str(root / "small.zip"))
    assert code == 0, err
    assert "(3 levels, 13 files, " in out
    assert "…" not in err  # no progress lines when stderr is not a terminal (only warnings)
    return root / "small.zip"


def test_bundle_levels_packs_one_render_per_level_and_import_keeps_them(
        levels_bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(levels_bundle) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        sheets = {level: json.loads(archive.read(f"small-{level}.cues.json"))
                  for level in ("easy", "standard", "hard")}
    assert names == {"index.html", "manifest.json", "small.yaml", "cover.png"} | {
        f"small-{level}{ext}" for level in ("easy", "standard", "hard")
        for ext in (".mp3", ".cues.json", ".vtt")}
    assert [entry["level"] for entry in manifest["levels"]] == ["easy", "standard", "hard"]
    # the level changes the reps of "lift" (2, 3, 4) and so the length
    reps = {level: max(s["reps"] for s in sheet["spans"] if s["exercise"] == "lift"
                       and s["kind"] == "rep") for level, sheet in sheets.items()}
    assert reps == {"easy": 2, "standard": 3, "hard": 4}
    durations = [sheets[level]["duration"] for level in ("easy", "standard", "hard")]
    assert durations == sorted(durations) and len(set(durations)) == 3
    done = import_bundle(levels_bundle, tmp_path / "in")
    assert set(done.files) == names
    page = (tmp_path / "in" / "index.html").read_text(encoding="utf-8")
    for level in ("easy", "standard", "hard"):
        assert f'"audio":"small-{level}.mp3"' in page
    code, _, err = run_cli("bundle", "x.yaml", "--levels", "easy,medium")
    assert code == 2 and "medium is not a level" in err
