"""The live preview: the real compiler on the editor's text, with phrase lengths measured.

Phrases already in the phrase cache (or measured before) are used at once; new ones are spoken
by the speech engine on one background thread (espeak-ng cannot be used from several threads).
A preview waits for them up to ``WAIT`` seconds; phrases still being spoken then count with an
estimated length, the preview says how many (``pending``) and the page asks again. A preview
with nothing pending has the exact lengths a render uses, so its total is the render's length.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .. import pipeline
from ..errors import InputError, RoutineError, VoiceguideError
from ..format.load import parse_routine
from ..model import Hold, Routine, Timeline
from ..script.compile import compile_timeline
from ..script.customize import Customization, customize
from ..script.limits import check_work
from ..script.padding import pad
from ..script.phrases import Phrases, load_phrases
from .files import check_size, load_doc, path_of, plain

WAIT = 1.5  # seconds a preview waits for new phrases before estimating them
CHUNK = 6  # phrases spoken in one go in the background
SECONDS_PER_CHARACTER = 0.065  # an estimate of espeak-ng at 200 words per minute, measured roughly
T = TypeVar("T")


@dataclass
class Issue:
    """A message for the editor: ``path`` is the field it concerns (keys and list indexes)."""

    problem: str
    hint: str | None = None
    line: int | None = None
    path: tuple[str | int, ...] = ()
    level: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {"problem": self.problem, "hint": self.hint, "line": self.line,
                "path": list(self.path), "level": self.level}


@dataclass
class Speaker:
    """The one thread that speaks, and the lengths of the phrases measured so far."""

    options: pipeline.Options = field(default_factory=pipeline.Options)
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="voiceguide-speech"))
    lengths: dict[str, float] = field(default_factory=dict)
    running: dict[str, Future[Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    choices: dict[str, tuple[Any, Phrases, str | None, int | None, str]] = field(
        default_factory=dict)

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the speech thread and wait for it (renders speak there too)."""
        return self.executor.submit(work).result()

    def speech(self, language: str) -> tuple[Any, Phrases, str | None, int | None, str]:
        """The engine, phrases, voice, rate and engine version a render of a routine in
        ``language`` speaks with (``pipeline.prepare``'s choices), made on the speech thread."""
        if language not in self.choices:
            from ..engines import choose_engine

            def choose() -> tuple[Any, Phrases, str | None, int | None, str]:
                phrases = load_phrases(language)
                engine = choose_engine(self.options.engine, language, self.options.voice).engine
                voice = self.options.voice or pipeline.default_voice(engine, phrases)
                rate = self.options.rate or pipeline.default_rate(engine, phrases)
                return engine, phrases, voice, rate, str(engine.version())

            self.choices[language] = self.run(choose)
        return self.choices[language]

    def measure(self, routine: Routine, wait: float = WAIT) -> tuple[Timeline, int]:
        """The timeline of a customized routine and how many of its phrases are estimated
        (``pipeline.prepare``'s timeline once none is)."""
        from ..audio.sounds import arrange

        engine, base, voice, rate, version = self.speech(routine.language)
        phrases = base.for_routine(routine)  # the routine's own words, as prepare uses them
        texts = check_work(routine, phrases).texts  # the caps on work (script/limits.py)
        deadline = time.monotonic() + wait
        spoken = _Spoken(self, engine, voice, rate, version, routine.language)
        spoken.ensure(texts, deadline)
        # texts known only from the real timeline ("{total_minutes}" filled in): met while
        # compiling, then spoken, then compiled again with their lengths
        for _ in range(3):
            timeline = compile_timeline(routine, phrases, spoken.length)
            if not spoken.late:
                break
            late, spoken.late = spoken.late, []
            spoken.ensure(late, deadline)
        pending = sum(1 for text in timeline.texts() if spoken.key(text) not in self.lengths)
        timeline = arrange(timeline, phrases, self.options.sound.cues, self.options.sound.chimes)
        # the render's silence before the first word and after the last sound (pipeline.prepare)
        timeline = pad(timeline, self.options.sound.lead_in, self.options.sound.tail)
        return timeline, pending

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


class _Spoken:
    """The lengths of one routine's phrases for the Speaker: from memory, the phrase cache, or
    spoken on the speech thread a few at a time."""

    def __init__(self, speaker: Speaker, engine: Any, voice: str | None, rate: int | None,
                 version: str, language: str) -> None:
        from ..audio.cache import PhraseCache, default_cache_dir

        self.speaker, self.engine, self.voice, self.rate = speaker, engine, voice, rate
        self.version, self.language = version, language
        options = speaker.options
        self.cache = PhraseCache(options.cache_dir or default_cache_dir()) \
            if options.cache else None
        self.keys: dict[str, str] = {}
        self.late: list[str] = []

    def key(self, text: str) -> str:
        from ..audio.cache import cache_key

        if text not in self.keys:
            self.keys[text] = cache_key(self.engine.id, self.version, self.voice, self.rate,
                                        self.language, text)
        return self.keys[text]

    def known(self, text: str) -> bool:
        """Whether the length of ``text`` is known, reading the phrase cache if need be."""
        from ..audio.encode import SAMPLE_RATE

        key, lengths = self.key(text), self.speaker.lengths
        if key not in lengths and self.cache is not None:
            clip = self.cache.get(key, text)
            if clip is not None:
                lengths[key] = len(clip.raw_data) / 2 / SAMPLE_RATE
        return key in lengths

    def length(self, text: str) -> float:
        """The measured length (seconds), or an estimate for a phrase not spoken yet."""
        if self.known(text):
            return self.speaker.lengths[self.key(text)]
        if text not in self.late:
            self.late.append(text)
        return SECONDS_PER_CHARACTER * len(text) + 0.2

    def ensure(self, texts: Sequence[str], deadline: float) -> None:
        """Speak the texts whose length is unknown (in the background) and wait for them
        until ``deadline`` (time.monotonic)."""
        from ..audio.encode import SAMPLE_RATE
        from ..audio.synthesize import synthesize

        speaker = self.speaker
        missing = [text for text in texts if not self.known(text)]
        if not missing:
            return
        with speaker.lock:
            new = [text for text in missing if self.key(text) not in speaker.running]

            def speak(batch: Sequence[str]) -> None:
                try:
                    clips = synthesize(batch, self.engine, voice=self.voice, rate=self.rate,
                                       language=self.language, cache=self.cache, jobs=1)
                    for text, clip in clips.items():
                        speaker.lengths[self.key(text)] = len(clip.raw_data) / 2 / SAMPLE_RATE
                finally:
                    with speaker.lock:
                        for text in batch:
                            speaker.running.pop(self.key(text), None)

            # a few phrases at a time, so that lengths come in while the rest is spoken
            for start in range(0, len(new), CHUNK):
                batch = tuple(new[start:start + CHUNK])
                future = speaker.executor.submit(speak, batch)
                for text in batch:
                    speaker.running[self.key(text)] = future
            waiting = {id(f): f for f in (speaker.running.get(self.key(t)) for t in missing)
                       if f}
        for future in waiting.values():
            try:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                break


def issues_of(error: VoiceguideError, doc: Any) -> list[Issue]:
    """The messages of a loader error (all of them: the loader reports every problem at once),
    each placed at the field its line and words name."""
    errors = [error, *getattr(error, "others", ())]
    issues = []
    for item in errors:
        if isinstance(item, RoutineError):
            path = tuple(getattr(item, "path", ()) or ()) or path_of(doc, item.line, item.problem)
            issues.append(Issue(item.problem, item.hint, item.line, path))
        else:
            problem, _, hint = str(item).partition("\n  Fix: ")
            issues.append(Issue(problem, hint or None, None, ("choices",)))
    return issues


WARNING = re.compile(r"^exercise '([^']+)', ")
PHASE = re.compile(r"^exercise '[^']+', rep phase (\d+):")


def warning_issue(text: str, data: Any) -> Issue:
    """A compiler warning ("exercise 'bridge', rest: ...") placed at its exercise: the mapping
    with that ``id`` wherever it is (a block's exercises too)."""
    match = WARNING.match(text)
    path = _path_of_id(data, match.group(1)) if match else ()
    phase = PHASE.search(text)
    if path and phase:  # "rep phase 2": at that phase of the exercise's rep
        node: Any = data
        for key in path:
            node = node[key]
        index = int(phase.group(1)) - 1
        if isinstance(node.get("rep"), list) and 0 <= index < len(node["rep"]):
            path = (*path, "rep", index)
    return Issue(text, None, None, path, "warning")


def _path_of_id(node: Any, wanted: str, path: tuple[str | int, ...] = ()
                ) -> tuple[str | int, ...]:
    if isinstance(node, dict):
        if node.get("id") == wanted:
            return path
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return ()
    for key, value in items:
        found = _path_of_id(value, wanted, (*path, key))
        if found:
            return found
    return ()


def summary(timeline: Timeline, pending: int) -> dict[str, Any]:
    """What the page shows: the total, each chapter (exercise) with its length, the spoken
    segments (at most 5000) and whether lengths are still estimated."""
    return {
        "duration": round(timeline.duration, 3),
        "pending": pending,
        "chapters": [{"title": c.title, "start": round(c.start, 3), "end": round(c.end, 3),
                      "exercise": c.exercise} for c in timeline.chapters],
        "segments": [{"start": round(s.start, 2), "text": s.text, "exercise": s.exercise}
                     for s in timeline.speech[:5000]],
    }


def check(text: str, name: str, speaker: Speaker, choices: Customization | None = None,
          wait: float = WAIT, data: bool = True) -> dict[str, Any]:
    """Validate ``text`` (named ``name`` in messages) as ``voiceguide validate`` does and, when
    valid, preview it: ``{"issues": [...], "preview": {...} | None, "data": ...}``; ``data``
    (the text as plain data, for the form) only when asked for."""
    check_size(text)
    result: dict[str, Any] = {"issues": [], "preview": None}
    if data:
        doc = load_doc(text)
        result["data"] = plain(doc) if doc is not None else None
    try:
        routine = parse_routine(text, name)
        custom = customize(routine, choices or Customization())
    except InputError as error:
        # the round-trip parse (slow: pure Python) only when a message needs its field
        doc = load_doc(text)
        result["issues"] = [i.as_dict() for i in issues_of(error, doc)]
        return result
    try:
        timeline, pending = speaker.measure(custom, wait)
    except InputError as error:  # too much work (script/limits.py): at its exercise
        result["issues"] = [i.as_dict() for i in issues_of(error, load_doc(text))]
        return result
    except VoiceguideError as error:
        result["issues"] = [Issue(str(error)).as_dict()]
        return result
    if timeline.warnings:
        found = result.get("data") or plain(load_doc(text))
        result["issues"] = [warning_issue(w, found).as_dict() for w in timeline.warnings]
    result["preview"] = summary(timeline, pending)
    result["exercises"] = [{"id": e.id, "name": e.name, "timed": e.timed,
                            "reps": str(e.reps) if e.reps else None,
                            "holds": any(isinstance(p, Hold) for p in e.rep)}
                           for e in routine.exercises]
    return result
