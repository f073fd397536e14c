"""Synthesis: every distinct phrase spoken once, trimmed of the engine's own silence, cached."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pydub import AudioSegment
from pydub.silence import detect_leading_silence

from .cache import PhraseCache, cache_key
from .engines import Engine
from .errors import EngineError

SAMPLE_RATE = 22050
SAMPLE_WIDTH = 2
CHANNELS = 1
TRIM_THRESHOLD_DBFS = -50.0

Progress = Callable[[int], None]


def normalize(clip: AudioSegment) -> AudioSegment:
    """The clip as 22050 Hz mono 16-bit, the track's format."""
    if clip.frame_rate != SAMPLE_RATE:
        clip = clip.set_frame_rate(SAMPLE_RATE)
    if clip.channels != CHANNELS:
        clip = clip.set_channels(CHANNELS)
    if clip.sample_width != SAMPLE_WIDTH:
        clip = clip.set_sample_width(SAMPLE_WIDTH)
    return clip


def trim(clip: AudioSegment) -> AudioSegment:
    """Cut the engine's leading and trailing silence, so speech starts on its scheduled time."""
    lead = detect_leading_silence(clip, silence_threshold=TRIM_THRESHOLD_DBFS, chunk_size=1)
    tail = detect_leading_silence(clip.reverse(), silence_threshold=TRIM_THRESHOLD_DBFS,
                                  chunk_size=1)
    if lead >= len(clip):
        return clip[:0]
    return clip[lead: len(clip) - tail]


def synthesize(
    texts: Iterable[str],
    engine: Engine,
    *,
    voice: str | None = None,
    rate: int | None = None,
    language: str = "en",
    cache: PhraseCache | None = None,
    progress: Progress | None = None,
) -> dict[str, AudioSegment]:
    """A trimmed clip for each distinct text; cached clips are reused, new ones stored."""
    clips: dict[str, AudioSegment] = {}
    version = engine.version() if cache is not None else ""
    for text in dict.fromkeys(texts):
        key = cache_key(engine.id, version, voice, rate, language, text)
        clip = cache.get(key) if cache is not None else None
        if clip is None:
            clip = trim(normalize(engine.synthesize(text, voice, rate)))
            if len(clip) == 0:
                raise EngineError(f"the speech engine ({engine.id}) produced only silence for "
                                  f"{text!r}.\n  Fix: reword that text, or try another voice "
                                  "(see 'voiceguide voices')")
            if cache is not None:
                cache.put(key, clip)
        clips[text] = clip
        if progress is not None:
            progress(1)
    return clips
