"""Open a bundle someone sent, safely: the files a bundle may hold and the checks on each.

Bundles are untrusted. ``import_bundle`` accepts only the files listed in ``KINDS``, flat, as
regular files, within size, count and compression-ratio limits; it validates the routine and the
cue sheet before it writes anything, extracts into a temporary folder beside the target and moves
the files into place only when all of them are complete. It writes its own player page rather than
the bundle's, so a bundle cannot bring a script along. ``routine_from_bundle`` gives a bundle's
routine for ``render BUNDLE.zip``.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import stat
import struct
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..format.load import MAX_FILE_BYTES, parse_routine
from ..model import LEVELS, Routine
from .player import Track, player_data, player_page

MAX_BUNDLE_BYTES = 400_000_000
MAX_FILES = 16
MAX_TRACKS = 3  # renders of the routine (one per level: easy, standard, hard)
TRACK_KINDS = ("audio", "cue sheet", "transcript")
MAX_TOTAL_BYTES = 450_000_000
MAX_RATIO = 100  # uncompressed / compressed, for members over RATIO_FLOOR bytes
RATIO_FLOOR = 1_000_000
CHUNK = 1 << 16
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")
DRIVE = re.compile(r"^[A-Za-z]:")
FIX_REBUNDLE = "ask the sender to make the bundle again with 'voiceguide bundle'"




@dataclass(frozen=True)
class Kind:
    """A file a bundle may hold: how its name ends, its size limit, whether it must be there."""

    name: str
    suffix: str
    limit: int
    required: bool


KINDS = (
    Kind("cue sheet", ".cues.json", 50_000_000, True),
    Kind("manifest", "manifest.json", 100_000, False),
    Kind("routine", ".yaml", MAX_FILE_BYTES, True),
    Kind("audio", ".mp3", 400_000_000, True),
    Kind("transcript", ".vtt", 20_000_000, False),
    Kind("player page", "index.html", 20_000_000, False),
    Kind("cover", "cover.png", 10_000_000, False),
)
PNG = b"\x89PNG\r\n\x1a\n"


def kind_of(name: str) -> Kind | None:
    """The kind of a member by its name (``x.cues.json`` is a cue sheet, not a manifest)."""
    for kind in KINDS:
        if name == kind.suffix or (kind.suffix.startswith(".") and name.endswith(kind.suffix)
                                   and len(name) > len(kind.suffix)):
            return kind
    return None


def slug(name: str) -> str:
    """A file-name-safe slug of ``name``: lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "routine"



# --- safe reading --------------------------------------------------------------------------------


def _refuse(bundle_path: Path, problem: str, fix: str = FIX_REBUNDLE) -> InputError:
    return InputError(f"{bundle_path}: {problem}; nothing was written.\n  Fix: {fix}")


def _declared_entries(path: Path) -> int:
    """The entry count the zip's end record declares, read before zipfile parses anything."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 65_557))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise _refuse(path, "this is not a zip file", "give the .zip file made by "
                      "'voiceguide bundle'")
    entries: int = struct.unpack("<H", tail[at + 10:at + 12])[0]
    return entries


def _check_name(path: Path, info: zipfile.ZipInfo) -> Kind:
    name = info.filename
    shown = repr(name)
    if any(ord(char) < 32 for char in name):
        raise _refuse(path, f"the entry {shown} has a control character in its name")
    if "\\" in name:
        raise _refuse(path, f"the entry {shown} has a backslash in its name (a Windows path "
                      "that could leave the folder)")
    if name.startswith("/"):
        raise _refuse(path, f"the entry {shown} is an absolute path")
    if DRIVE.match(name):
        raise _refuse(path, f"the entry {shown} starts with a drive letter")
    if ".." in name.split("/"):
        raise _refuse(path, f"the entry {shown} would leave the folder ('..')")
    if info.is_dir() or "/" in name:
        raise _refuse(path, f"the entry {shown} is a folder or is inside one; a bundle holds "
                      "its files at its top level", "zip the files themselves, not their "
                      "folder, or make the bundle with 'voiceguide bundle'")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _refuse(path, f"the entry {shown} is a symbolic link")
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        raise _refuse(path, f"the entry {shown} is not a regular file")
    kind = kind_of(name)
    if not SAFE_NAME.match(name) or kind is None:
        raise _refuse(path, f"the entry {shown} is not a file a bundle holds (only <name>.yaml, "
                      "<name>.mp3, <name>.cues.json, <name>.vtt, manifest.json, index.html and "
                      "cover.png, named with letters, digits, '.', '_' and '-')")
    if info.flag_bits & 0x1:
        raise _refuse(path, f"the entry {shown} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _refuse(path, f"the entry {shown} uses an unsupported compression method")
    if info.file_size > kind.limit:
        raise _refuse(path, f"the entry {shown} declares {info.file_size:,} bytes, more than "
                      f"the {kind.limit:,} a {kind.name} may have")
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise _refuse(path, f"the entry {shown} is compressed {info.file_size:,} bytes into "
                      f"{info.compress_size:,}, a ratio above {MAX_RATIO} (a zip bomb?)")
    return kind


@dataclass(frozen=True)
class TrackFiles:
    """One render in a bundle: ``<stem>.mp3``, ``<stem>.cues.json`` (validated) and maybe
    ``<stem>.vtt``; ``level`` when the stem ends with one (``back-easy``)."""

    stem: str
    audio: zipfile.ZipInfo
    cues: zipfile.ZipInfo
    transcript: zipfile.ZipInfo | None
    sheet: object
    level: str | None


@dataclass(frozen=True)
class Contents:
    """A bundle's members by kind (checked; the first of each), its routine, its cue sheet (the
    first track's, validated) and every track (one per level)."""

    members: dict[str, zipfile.ZipInfo]
    routine: Routine
    routine_text: str
    sheet: object
    tracks: tuple[TrackFiles, ...] = ()
    infos: tuple[zipfile.ZipInfo, ...] = ()


def _read(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int,
          into: Path | None = None) -> bytes:
    """Read a member in chunks, counting the bytes (never more than declared or ``limit``);
    into the file ``into`` (created, never overwritten) or into memory."""
    total = 0
    kept: list[bytes] = []
    try:
        with archive.open(info) as src:
            out = into.open("xb") if into is not None else None
            try:
                while chunk := src.read(CHUNK):
                    total += len(chunk)
                    if total > info.file_size or total > limit:
                        raise _refuse(path, f"the entry {info.filename!r} holds more than it "
                                      "declares (a zip bomb?)")
                    if out is not None:
                        out.write(chunk)
                    else:
                        kept.append(chunk)
            finally:
                if out is not None:
                    out.close()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise _refuse(path, f"the entry {info.filename!r} is damaged ({exc})") from None
    return b"".join(kept)


def _open(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise InputError(f"{path}: no such bundle file.\n  Fix: give the path of a .zip file "
                         "made by 'voiceguide bundle'")
    if path.stat().st_size > MAX_BUNDLE_BYTES:
        raise _refuse(path, f"the file is larger than {MAX_BUNDLE_BYTES:,} bytes")
    entries = _declared_entries(path)
    if entries > MAX_FILES:
        raise _refuse(path, f"it declares {entries} files; a bundle holds at most {MAX_FILES}")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _refuse(path, f"this is not a readable zip file ({exc})",
                      "give the .zip file made by 'voiceguide bundle'") from None


def _contents(path: Path, archive: zipfile.ZipFile) -> Contents:
    """Check every member's name, type and sizes, then read and validate the routine and the cue
    sheet; nothing is written."""
    infos = archive.infolist()
    if len(infos) > MAX_FILES:
        raise _refuse(path, f"it holds {len(infos)} files; a bundle holds at most {MAX_FILES}")
    members: dict[str, zipfile.ZipInfo] = {}
    by_stem: dict[str, dict[str, zipfile.ZipInfo]] = {}
    total = 0
    for info in infos:
        kind = _check_name(path, info)
        if kind.name in TRACK_KINDS:
            stem = info.filename[:-len(kind.suffix)]
            by_stem.setdefault(stem, {})[kind.name] = info
            members.setdefault(kind.name, info)
        elif kind.name in members:
            raise _refuse(path, f"it holds two files of the kind {kind.name} "
                          f"({members[kind.name].filename!r} and {info.filename!r})")
        members[kind.name] = members.get(kind.name, info)
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise _refuse(path, f"its files add up to {total:,} bytes, more than {MAX_TOTAL_BYTES:,}")
    for kind in KINDS:
        if kind.required and kind.name not in members:
            raise _refuse(path, f"it has no {kind.name} (a {kind.suffix} file)")
    routine_info = members["routine"]
    data = _read(path, archive, routine_info, MAX_FILE_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(path, f"the routine {routine_info.filename!r} is not UTF-8 text") from None
    routine = parse_routine(text, f"{path}:{routine_info.filename}")
    if len(by_stem) > MAX_TRACKS:
        raise _refuse(path, f"it holds {len(by_stem)} renders; a bundle holds at most "
                      f"{MAX_TRACKS} (one per level)")
    tracks = []
    for stem, files in by_stem.items():
        for needed, suffix in (("cue sheet", ".cues.json"), ("audio", ".mp3")):
            if needed not in files:
                raise _refuse(path, f"it has {next(iter(files.values())).filename!r} but no "
                              f"{stem}{suffix} ({needed}) to go with it")
        cues = files["cue sheet"]
        try:
            sheet = json.loads(_read(path, archive, cues, KINDS[0].limit).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _refuse(path, f"the cue sheet {cues.filename!r} is not JSON ({exc})") from None
        except RecursionError:
            raise _refuse(path, f"the cue sheet {cues.filename!r} is nested too deeply") from None
        data_ok = player_data(sheet, f"{path}:{cues.filename}")
        if data_ok["title"] != routine.title:
            raise _refuse(path, f"the cue sheet is for {data_ok['title']!r}, the routine is "
                          f"{routine.title!r}")
        head = _peek(path, archive, files["audio"])
        if not (head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF
                                            and head[1] & 0xE0 == 0xE0)):
            raise _refuse(path, f"{files['audio'].filename!r} is not an MP3 file")
        level = next((name for name in LEVELS if stem.endswith(f"-{name}")), None)
        tracks.append(TrackFiles(stem, files["audio"], cues, files.get("transcript"), sheet,
                                 level if len(by_stem) > 1 else None))
    cover = members.get("cover")
    if cover is not None:
        head = _peek(path, archive, cover, 24)
        if not head.startswith(PNG) or head[12:16] != b"IHDR":
            raise _refuse(path, f"{cover.filename!r} is not a PNG image")
    return Contents(members, routine, text, tracks[0].sheet, tuple(tracks), tuple(infos))


def _peek(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int = 4) -> bytes:
    """The first ``size`` bytes of a member (to recognize its type)."""
    try:
        with archive.open(info) as src:
            return src.read(size)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise _refuse(path, f"the entry {info.filename!r} is damaged ({exc})") from None


@dataclass(frozen=True)
class Imported:
    """Where a bundle was unpacked, the files written there, and its routine."""

    folder: Path
    files: tuple[str, ...]
    routine: Routine


def import_bundle(path: Path, folder: Path, *, force: bool = False) -> Imported:
    """Unpack the bundle ``path`` into ``folder`` safely (see the module's docstring); existing
    files are replaced only with ``force``. A refused bundle leaves nothing behind."""
    with _open(path) as archive:
        contents = _contents(path, archive)
        names = sorted({*(info.filename for info in contents.infos), "index.html"})
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder} is a file, not a folder.\n  Fix: give a folder with -d")
        clashes = [name for name in names
                   if (folder / name).exists() or (folder / name).is_symlink()]
        if clashes and not force:
            raise InputError(f"{folder} already has {', '.join(clashes)}; nothing was written.\n"
                             "  Fix: import into another folder with -d, or add --force to "
                             "replace them")
        for name in clashes:
            if not (folder / name).is_symlink() and not (folder / name).is_file():
                raise InputError(f"{folder / name} is a folder or a special file (a device, a "
                                 "named pipe); "
                                 "nothing was written.\n  Fix: import into another folder "
                                 "with -d")
        created = [p for p in (folder.absolute(), *folder.absolute().parents) if not p.exists()]
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.import-"))
        try:
            _folder_permissions(staging)
            _extract(path, archive, contents, staging)
            if not folder.exists():
                os.replace(staging, folder)
            else:
                for name in names:
                    os.replace(staging / name, folder / name)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            for made in created[1:]:  # the parents made for this import, deepest first
                try:
                    made.rmdir()
                except OSError:
                    break
            raise
        shutil.rmtree(staging, ignore_errors=True)
    return Imported(folder, tuple(names), contents.routine)


def _folder_permissions(path: Path) -> None:
    """Give ``path`` the permissions a normal new folder gets (mkdtemp makes it private)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o777 & ~umask)


def _extract(path: Path, archive: zipfile.ZipFile, contents: Contents, staging: Path) -> None:
    """Write the members into ``staging`` (bytes counted), then a player page of our own."""
    for info in contents.infos:
        kind = kind_of(info.filename)
        if kind is None or kind.name == "player page":
            continue
        target = staging / info.filename
        if target.resolve().parent != staging.resolve():  # the name checks make this impossible
            raise _refuse(path, f"the entry {info.filename!r} would leave the folder")
        if kind.name == "routine":
            target.write_text(contents.routine_text, encoding="utf-8", newline="\n")
        else:
            _read(path, archive, info, kind.limit, into=target)
    first, *others = contents.tracks
    links = [("Routine", contents.members["routine"].filename),
             ("Cue sheet", first.cues.filename)]
    if first.transcript is not None:
        links.insert(0, ("Transcript", first.transcript.filename))
    more = [Track(t.sheet, t.audio.filename, t.level) for t in others]
    cover = None
    if "cover" in contents.members:  # checked: a PNG, within its size limit
        info = contents.members["cover"]
        cover = (info.filename, _read(path, archive, info, KINDS[-1].limit))
    (staging / "index.html").write_text(
        player_page(first.sheet, first.audio.filename, contents.routine, links, more=more,
                    level=first.level, cover=cover), encoding="utf-8", newline="\n")


def routine_from_bundle(path: Path) -> Path:
    """The routine of a bundle (checked and validated like an import), written to a private
    temporary folder that is removed when the process exits; for ``render BUNDLE.zip``."""
    with _open(path) as archive:
        contents = _contents(path, archive)
    folder = Path(tempfile.mkdtemp(prefix="voiceguide-bundle-"))
    atexit.register(shutil.rmtree, folder, True)
    target = folder / contents.members["routine"].filename
    target.write_text(contents.routine_text, encoding="utf-8", newline="\n")
    return target
