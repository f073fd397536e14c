"""The README stays true: its CLI reference, its commands and its examples are checked here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import voiceguide
from voiceguide import Customization, Options
from voiceguide.cli import cli

from audio_checks import chapters, seconds
from readme_examples import Example, Shell, examples, mismatch

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(heading: str, language: str) -> list[str]:
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


def test_cli_reference_is_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_ci_runs_the_readme_test_command() -> None:
    commands = code_blocks("Quick start (fresh Debian or Ubuntu machine)", "sh")
    assert commands[0].strip() == "bash scripts/setup.sh && .venv/bin/voiceguide render " \
                                  "back-strengthening"
    assert commands[1].strip() == "bash scripts/test.sh"
    assert commands[2].strip() == '.venv/bin/python -m pytest -m "not slow"'
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nbash scripts/test.sh\n" in ci


def test_every_command_is_documented() -> None:
    for name in cli.commands:  # type: ignore[attr-defined]
        assert f"### `voiceguide {name}`" in README


SKIPPED = {  # examples whose output is not a promise to compare, and why
    "python scripts/": "the figures of one measuring run (scripts/*.py)",
    "voiceguide customize back-strengthening -o mine.yaml": "interactive: typed answers, "
                                                            "elided prompts",
    "voiceguide studio ": "a server: a random port and access token",
    "voiceguide bundle back-strengthening --levels": "progress lines shown on a terminal only, "
                                                     "and Piper's figures (the default voice)",
    "voiceguide render back-strengthening\n": "the default voice, Piper (the suite pins "
                                               "espeak-ng, whose figures the README shows)",
}
EXAMPLES = [e for e in examples()
            if not any((e.commands[0].line + "\n").startswith(start) for start in SKIPPED)]


def test_the_examples_left_out_are_still_in_the_readme() -> None:
    firsts = [e.commands[0].line + "\n" for e in examples()]
    assert all(any(f.startswith(start) for f in firsts) for start in SKIPPED)
    assert len(EXAMPLES) >= 12


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    """The working folder, with the files the README's examples use without showing them: a
    routine with an unclosed quote on line 7, one with a misspelled key on line 5 and a wrong
    value on line 9, and a bundle with an entry that leaves its folder."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / "typos.yaml").write_text(
        "title: Typos\nexercises:\n  - id: lift\n    name: Lift\n    repz: 3\n    rep:\n"
        "      - say: Up.\n        seconds: 2\n    sides: both\n", encoding="utf-8")
    (folder / "routine.yaml").write_text(
        "title: Morning mobility\nexercises:\n  - id: bridge\n    name: Glute bridge\n"
        "    reps: 10\n    rep:\n      - say: \"Lift your hips.\n        seconds: 3\n",
        encoding="utf-8")
    with zipfile.ZipFile(folder / "evil.zip", "w") as archive:
        archive.writestr("../../.bashrc", "echo hi\n")
    return Shell(folder)


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_readme_example_prints_what_the_readme_shows(example: Example, shell: Shell) -> None:
    """Each command of the example, run in README order; what it prints against what the
    README shows (see tests/readme_examples.py for the tolerances)."""
    for command in example.commands:
        if command.line.startswith("cat ") and not (shell.folder / command.line[4:]).exists():
            # the README shows the file's content: that is the file the next command reads
            (shell.folder / command.line[4:]).write_text(
                "\n".join(command.expected) + "\n", encoding="utf-8")
        output = shell.run(command.line)
        expected = [shell.local(line) for line in command.expected]
        if not command.line.startswith("echo "):
            error = any(line.startswith("Error:") for line in expected)
            assert (shell.status != 0) == error, (command.line, shell.status, output)
        if expected:
            problem = mismatch(expected, output)
            assert problem is None, f"$ {command.line}\n{problem}\n" + "\n".join(output)


@pytest.mark.slow
def test_python_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The README's Python example, run as shown; its choices took effect in the file: the
    level (easy: the low end, 12 of 12-15), the reps (8 of back-stretch), the rate (180 words
    a minute: every phrase longer than at the default 200)."""
    (example,) = code_blocks("Python API", "python")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    output = tmp_path / "output"
    assert sorted(os.listdir(output)) == ["short.cues.json", "short.mp3", "short.vtt"]
    assert printed[1].startswith("output/short.mp3 ")
    duration = float(printed[1].split()[-1])
    assert seconds(output / "short.mp3") == pytest.approx(duration, abs=0.05)
    titles = [c.title for c in chapters(output / "short.mp3")]
    assert "2. Oblique crunch, lying on your back — 12 each side" in titles
    assert "3. Back stretch with a straight leg — 8 each side" in titles
    sheet = json.loads((output / "short.cues.json").read_text(encoding="utf-8"))
    at_180 = {s["text"]: s["end"] - s["start"] for s in sheet["segments"] if s["kind"] == "speech"}
    plain = voiceguide.preview("back-strengthening", Options(
        choices=Customization(level="easy", reps={"back-stretch": 8})))
    at_200 = {s.text: s.duration for s in plain.speech}
    longer = [at_180[t] > at_200[t] for t in at_200 if len(t) > 20]
    assert len(longer) > 20 and all(longer)
