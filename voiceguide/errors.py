"""One error hierarchy: every failure voiceguide reports to a user is a VoiceguideError."""

from __future__ import annotations

from pathlib import Path


class VoiceguideError(Exception):
    """Base of every error voiceguide raises on purpose. The CLI exits 1 for these."""

    exit_code = 1


class InputError(VoiceguideError):
    """Bad input from the user: a routine file, an option, a value. The CLI exits 2."""

    exit_code = 2


class RoutineError(InputError):
    """A routine file is wrong: says which file, which line, what is wrong and how to fix it."""

    def __init__(
        self,
        problem: str,
        *,
        source: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.source is not None:
            where = str(self.source)
            if self.line is not None:
                where += f", line {self.line}"
            where += ": "
        text = f"{where}{self.problem}"
        if self.hint:
            text += f"\n  Fix: {self.hint}"
        return text


class EngineError(VoiceguideError):
    """The speech engine is missing, broken, or produced no audio."""


class ExportError(VoiceguideError):
    """The audio file could not be written (ffmpeg missing or failing, disk full, no permission)."""
