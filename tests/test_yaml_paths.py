"""The two YAML composers of the loader (voiceguide/format/read.py): libyaml's C one for speed,
PyYAML's Python one for every file libyaml does not take cleanly. A file the C one takes must
come out exactly as the Python one composes it (tags, values, lines), and the files the rules
refuse must reach the Python one, whose errors are the ones users get."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from voiceguide.format import read
from voiceguide.format.load import list_templates

CATALOGUE = Path(__file__).resolve().parent / "bad_inputs"
NEEDS_LIBYAML = pytest.mark.skipif(read._FAST is None, reason="PyYAML built without libyaml")


def shape(node: Node) -> object:
    """Everything of a node tree that the reader looks at: kind, tag, value, style and line."""
    if isinstance(node, ScalarNode):
        return ("scalar", node.tag, node.value, node.style or None, node.start_mark.line)
    if isinstance(node, SequenceNode):
        return ("seq", node.tag, node.start_mark.line, [shape(item) for item in node.value])
    assert isinstance(node, MappingNode)
    return ("map", node.tag, node.start_mark.line,
            [(shape(key), shape(value)) for key, value in node.value])


def python_shape(text: str) -> object:
    loader = read._SafeComposer(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    return None if node is None else shape(node)


def same_or_left_to_python(text: str) -> bool:
    """True when the C composer took the text (and then composed it as Python does)."""
    fast = read._compose_fast(text)
    if fast is None:
        return False
    assert shape(fast) == python_shape(text)
    return True


@NEEDS_LIBYAML
def test_templates_and_valid_files_take_the_fast_path_and_compose_the_same() -> None:
    paths = [*list_templates(), CATALOGUE / "valid.yaml"]
    assert len(paths) >= 5
    for path in paths:
        assert same_or_left_to_python(path.read_text(encoding="utf-8")), path


@NEEDS_LIBYAML
def test_the_catalogue_composes_the_same_or_goes_to_python() -> None:
    taken = 0
    for path in sorted(CATALOGUE.glob("[0-9]*.yaml")):
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        taken += same_or_left_to_python(text)
    assert taken > 40  # the schema's cases compose; the YAML ones go to Python


@NEEDS_LIBYAML
@pytest.mark.parametrize("name", ["01-yaml-unclosed-bracket", "02-yaml-tab-indent",
                                  "05-yaml-unclosed-quote", "06-yaml-two-documents",
                                  "07-yaml-control-character", "08-yaml-deep-nesting",
                                  "11-empty-file", "12-only-comments", "64-billion-laughs",
                                  "65-alias-reuse"])
def test_what_the_yaml_rules_refuse_goes_to_the_python_composer(name: str) -> None:
    text = (CATALOGUE / f"{name}.yaml").read_text(encoding="utf-8")
    assert read._compose_fast(text) is None


@NEEDS_LIBYAML
def test_nesting_deeper_than_the_fast_limit_goes_to_python() -> None:
    def nested(depth: int) -> str:  # a mapping in mappings: depth nodes deep
        return "{a: " * (depth - 1) + "x" + "}" * (depth - 1) + "\n"

    assert read._compose_fast(nested(read.FAST_DEPTH)) is not None
    assert read._compose_fast(nested(read.FAST_DEPTH + 1)) is None


PIECES = ["title", "exercises", "reps", "- ", "  ", "\n", ": ", "x", "12", "1.5", "-3", "null",
          "yes", "~", "'", '"', "[", "]", "{", "}", ",", "#", "&a ", "*a", "!!str ", "!x ", "? ",
          "|", ">", "<<", "2024-05-01", "\t", "\\e", "0x1F", "%", "---", "...", "\u2028", "é"]


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map(lambda pieces: "".join(pieces) + "\n"))
def test_yaml_like_text_composes_the_same_on_both_paths(text: str) -> None:
    """Text built from YAML's special pieces (and a final line break, without which libyaml
    is not used): whatever the C composer takes, the Python one
    composes the same; it must not take what the Python one refuses."""
    fast = read._compose_fast(text)
    if fast is None:
        return
    try:
        expected = python_shape(text)
    except (yaml.YAMLError, read._AliasError) as exc:
        pytest.fail(f"libyaml took {text!r}, which PyYAML refuses: {exc}")
    assert shape(fast) == expected
