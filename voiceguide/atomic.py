"""Atomic file writes: a file appears under its final name complete, or not at all."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError


def check_new_file(output: Path, force: bool, example: str) -> None:
    """Refuse an ``-o`` that is a folder, or an existing file without ``--force``; ``example``
    is a file name to suggest (``my-routine.zip``)."""
    if output.is_dir():
        raise InputError(f"{output} is a folder.\n  Fix: give a file name with -o, "
                         f"such as -o {example}")
    if output.exists() and not force:
        raise InputError(f"{output} already exists.\n  Fix: give another file with -o, or add "
                         "--force to replace it")


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
