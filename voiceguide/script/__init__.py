"""Customize a routine and compile it, with the phrases' measured lengths, into a timeline."""

from __future__ import annotations

from .compile import compile_timeline, phrases_of
from .customize import Customization, customize
from .phrases import Phrases, load_phrases

__all__ = ["Customization", "Phrases", "compile_timeline", "customize", "load_phrases",
           "phrases_of"]
