"""The pipeline end to end: load → customize → synthesize → compile → mix → export.

This is the Python API the CLI is a thin layer over::

    from voiceguide import render
    result = render("back-strengthening", "output/back.mp3")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import check_new_file, placed_together
from .audio.encode import FORMATS, SAMPLE_RATE, find_ffmpeg
from .audio.options import SoundOptions
from .engines import Engine, choose_engine, language_voice
from .errors import EngineError, ExportError, InputError
from .format import load as format_load
from .model import Routine, Timeline
from .script.compile import compile_timeline
from .script.cues import cue_file_paths, write_cue_files
from .script.customize import Customization, customize
from .script.limits import check_work
from .script.padding import pad
from .script.phrases import Phrases, load_phrases
from .script.speech import load_speech
from .share.archive import routine_from_bundle

if TYPE_CHECKING:
    from pydub import AudioSegment

    from .audio.cover import Cover

# The audio stage (numpy, pydub, the engines) is imported by the functions that make sound, so
# that 'validate', 'preview --help' and the API's loading stay light.


def resolve(name_or_path: str | Path) -> Path:
    """A routine path as given, the bundled template of that name (``back-strengthening``), or
    for a bundle (``.zip``) its routine, checked and copied to a private temporary folder.

    Raises RoutineError (no such routine) or InputError (a refused bundle)."""
    path = Path(name_or_path)
    if path.suffix.lower() == ".zip" and path.is_file():
        return routine_from_bundle(path)
    return format_load.resolve(path)


def load_routine(name_or_path: str | Path) -> Routine:
    """Read, parse and validate a routine file, a bundled template by name, or a bundle's routine.

    Raises RoutineError, with the file, the line and a fix, for anything wrong."""
    return format_load.load_routine(resolve(name_or_path))

@dataclass(frozen=True)
class Options:
    """How to speak and where to keep clips; ``choices`` customizes the routine."""

    choices: Customization = field(default_factory=Customization)
    engine: str | None = None
    voice: str | None = None
    rate: int | None = None
    cache: bool = True
    cache_dir: Path | None = None
    strict: bool = False
    sound: SoundOptions = field(default_factory=SoundOptions)
    cover: Path | None = None  # cover art (a square PNG/JPEG); the routine's 'cover:' otherwise
    # Processes speaking new phrases: 1 = this one; None = automatic, with worker processes when
    # there are many (the CLI's choice; a script doing this needs ``if __name__ == "__main__":``).
    jobs: int | None = 1


@dataclass(frozen=True)
class Plan:
    """A routine ready to render: the customized routine, its timeline and its clips."""

    routine: Routine
    timeline: Timeline
    clips: dict[str, AudioSegment]
    options: Options = field(default_factory=Options)
    engine: str = ""  # the engine that spoke (its name or id)
    voice: str | None = None  # and its voice (None: the engine's default)
    auto: bool = False  # whether ``auto`` chose that engine
    cover: Cover | None = None  # the checked cover art; None: a generated one


@dataclass(frozen=True)
class Result:
    """What ``render`` wrote."""

    path: Path
    timeline: Timeline
    cue_files: tuple[Path, ...] = ()

    @property
    def duration(self) -> float:
        return self.timeline.duration


def prepare(
    routine: Routine | str | Path,
    options: Options | None = None,
    *,
    engine: Engine | None = None,
    progress: Callable[[int], None] | None = None,
    on_count: Callable[[int], None] | None = None,
) -> Plan:
    """Load and customize the routine, synthesize its phrases, and compile its timeline."""
    from .audio.cache import PhraseCache, default_cache_dir
    from .audio.cover import load_cover
    from .audio.sounds import arrange
    from .audio.synthesize import synthesize

    options = options or Options()
    if not isinstance(routine, Routine):
        routine = load_routine(routine)
    routine = customize(routine, options.choices)
    cover_path = options.cover or routine.cover
    cover = load_cover(cover_path) if cover_path is not None else None  # checked before speech
    phrases = load_phrases(routine.language).for_routine(routine)
    texts = check_work(routine, phrases).texts  # the caps on work, before any synthesis
    # what the engine is handed: notation said as meant ("2-3 mins" → "2 to 3 minutes"); the
    # timeline keeps the written text, and the cache is keyed by the spoken one
    rules = load_speech(routine.language)
    distinct = list(dict.fromkeys(rules.spoken(text) for text in texts))
    if on_count is not None:
        on_count(len(distinct))
    # Worker processes can only recreate an engine voiceguide created itself (by its name).
    engine_name, auto = None, False
    if engine is None:
        choice = choose_engine(options.engine, routine.language, options.voice)
        engine_name, engine, auto = choice.name, choice.engine, choice.auto
    voice = options.voice or default_voice(engine, phrases)
    rate = options.rate or default_rate(engine, phrases)
    cache = PhraseCache(options.cache_dir or default_cache_dir()) if options.cache else None

    def speak(written: Iterable[str], **how: Any) -> dict[str, AudioSegment]:
        """A clip for each written text, synthesized from its spoken form."""
        spoken = {text: rules.spoken(text) for text in written}
        said = synthesize(list(dict.fromkeys(spoken.values())), engine, voice=voice, rate=rate,
                          language=routine.language, cache=cache, **how)
        return {text: said[form] for text, form in spoken.items()}

    clips = speak(texts, progress=progress, engine_name=engine_name, jobs=options.jobs)

    def measure(text: str) -> float:
        """The clip's length (seconds); a text known only from the real timeline (a
        "{total_minutes}" filled in with the real minutes) is synthesized when first met."""
        if text not in clips:
            clips.update(speak([text], jobs=1))
        return len(clips[text].raw_data) / 2 / SAMPLE_RATE

    timeline = compile_timeline(routine, phrases, measure)
    if options.strict and timeline.warnings:
        raise InputError("--strict: some cues do not fit their phases:\n  "
                         + "\n  ".join(timeline.warnings)
                         + "\n  Fix: lengthen those phases in the routine, shorten the cues, "
                         "or speak faster (--rate)")
    timeline = arrange(timeline, phrases, options.sound.cues, options.sound.chimes)
    timeline = pad(timeline, options.sound.lead_in, options.sound.tail)
    return Plan(routine, timeline, clips, options, engine_name or engine.id, voice, auto, cover)


def default_voice(engine: Engine, phrases: Phrases) -> str | None:
    """The phrase file's espeak-ng voice for pyttsx3; for another engine, its first voice for
    the language (an EngineError if it has none)."""
    if engine.id == "pyttsx3":
        return phrases.voice
    voice = language_voice(engine, phrases.language)
    if voice is not None:
        return voice
    raise EngineError(f"the {engine.id} engine has no voice for the language "
                      f"{phrases.language!r}.\n  Fix: use the default engine (pyttsx3) for this "
                      "routine, or choose a voice with --voice")


def default_rate(engine: Engine, phrases: Phrases) -> int | None:
    """The phrase file's espeak-ng rate for pyttsx3, which goes with its espeak-ng voice; None
    (the engine's own pace) for another engine."""
    return phrases.rate if engine.id == "pyttsx3" else None


def preview(routine: Routine | str | Path, options: Options | None = None) -> Timeline:
    """The timeline of a routine, without writing any audio."""
    return prepare(routine, options).timeline


@dataclass(frozen=True)
class Fit:
    """The gentlest uniform cut of reps and rests that fits a time limit, and its timeline."""

    cut: float
    timeline: Timeline


def fit(routine: Routine | str | Path, options: Options, seconds: float) -> Fit:
    """The largest ``cut`` (whole percent, 1-100) of reps, timed lengths and rests whose real
    timeline (speech included) lasts at most ``seconds``; an InputError if even 1 % is too long."""
    if not isinstance(routine, Routine):
        routine = load_routine(routine)

    def timeline(percent: int) -> Timeline:
        return preview(routine, replace(options, choices=replace(options.choices,
                                                                 cut=percent / 100)))

    best = timeline(100)
    if best.duration <= seconds:
        return Fit(1.0, best)
    shortest = timeline(1)
    if shortest.duration > seconds:
        minutes = f"{seconds / 60:g} minute{'' if seconds == 60 else 's'}"
        raise InputError(f"--max-minutes: the session cannot fit in {minutes}; "
                         f"even with 1 rep each and almost no rest it lasts "
                         f"{shortest.duration / 60:.1f} minutes.\n  Fix: allow more minutes, or "
                         "leave exercises out with --skip")
    low, high, best = 1, 100, shortest  # low fits, high does not
    while high - low > 1:
        middle = (low + high) // 2
        candidate = timeline(middle)
        if candidate.duration <= seconds:
            low, best = middle, candidate
        else:
            high = middle
    return Fit(low / 100, best)


def tags_for(routine: Routine) -> dict[str, str]:
    """The file's tags: title, author as artist, description as comment."""
    return {
        "title": routine.title,
        "artist": routine.author or "",
        "album_artist": routine.author or "",
        "album": "voiceguide",
        "comment": routine.description or "",
        "genre": "Speech",
        "language": routine.language,
    }


def render_plan(plan: Plan, output: str | Path, fmt: str = "mp3",
                cue_files: bool = True) -> Result:
    """Mix and export a prepared plan into ``output``; with ``cue_files``, write the cue sheet
    (``<name>.cues.json``) and the WebVTT transcript (``<name>.vtt``) beside it."""
    from .audio.cache import default_cache_dir
    from .audio.cover import generate
    from .audio.master import master
    from .audio.tags import write_tags

    path = Path(output)
    written = cue_file_paths(path) if cue_files else ()
    options = plan.options
    cache = (options.cache_dir or default_cache_dir()) if options.cache else None
    # the audio and its cue files appear together or not at all (a full disk, Ctrl-C)
    drafts: list[Path] = []
    try:
        with placed_together([path, *written]) as drafts:
            tags = tags_for(plan.routine)
            master(plan.timeline, plan.clips, drafts[0], fmt, tags, options.sound, cache)
            write_tags(drafts[0], fmt, tags, plan.timeline.chapters,
                       plan.cover or generate(plan.routine.title, plan.routine.author or ""))
            if cue_files:
                write_cue_files(plan.timeline, path, plan.routine, (drafts[1], drafts[2]))
    except ExportError as exc:  # name the file the user asked for, not its hidden draft
        raise ExportError(str(exc).replace(str(drafts[0]), str(path)) if drafts else str(exc)
                          ) from None
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}\n  Fix: check that the "
                          "folder exists, that you may write there and that the disk has room"
                          ) from None
    return Result(path, plan.timeline, written)


def check_render_output(output: Path, fmt: str, inputs: Sequence[Path | None]) -> None:
    """Refuse, before anything is synthesized, a render whose audio or cue files would land
    on one of the ``inputs`` (the routine, a bundle, the music), a folder, a device or a named
    pipe, or an existing file that is not audio voiceguide writes (``notes.txt``, another
    routine: a render replaces only an earlier render) (an InputError)."""
    for path in (output, *cue_file_paths(output)):
        check_new_file(path, True, f"my-routine.{fmt}", inputs=inputs)
    if output.suffix.lower().lstrip(".") not in FORMATS and output.is_file():
        raise InputError(f"{output} already exists and is not an audio file voiceguide writes "
                         f"(.{', .'.join(FORMATS)}); it is never written over.\n  Fix: give "
                         f"an audio file name with -o, such as -o {output.stem}.{fmt}")


def render(
    routine: Routine | str | Path,
    output: str | Path,
    options: Options | None = None,
    fmt: str = "mp3",
    cue_files: bool = True,
) -> Result:
    """Render a routine (a Routine, a file path or a template name) into one audio file."""
    find_ffmpeg()  # before any speech is synthesized: a missing ffmpeg is known at once
    source = routine.source if isinstance(routine, Routine) else Path(routine)
    check_render_output(Path(output), fmt, (source, (options or Options()).sound.music))
    return render_plan(prepare(routine, options), output, fmt, cue_files)
