"""One rule for text that comes from outside (a routine, a bundle, a config file, the command
line): characters that XML 1.0, terminals or UTF-8 cannot carry are refused, with where and a fix.

Refused: the C0 control characters except tab and newline (U+0000-U+0008, U+000B-U+001F: ESC
among them), DEL and the C1 controls (U+007F-U+009F, which terminals may act on), lone surrogates
(U+D800-U+DFFF: not encodable as UTF-8), U+FFFE, U+FFFF (not XML characters) and the bidirectional
embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069: they make text display in
an order other than the one stored, the "Trojan Source" trick). Sources: XML 1.0 (Fifth Edition)
§2.2 "Char"; ECMA-48 for the C0/C1 control functions; RFC 3629 §3 (surrogates); Unicode UAX #9
§2.1-2.4 and CVE-2021-42574 (bidirectional controls).

Everything else (markup characters, emoji, right-to-left letters) is ordinary text; each output
escapes it for its own context (``html.escape``, ElementTree, ``json.dumps``, ``for_terminal``).
"""

from __future__ import annotations

import re
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import RoutineError

FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0B: "VT", 0x0C: "FF", 0x0D: "CR", 0x1B: "ESC",
         0x7F: "DEL", 0x9B: "CSI", 0xFFFE: "a noncharacter", 0xFFFF: "a noncharacter"}
FIX = ("delete it; in YAML or TOML it usually comes from an escape in double quotes, such as "
       "\"\\e\", \"\\x01\", \"\\u001b\" or \"\\uD800\", or from text pasted from another "
       "program (a bidirectional control is invisible)")


def counted(count: int, noun: str) -> str:
    """``1 exercise``, ``5 exercises``: ``count`` and ``noun`` (singular; plural with an s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def describe(char: str) -> str:
    """``U+001B (ESC, a control character)`` and the like."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate, which is not UTF-8 text"
    elif code in (0xFFFE, 0xFFFF):
        kind = "a noncharacter, which XML does not allow"
    elif 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        kind = "a bidirectional control, which shows text in another order than it is stored"
    else:
        kind = f"{NAMES[code]}, a control character" if code in NAMES else "a control character"
    return f"U+{code:04X} ({kind})"


def problem(value: str) -> str | None:
    """What is wrong with ``value`` under the rule (its first refused character), or None."""
    found = FORBIDDEN.search(value)
    if found is None:
        return None
    return (f"contains the character {describe(found.group())} at position {found.start() + 1},"
            " which feeds, web pages and terminals cannot carry")


def check(value: str, where: str, source: Path | str | None = None,
          line: int | None = None) -> str:
    """``value`` unchanged, or a RoutineError naming ``source``, ``line`` and ``where`` (a key,
    an option such as ``--title``) when it holds a refused character."""
    found = problem(value)
    if found is not None:
        raise RoutineError(f"'{where}' {found}", source=source, line=line, hint=FIX)
    return value


def check_nodes(root: Node, source: Path | str) -> None:
    """Apply ``check`` to every scalar (keys and values) of a composed YAML document, naming the
    line and the key of the first one that breaks the rule. Iterative: depth is no problem."""
    stack: list[tuple[Node, str]] = [(root, "routine")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, ScalarNode) and isinstance(node.value, str):
            check(node.value, where, source, node.start_mark.line + 1)
        elif isinstance(node, SequenceNode):
            stack.extend((item, where) for item in reversed(node.value))  # in file order
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                name = key.value if isinstance(key, ScalarNode) and \
                    isinstance(key.value, str) and FORBIDDEN.search(key.value) is None else where
                stack += [(value, str(name)), (key, f"{where} key")]


def for_terminal(value: str) -> str:
    """``value`` safe to print on a terminal: every refused character (and CR) written as a
    visible escape (``\\x1b``, ``\\ud800``), so that nothing can move the cursor, retitle the
    window or fail to encode."""
    return escaped(value)


def escaped(value: str) -> str:
    """``value`` with every character the rule refuses written as a visible escape (``\\x1b``,
    ``\\ud800``): text the rule accepts, made from a name that is not checked (a file name)."""
    return FORBIDDEN.sub(lambda m: (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                    else f"\\u{ord(m.group()):04x}"), value)
