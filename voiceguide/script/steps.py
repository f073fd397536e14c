"""The steps a routine expands into: what is said and in which slots, with no clock time yet.

``expand`` turns a routine into a flat list of these; ``schedule`` gives each its time from the
measured length of every phrase. Seconds are the routine's (after customization)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import SpanKind

GAP = 0.3  # silence after a rep announcement and after short phrases (seconds)


@dataclass(frozen=True)
class Chapter:
    """A chapter starts here: its title, and the exercise it belongs to (None: narration)."""

    title: str
    exercise: str | None = None


@dataclass(frozen=True)
class Part:
    """From here on, speech belongs to ``exercise`` (None: the session's narration)."""

    exercise: str | None


@dataclass(frozen=True)
class Say:
    """Speak ``text`` now. With a ``slot`` (seconds), the next step starts ``slot`` after this one
    (later, with a warning naming ``what``, when the speech is longer); without one, ``gap``
    seconds after the speech ends."""

    text: str
    slot: float | None = None
    what: str = ""
    gap: float = GAP


@dataclass(frozen=True)
class Window:
    """A stretch of ``seconds`` from now: each of ``marks`` said at its offset (or as soon as
    what comes before allows; a chapter mark starts a chapter there), quiet, and the
    ``countdown`` (one text per ``beat``) ending
    exactly ``seconds`` after the start. With ``overrun`` (a name such as "rest"), speech that
    pushes the countdown later is warned about: the first ``required`` marks (all when None);
    later ones (the next exercise's introduction) may make the window longer without one."""

    seconds: float
    marks: tuple[tuple[float, Say | Chapter], ...] = ()
    countdown: tuple[str, ...] = ()
    beat: float = 1.0
    overrun: str | None = None
    required: int | None = None


@dataclass(frozen=True)
class Open:
    """From here until the matching ``Close`` the listener is in a span of ``kind`` (a rep, a
    hold, a rest…; see ``model.Span``): what a player's "now" panel shows. Spans nest."""

    kind: SpanKind
    set: int = 1
    sets: int = 1
    rep: int | None = None
    reps: int | None = None
    side: str | None = None
    next: str | None = None


@dataclass(frozen=True)
class Close:
    """The innermost open span ends here."""


Step = Chapter | Part | Say | Window | Open | Close
