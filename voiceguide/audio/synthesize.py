"""Synthesis: every distinct phrase spoken once, trimmed of the engine's own silence, cached.

Phrases missing from the cache are spoken in this process; when there are many of them
(``PARALLEL_THRESHOLD``) and the engine can be recreated by name, worker processes (spawned, each
with its own engine: pyttsx3/espeak-ng cannot be used from several threads) speak part of them at
the same time. A clip is the same whichever process speaks it (espeak-ng itself varies every
utterance a little: a few ms of length, its noise).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import numpy as np
from pydub import AudioSegment
from pydub.utils import audioop, ratio_to_db

from ..engines import Engine, get_engine
from ..errors import EngineError
from .cache import PhraseCache, cache_key
from .encode import CHANNELS, SAMPLE_RATE

SAMPLE_WIDTH = 2
TRIM_THRESHOLD_DBFS = -50.0
FULL_SCALE = 2 ** (8 * SAMPLE_WIDTH - 1)
# seconds of raised-cosine fade at each end of a clip: a cut from digital silence straight into
# speech steps by up to -26 dBFS and clicks on headphones (audible above about -50 dBFS, field
# notes); a few ms remove the step and leave the onset where it was (the fade-in is inside the
# clip and its speech starts at the trim point, below -50 dBFS)
FADE_IN = 0.003
FADE_OUT = 0.005

# Uncached phrases from which worker processes pay for their start-up on a 2-core machine
# (scripts/bench.py --break-even: 30 phrases 0.34 s alone, 0.36 s with 2 workers; 40: 0.46/0.40;
# 110: 1.24/0.70).
PARALLEL_THRESHOLD = 40
STARTUP_PHRASES = 25  # a worker's start-up takes about as long as speaking this many phrases
MAX_WORKERS = 4  # one per core: on 2 cores a third worker costs more than it saves (measured)

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


def leading_silence_ms(data: bytes, threshold_dbfs: float = TRIM_THRESHOLD_DBFS) -> int:
    """Milliseconds of silence at the start of track-format PCM: the result of pydub's
    ``detect_leading_silence(clip, threshold_dbfs, chunk_size=1)``, without a segment per ms."""
    length = round(1000 * (len(data) // SAMPLE_WIDTH) / SAMPLE_RATE)  # pydub's len(clip)
    ms = 0
    while ms < length:
        start = int(ms * SAMPLE_RATE / 1000.0) * SAMPLE_WIDTH
        end = int(min(ms + 1, length) * SAMPLE_RATE / 1000.0) * SAMPLE_WIDTH
        chunk = data[start:end]
        chunk += bytes(end - start - len(chunk))  # pydub pads the last ms with silence
        rms = audioop.rms(chunk, SAMPLE_WIDTH)
        if rms and ratio_to_db(rms / FULL_SCALE) >= threshold_dbfs:
            break
        ms += 1
    return ms


def trim(clip: AudioSegment) -> AudioSegment:
    """Cut the engine's leading and trailing silence, so speech starts on its scheduled time."""
    clip = normalize(clip)
    lead = leading_silence_ms(clip.raw_data)
    tail = leading_silence_ms(audioop.reverse(clip.raw_data, SAMPLE_WIDTH))
    if lead >= len(clip):
        return clip[:0]
    return clip[lead: len(clip) - tail]


def fade_edges(clip: AudioSegment) -> AudioSegment:
    """The clip (track format) from its first to its last sample that is not zero (an engine may
    cut to digital silence inside the last millisecond that ``trim`` keeps), with a raised-cosine
    fade in over ``FADE_IN`` and out over ``FADE_OUT`` seconds, from and to exactly zero: no step
    from or to digital silence."""
    samples = np.frombuffer(clip.raw_data, dtype="<i2").astype(np.float64)
    sound = np.flatnonzero(samples)
    samples = samples[sound[0]: sound[-1] + 1] if sound.size else samples[:0]
    for seconds, edge in ((FADE_IN, slice(None)), (FADE_OUT, slice(None, None, -1))):
        size = min(samples.size, round(seconds * SAMPLE_RATE) + 1)
        ramp = (1 - np.cos(np.linspace(0.0, np.pi, size, endpoint=False))) / 2
        samples[edge][:size] *= ramp
    return _pcm(np.round(samples).astype("<i2").tobytes())


def speak(engine: Engine, text: str, voice: str | None, rate: int | None) -> AudioSegment:
    """One phrase, in the track's format, trimmed and faded at its edges; an error if it is
    silence only."""
    clip = fade_edges(trim(engine.synthesize(text, voice, rate)))
    if len(clip) == 0:
        raise EngineError(f"the speech engine ({engine.id}) produced only silence for "
                          f"{text!r}.\n  Fix: reword that text, or try another voice "
                          "(see 'voiceguide voices')")
    return clip


def _pcm(data: bytes) -> AudioSegment:
    return AudioSegment(data=data, sample_width=SAMPLE_WIDTH, frame_rate=SAMPLE_RATE,
                        channels=CHANNELS)


def _worker(engine_name: str, texts: Sequence[str], voice: str | None, rate: int | None,
            connection: Connection) -> None:
    """In a new worker process: speak ``texts`` in order with its own engine, sending each
    clip's PCM as it is done (or the error). Ctrl-C is left to the main process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        engine = get_engine(engine_name)
        for text in texts:
            connection.send(speak(engine, text, voice, rate).raw_data)
    except Exception as exc:  # handed to the main process, which raises it
        connection.send(exc)
    finally:
        connection.close()


def workers_for(count: int, jobs: int | None) -> int:
    """How many worker processes to start beside this one for ``count`` uncached phrases, when
    ``jobs`` processes in all may speak (None: as many as pay)."""
    if jobs is None:
        if count < PARALLEL_THRESHOLD or multiprocessing.parent_process() is not None:
            return 0
        workers = min(MAX_WORKERS, os.cpu_count() or 1)
    else:
        workers = jobs - 1
    return max(0, min(workers, count - 1))


def shares(count: int, workers: int) -> list[range]:
    """Which phrases each process speaks: this one the first share (larger: it needs no
    start-up), then each worker an equal part of the rest. Fixed by ``count`` and ``workers``
    alone, so each phrase is spoken by the same process every time (espeak-ng's noise depends on
    what a process said before, and still varies by a sample or a millisecond between runs)."""
    if workers == 0:
        return [range(count)]
    here = round((STARTUP_PHRASES + count / workers) / (1 + 1 / workers))
    here = max(1, min(count - workers, here))
    bounds = [0, *(here + (count - here) * k // workers for k in range(workers + 1))]
    return [range(bounds[i], bounds[i + 1]) for i in range(workers + 1)]


def _speak_all(texts: list[str], engine: Engine, engine_name: str | None, voice: str | None,
               rate: int | None, jobs: int | None, progress: Progress | None,
               ) -> dict[str, AudioSegment]:
    """Speak ``texts`` here, helped by worker processes when there are many."""
    workers = workers_for(len(texts), jobs) if engine_name else 0
    parts = shares(len(texts), workers)
    clips: dict[str, AudioSegment] = {}
    reported = 0

    def report(count: int) -> None:
        nonlocal reported
        if progress is not None and count > reported:
            progress(count - reported)
        reported = max(reported, count)

    if workers == 0 or engine_name is None:
        for index in parts[0]:
            clips[texts[index]] = speak(engine, texts[index], voice, rate)
            report(index + 1)
        return clips
    context = multiprocessing.get_context("spawn")
    started: list[tuple[BaseProcess, Connection, threading.Thread]] = []
    inboxes: list[list[object]] = [[] for _ in parts[1:]]
    remaining = list(parts[0])

    def receive(connection: Connection, inbox: list[object], count: int) -> None:
        """Collect a worker's clips as they come (its pipe would fill up otherwise)."""
        with contextlib.suppress(EOFError, OSError):
            while len(inbox) < count:
                inbox.append(connection.recv())

    def done() -> int:
        return len(parts[0]) - len(remaining) + sum(len(inbox) for inbox in inboxes)

    try:
        for part, inbox in zip(parts[1:], inboxes):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_worker, args=(engine_name, [texts[i] for i in part], voice, rate, sender),
                name="voiceguide-speaker", daemon=True)
            process.start()
            sender.close()
            reader = threading.Thread(target=receive, args=(receiver, inbox, len(part)),
                                      daemon=True)
            reader.start()
            started.append((process, receiver, reader))
        while remaining:
            index = remaining.pop(0)
            clips[texts[index]] = speak(engine, texts[index], voice, rate)
            report(done())
        for (_process, _receiver, reader), part, inbox in zip(started, parts[1:], inboxes):
            while reader.is_alive():
                reader.join(0.1)
                report(done())
            for index, message in zip(part, inbox):
                if isinstance(message, BaseException):
                    raise message
                assert isinstance(message, bytes)
                clips[texts[index]] = _pcm(message)
            for index in part[len(inbox):]:  # the worker died: speak the rest of its share here
                clips[texts[index]] = speak(engine, texts[index], voice, rate)
    finally:
        for worker, receiver, _reader in started:
            if worker.is_alive():
                worker.terminate()
            worker.join()
            receiver.close()
    report(len(texts))
    return clips


def synthesize(
    texts: Iterable[str],
    engine: Engine,
    *,
    voice: str | None = None,
    rate: int | None = None,
    language: str = "en",
    cache: PhraseCache | None = None,
    progress: Progress | None = None,
    engine_name: str | None = None,
    jobs: int | None = None,
) -> dict[str, AudioSegment]:
    """A trimmed clip for each distinct text, in the order of ``texts``; cached clips are
    reused, new ones stored.

    ``engine_name`` (the name ``get_engine`` knows ``engine`` by) allows worker processes, each
    with its own engine; ``jobs`` is how many processes may speak, this one included (None: as
    many as pay, 1: this one only).
    """
    distinct = list(dict.fromkeys(texts))
    version = engine.version() if cache is not None else ""
    keys = {text: cache_key(engine.id, version, voice, rate, language, text) for text in distinct}
    found: dict[str, AudioSegment] = {}
    if cache is not None:
        for text in distinct:
            clip = cache.get(keys[text], text)
            if clip is not None:
                found[text] = clip
        if progress is not None and found:
            progress(len(found))
    missing = [text for text in distinct if text not in found]
    if jobs == 1:
        engine_name = None
    spoken = _speak_all(missing, engine, engine_name, voice, rate, jobs, progress)
    if cache is not None:
        for text in missing:
            cache.put(keys[text], spoken[text])
    return {text: found[text] if text in found else spoken[text] for text in distinct}
