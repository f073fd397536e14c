"""The format's one declaration drives the loader, the JSON Schema and the README reference:
the shipped schema and the README are current, the loader and the JSON Schema agree on the
bundled templates and on bad files, and every problem of a file is reported at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from voiceguide import RoutineError, load_routine, parse_routine
from voiceguide.cli import cli
from voiceguide.format.load import list_templates
from voiceguide.format.schema import MAPPINGS, json_schema

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "tests" / "bad_inputs"


def test_readme_reference_and_shipped_schema_are_current() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "format_reference.py"),
                          "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout


def test_schema_command_prints_the_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == json_schema()
    jsonschema.Draft202012Validator.check_schema(printed)


def test_every_key_is_described_and_typed() -> None:
    for mapping in MAPPINGS.values():
        for key in mapping.keys:
            assert key.description.strip(), (mapping.name, key.name)
            properties = json_schema()["$defs"] if mapping.name != "routine" else None
            node = json_schema() if properties is None else properties[mapping.name]
            declared = node["properties"][key.name]  # type: ignore[index]
            assert "description" in declared and declared != {"description": key.description}


@pytest.mark.parametrize("template", list_templates(), ids=lambda p: p.stem)
def test_templates_carry_the_schema_line_and_pass_it(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=routine.schema.json\n")
    assert (template.parent / "routine.schema.json").is_file()
    jsonschema.validate(yaml.safe_load(text), json_schema())
    parse_routine(text, template)


VALID = """\
title: T
exercises:
  - id: lift
    name: Lift
    reps: 3
    rep:
      - say: Lift.
        seconds: 2
"""


@pytest.mark.parametrize("text", [
    VALID.replace("reps: 3", "reps: 0"),
    VALID.replace("reps: 3", "reps: 1001"),
    VALID.replace("seconds: 2", "seconds: -1"),
    VALID.replace("id: lift", "id: Lift Up"),
    VALID + "    sides: both\n",
    VALID + "    colour: red\n",
    VALID + "    duration: 30\n",
    VALID.replace("    reps: 3\n", ""),
    VALID.replace("title: T\n", ""),
    VALID + "defaults:\n  get_ready: 11\n",
    VALID + "language: English please\n",
])
def test_the_json_schema_refuses_what_the_loader_refuses(text: str) -> None:
    with pytest.raises(RoutineError):
        parse_routine(text)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), json_schema())


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    text = """\
title: T
exercises:
  - id: lift
    name: Lift
    repz: 3
    rep:
      - say: Lift.
        seconds: 0
    sides: both
  - id: lift
    name: Again
    duration: 30
    sets: 2.5
defaults:
  rest: soon
"""
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "many.yaml")
    error = caught.value
    found = [(e.line, e.problem) for e in (error, *error.others)]
    assert [line for line, _ in found] == [5, 8, 9, 10, 13, 15], found
    message = str(error)
    assert message.count("many.yaml, line ") == 6
    assert message.count("\n  Fix: ") == 6
    assert error.hint == "did you mean 'reps'?"  # the missing required key, not 'rep'
    assert "neither 'reps' nor" not in message  # the typo is the one message about it
    assert "used twice" in message and "must be a whole number, not 2.5" in message


def test_typo_prefers_the_missing_key() -> None:
    with pytest.raises(RoutineError) as caught:
        parse_routine(VALID.replace("name: Lift", "nmae: Lift"), "r.yaml")
    assert caught.value.hint == "did you mean 'name'?" and not caught.value.others


def test_every_problem_in_the_catalogue_names_its_line_and_fix() -> None:
    cases = yaml.safe_load((CATALOGUE / "cases.yaml").read_text(encoding="utf-8"))["cases"]
    checked = 0
    for case in cases:
        if "file" not in case or "args" in case or case.get("line") is None:
            continue
        with pytest.raises(RoutineError) as caught:
            load_routine(CATALOGUE / case["file"])
        for error in (caught.value, *caught.value.others):
            assert error.line is not None and error.hint, (case["file"], str(error))
        checked += 1
    assert checked >= 30
