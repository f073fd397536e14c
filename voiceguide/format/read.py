"""Reading YAML safely, with the line of every value: the plain-YAML composer (no tags that build
objects, no aliases) and a Reader that turns nodes into checked values as the format's declaration
(``voiceguide.format.schema``) says, collecting every problem with its line and its fix."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import RoutineError
from ..model import Range
from .schema import LANGUAGE_PATTERN, MAX_SECONDS, MAX_TEXT_CHARS, SLUG_PATTERN, Key, Mapping
from .text import check_nodes as check_text_nodes

SLUG = re.compile(SLUG_PATTERN)
EXPONENT = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$")
RANGE = re.compile(r"^\s*(\d+)\s*(?:-|–|to)\s*(\d+)\s*$")
PLAIN_TAGS = {"str", "int", "float", "bool", "null", "seq", "map"}


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


# libyaml's C parser and composer, used when PyYAML has it: about five times as fast as the
# Python ones (a 1 MB routine). libyaml 0.2.5 refuses nesting deeper than 1000 levels itself,
# so its recursive composer cannot exhaust the C stack; an older one is not used.
_FAST: Any = None
if getattr(yaml, "__with_libyaml__", False):
    from yaml import _yaml

    if tuple(_yaml.get_version()) >= (0, 2, 5):
        class _FastComposer(yaml.CSafeLoader):
            yaml_implicit_resolvers = _SafeComposer.yaml_implicit_resolvers

        _FAST = _FastComposer
FAST_DEPTH = 100  # deeper documents are left to the Python composer, which sets the depth rule
BLOCK_HEADER = re.compile(r"[|>](?:[1-9][+-]?|[+-][1-9]?)?(?:[ \x85\u2028\u2029]|$)")


def _compose_fast(text: str) -> Node | None:
    """The document as libyaml composes it, or None to leave it to the Python composer, whose
    errors are the ones routine files get (with their lines): on any YAML error, an alias (a
    node met twice), a character PyYAML's reader refuses, a tab (PyYAML refuses one after a
    value, libyaml does not), a last line without its line break (libyaml puts what ends there
    a line lower), a block scalar header PyYAML refuses (``|#``: libyaml takes it), a
    document that is not a mapping, or nesting deeper than ``FAST_DEPTH``. A
    document both take comes out the same: tags, values, lines (tests/test_yaml_paths.py)."""
    if _FAST is None or "\t" in text or not text.endswith("\n") or \
            yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    loader = _FAST(text)
    try:
        root: Node | None = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if not isinstance(root, MappingNode):
        return None
    seen: set[int] = set()
    lines: list[str] = []
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen or depth > FAST_DEPTH:
            return None
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
        elif isinstance(node, MappingNode):
            stack.extend((item, depth + 1) for pair in node.value for item in pair)
        elif isinstance(node, ScalarNode) and node.style in ("|", ">"):
            lines = lines or text.splitlines()  # YAML's line breaks: the others were refused
            mark = node.start_mark
            if not BLOCK_HEADER.match(lines[mark.line], mark.column):
                return None
    return root


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


class Reader:
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
        fast = _compose_fast(text)
        if fast is not None:
            return self.checked(fast)
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
        return self.checked(node)

    def checked(self, node: Node) -> Node:
        """``node`` once its tags and text pass the rules."""
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
        if key.empty and isinstance(node, ScalarNode) and not node.value.strip():
            return ""  # a text that may be empty: say nothing
        if kind == "text":
            return self.text(node, where)
        if kind == "boolean":
            value = self.scalar(node, where)
            if not isinstance(value, bool):
                raise self.error(node, f"'{where}' must be true or false, not {value!r}",
                                 hint="write true or false")
            return value
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
        if not any(char.isalnum() for char in text):  # '✓' or '→' alone: the voice says nothing
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
