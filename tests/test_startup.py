"""Start-up: the commands that make no sound import no numpy, pydub or speech engine (checked in
the modules a fresh interpreter has loaded; how long start-up takes is measured by
``scripts/bench.py``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

MARK = "--- modules ---"
CODE = f"""
import sys
from voiceguide.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="voiceguide")
except SystemExit as stop:
    assert not stop.code, stop.code
print({MARK!r})
print("\\n".join(sorted(sys.modules)))
"""
HEAVY = ("numpy", "pydub", "pyttsx3", "piper", "voiceguide.engines.pyttsx3_engine",
         "voiceguide.engines.piper_engine", "voiceguide.audio.master")


@pytest.mark.parametrize("args", [["--help"], ["validate", "back-strengthening"],
                                  ["render", "--help"], ["preview", "--help"]])
def test_light_commands_import_no_numpy_pydub_or_engine(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", CODE, *args], capture_output=True, text=True,
                          check=True, timeout=120)
    modules = done.stdout.split(MARK)[1].split()
    assert "voiceguide.cli" in modules  # the check sees the modules it should
    loaded = [m for m in modules if m in HEAVY or m.split(".")[0] in HEAVY]
    assert loaded == [], loaded


def test_a_render_does_import_them() -> None:
    """The check above can fail: the same probe after a command that makes sound lists them."""
    code = CODE.replace('cli.main(args=sys.argv[1:], prog_name="voiceguide")',
                        "import voiceguide.audio.master")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    modules = done.stdout.split(MARK)[1].split()
    assert "numpy" in modules and "pydub" in modules
