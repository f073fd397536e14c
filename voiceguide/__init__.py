"""voiceguide: turn an exercise routine file into one hands-free, voice-guided audio file.

The stages, one subpackage each, in the order data flows through them::

    format (load_routine) → script (customize, compile_timeline) → engines + audio (synthesize,
    mix, master, encode) → share (bundle, player, site)

``pipeline`` runs them (``prepare``, ``preview``, ``render``); ``cli`` is a thin layer over it.
Everything a user needs is importable from here: ``from voiceguide import render, Options``.
"""

# ruff: noqa: E402  (the warning filter must come before the imports)
from __future__ import annotations

import warnings

# pydub warns on import when ffmpeg is missing; voiceguide reports that itself, with the fix.
warnings.filterwarnings("ignore", "Couldn't find ffmpeg or avconv", RuntimeWarning)

from .engines import Engine, Voice, get_engine
from .errors import EngineError, ExportError, InputError, RoutineError, VoiceguideError
from .format.load import list_templates, parse_routine
from .model import Chapter, Cue, Exercise, Hold, Range, Routine, Segment, Timeline
from .pipeline import (
    Options,
    Plan,
    Result,
    load_routine,
    prepare,
    preview,
    render,
    render_plan,
    resolve,
)
from .script.compile import compile_timeline, phrases_of
from .script.customize import Customization, customize
from .script.phrases import Phrases, load_phrases

__version__ = "0.1.0"

__all__ = [
    "Chapter", "Cue", "Customization", "Engine", "EngineError", "Exercise", "ExportError",
    "Hold", "InputError", "Options", "Phrases", "Plan", "Range", "Result", "Routine",
    "RoutineError", "Segment", "Timeline", "Voice", "VoiceguideError", "compile_timeline",
    "customize", "get_engine", "list_templates", "load_phrases", "load_routine", "parse_routine",
    "phrases_of", "prepare", "preview", "render", "render_plan", "resolve",
]
