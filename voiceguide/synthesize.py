"""Synthesis: every distinct phrase spoken once, trimmed of the engine's own silence, cached.

Phrases missing from the cache are spoken in this process; when there are many of them
(``PARALLEL_THRESHOLD``) and the engine can be recreated by name, worker processes (spawned, each
with its own engine: pyttsx3/espeak-ng cannot be used from several threads) speak part of them at
the same time. A clip is the same whichever process speaks it (espeak-ng itself varies every
utterance a little: a few ms of length, its noise).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext

from pydub import AudioSegment
from pydub.utils import audioop, ratio_to_db

from .cache import PhraseCache, cache_key
from .engines import Engine, get_engine
from .errors import EngineError

SAMPLE_RATE = 22050
SAMPLE_WIDTH = 2
CHANNELS = 1
TRIM_THRESHOLD_DBFS = -50.0
FULL_SCALE = 2 ** (8 * SAMPLE_WIDTH - 1)

# Uncached phrases from which worker processes pay for their start-up on a 2-core machine
# (measured by scripts/bench.py's --break-even run: below ~30 phrases one process is as fast).
PARALLEL_THRESHOLD = 40
CHUNK = 4  # phrases handed to a worker at a time
MAX_WORKERS = 3  # espeak-ng waits on a 10 ms poll per phrase, so one more than the cores pays

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


def speak(engine: Engine, text: str, voice: str | None, rate: int | None) -> AudioSegment:
    """One phrase, in the track's format and trimmed; an error if it is silence only."""
    clip = trim(engine.synthesize(text, voice, rate))
    if len(clip) == 0:
        raise EngineError(f"the speech engine ({engine.id}) produced only silence for "
                          f"{text!r}.\n  Fix: reword that text, or try another voice "
                          "(see 'voiceguide voices')")
    return clip


def _pcm(data: bytes) -> AudioSegment:
    return AudioSegment(data=data, sample_width=SAMPLE_WIDTH, frame_rate=SAMPLE_RATE,
                        channels=CHANNELS)


MAIN = -1  # owner of a chunk spoken in this process
NOBODY = -2  # owner of a chunk nobody has taken yet


class _Board:
    """What the speaking processes share: the next chunk to take, who took each, how many
    phrases the workers have spoken (for progress)."""

    def __init__(self, context: BaseContext, chunks: int) -> None:
        self.lock = context.Lock()
        self.next = context.RawValue("i", 0)
        self.owner = context.RawArray("i", [NOBODY] * chunks)
        self.spoken = context.RawValue("i", 0)

    def claim(self, who: int) -> int | None:
        """The index of the next chunk, now owned by ``who``; None when all are taken."""
        with self.lock:
            index = int(self.next.value)
            if index >= len(self.owner):
                return None
            self.next.value = index + 1
            self.owner[index] = who
            return index

    def close(self) -> None:
        """Let nobody take another chunk."""
        with self.lock:
            self.next.value = len(self.owner)

    def add_spoken(self, count: int) -> None:
        with self.lock:
            self.spoken.value += count

    def state(self) -> tuple[int, list[int]]:
        with self.lock:
            return int(self.spoken.value), list(self.owner)


_worker: tuple[Engine, _Board] | None = None


def _start_worker(engine_name: str, board: _Board) -> None:
    """In a new worker process: its own engine; Ctrl-C is left to the main process."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = (get_engine(engine_name), board)


def _work(task: int, chunks: Sequence[Sequence[str]], voice: str | None, rate: int | None,
          ) -> dict[int, list[bytes]]:
    """In a worker: take chunks until none is left; the PCM of each, by chunk index."""
    assert _worker is not None
    engine, board = _worker
    done: dict[int, list[bytes]] = {}
    while (index := board.claim(task)) is not None:
        done[index] = [speak(engine, text, voice, rate).raw_data for text in chunks[index]]
        board.add_spoken(len(chunks[index]))
    return done


def workers_for(count: int, jobs: int | None) -> int:
    """How many worker processes to start beside this one for ``count`` uncached phrases, when
    ``jobs`` processes in all may speak (None: as many as pay)."""
    if jobs is None:
        if count < PARALLEL_THRESHOLD or multiprocessing.parent_process() is not None:
            return 0
        workers = min(MAX_WORKERS, (os.cpu_count() or 1) + 1)
    else:
        workers = jobs - 1
    return max(0, min(workers, -(-count // CHUNK) - 1))


def _speak_all(texts: list[str], engine: Engine, engine_name: str | None, voice: str | None,
               rate: int | None, jobs: int | None, progress: Progress | None,
               ) -> dict[str, AudioSegment]:
    """Speak ``texts`` here, helped by worker processes when there are many: everyone takes
    the next chunk from a shared board, so nobody waits for a worker that is still starting."""
    chunks = [texts[i: i + CHUNK] for i in range(0, len(texts), CHUNK)]
    workers = workers_for(len(texts), jobs) if engine_name else 0
    clips: dict[str, AudioSegment] = {}
    reported = 0

    def here(chunk: list[str]) -> None:
        for text in chunk:
            clips[text] = speak(engine, text, voice, rate)
            if progress is not None:
                progress(1)

    def report(spoken: int) -> None:
        nonlocal reported
        if progress is not None and spoken > reported:
            progress(spoken - reported)
        reported = spoken

    if workers == 0 or engine_name is None:
        for chunk in chunks:
            here(chunk)
        return clips
    context = multiprocessing.get_context("spawn")
    board = _Board(context, len(chunks))
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(engine_name, board))
    try:
        tasks = [pool.submit(_work, task, chunks, voice, rate) for task in range(workers)]
        while (index := board.claim(MAIN)) is not None:
            here(chunks[index])
            report(board.state()[0])
        _, owners = board.state()
        needed = {tasks[owner] for owner in owners if owner >= 0}
        pending = set(needed)
        while pending:
            _, pending = wait(pending, timeout=0.1)
            report(board.state()[0])
        for task_future in needed:
            try:
                done = task_future.result()
            except BrokenProcessPool:  # a worker could not start or died: speak its part here
                continue
            for index, data in done.items():
                clips.update(zip(chunks[index], map(_pcm, data)))
        for chunk in chunks:
            if chunk[0] not in clips:
                here(chunk)
    finally:
        board.close()
        # Workers still starting need the board: it lives until the pool is shut down, which
        # happens beside the render instead of delaying it.
        threading.Thread(target=_shut_down, args=(pool, board), name="voiceguide-pool").start()
    return clips


def _shut_down(pool: ProcessPoolExecutor, board: _Board) -> None:
    pool.shutdown(wait=True, cancel_futures=True)
    del board


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
            clip = cache.get(keys[text])
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
