"""Atomic file writes: a file appears under its final name complete, or not at all."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError

NAME_MAX = 255  # bytes in one file name (Linux, macOS; characters on Windows)
DRAFT_ROOM = 24  # what a draft's name adds: ".<name>.XXXXXXXX.part"
OTHER_AUDIO = {"aac", "flac", "m4b", "mp4", "oga", "ogg", "webm", "wma"}


def output_path(given: str | Path, name: str, option: str = "-o") -> Path:
    """The file an output option names: ``given`` itself, or ``given/name`` when ``given`` is a
    folder (an existing one, or a path ending in a slash). An empty value is an InputError."""
    text = os.fspath(given)
    if not text.strip():
        raise InputError(f"{option} is empty.\n  Fix: give a file name, or a folder ending in "
                         f"'/', such as {option} output/")
    if "\0" in text:
        raise InputError(f"{option} {text!r} holds a NUL character, which no file name may.\n"
                         "  Fix: give a file name without it")
    path = Path(os.path.normpath(text))  # 'new/../out' is 'out', whether 'new' exists or not
    mode = _mode(path, option)
    if text.endswith(("/", os.sep)) or path.name in ("", ".", "..") or (
            mode is not None and stat.S_ISDIR(mode)):
        return path / name
    return path


def _mode(path: Path, option: str = "-o") -> int | None:
    """The file type and mode of ``path`` (links followed), None when nothing is there; an
    InputError when the path cannot be used at all (a name too long, a file as a folder)."""
    try:
        return path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise InputError(f"{option} {path}: {exc.strerror or exc}.\n  Fix: give a shorter "
                         "path, in a folder you may write to") from None


def output_format(path: Path, formats: Sequence[str], chosen: str | None, default: str) -> str:
    """The format a file is written in: the one its extension names (``x.wav``: wav), which
    ``chosen`` (``--format``) must agree with; ``chosen`` or ``default`` for a path without a
    known extension. A mismatch is an InputError."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in formats:
        if chosen is not None and chosen != suffix:
            raise InputError(f"{path} ends in .{suffix} but --format is {chosen}.\n  Fix: "
                             f"name the file .{chosen}, or use --format {suffix}")
        return suffix
    if suffix in OTHER_AUDIO:
        raise InputError(f"{path}: voiceguide does not write .{suffix} files.\n  Fix: name the "
                         f"file with one of .{', .'.join(formats)}")
    return chosen or default


def check_new_file(output: Path, force: bool, example: str,
                   inputs: Sequence[Path | None] = ()) -> None:
    """Refuse an output that is a folder, a device or a named pipe, one of the ``inputs``, or an
    existing file without ``force``; ``example`` is a file name to suggest
    (``my-routine.zip``). Every file voiceguide writes passes here before any work starts."""
    for part in output.parts:  # the file's name, and the folders to make
        limit = NAME_MAX - DRAFT_ROOM if part == output.name else NAME_MAX
        if len(os.fsencode(part)) > limit:
            raise InputError(f"the name {part[:40]}… in {str(output)[:60]}… is too long "
                             f"({len(part)} characters).\n  Fix: give names of at most "
                             f"{limit} bytes with -o")
    mode = _mode(output)
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"{output} is a folder.\n  Fix: give a file name with -o, "
                         f"such as -o {example}")
    for source in inputs:
        if source is not None and _same(output, source):
            raise InputError(f"{output} is an input of this command; it is never written "
                             "over.\n  Fix: give another file with -o")
    if mode is None:
        for parent in output.parents:  # the folders to make: under a folder, not a file
            found = _mode(parent)
            if found is not None:
                if not stat.S_ISDIR(found):
                    raise InputError(f"{parent} is a file, so {output} cannot be made inside "
                                     "it.\n  Fix: give a path in a folder with -o")
                break
        return  # nothing there yet (or a dangling link, which the rename replaces)
    if not stat.S_ISREG(mode):
        raise InputError(f"{output} is not a regular file (a device, a named pipe or a socket); "
                         "voiceguide writes only ordinary files.\n  Fix: give a file name with "
                         f"-o, such as -o {example}")
    if not force:
        raise InputError(f"{output} already exists.\n  Fix: give another file with -o, or add "
                         "--force to replace it")


def _same(one: Path, other: Path) -> bool:
    """The same file: by identity where both exist, else by their normalized absolute paths."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return os.path.normpath(os.path.abspath(one)) == os.path.normpath(os.path.abspath(other))


@contextmanager
def placed_together(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """Hidden temporary paths beside each of ``paths`` (unique: concurrent runs never share
    one). When the block succeeds they are renamed into place, all of them; if a rename fails,
    the ones already placed are removed, so the set appears whole or not at all. On any failure
    inside the block every temporary file goes."""
    drafts: list[Path] = []
    placed: list[Path] = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                            suffix=".part")
            os.close(handle)
            drafts.append(Path(name))
        yield drafts
        for draft in drafts:
            default_permissions(draft)
        with _folder_lock(paths[0].parent if paths else Path(".")):
            for draft, path in zip(drafts, paths):
                os.replace(draft, path)
                placed.append(path)
    except BaseException:
        if len(placed) < len(paths):
            for path in placed:
                path.unlink(missing_ok=True)
        raise
    finally:
        for draft in drafts:
            draft.unlink(missing_ok=True)


def default_permissions(path: Path) -> None:
    """Give ``path`` the permissions a normal new file gets (mkstemp makes it private)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A hidden temporary path beside ``path``; renamed onto ``path`` if the block succeeds,
    removed whatever happens otherwise (an error, Ctrl-C, SIGTERM turned into an exception)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        default_permissions(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``folder`` (flock on its descriptor, POSIX), so that two
    runs placing the same set of files do so one after the other, never interleaved; where no
    such lock can be taken (Windows), the renames simply go ahead."""
    try:
        import fcntl

        handle = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def read_bounded(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the regular file ``path`` (more than ``limit`` tells the
    caller it is too large). A device, a named pipe or a folder raises ``NotRegularFile`` at
    once, without blocking (the file is opened non-blocking and checked
    with fstat before anything is read). Other failures raise OSError (FileNotFoundError...)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise NotRegularFile(path)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0 and (chunk := os.read(handle, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


class NotRegularFile(InputError):
    """A path given as a file to read names a device, a named pipe or a folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} is not a regular file (a device, a named pipe or a folder).\n"
                         "  Fix: give the path of an ordinary file")
