"""What a render can ask of the sound besides the voice (light: no numpy, for the CLI's options)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

CueMode = Literal["voice", "tones", "both"]
CUE_MODES: tuple[CueMode, ...] = ("voice", "tones", "both")
DUCK_DB = 12.0  # how far the music drops under speech, in dB
# seconds of silence before the first word (players and car systems swallow the first fraction
# of a second; podcast producers leave about 0.5 s) and at least after the last sound
LEAD_IN = 0.5
TAIL = 0.5


@dataclass(frozen=True)
class SoundOptions:
    """How the session sounds besides the voice: counting by voice, tones or both; chimes and the
    end bell; a music bed ducked by ``duck`` dB; the loudness target (LUFS, default -16 stereo /
    -19 mono); the channel count (default mono, stereo with music); seconds of silence before
    the first word (``lead_in``) and at least after the last sound (``tail``)."""

    cues: CueMode = "voice"
    chimes: bool = True
    music: Path | None = None
    duck: float = DUCK_DB
    loudness: float | None = None
    channels: int | None = None
    lead_in: float = LEAD_IN
    tail: float = TAIL
