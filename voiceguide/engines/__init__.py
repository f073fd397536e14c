"""Speech engines behind one small interface; another engine is one more module.

An engine has an ``id``, a ``version()`` (part of the cache key), ``voices()`` and
``synthesize(text, voice, rate)`` returning a pydub ``AudioSegment``. Built-in engines are listed in
``BUILTIN``; third-party packages add theirs under the ``voiceguide.engines`` entry-point group.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import EngineError

if TYPE_CHECKING:
    from pydub import AudioSegment

DEFAULT_ENGINE = "pyttsx3"
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


def engine_names() -> list[str]:
    """Built-in engines first, then those registered by installed packages."""
    names = list(BUILTIN)
    names += [ep.name for ep in entry_points(group="voiceguide.engines") if ep.name not in names]
    return names


def get_engine(name: str | None = None) -> Engine:
    """The engine called ``name`` (default: pyttsx3), ready to synthesize."""
    name = name or DEFAULT_ENGINE
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
