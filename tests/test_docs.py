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


def test_preview_example_is_real_output() -> None:
    example = README.split("## What you hear\n", 1)[1].split("```", 2)[1]
    shown = [line for line in example.splitlines()[2:] if line.strip() and line.strip() != "..."]
    output = CliRunner().invoke(cli, ["preview", "back-strengthening"]).stdout.splitlines()
    for line in shown:
        assert line in output


def test_python_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = code_blocks("Python API", "python")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    assert (tmp_path / "output" / "short.mp3").stat().st_size > 100_000
    assert sorted(os.listdir(tmp_path / "output")) == ["short.cues.json", "short.mp3", "short.vtt"]
