"""The studio's folder: safe routine names, reading with a content hash, saving atomically
without overwriting a file changed on disk, new/duplicate/trash, and the round trip between the
editor's form (plain JSON data) and the routine's YAML text with its comments and layout kept.

Every name a request gives is a bare file name (no folder part); its path is resolved and must
stay inside the folder, so neither ``..`` nor a symbolic link can reach another file.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import re
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.compat import ordereddict
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import ScalarString

from ..atomic import read_bounded, write_text
from ..errors import InputError
from ..format.load import MAX_FILE_BYTES, list_templates
from ..script.variant import round_trip_yaml

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}\.ya?ml$")
TRASH = ".trash"
OUTPUT = "output"


class Conflict(InputError):
    """The file on disk is not the one the editor started from: it changed meanwhile."""

    def __init__(self, message: str, disk_hash: str) -> None:
        super().__init__(message)
        self.disk_hash = disk_hash


def digest(text: str) -> str:
    """The hash that names a version of a file's text (SHA-256, hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Folder:
    """The folder of routine files the studio works on (resolved, so checks compare real paths)."""

    root: Path

    @classmethod
    def open(cls, path: Path) -> Folder:
        """The folder at ``path``; an InputError if it is not a folder."""
        if not path.is_dir():
            raise InputError(f"{path} is not a folder.\n  Fix: give the folder that holds your "
                             "routine files (*.yaml), or none for the current folder")
        return cls(path.resolve())

    def path(self, name: str) -> Path:
        """The file ``name`` of the folder (a bare ``*.yaml`` name); an InputError for any name
        with a folder part, or whose real path (links followed) is outside the folder."""
        if not isinstance(name, str) or not NAME.match(name) or name.strip() != name:
            raise InputError(f"{name!r} is not a routine file name.\n  Fix: use letters, digits, "
                             "spaces, dots, dashes and underscores, ending in .yaml")
        path = self.root / name
        real = path.resolve()
        if real.parent != self.root or path.is_symlink():
            raise InputError(f"{name} is a link or leaves the folder; the studio only opens the "
                             "folder's own files.\n  Fix: copy the file into the folder")
        return path

    def inside(self, relative: str) -> Path:
        """A file below the folder by a relative path (``output/x.mp3``); an InputError if its
        real path leaves the folder or it is not a regular file."""
        parts = Path(relative).parts
        if not parts or any(p in ("..", "") or p.startswith(".") for p in parts) \
                or Path(relative).is_absolute():
            raise InputError(f"{relative!r} is not a file of the folder")
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise InputError(f"{relative!r} is not a file of the folder")
        return path

    def routines(self) -> list[Path]:
        """The routine files of the folder (regular files, no links), sorted by name."""
        return sorted(p for p in self.root.iterdir()
                      if NAME.match(p.name) and p.is_file() and not p.is_symlink())

    def read(self, name: str) -> tuple[str, str]:
        """The text of ``name`` and its hash; an InputError if too large or not UTF-8."""
        return read_text(self.path(name))

    def save(self, name: str, text: str, base_hash: str | None) -> str:
        """Write ``text`` to ``name`` atomically and return its hash. ``base_hash`` is the hash of
        the version the editor started from (None: a new file, which must not exist); a Conflict
        if the file on disk is another version."""
        path = self.path(name)
        check_size(text)
        current = read_text(path)[1] if path.exists() else None
        if current != base_hash:
            message = (f"{name} was changed on disk since you opened it" if current
                       else f"{name} was deleted on disk" if base_hash else f"{name} exists")
            raise Conflict(f"{message}; nothing was written.\n  Fix: reload it, or save your "
                           "version under another name", current or "")
        write_text(path, text)
        return digest(text)

    def create(self, name: str, text: str) -> str:
        """A new file ``name`` with ``text``; an InputError if it exists."""
        if self.path(name).exists():
            raise InputError(f"{name} already exists.\n  Fix: choose another name")
        return self.save(name, text, None)

    def trash(self, name: str) -> Path:
        """Move ``name`` into the folder's ``.trash`` (never deleted); return where it went."""
        path = self.path(name)
        if not path.is_file():
            raise InputError(f"{name} does not exist")
        bin_ = self.root / TRASH
        bin_.mkdir(exist_ok=True)
        target = bin_ / name
        if target.exists():
            target = bin_ / f"{path.stem}.{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}"
        shutil.move(os.fspath(path), os.fspath(target))
        return target

    def free_name(self, stem: str) -> str:
        """``stem.yaml``, or ``stem-2.yaml``, ``stem-3.yaml``... whichever does not exist."""
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:80] or "routine"
        for number in range(1, 1000):
            name = f"{stem}.yaml" if number == 1 else f"{stem}-{number}.yaml"
            if not (self.root / name).exists():
                return name
        raise InputError(f"too many files named {stem}-N.yaml")


def read_text(path: Path) -> tuple[str, str]:
    """A routine file's text (at most the loader's limit) and its hash."""
    try:
        data = read_bounded(path, MAX_FILE_BYTES)  # a regular file only: never a pipe or device
    except OSError as exc:
        raise InputError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{path.name} is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text.\n  Fix: save it as UTF-8") from None
    return text, digest(text)


def check_size(text: str) -> None:
    """The loader's file size limit, for text that comes from the editor."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise InputError(f"the routine is larger than {MAX_FILE_BYTES // 1_000_000} MB; a routine "
                         "is a short text")


def template_path(name: str) -> Path:
    """The bundled template called ``name`` (its file stem)."""
    for path in list_templates():
        if path.stem == name:
            return path
    raise InputError(f"there is no bundled template {name!r}")


SCRATCH = """\
# A new routine. Each exercise is either counted (reps, with the phases of one rep)
# or timed (duration, in seconds).
title: {title}
exercises:
  - id: first-exercise
    name: First exercise
    duration: 30
"""


# --- the round trip between the form's data and the YAML text -----------------------------------


def load_doc(text: str) -> Any:
    """The round-trip document of ``text``, or None when it is not YAML ruamel can read."""
    try:
        return round_trip_yaml().load(text)
    except (YAMLError, ValueError, RecursionError):
        return None


def plain(node: Any) -> Any:
    """The document as plain JSON-able data (mappings keep their order)."""
    if isinstance(node, Mapping):
        return {str(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    if isinstance(node, bool) or node is None or isinstance(node, (int, float)):
        return node if not isinstance(node, float) or node == node else None
    return str(node)


def with_data(text: str, data: Any) -> str:
    """``text`` changed to say ``data`` (from the form): values that did not change keep their
    quoting, comments stay with their keys and with their list items (matched by ``id`` when
    the items have one, so a reordered exercise keeps its comments), new keys go where the
    form has them."""
    doc = load_doc(text)
    before = _rendering(text, doc) if doc is not None else None
    after = dump(_merge(doc, data))
    return after if before is None else keep_layout(text, before, after)


_RENDERINGS: dict[str, str] = {}


def _rendering(text: str, doc: Any) -> str:
    """ruamel's rendering of ``text`` unchanged (the last few kept: each edit starts from one)."""
    key = digest(text)
    if key not in _RENDERINGS:
        if len(_RENDERINGS) > 8:
            _RENDERINGS.pop(next(iter(_RENDERINGS)))
        _RENDERINGS[key] = dump(doc)
    return _RENDERINGS[key]


def dump(doc: Any) -> str:
    """The round-trip document as text (trailing spaces stripped)."""
    out = io.StringIO()
    round_trip_yaml().dump(doc, out)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())


def keep_layout(original: str, before: str, after: str) -> str:
    """The change from ``before`` to ``after`` (two renderings by ruamel) applied to
    ``original``, which says what ``before`` says in its own layout (ruamel re-wraps long text):
    lines the change does not touch stay as the author wrote them."""
    if before == original:
        return after
    o, b, a = (text.splitlines(keepends=True) for text in (original, before, after))
    where: dict[int, int] = {}  # line of before -> the same line in original
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, o, b, autojunk=False).get_opcodes():
        if tag == "equal":
            where.update((j1 + k, i1 + k) for k in range(i2 - i1))
    hunks: list[list[int]] = []  # [start, end) in before, [start, end) in after
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, b, a, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        while i1 > 0 and i1 - 1 not in where:  # a re-wrapped line is replaced whole
            i1, j1 = i1 - 1, j1 - 1
        while i2 < len(b) and i2 not in where:
            i2, j2 = i2 + 1, j2 + 1
        if hunks and i1 <= hunks[-1][1]:
            hunks[-1][1], hunks[-1][3] = i2, j2
        else:
            hunks.append([i1, i2, j1, j2])
    for i1, i2, j1, j2 in reversed(hunks):
        start = where[i1 - 1] + 1 if i1 > 0 else 0
        end = where[i2] if i2 < len(b) else len(o)
        o[start:end] = a[j1:j2]
    return "".join(o)


def _merge(old: Any, new: Any) -> Any:
    if isinstance(new, Mapping):
        target = old if isinstance(old, CommentedMap) else CommentedMap()
        for key in [k for k in target if k not in new]:
            del target[key]
        for index, (key, value) in enumerate(new.items()):
            if key in target:
                merged = _merge(target[key], value)
                if isinstance(target[key], ScalarString) and target[key] == "" != merged:
                    # '' had to be quoted; the text typed into it need not be (ruamel would
                    # keep the quotes of the value it replaces)
                    ordereddict.__setitem__(target, key, merged)
                else:
                    target[key] = merged
            else:
                target.insert(min(index, len(target)), key, _merge(None, value))
        return target
    if isinstance(new, list):
        if not isinstance(old, CommentedSeq):
            seq = CommentedSeq(_merge(None, item) for item in new)
            return seq
        ids = {str(item["id"]): i for i, item in enumerate(old)
               if isinstance(item, CommentedMap) and "id" in item}
        items, comments = list(old), dict(old.ca.items)
        used: set[int] = set()
        result: list[tuple[Any, Any]] = []
        for index, value in enumerate(new):
            source: int | None = None
            if isinstance(value, Mapping) and str(value.get("id")) in ids:
                source = ids[str(value.get("id"))]
            elif index < len(items) and index not in used and not (
                    isinstance(items[index], CommentedMap) and "id" in items[index]
                    and isinstance(value, Mapping) and "id" in value):
                source = index
            if source is not None and source not in used:
                used.add(source)
                result.append((_merge(items[source], value), comments.get(source)))
            else:
                result.append((_merge(None, value), None))
        del old[:]
        old.ca.items.clear()
        for index, (value, comment) in enumerate(result):
            old.append(value)
            if comment is not None:
                old.ca.items[index] = comment
        return old
    if old == new and type(old) is not bool and not isinstance(old, (CommentedMap, list)):
        return old  # keeps its quoting
    return new


def field_lines(doc: Any) -> list[tuple[int, tuple[str | int, ...], bool]]:
    """(line, path, is_container) of every key and list item in a round-trip document, lines
    1-based, so a loader error's line can be shown at its field."""
    found: list[tuple[int, tuple[str | int, ...], bool]] = []

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                try:
                    line = node.lc.key(key)[0] + 1
                except (KeyError, TypeError, AttributeError):
                    continue
                found.append((line, (*path, str(key)), isinstance(value, (dict, list))))
                walk(value, (*path, str(key)))
        elif isinstance(node, CommentedSeq):
            for index, value in enumerate(node):
                try:
                    line = node.lc.item(index)[0] + 1
                except (KeyError, TypeError, AttributeError):
                    continue
                found.append((line, (*path, index), isinstance(value, (dict, list))))
                walk(value, (*path, index))

    walk(doc, ())
    return found


def path_of(doc: Any, line: int | None, problem: str) -> tuple[str | int, ...]:
    """The field an error at ``line`` is about: of the keys and items on that line, the one the
    message names ('reps' in "'exercises[1].reps' must be..."), else the list item or mapping
    that starts there (an error about a missing key names its mapping's first line), else the
    nearest field above."""
    if line is None or doc is None:
        return ()
    fields = field_lines(doc)
    here = [(path, container) for at, path, container in fields if at == line]
    if not here:
        above = [path for at, path, _ in fields if at < line]
        return above[-1] if above else ()
    for path, _ in sorted(here, key=lambda item: -len(item[0])):
        key = path[-1]
        if isinstance(key, str) and re.search(rf"(?:\.|')({re.escape(key)})(?:'|\b)", problem):
            return path
    items = [path for path, _ in here if isinstance(path[-1], int)]
    if items and re.search(r"missing|neither|has both|has '|is used twice|would last", problem):
        return items[0]
    return max((path for path, _ in here), key=len)
