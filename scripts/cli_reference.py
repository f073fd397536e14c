"""Regenerate the README's CLI reference from the commands' own --help.

    python scripts/cli_reference.py          # rewrite README.md in place
    python scripts/cli_reference.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from voiceguide.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN = "<!-- cli-reference:begin -->"
END = "<!-- cli-reference:end -->"


def reference() -> str:
    runner = CliRunner()
    parts = []
    commands = [[], *([name] for name in sorted(cli.commands))]  # type: ignore[attr-defined]
    for command in commands:
        result = runner.invoke(cli, [*command, "--help"], prog_name="voiceguide",
                               terminal_width=100)
        title = " ".join(["voiceguide", *command])
        parts.append(f"### `{title}`\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def updated(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{reference()}{END}{tail}"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in sys.argv:
        if new != text:
            print("README.md's CLI reference is out of date: run python scripts/cli_reference.py")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
