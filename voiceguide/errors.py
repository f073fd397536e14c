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
        others: tuple[RoutineError, ...] = (),
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.hint = hint
        self.others = others
        super().__init__("\n".join(e._format() for e in (self, *others)))

    @classmethod
    def every(cls, errors: list[RoutineError]) -> RoutineError:
        """One error reporting every problem in ``errors`` (in line order): the first one's
        fields, the others in ``others`` and in the message, one per line with its fix."""
        ordered = sorted(errors, key=lambda e: e.line or 0)
        first = ordered[0]
        return cls(first.problem, source=first.source, line=first.line, hint=first.hint,
                   others=tuple(ordered[1:]))

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
