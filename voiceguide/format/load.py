"""Load and validate routine files: safe YAML in, a typed ``Routine`` out, or a clear RoutineError.

Routine files are shared between people, so they are untrusted: only plain YAML scalars, lists and
mappings are accepted (no tags that build objects, no aliases), and files are size-limited.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..atomic import NotRegularFile, read_bounded
from ..errors import RoutineError
from ..model import Cue, Defaults, Exercise, Hold, Phase, Range, Routine
from .schema import (
    CUE,
    DEFAULTS,
    EXERCISE,
    HOLD,
    LANGUAGE_PATTERN,
    MAX_REPS,
    MAX_SECONDS,
    MAX_SESSION_HOURS,
    MAX_SETS,
    MAX_TEXT_CHARS,
    ROUTINE,
    SLUG_PATTERN,
    Key,
    Mapping,
)
from .text import check_nodes as check_text_nodes

__all__ = ["MAX_REPS", "MAX_SECONDS", "MAX_SESSION_HOURS", "MAX_SETS", "MAX_TEXT_CHARS",
           "list_templates", "load_routine", "parse_routine", "resolve", "templates_dir",
           "too_long"]

MAX_FILE_BYTES = 1_000_000
SLUG = re.compile(SLUG_PATTERN)
EXPONENT = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$")
RANGE = re.compile(r"^\s*(\d+)\s*(?:-|–|to)\s*(\d+)\s*$")
PLAIN_TAGS = {"str", "int", "float", "bool", "null", "seq", "map"}


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
    reader = _Reader(source)
    root = reader.compose(text)
    try:
        routine = reader.routine(root, Path(source) if isinstance(source, Path) else None)
    except RoutineError as exc:
        reader.report(exc)
    if reader.errors:
        raise RoutineError.every(reader.errors)
    return routine


class _SafeComposer(yaml.SafeLoader):
    """A SafeLoader that refuses aliases, which could otherwise blow up in size (alias bombs)."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise _AliasError(event.start_mark.line + 1)
        return super().compose_node(parent, index)


# Plain scalars resolve only to text, numbers, booleans and null: a date or '=' stays text, and '<<'
# is an ordinary (unknown) key, not a merge.
_SafeComposer.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag.rsplit(":", 1)[-1] not in {"timestamp", "value", "merge"}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _AliasError(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _suggest(word: str, choices: Iterable[str], missing: Sequence[str] = ()) -> str:
    """The key or value a typo most likely meant, or ''. A required key that is missing comes
    first (``repz`` beside ``rep`` means ``reps``); then a swap of letters, then the closest
    spelling."""
    close = difflib.get_close_matches(word, list(missing), n=1, cutoff=0.6)
    if close:
        return close[0]
    options = sorted(choices)
    swapped = [choice for choice in options if sorted(choice) == sorted(word)]
    close = swapped or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else ""


def _or(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]


class _Reader:
    """Walks the composed YAML nodes, building the model and naming the line of every problem."""

    def __init__(self, source: Path | str) -> None:
        self.source = source
        self.errors: list[RoutineError] = []
        self.misspelled: set[tuple[int, str]] = set()

    def error(self, node: Node | None, problem: str, hint: str | None = None) -> RoutineError:
        line = node.start_mark.line + 1 if node is not None else None
        return RoutineError(problem, source=self.source, line=line, hint=hint)

    # --- YAML -------------------------------------------------------------------------------

    def compose(self, text: str) -> Node:
        try:
            loader = _SafeComposer(text)
        except yaml.reader.ReaderError as exc:
            raise self.reader_error(exc, text) from None
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise RoutineError("the YAML is nested too deeply", source=self.source,
                               hint="a routine needs only a few levels of lists and mappings"
                               ) from None
        except yaml.reader.ReaderError as exc:
            raise self.reader_error(exc, text) from None
        except _AliasError as exc:
            raise RoutineError("YAML aliases (*name) are not allowed in routine files",
                               source=self.source, line=exc.line,
                               hint="write the value out in full instead of referring to an anchor"
                               ) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "invalid YAML"
            if exc.context_mark is not None and mark is not None and exc.context and \
                    not text[mark.index:].strip():
                # the file ended inside something (a quote): name the line where it started
                mark, problem = exc.context_mark, f"{problem} {exc.context}"
            line = mark.line + 1 if mark is not None else None
            raise RoutineError(f"this is not valid YAML: {problem}", source=self.source, line=line,
                               hint="check the indentation and quoting on that line (quote text "
                               "that contains ': ' or starts with a special character)") from None
        except yaml.YAMLError as exc:
            raise RoutineError(f"this is not valid YAML: {exc}", source=self.source) from None
        finally:
            loader.dispose()
        if node is None:
            raise RoutineError("the file is empty", source=self.source,
                               hint="a routine needs at least a 'title' and a list of 'exercises'")
        self.check_tags(node)
        check_text_nodes(node, self.source)  # the one text rule (format/text.py)
        self.loader = _SafeComposer("")
        return node

    def check_tags(self, root: Node) -> None:
        """Refuse any explicit tag (``!!python/...``, ``!include``) anywhere in the file."""
        stack = [root]
        while stack:
            node = stack.pop()
            if node.tag.rsplit(":", 1)[-1] not in PLAIN_TAGS or \
                    not node.tag.startswith("tag:yaml.org,2002:"):
                raise self.error(node, f"the tag {node.tag} is here, which routine files may "
                                 "not use",
                                 hint="remove the '!' tag; routine files hold plain text and "
                                 "numbers")
            if isinstance(node, SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, MappingNode):
                stack.extend(item for pair in node.value for item in pair)

    def reader_error(self, exc: yaml.reader.ReaderError, text: str) -> RoutineError:
        """A character YAML refuses (a control character), with its line."""
        line = text[: exc.position].count("\n") + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        return RoutineError(f"the file contains the control character {char}, which YAML does "
                            "not allow", source=self.source, line=line,
                            hint="delete it (most editors do not show it: retype the line)")

    def report(self, error: RoutineError) -> None:
        """Note a problem and go on reading, so that every problem of a file is reported."""
        self.errors.append(error)

    def scalar(self, node: Node, where: str) -> Any:
        if not isinstance(node, ScalarNode):
            kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
            raise self.error(node, f"'{where}' must be a single value, not {kind}",
                             hint="write it on the same line as its key, for example "
                             "'title: Morning mobility'")
        if node.tag.startswith("tag:yaml.org,2002:") and node.tag.split(":")[-1] in {
            "str", "int", "float", "bool", "null"}:
            try:
                return self.loader.construct_object(node, deep=True)
            except ValueError:  # an integer of thousands of digits
                raise self.error(node, f"'{where}' is a number too long to read "
                                 f"({len(node.value)} characters)",
                                 hint="write a number within the limits in the README's "
                                 "'Routine format'") from None
        raise self.error(node, f"'{where}' has the tag {node.tag}, which routine files may not use",
                         hint="remove the '!' tag; routine files hold plain text and numbers")

    def mapping(self, node: Node, where: str, declared: Mapping) -> dict[str, Node]:
        """The keys of a mapping node. Unknown, doubled and missing keys are reported (all of
        them) and left out; raises only when the node is not a mapping at all."""
        allowed = declared.names
        if not isinstance(node, MappingNode):
            hint = ("a routine file starts with 'title: ...' and 'exercises:'"
                    if where == "routine" else "write one 'key: value' per line, such as "
                    "'say: Lift your leg.'" if ".rep[" in where else
                    "write one 'key: value' per line, such as 'name: Glute bridge'")
            raise self.error(node, f"'{where}' must be a mapping of 'key: value' lines",
                             hint=hint)
        found: dict[str, Node] = {}
        unknown: list[tuple[Node, str]] = []
        for key_node, value_node in node.value:
            try:
                key = self.scalar(key_node, f"{where} key")
            except RoutineError as exc:
                self.report(exc)
                continue
            if not isinstance(key, str):
                self.report(self.error(key_node, f"'{key}' in '{where}' is not a valid key",
                                       hint="the keys allowed here are: "
                                       f"{', '.join(sorted(allowed))}"))
            elif key in found:
                self.report(self.error(key_node, f"'{key}' appears twice in '{where}'",
                                       hint="keep one of them"))
            elif key not in allowed:
                unknown.append((key_node, key))
            else:
                found[key] = value_node
        missing = [key for key in declared.required if key not in found]
        missing += [key for group in declared.one_of if not any(k in found for k in group)
                    for key in group]
        for key_node, key in unknown:
            suggestion = _suggest(key, allowed, missing)
            if suggestion in missing:
                missing.remove(suggestion)  # the misspelling is the missing key: one message
                self.misspelled.add((id(node), suggestion))
            hint = (f"did you mean '{suggestion}'?" if suggestion else
                    f"the keys allowed here are: {', '.join(sorted(allowed))}")
            self.report(self.error(key_node, f"unknown key '{key}' in '{where}'", hint=hint))
        for key in (k for k in missing if k in declared.required):
            self.report(self.error(node, f"'{where}' is missing '{key}'",
                                   hint=f"add a '{key}:' line"))
        return found

    def absent(self, node: Node, key: str) -> bool:
        """True when ``key`` is missing from the mapping ``node`` and no misspelling of it was
        reported already."""
        return (id(node), key) not in self.misspelled

    def read(self, keys: dict[str, Node], declared: Mapping, name: str, where: str
             ) -> Any:
        """The value of ``name`` as its declaration says (its default when absent); a problem is
        reported and the default returned, so reading goes on."""
        key = declared.key(name)
        if name not in keys:
            return key.default
        try:
            return self.value(keys[name], f"{where}.{name}" if where else name, key)
        except RoutineError as exc:
            self.report(exc)
            return key.default

    def value(self, node: Node, where: str, key: Key) -> Any:
        kind = key.kind
        if kind == "text":
            return self.text(node, where)
        if kind == "texts":
            return self.texts(node, where)
        if kind in ("seconds", "integer"):
            return self.number(node, where, integer=kind == "integer", maximum=key.maximum,
                               minimum=key.minimum, allow_zero=key.zero)
        if kind == "range":
            return self.range(node, where, int(key.maximum))
        if kind == "choice":
            value = str(self.scalar(node, where))
            if value not in key.choices:
                suggestion = _suggest(value, key.choices)
                raise self.error(node, f"'{where}' must be one of {', '.join(key.choices)}, "
                                 f"not {value!r}", hint=f"did you mean '{suggestion}'?"
                                 if suggestion else f"write {_or(key.choices)}")
            return value
        if kind == "slug":
            value = self.text(node, where)
            if not SLUG.match(value):
                slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "exercise"
                raise self.error(node, f"the id {value!r} is not a slug",
                                 hint=f"use lowercase letters, digits and dashes, e.g. '{slug}'")
            return value
        if kind == "language":
            value = self.text(node, where)
            if not re.match(LANGUAGE_PATTERN, value):
                raise self.error(node, f"'{where}' must be a language code, not {value!r}",
                                 hint="write for example en, de, es or fr")
            return value
        raise AssertionError(f"{key.name}: read {kind} values with their own method")

    def text(self, node: Node, where: str) -> str:
        value = self.scalar(node, where)
        if isinstance(value, bool) or value is None or not isinstance(value, (str, int, float)):
            raise self.error(node, f"'{where}' must be text",
                             hint="write the text after the colon, or remove the key")
        text = " ".join(str(value).split())
        if not text:
            raise self.error(node, f"'{where}' is empty", hint="write the text, or remove the key")
        if not any(char.isalnum() or unicodedata.category(char) == "So" for char in text):
            raise self.error(node, f"'{where}' has nothing to say: {text!r} has no letters or "
                             "digits", hint="write words, or remove the key")
        if len(text) > MAX_TEXT_CHARS:
            raise self.error(node, f"'{where}' is longer than {MAX_TEXT_CHARS} characters",
                             hint="split it into several shorter paragraphs")
        return text

    def texts(self, node: Node, where: str) -> tuple[str, ...]:
        if isinstance(node, SequenceNode):
            found: list[str] = []
            for i, item in enumerate(node.value):
                try:
                    found.append(self.text(item, f"{where}[{i + 1}]"))
                except RoutineError as exc:
                    self.report(exc)
            return tuple(found)
        return (self.text(node, where),)

    def number(self, node: Node, where: str, *, integer: bool = False,
               maximum: float = MAX_SECONDS, minimum: float = 0.0,
               allow_zero: bool = False) -> float:
        value = self.scalar(node, where)
        if isinstance(value, str) and EXPONENT.match(value):
            value = float(value)  # YAML 1.1 reads 1e9 and 1.5e3 as text
        kind = "a whole number" if integer else "a number of seconds"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(node, f"'{where}' must be {kind}, not {value!r}",
                             hint=f"write {kind}, for example {'12' if integer else '3'}")
        if integer and not isinstance(value, int):
            raise self.error(node, f"'{where}' must be a whole number, not {value}",
                             hint=f"write {round(value)}")
        if value != value or value < minimum or (value == 0 and not allow_zero):
            low = "0 or more" if allow_zero else "more than 0"
            raise self.error(node, f"'{where}' must be {low}, not {value}",
                             hint=f"write a value from {minimum if allow_zero else 'above 0'} "
                             f"to {maximum:g}")
        if value > maximum:
            raise self.error(node, f"'{where}' is {value}, more than the limit of {maximum:g}",
                             hint=f"write a value up to {maximum:g}")
        return float(value) if not integer else int(value)

    def range(self, node: Node, where: str, maximum: int) -> Range:
        value = self.scalar(node, where)
        if isinstance(value, int) and not isinstance(value, bool):
            count = int(self.number(node, where, integer=True, maximum=maximum))
            return Range(count, count)
        match = RANGE.match(str(value)) if isinstance(value, str) else None
        if match is None:
            raise self.error(node, f"'{where}' must be a whole number or a range such as "
                             f"'12-15', not {value!r}", hint="write for example 12 or \"12-15\"")
        low, high = int(match.group(1)), int(match.group(2))
        if low == 0:
            raise self.error(node, f"'{where}' starts at 0", hint="a range starts at 1 or more")
        if low > high:
            raise self.error(node, f"'{where}' is reversed ({low}-{high})",
                             hint=f"write \"{high}-{low}\"")
        if high > maximum:
            raise self.error(node, f"'{where}' goes up to {high}, more than the limit of "
                             f"{maximum}", hint=f"keep it within 1-{maximum}")
        return Range(low, high)

    # --- the routine ------------------------------------------------------------------------

    def routine(self, root: Node, source: Path | None) -> Routine:
        declared = ROUTINE
        keys = self.mapping(root, "routine", declared)

        def read(name: str) -> Any:
            return self.read(keys, declared, name, "")

        title = read("title")
        defaults = Defaults()
        if "defaults" in keys:
            try:
                defaults = self.defaults(keys["defaults"])
            except RoutineError as exc:
                self.report(exc)
        exercises: list[Exercise] = []
        nodes: list[Node] = []
        if "exercises" in keys:
            exercises_node = keys["exercises"]
            if not isinstance(exercises_node, SequenceNode) or not exercises_node.value:
                self.report(self.error(exercises_node, "'exercises' must be a list with at least "
                                       "one exercise", hint="start each exercise with '- id: ...'"))
            else:
                seen: dict[str, int] = {}
                for index, node in enumerate(exercises_node.value):
                    try:
                        exercise = self.exercise(node, index + 1)
                    except RoutineError as exc:
                        self.report(exc)
                        continue
                    if exercise.id in seen:
                        self.report(self.error(
                            node, f"the id '{exercise.id}' is used twice (also by exercise "
                            f"{seen[exercise.id]})", hint="give each exercise its own id"))
                    seen[exercise.id] = index + 1
                    exercises.append(exercise)
                    nodes.append(node)
        if not self.errors:
            self.check_length(nodes, exercises)
        return Routine(
            title=title or "",
            exercises=tuple(exercises),
            author=read("author"),
            language=read("language"),
            description=read("description"),
            intro=read("intro") or (),
            safety=read("safety") or (),
            outro=read("outro") or (),
            defaults=defaults,
            source=source,
            derived_from=read("derived_from"),
        )

    def check_length(self, nodes: list[Node], exercises: list[Exercise]) -> None:
        """Refuse a routine whose exercises alone would last more than MAX_SESSION_HOURS at the
        hard level: each field may be within its limit while the product is days of audio."""
        found = too_long(exercises)
        if found is not None:
            total, longest, hours = found
            raise self.error(nodes[longest], f"the routine would last about {total:,.0f} hours "
                             f"at the hard level, more than the limit of {MAX_SESSION_HOURS}",
                             hint=f"shorten '{exercises[longest].id}' (its reps, sets, holds or "
                             f"seconds), which alone lasts about {hours:,.1f} hours")

    def defaults(self, node: Node) -> Defaults:
        declared = DEFAULTS
        keys = self.mapping(node, "defaults", declared)
        return Defaults(**{name: self.read(keys, declared, name, "defaults")
                           for name in declared.names})

    def exercise(self, node: Node, number: int) -> Exercise:
        declared = EXERCISE
        where = f"exercises[{number}]"
        keys = self.mapping(node, where, declared)
        ex_id = self.read(keys, declared, "id", where)
        if ex_id is not None:
            where = f"exercises[{number}] ({ex_id})"

        def read(name: str) -> Any:
            return self.read(keys, declared, name, where)

        duration: float | None = None
        reps: Range | None = None
        rep: tuple[Phase, ...] = ()
        if "duration" in keys:
            for other in ("reps", "rep"):
                if other in keys:
                    self.report(self.error(keys[other], f"{where} has both 'duration' and "
                                           f"'{other}'", hint="a timed exercise has 'duration'; "
                                           "a counted one has 'reps' and 'rep': keep one kind"))
            duration = read("duration")
        else:
            if "reps" in keys:
                reps = read("reps")
            elif self.absent(node, "reps") and self.absent(node, "duration"):
                self.report(self.error(node, f"{where} has neither 'reps' nor 'duration'",
                                       hint="add 'reps: 12' and a 'rep:' list of phases, or "
                                       "'duration: 30' for a timed exercise"))
            if "rep" in keys:
                try:
                    rep = self.phases(keys["rep"], f"{where}.rep")
                except RoutineError as exc:
                    self.report(exc)
            elif "reps" in keys and self.absent(node, "rep"):
                self.report(self.error(node, f"{where} has 'reps' but no 'rep' phases",
                                       hint="add 'rep:' with a list of phases such as "
                                       "'- say: Lift your leg' / 'seconds: 3' or '- hold: 5'"))
        return Exercise(
            id=ex_id or "",
            name=read("name") or "",
            rep=rep,
            reps=reps,
            duration=duration,
            sides=read("sides"),
            sets=read("sets"),
            description=read("description"),
            equipment=read("equipment") or (),
            setup=read("setup") or (),
            tip=read("tip"),
            rest=read("rest"),
            rest_between_sets=read("rest_between_sets"),
            changeover=read("changeover"),
            line=node.start_mark.line + 1,
        )

    def phases(self, node: Node, where: str) -> tuple[Phase, ...]:
        if not isinstance(node, SequenceNode) or not node.value:
            raise self.error(node, f"'{where}' must be a list with at least one phase",
                             hint="write phases such as '- say: Lift your leg' with "
                             "'seconds: 3', or '- hold: 5'")
        phases: list[Phase] = []
        for index, item in enumerate(node.value):
            at = f"{where}[{index + 1}]"
            try:
                phases.append(self.phase(item, at))
            except RoutineError as exc:
                self.report(exc)
        return tuple(phases)

    def phase(self, item: Node, at: str) -> Phase:
        if isinstance(item, MappingNode) and any(
                isinstance(k, ScalarNode) and k.value == "hold" for k, _ in item.value):
            keys = self.mapping(item, at, HOLD)
            return Hold(self.read(keys, HOLD, "hold", at))
        keys = self.mapping(item, at, CUE)
        return Cue(self.read(keys, CUE, "say", at), self.read(keys, CUE,
                                                                     "seconds", at))


def too_long(exercises: Sequence[Exercise]) -> tuple[float, int, float] | None:
    """(total hours, index of the longest exercise, its hours) when the reps, holds and timed
    intervals alone, at the hard level, last more than MAX_SESSION_HOURS (compiling such a
    routine would take forever); None otherwise."""
    lengths = [_work_seconds(exercise) / 3600 for exercise in exercises]
    if sum(lengths) <= MAX_SESSION_HOURS:
        return None
    longest = max(range(len(lengths)), key=lengths.__getitem__)
    return sum(lengths), longest, lengths[longest]


def _work_seconds(exercise: Exercise) -> float:
    """How long an exercise's reps or timed interval last at the hard level (no speech, rests)."""
    if exercise.duration is not None:
        one_side = exercise.duration
    else:
        per_rep = sum(phase.seconds if isinstance(phase, Cue) else phase.seconds.high
                      for phase in exercise.rep)
        one_side = per_rep * (exercise.reps.high if exercise.reps is not None else 0)
    return one_side * (1 if exercise.sides == "none" else 2) * exercise.sets
