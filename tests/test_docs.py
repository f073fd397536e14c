"""The README stays true: its CLI reference, its commands and its examples are checked here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from voiceguide.cli import cli

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
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nbash scripts/test.sh\n" in ci


def test_every_command_is_documented() -> None:
    for name in cli.commands:  # type: ignore[attr-defined]
        assert f"### `voiceguide {name}`" in README


def clock(text: str) -> float:
    """Seconds from ``1:02`` or ``1:02:03``."""
    return float(sum(int(part) * 60 ** i for i, part in enumerate(reversed(text.split(":")))))


def parts(line: str) -> tuple[list[float], str]:
    """The leading clock columns of a preview line (as seconds) and the rest of it."""
    times: list[float] = []
    words = line.split()
    while words and re.fullmatch(r"\d+:\d\d(:\d\d)?", words[0]):
        times.append(clock(words.pop(0)))
    return times, " ".join(words)


def test_preview_example_is_real_output() -> None:
    """Each line of the README's example is in the real output with the same text, and its times
    within a second: espeak-ng's noise makes phrase lengths vary by a few milliseconds from one
    process to another, which can move a time across a whole second."""
    example = README.split("## What you hear\n", 1)[1].split("```", 2)[1]
    shown = [line for line in example.splitlines()[2:] if line.strip() and line.strip() != "..."]
    output = CliRunner().invoke(cli, ["preview", "back-strengthening"]).stdout.splitlines()
    real = [parts(line) for line in output]
    for line in shown:
        times, text = parts(line)
        if line.startswith("Total: "):
            (total,) = [o for o in output if o.startswith("Total: ")]
            seconds = [float(t.split("(")[1].split(" s)")[0]) for t in (line, total)]
            assert abs(seconds[0] - seconds[1]) <= 1, (line, total)
            continue
        if not times:
            assert line in output
            continue
        matches = [t for t, rest in real if rest == text and len(t) == len(times)]
        assert matches, line
        assert any(all(abs(a - b) <= 1 for a, b in zip(t, times)) for t in matches), line


def test_python_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = code_blocks("Python API", "python")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    assert (tmp_path / "output" / "short.mp3").stat().st_size > 100_000
    assert sorted(os.listdir(tmp_path / "output")) == ["short.cues.json", "short.mp3", "short.vtt"]
