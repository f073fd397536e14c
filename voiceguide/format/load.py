"""Load and validate routine files: safe YAML in, a typed ``Routine`` out, or a clear RoutineError.

Routine files are shared between people, so they are untrusted: only plain YAML scalars, lists and
mappings are accepted (no tags that build objects, no aliases), and files are size-limited.
"""

from __future__ import annotations

from pathlib import Path

from ..atomic import NotRegularFile, read_bounded
from ..errors import RoutineError
from ..model import Routine
from .build import Builder, too_long
from .schema import MAX_REPS, MAX_SECONDS, MAX_SESSION_HOURS, MAX_SETS, MAX_TEXT_CHARS

__all__ = ["MAX_REPS", "MAX_SECONDS", "MAX_SESSION_HOURS", "MAX_SETS", "MAX_TEXT_CHARS",
           "list_templates", "load_routine", "parse_routine", "resolve", "templates_dir",
           "too_long"]

MAX_FILE_BYTES = 1_000_000


def templates_dir() -> Path:
    """The folder of bundled templates: in a source checkout, or inside the installed package."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    return package / "templates"


def list_templates() -> list[Path]:
    """The bundled routine files, sorted by name."""
    return sorted(templates_dir().glob("*.yaml"))


def resolve(name_or_path: str | Path) -> Path:
    """A routine path as given, or the bundled template of that name (``back-strengthening``).
    Bundles (``.zip``) are opened by ``voiceguide.pipeline.resolve``, which knows them.

    Raises RoutineError when there is no such file or template."""
    path = Path(name_or_path)
    if path.exists():
        return path
    name = str(name_or_path)
    if "/" not in name and "\\" not in name:
        template = templates_dir() / f"{Path(name).stem}.yaml"
        if template.is_file():
            return template
    names = ", ".join(p.stem for p in list_templates()) or "none"
    raise RoutineError(
        "no such routine file or bundled template",
        source=name,
        hint=f"give the path of a routine file, or one of the bundled templates: {names}",
    )


def load_routine(name_or_path: str | Path) -> Routine:
    """Read, parse and validate a routine file (or a bundled template by name).

    Raises RoutineError, with the file, the line and a fix, for anything wrong."""
    path = resolve(name_or_path)
    if path.is_dir():
        raise RoutineError("this is a folder, not a routine file", source=path,
                           hint="give the path of a .yaml routine file")
    try:
        data = read_bounded(path, MAX_FILE_BYTES)  # a regular file only: never a pipe or device
    except NotRegularFile:
        raise RoutineError("this is not a regular file (a device or a named pipe)", source=path,
                           hint="give the path of a .yaml routine file") from None
    except OSError as exc:
        raise RoutineError(f"cannot read the file: {exc.strerror or exc}", source=path,
                           hint="check that the file exists and that you may read it") from None
    if len(data) > MAX_FILE_BYTES:
        raise RoutineError(
            f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; a routine is a short text",
            source=path, hint="check that this is the routine file you meant")
    return parse_routine(_decode(data, path), source=path)


def _decode(data: bytes, path: Path) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise RoutineError("the file is UTF-16 (or UTF-32) text; routine files are UTF-8",
                           source=path, hint="save the file as UTF-8 in your editor")
    if b"\0" in data:
        raise RoutineError("this is a binary file, not a YAML routine", source=path,
                           hint="give the path of a .yaml routine file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RoutineError(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})", source=path, line=line,
            hint="save the file as UTF-8 in your editor") from None


def parse_routine(text: str, source: Path | str = "<string>") -> Routine:
    """Parse and validate routine YAML text; ``source`` names it in error messages."""
    reader = Builder(source)
    root = reader.compose(text)
    try:
        routine = reader.routine(root, Path(source) if isinstance(source, Path) else None)
    except RoutineError as exc:
        reader.report(exc)
    if reader.errors:
        raise RoutineError.every(reader.errors)
    return routine
