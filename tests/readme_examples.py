"""Run the README's terminal examples (the ``$ command`` blocks) and compare what they print.

A small interpreter for the few shell forms the README uses: ``voiceguide …`` (run as a child
process, stdout and stderr together as a terminal shows them), ``VAR=value command``,
``export VAR=value``, ``| tail -1``, ``> /dev/null``, ``2> /dev/null``, ``echo $?``, ``ls``
(one line, as a terminal shows a few names), ``head -n N``, ``cat`` and ``cp``. Every block
runs in one working folder, in README order (later examples use what earlier ones made), with
a fresh phrase cache where the example sets one and paths under /tmp moved into the working
folder.

An example's lines are compared in order: ``...`` stands for any number of lines; clock times
(m:ss) may differ by a second and decimal figures by 1.0 (espeak-ng's noise varies phrase lengths
by milliseconds between processes; README, "Speed"); all other text, whole numbers included, must
be the same. A command shown without output is run but its output is not compared.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
VOICEGUIDE = [sys.executable, "-c", "from voiceguide.cli import main; main()"]
NUMBER = re.compile(r"\d+:\d\d:\d\d\.\d+|\d+:\d\d(?::\d\d)?|\d+\.\d+|\d+")


@dataclass
class Command:
    line: str
    expected: list[str]


@dataclass
class Example:
    """One ``$`` block of the README: where it is and its commands with their shown output."""

    line: int
    commands: list[Command] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"README line {self.line}: {self.commands[0].line[:50]}"


def examples() -> list[Example]:
    found = []
    fenced, block = False, None
    for number, text in enumerate(README.splitlines(), start=1):
        if text.startswith("```"):
            fenced = not fenced
            if fenced and text == "```":
                block = Example(number + 1)
            elif not fenced and block is not None:
                if block.commands:
                    found.append(block)
                block = None
            continue
        if block is None:
            continue
        if text.startswith("$ "):
            block.commands.append(Command(text[2:], []))
        elif block.commands:
            block.commands[-1].expected.append(text)
    return found


def shown_files() -> dict[str, str]:
    """Files the README shows in full before an example uses them: a ```yaml block right after
    a line that names the file (``This file, `hips.yaml`:``)."""
    found = re.findall(r"`([\w.-]+\.yaml)`:\n\n```yaml\n(.*?)```", README, flags=re.S)
    return dict(found)


def same_line(expected: str, actual: str) -> bool:
    """Equal text; numbers equal, clock times within a second, decimals within 1.0."""
    if NUMBER.sub("#", expected) != NUMBER.sub("#", actual):
        return False
    for want, got in zip(NUMBER.findall(expected), NUMBER.findall(actual), strict=True):
        if ":" in want:
            tolerance = 0.01 if "." in want else 1.0
            if abs(clock(want) - clock(got)) > tolerance + 1e-9:
                return False
        elif "." in want:
            if abs(float(want) - float(got)) > 1.0:
                return False
        elif want != got:
            return False
    return True


def clock(text: str) -> float:
    return sum(float(part) * 60 ** i for i, part in enumerate(reversed(text.split(":"))))


def mismatch(expected: list[str], actual: list[str]) -> str | None:
    """None if ``actual`` shows what ``expected`` does (``...`` for any lines), else why not."""
    position, skipping = 0, False
    for want in expected:
        if want.strip() == "...":
            skipping = True
            continue
        while skipping and position < len(actual) and not same_line(want, actual[position]):
            position += 1
        if position >= len(actual) or not same_line(want, actual[position]):
            shown = actual[position] if position < len(actual) else "(end of output)"
            return f"expected {want!r}, got {shown!r}"
        position, skipping = position + 1, False
    if not skipping and position < len(actual):
        return f"unexpected line {actual[position]!r}"
    return None


class Shell:
    """The working folder and environment the examples share."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {**os.environ, "HOME": str(folder),
                    "VOICEGUIDE_CONFIG": str(folder / "no-config.toml"), "COLUMNS": "100"}
        self.env.pop("VOICEGUIDE_DEBUG", None)
        self.status = 0
        (folder / "templates").symlink_to(ROOT / "templates")
        for name, text in shown_files().items():
            (folder / name).write_text(text, encoding="utf-8")

    def local(self, text: str) -> str:
        """Paths under /tmp moved into the working folder."""
        return text.replace("/tmp/", f"{self.folder}/tmp/")

    def run(self, line: str) -> list[str]:
        """Run one command line; its output lines."""
        words = shlex.split(self.local(line))
        tail = None
        if words[-2:] == ["tail", "-1"] and words[-3] == "|":
            words, tail = words[:-3], 1
        quiet = errors = False
        if words[-2:] == ["2>", "/dev/null"]:
            words, errors = words[:-2], True
        if words[-2:] == [">", "/dev/null"]:
            words, quiet = words[:-2], True
        env = dict(self.env)
        while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        output = self.execute(words, env, errors)
        if quiet:
            return []
        return output[-tail:] if tail else output

    def execute(self, words: list[str], env: dict[str, str], quiet_errors: bool = False
                ) -> list[str]:
        name, args = words[0], words[1:]
        here = self.folder
        if name == "voiceguide":
            if args[:1] == ["serve"]:
                return self.serve(args, env)
            run = subprocess.run([*VOICEGUIDE, *args], cwd=here, env=env, text=True,
                                 stdout=subprocess.PIPE, timeout=600,
                                 stderr=subprocess.DEVNULL if quiet_errors else subprocess.STDOUT)
            assert "Traceback" not in run.stdout, run.stdout
            self.status = run.returncode
            return run.stdout.splitlines()
        if name == "echo" and args == ["$?"]:
            return [str(self.status)]
        self.status = 0
        if name == "export":
            key, _, value = args[0].partition("=")
            self.env[key] = value
            return []
        if name == "ls":
            return ["  ".join(sorted(p.name for p in (here / args[0]).iterdir()))]
        if name == "head":
            return (here / args[2]).read_text(encoding="utf-8").splitlines()[: int(args[1])]
        if name == "cat":
            return (here / args[0]).read_text(encoding="utf-8").splitlines()
        if name == "cp":
            shutil.copyfile(here / args[0], here / args[1])
            return []
        raise AssertionError(f"the README example runner does not know {name!r}")

    def serve(self, args: list[str], env: dict[str, str]) -> list[str]:
        """Start the server, read what it prints first, stop it (Ctrl-C)."""
        import signal

        process = subprocess.Popen([*VOICEGUIDE, *args], cwd=self.folder, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=30)
        return [first.rstrip("\n")]
