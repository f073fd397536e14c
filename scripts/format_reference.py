"""Regenerate what the routine format's declaration (voiceguide/format/schema.py) drives: the
README's format reference and the JSON Schema shipped as templates/routine.schema.json.

    python scripts/format_reference.py          # rewrite both in place
    python scripts/format_reference.py --check  # exit 1 if either is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from voiceguide.format.schema import json_schema_text, markdown_reference

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SCHEMA = ROOT / "templates" / "routine.schema.json"
BEGIN = "<!-- format-reference:begin -->"
END = "<!-- format-reference:end -->"


def updated(text: str) -> str:
    head, found, rest = text.partition(BEGIN)
    if not found:
        raise SystemExit(f"README.md has no {BEGIN} line")
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{markdown_reference()}{END}{tail}"


def main() -> int:
    readme = README.read_text(encoding="utf-8")
    new_readme = updated(readme)
    schema = SCHEMA.read_text(encoding="utf-8") if SCHEMA.is_file() else ""
    if "--check" in sys.argv:
        stale = [str(p.relative_to(ROOT)) for p, old, new in (
            (README, readme, new_readme), (SCHEMA, schema, json_schema_text())) if old != new]
        if stale:
            print(f"out of date: {', '.join(stale)}: run python scripts/format_reference.py")
            return 1
        return 0
    README.write_text(new_readme, encoding="utf-8")
    SCHEMA.write_text(json_schema_text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
