"""Speech engines behind one small interface; another engine is one more module.

An engine has an ``id``, a ``version()`` (part of the cache key), ``voices()`` and
``synthesize(text, voice, rate)`` returning a pydub ``AudioSegment``. Built-in engines are listed in
``BUILTIN``; third-party packages add theirs under the ``voiceguide.engines`` entry-point group.
``auto`` (the default) is resolved here, in ``choose_engine``: the clearest installed engine for
the routine's language.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import EngineError

if TYPE_CHECKING:
    from pydub import AudioSegment

AUTO = "auto"
DEFAULT_ENGINE = AUTO
ENGINE_ENV = "VOICEGUIDE_ENGINE"  # names the engine used when none is asked for (default: auto)
BUILTIN = {
    "pyttsx3": "voiceguide.engines.pyttsx3_engine:Pyttsx3Engine",
    "piper": "voiceguide.engines.piper_engine:PiperEngine",  # needs voiceguide[neural]
}


@dataclass(frozen=True)
class Voice:
    """A voice an engine offers."""

    id: str
    name: str
    languages: tuple[str, ...] = ()


@runtime_checkable
class Engine(Protocol):
    """What voiceguide needs from a speech engine."""

    id: str

    def version(self) -> str:
        """Anything that changes the sound when it changes (engine and library versions)."""
        ...

    def voices(self) -> list[Voice]:
        """The voices available on this machine."""
        ...

    def synthesize(self, text: str, voice: str | None, rate: int | None) -> AudioSegment:
        """Speak ``text`` into an AudioSegment; raise EngineError when that is impossible."""
        ...


# The built-in engines from the clearest to the least clear, as measured by
# scripts/intelligibility.py (word error rate of the bundled templates' phrases heard by Whisper
# base; README "Intelligibility"): Piper's en_US-joe-medium, then espeak-ng through pyttsx3, which
# speaks every shipped language and is always the last resort.
CLEAREST = ("piper", "pyttsx3")


def engine_names() -> list[str]:
    """Built-in engines first, then those registered by installed packages."""
    names = list(BUILTIN)
    names += [ep.name for ep in entry_points(group="voiceguide.engines") if ep.name not in names]
    return names


def language_voice(engine: Engine, language: str) -> str | None:
    """The id of the engine's first voice for ``language`` (``de`` matches ``de-DE``), or None."""
    wanted = language.lower().replace("_", "-")
    for voice in engine.voices():
        if any(lang.lower().replace("_", "-").startswith(wanted) for lang in voice.languages):
            return voice.id
    return None


def _offers(engine: Engine, language: str, voice: str | None) -> bool:
    """Whether ``engine`` can speak ``language`` (or has ``voice``, when one is asked for)."""
    if voice is not None:
        find = getattr(engine, "find_voice", None)
        if find is None:
            return any(voice in (v.id, v.name) for v in engine.voices())
        try:
            find(voice)
        except EngineError:
            return False
        return True
    # pyttsx3 speaks each language with the voice its phrase file names (espeak-ng has all four)
    return engine.id == "pyttsx3" or language_voice(engine, language) is not None


@dataclass(frozen=True)
class Choice:
    """The engine to speak with, the name ``get_engine`` knows it by, and whether ``auto``
    chose it."""

    name: str
    engine: Engine
    auto: bool


def choose_engine(name: str | None, language: str = "en", voice: str | None = None) -> Choice:
    """``name`` as asked, or for ``auto`` (None: ``$VOICEGUIDE_ENGINE``, else auto) the first
    installed engine of ``CLEAREST`` that speaks ``language`` (that has ``voice``, when one is
    asked for).

    Raises EngineError for an unknown or broken engine, or when auto finds none."""
    name = name or os.environ.get(ENGINE_ENV) or DEFAULT_ENGINE
    if name != AUTO:
        return Choice(name, get_engine(name), auto=False)
    problems = []
    for candidate in CLEAREST:
        try:
            engine = get_engine(candidate)
        except EngineError as exc:  # not installed: the next one
            problems.append(str(exc).split("\n")[0])
            continue
        if _offers(engine, language, voice):
            return Choice(candidate, engine, auto=True)
    raise EngineError(f"no installed speech engine speaks {language!r}"
                      + (f" with the voice {voice!r}" if voice else "")
                      + f" ({'; '.join(problems)}).\n  Fix: install espeak-ng "
                      "(Debian/Ubuntu: sudo apt-get install espeak-ng), or choose --engine")


def get_engine(name: str | None = None) -> Engine:
    """The engine called ``name`` (None or ``auto``: the clearest for English), ready to
    synthesize."""
    if not name or name == AUTO:
        return choose_engine(name).engine
    target = BUILTIN.get(name)
    if target is None:
        found = [ep for ep in entry_points(group="voiceguide.engines") if ep.name == name]
        if not found:
            raise EngineError(f"unknown speech engine {name!r}; available: "
                              f"{', '.join(engine_names())}")
        factory = found[0].load()
    else:
        module_name, _, attr = target.partition(":")
        factory = getattr(importlib.import_module(module_name), attr)
    engine = factory()
    if not isinstance(engine, Engine):
        raise EngineError(f"the engine {name!r} does not implement voiceguide's Engine interface")
    return engine
