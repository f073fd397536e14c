"""The command line: a thin click layer over the Python API.

Exit codes: 0 success, 1 runtime failure (engine, ffmpeg, disk), 2 bad input or usage.
Set ``VOICEGUIDE_DEBUG=1`` to see the full traceback of an error.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from . import batch, config, pipeline, share
from . import site as sitegen
from .cache import PhraseCache, default_cache_dir
from .customize import MAX_HOLD, Customization, changes, customize, describe
from .engines import engine_names, get_engine
from .errors import InputError, VoiceguideError
from .export import FORMATS, find_ffmpeg
from .load import MAX_REPS, MAX_SECONDS, MAX_SETS, list_templates, load_routine, resolve
from .master import SoundOptions
from .mix import DUCK_DB
from .model import LEVELS, Hold, Routine, Timeline
from .sounds import CUE_MODES
from .variant import check_output, write_variant

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn voiceguide's errors into a one-line message and its exit code; Ctrl-C into exit 130."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except VoiceguideError as exc:
            if os.environ.get("VOICEGUIDE_DEBUG"):
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # a file-system failure that no stage turned into its own error
            if os.environ.get("VOICEGUIDE_DEBUG"):
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}\n  Fix: check that the folder exists, "
                       "that you may write there and that the disk has room; temporary files go "
                       f"to {tempfile.gettempdir()} (set TMPDIR to change that)", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            # the speech engine may still call back into objects that are gone: stay quiet
            sys.unraisablehook = lambda _unraisable: None
            click.echo("Aborted: nothing was written.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


INTEGER = re.compile(r"^\s*-?\d+\s*$")


def parse_counts(option: str, values: tuple[str, ...], example: str,
                 bare: bool = False) -> tuple[dict[str, int], int | None]:
    """``ID=N`` pairs of a repeatable option; with ``bare``, a plain ``N`` (the last) for all."""
    pairs: dict[str, int] = {}
    every: int | None = None
    for value in values:
        exercise_id, sep, count = value.partition("=")
        if bare and not sep and INTEGER.match(value):
            every = int(value)
            continue
        if not sep or not exercise_id.strip() or not INTEGER.match(count):
            forms = "ID=N or N" if bare else "ID=N"
            raise InputError(f"{option}: {value!r} is not {forms}.\n  Fix: write for example "
                             f"{option} {example}")
        pairs[exercise_id.strip()] = int(count)
    return pairs, every


def parse_ids(values: tuple[str, ...] | str | None) -> tuple[str, ...]:
    """Exercise ids from comma-separated lists (``a,b`` or repeated options)."""
    if values is None:
        return ()
    items = (values,) if isinstance(values, str) else values
    return tuple(part.strip() for item in items for part in item.split(",") if part.strip())


def routine_options(func: F) -> F:
    """The options shared by ``render``, ``preview`` and ``customize``."""
    options = [
        click.option("--reps", "reps", multiple=True, metavar="ID=N|N",
                     help="Set an exercise's reps, or with a plain N every exercise's "
                     "(repeatable)."),
        click.option("--sets", multiple=True, metavar="ID=N",
                     help="Set an exercise's number of sets (repeatable)."),
        click.option("--hold", multiple=True, metavar="ID=S",
                     help="Set every hold of an exercise to S seconds (repeatable)."),
        click.option("--rest", type=float, default=None, metavar="S",
                     help="Seconds of rest between exercises (0-3600)."),
        click.option("--only", default=None, metavar="ID,ID",
                     help="Keep only these exercises (in the routine's order)."),
        click.option("--skip", multiple=True, metavar="ID",
                     help="Leave an exercise out (repeatable, or ID,ID)."),
        click.option("--order", default=None, metavar="ID,ID,...",
                     help="Do the exercises in this order (list each one once)."),
        click.option("--no-intro", is_flag=True, help="Leave out the intro and safety advice."),
        click.option("--no-outro", is_flag=True, help="Leave out the outro."),
        click.option("--level", type=click.Choice(LEVELS), default=None,
                     help="Pick the low, middle or high value of every range (reps 12-15); easy "
                     "makes rests ×1.25, hard ×0.8 (default: standard, or the config file's)."),
        click.option("--engine", type=click.Choice(engine_names()), default=None,
                     help="Speech engine (default: pyttsx3)."),
        click.option("--voice", default=None,
                     help="Voice id, name or language (see 'voices'; default: the config "
                     "file's)."),
        click.option("--rate", type=click.IntRange(80, 450), default=None,
                     help="Speaking rate in words per minute (default 200, or the config "
                     "file's)."),
        click.option("--no-cache", is_flag=True, help="Synthesize every phrase anew."),
        click.option("--tempo", type=click.FloatRange(0.5, 2.0), default=1.0, show_default=True,
                     help="Make every timed phase, hold and rest this many times as long "
                     "(1.5 = slower); speech is never stretched."),
        click.option("--strict", is_flag=True,
                     help="Fail (exit 2) when a cue is longer than its phase."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def cue_options(func: F) -> F:
    """``--cues`` and ``--no-chimes``, shared by ``render`` and ``preview``."""
    func = click.option("--no-chimes", is_flag=True,
                        help="No chime at each exercise's start and end, no bell at the end.")(func)
    return click.option("--cues", type=click.Choice(CUE_MODES), default="voice",
                        show_default=True,
                        help="Count down by voice, by ticks instead of the numbers (tones), or "
                        "both.")(func)


def mix_options(func: F) -> F:
    """The music bed, loudness and channel options of ``render``."""
    options = [
        click.option("--music", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None, help="An audio file laid under the whole session, looped, "
                     "ducked under speech, faded out at the end."),
        click.option("--duck", type=click.FloatRange(0, 40), default=DUCK_DB, show_default=True,
                     metavar="DB", help="How many dB the music drops under speech."),
        click.option("--loudness", type=click.FloatRange(-36, -6), default=None, metavar="LUFS",
                     help="Integrated loudness target (default -16 stereo, -19 mono)."),
        click.option("--channels", type=click.Choice(["1", "2"]), default=None,
                     help="Mono or stereo (default: mono, stereo with --music)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


CHOICE_OPTIONS = ("reps", "sets", "hold", "rest", "only", "skip", "order", "no_intro", "no_outro",
                  "level")


def fit_options(func: F) -> F:
    """``--max-minutes`` and ``--apply``, shared by ``preview`` and ``customize``."""
    func = click.option("--apply", is_flag=True,
                        help="Apply the cut that --max-minutes proposes.")(func)
    return click.option("--max-minutes", type=click.FloatRange(1, 600), default=None,
                        metavar="M", help="Propose the smallest uniform cut of reps and rests "
                        "that fits the session in M minutes.")(func)


def build_options(reps: tuple[str, ...], sets: tuple[str, ...], hold: tuple[str, ...],
                  rest: float | None, only: str | None, skip: tuple[str, ...],
                  order: str | None, no_intro: bool, no_outro: bool, level: str | None,
                  engine: str | None, voice: str | None, rate: int | None, no_cache: bool,
                  tempo: float, strict: bool) -> pipeline.Options:
    """Options from the command line, with the config file's defaults where no flag is given."""
    settings = config.settings({"level": level, "voice": voice, "rate": rate})
    per_exercise, every = parse_counts("--reps", reps, "back-stretch=10 (or 10)", bare=True)
    choices = Customization(
        level=settings["level"].value,  # type: ignore[arg-type]
        reps=per_exercise, all_reps=every, tempo=tempo,
        sets=parse_counts("--sets", sets, "back-stretch=2")[0],
        holds=parse_counts("--hold", hold, "back-stretch=5")[0],
        rest=rest, only=parse_ids(only), skip=parse_ids(skip), order=parse_ids(order),
        intro=not no_intro, outro=not no_outro)
    return pipeline.Options(
        choices=choices, engine=engine, voice=settings["voice"].value,  # type: ignore[arg-type]
        rate=settings["rate"].value, cache=not no_cache, strict=strict,  # type: ignore[arg-type]
        jobs=None)  # worker processes speak new phrases when there are many


def format_time(seconds: float) -> str:
    """``12:05`` or ``1:02:03``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def wrap(text: str, indent: str = "") -> str:
    """``text`` wrapped at 100 columns, never inside an exercise id."""
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False)


def show_warnings(timeline: Timeline) -> None:
    for warning in timeline.warnings:
        click.echo(f"Warning: {warning}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="voiceguide")
def cli() -> None:
    """Turn an exercise routine (YAML) into one hands-free, voice-guided audio file.

    ROUTINE is a routine file or the name of a bundled template (see 'voiceguide templates').

    \b
    Example:
      voiceguide render back-strengthening
    """


@cli.command()
@click.argument("routines", metavar="ROUTINE...", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file of a single routine (default: <output folder>/<routine>.<format>;"
              " the folder is 'output' or the config file's).")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the files of several routines (default: the output folder).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Audio format (default: mp3, or the config file's).")
@click.option("--no-cue-files", is_flag=True,
              help="Do not write <name>.cues.json and <name>.vtt beside the audio.")
@routine_options
@cue_options
@mix_options
@handle_errors
def render(routines: tuple[str, ...], output: Path | None, output_dir: Path | None,
           fmt: str | None, no_cue_files: bool, cues: str, no_chimes: bool, music: Path | None,
           duck: float, loudness: float | None, channels: str | None, **kwargs: Any) -> None:
    """Render each ROUTINE into one audio file. Several routines, or a folder of them, are
    rendered in one call (encoded side by side, one per core) into --output-dir.

    \b
    Examples:
      voiceguide render back-strengthening --reps back-stretch=8 -o back.mp3
      voiceguide render routines/ extra.yaml --level easy --output-dir easy/
    """
    options = replace(build_options(**kwargs), sound=SoundOptions(
        cues=cues, chimes=not no_chimes, music=music,  # type: ignore[arg-type]
        duck=duck, loudness=loudness, channels=int(channels) if channels else None))
    source = resolve(routines[0])
    find_ffmpeg()  # before any speech is synthesized: a missing ffmpeg is known at once
    settings = config.settings({"format": fmt})
    fmt = str(settings["format"].value)
    folder = output_dir or Path(str(settings["output"].value)).expanduser()
    if len(routines) > 1 or source.is_dir():
        if output is not None:
            raise InputError("-o names the file of a single routine.\n  Fix: with several "
                             "routines, give a folder with --output-dir")
        render_several(routines, folder, fmt, options, cue_files=not no_cue_files)
        return
    output = output or folder / f"{source.stem}.{fmt}"
    bar: Any = None

    def start_bar(total: int) -> None:
        nonlocal bar
        if sys.stderr.isatty():
            bar = click.progressbar(length=total, label="Synthesizing", file=sys.stderr)
            bar.__enter__()

    try:
        plan = pipeline.prepare(source, options, on_count=start_bar,
                                progress=lambda n: bar.update(n) if bar is not None else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    show_warnings(plan.timeline)
    click.echo(f"Rendering {format_time(plan.timeline.duration)} of audio to {output} …",
               err=True)
    result = pipeline.render_plan(plan, output, fmt, cue_files=not no_cue_files)
    click.echo(f"{result.path}  ({format_time(result.duration)}, {result.duration:.1f} s)")


def render_several(routines: tuple[str, ...], folder: Path, fmt: str,
                   options: pipeline.Options, cue_files: bool) -> None:
    """``render`` with several routines: all checked first, then rendered into ``folder``."""
    jobs = batch.plan_jobs(routines, folder, fmt)

    def prepared(job: batch.Job, plan: pipeline.Plan) -> None:
        show_warnings(plan.timeline)
        click.echo(f"Rendering {format_time(plan.timeline.duration)} of audio to {job.output} …",
                   err=True)

    for result in batch.render_jobs(jobs, options, fmt, cue_files=cue_files, on_plan=prepared):
        click.echo(f"{result.path}  ({format_time(result.duration)}, {result.duration:.1f} s)")


@cli.command()
@click.argument("routine")
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@routine_options
@cue_options
@fit_options
@handle_errors
def preview(routine: str, as_json: bool, max_minutes: float | None, apply: bool, cues: str,
            no_chimes: bool, **kwargs: Any) -> None:
    """Show the timeline of ROUTINE, the length of each exercise and the total, without
    rendering.

    \b
    Example:
      voiceguide preview back-strengthening --level easy --skip back-stretch
    """
    loaded = load_routine(routine)
    options = replace(build_options(**kwargs), sound=SoundOptions(
        cues=cues, chimes=not no_chimes))  # type: ignore[arg-type]
    say = functools.partial(click.echo, err=as_json)
    options = fit_time(loaded, options, max_minutes, apply, say)
    timeline = pipeline.preview(loaded, options)
    show_warnings(timeline)
    if as_json:
        click.echo(json.dumps(timeline.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{timeline.title}")
    for line in describe(loaded, options.choices):
        click.echo(wrap(line))
    for segment in timeline.speech:
        click.echo(f"{format_time(segment.start):>8}  {(segment.exercise or '-')[:22]:<22}  "
                   f"{segment.text}")
    click.echo("")
    for chapter in timeline.chapters:
        click.echo(f"{format_time(chapter.start):>8}  {format_time(chapter.end - chapter.start):>6}"
                   f"  {chapter.title}")
    click.echo(f"Total: {format_time(timeline.duration)} ({timeline.duration:.1f} s)")


def fit_time(routine: Routine, options: pipeline.Options, max_minutes: float | None,
             apply: bool, say: Callable[[str], None]) -> pipeline.Options:
    """With ``--max-minutes``, say the cut that fits; return the options with it if ``apply``."""
    if max_minutes is None:
        if apply:
            raise InputError("--apply applies the cut that --max-minutes proposes.\n"
                             "  Fix: add --max-minutes M, or leave out --apply")
        return options
    found = pipeline.fit(routine, options, max_minutes * 60)
    if found.cut == 1.0:
        say(f"Fits in {max_minutes:g} minute{'' if max_minutes == 1 else 's'} as it is "
            f"({format_time(found.timeline.duration)}).")
        return options
    cut = replace(options.choices, cut=found.cut)
    changed = changes(customize(routine, options.choices), customize(routine, cut))
    minutes = f"{max_minutes:g} minute{'' if max_minutes == 1 else 's'}"
    say(f"To fit in {minutes}, reps and rests cut to {found.cut:.0%}: "
        f"{format_time(found.timeline.duration)}.")
    say(wrap("; ".join(changed) + ".", "  "))
    if not apply:
        say("  Add --apply to use this cut.")
        return options
    return replace(options, choices=cut)


@cli.command("customize")
@click.argument("routine")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The routine file to write (never the source file).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("-i", "--interactive", is_flag=True,
              help="Ask exercise by exercise (the default on a terminal without options).")
@routine_options
@fit_options
@handle_errors
def customize_command(routine: str, output: Path, force: bool, interactive: bool,
                      max_minutes: float | None, apply: bool, **kwargs: Any) -> None:
    """Write a copy of ROUTINE with your choices applied, keeping its comments and order.

    Ranges become the numbers chosen, and a 'derived_from' key records the source and the
    options. Without options on a terminal, asks exercise by exercise.

    \b
    Example:
      voiceguide customize back-strengthening -o my-back.yaml --level easy --skip back-stretch
    """
    source = resolve(routine)
    loaded = load_routine(source)
    check_output(source, output, force)
    chosen = any(kwargs[key] not in (None, ()) and kwargs[key] is not False
                 for key in CHOICE_OPTIONS) or kwargs["tempo"] != 1.0 or max_minutes is not None
    options = build_options(**kwargs)
    if interactive or (not chosen and sys.stdin.isatty()):
        options = replace(options, choices=ask(loaded, options.choices))
    options = fit_time(loaded, options, max_minutes, apply, click.echo)
    if max_minutes is not None and not apply:
        click.echo("Nothing written: add --apply to write the variant with this cut.")
        return
    was = pipeline.preview(loaded, replace(options, choices=Customization()))
    timeline = pipeline.preview(loaded, options)
    show_warnings(timeline)
    click.echo(f"New length: {format_time(timeline.duration)} ({timeline.duration:.1f} s; "
               f"was {format_time(was.duration)})")
    if interactive and not click.confirm(f"Write {output}?", default=True):
        click.echo("Nothing written.")
        return
    args = options.choices.as_args()
    if options.choices.cut != 1.0:
        args += ["--max-minutes", f"{max_minutes:g}", "--apply"]
    derived = f"{routine} with {' '.join(args)}" if args else routine
    customized = customize(loaded, options.choices)
    write_variant(source, customized, output, derived, force=force)
    click.echo(f"{output}  ({len(customized.exercises)} exercises, "
               f"{format_time(timeline.duration)})")


def ask(routine: Routine, choices: Customization) -> Customization:
    """Ask, exercise by exercise, whether to keep it and its reps, hold and sets (the current
    values are the defaults), then the rest between exercises."""
    current = customize(routine, choices)
    reps, holds, sets = dict(choices.reps), dict(choices.holds), dict(choices.sets)
    dropped: list[str] = []
    for number, exercise in enumerate(current.exercises, start=1):
        click.echo(f"{number}. {exercise.name} ({exercise.id})")
        if len(current.exercises) - len(dropped) > 1 and not click.confirm(
                "  Keep it?", default=True):
            dropped.append(exercise.id)
            continue
        if exercise.reps is not None:
            value = click.prompt("  Reps", default=exercise.reps.value,
                                 type=click.IntRange(1, MAX_REPS))
            if value != exercise.reps.value:
                reps[exercise.id] = value
        hold = next((p.seconds.value for p in exercise.rep if isinstance(p, Hold)), None)
        if hold is not None:
            value = click.prompt("  Hold, seconds", default=hold,
                                 type=click.IntRange(1, MAX_HOLD))
            if value != hold:
                holds[exercise.id] = value
        value = click.prompt("  Sets", default=exercise.sets, type=click.IntRange(1, MAX_SETS))
        if value != exercise.sets:
            sets[exercise.id] = value
    rest = choices.rest
    if len(current.exercises) - len(dropped) > 1:
        seconds = click.prompt("Rest between exercises, seconds",
                               default=f"{current.defaults.rest:g}",
                               type=click.FloatRange(0, MAX_SECONDS))
        rest = seconds if seconds != current.defaults.rest else rest
    only = tuple(i for i in choices.only if i not in dropped)
    skip = choices.skip if choices.only else choices.skip + tuple(dropped)
    return replace(choices, reps=reps, holds=holds, sets=sets, rest=rest, only=only, skip=skip)


@cli.command("config")
@handle_errors
def config_command() -> None:
    """Show the config file's path and the settings in effect, with where each comes from.

    The file is TOML with any of: voice, rate, level, output (a folder), format. Options on the
    command line override it; VOICEGUIDE_CONFIG points to another file.

    \b
    Example:
      voiceguide config
    """
    path = config.config_path()
    found = path.is_file()
    click.echo(f"Config file: {path}" + ("" if found else " (not found)"))
    found_settings = config.settings({}, path)
    values = {key: "-" if s.value is None else str(s.value) for key, s in found_settings.items()}
    width = max(12, *map(len, values.values()))
    for key, setting in found_settings.items():
        click.echo(f"  {key:<7} {values[key]:<{width}} {f'({setting.source})':<14} "
                   f"{config.MEANING[key]}")
    if not found:
        click.echo('Create it with lines such as:  level = "easy"  rate = 180')


@cli.command()
@click.argument("routine")
@handle_errors
def validate(routine: str) -> None:
    """Check ROUTINE for errors without synthesizing anything.

    \b
    Example:
      voiceguide validate my-routine.yaml
    """
    loaded = load_routine(routine)
    click.echo(f"{resolve(routine)}: OK, '{loaded.title}', {len(loaded.exercises)} exercises")


@cli.command()
@click.option("--engine", type=click.Choice(engine_names()), default=None)
@click.option("--language", default=None, help="Only voices for this language (e.g. en, de).")
@handle_errors
def voices(engine: str | None, language: str | None) -> None:
    """List the voices of the speech engine.

    \b
    Example:
      voiceguide voices --language en
    """
    for voice in get_engine(engine).voices():
        if language and not any(lang.lower().startswith(language.lower())
                                for lang in voice.languages):
            continue
        click.echo(f"{voice.id:<24} {voice.name:<36} {', '.join(voice.languages)}")


@cli.command()
@handle_errors
def templates() -> None:
    """List the bundled routines, usable by name wherever a routine is expected.

    \b
    Example:
      voiceguide templates
    """
    for path in list_templates():
        routine = load_routine(path)
        click.echo(f"{path.stem:<24} {routine.title} ({len(routine.exercises)} exercises)")


def format_size(size: int) -> str:
    """``512 B``, ``3.4 MB``."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


@cli.group("cache", invoke_without_command=True)
@click.pass_context
@handle_errors
def cache_command(context: click.Context) -> None:
    """Show where the phrase cache is and how much it holds.

    Every phrase is synthesized once per engine, voice, rate and language and kept there, so
    rendering again (other reps, another level) speaks nothing new. VOICEGUIDE_CACHE_DIR moves it.

    \b
    Examples:
      voiceguide cache
      voiceguide cache clear
    """
    if context.invoked_subcommand is not None:
        return
    cache = PhraseCache(default_cache_dir())
    count, size = cache.size()
    click.echo(f"Phrase cache: {cache.root}")
    click.echo(f"{count} clips, {format_size(size)}")


@cache_command.command("clear")
@handle_errors
def cache_clear() -> None:
    """Delete every cached phrase.

    The next render synthesizes the phrases it needs again. Only the cache's own files are
    deleted.

    \b
    Example:
      voiceguide cache clear
    """
    cache = PhraseCache(default_cache_dir())
    removed = cache.clear()
    click.echo(f"Removed {removed} clips from {cache.root}")


@cli.command("bundle")
@click.argument("routine")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The zip to write (default: <output folder>/<routine>.zip).")
@click.option("--force", is_flag=True, help="Replace the zip if it exists.")
@routine_options
@cue_options
@mix_options
@handle_errors
def bundle_command(routine: str, output: Path | None, force: bool, cues: str, no_chimes: bool,
                   music: Path | None, duck: float, loudness: float | None, channels: str | None,
                   **kwargs: Any) -> None:
    """Pack ROUTINE and a player page into one zip to share.

    The zip holds the routine as rendered (options applied), the MP3, its cue sheet and
    transcript, manifest.json and index.html, a player page that works opened straight from the
    unzipped folder. The render goes to the output folder as with 'render' and is reused while
    the routine, the options and the speech engine are unchanged.

    \b
    Example:
      voiceguide bundle back-strengthening --level easy -o back-easy.zip
    """
    options = replace(build_options(**kwargs), sound=SoundOptions(
        cues=cues, chimes=not no_chimes, music=music,  # type: ignore[arg-type]
        duck=duck, loudness=loudness, channels=int(channels) if channels else None))
    source = resolve(routine)
    folder = Path(str(config.settings({})["output"].value)).expanduser()
    output = output or folder / f"{share.slug(source.stem)}.zip"
    made = share.bundle(source, options, output, folder, force=force)
    how = "reused" if made.render.reused else "rendered"
    sheet = json.loads(made.render.sheet.read_text(encoding="utf-8"))
    for warning in sheet["warnings"]:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"{made.path}  ({format_time(sheet['duration'])}, {len(made.files)} files; audio "
               f"{how}: {made.render.audio})")


@cli.command("import")
@click.argument("bundle_file", metavar="BUNDLE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-d", "--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="The folder to unpack into (default: ./<bundle name>).")
@click.option("--force", is_flag=True, help="Replace files of the same name in the folder.")
@handle_errors
def import_command(bundle_file: Path, folder: Path | None, force: bool) -> None:
    """Unpack a shared BUNDLE safely into a folder.

    Only the files a bundle holds, nothing outside the folder, no links, within size limits, the
    routine checked first; a refused bundle writes nothing. The player page is written anew.

    \b
    Example:
      voiceguide import back-easy.zip -d back-easy
    """
    folder = folder or Path(share.slug(bundle_file.stem))
    done = share.import_bundle(bundle_file, folder, force=force)
    click.echo(f"{done.folder / 'index.html'}  ('{done.routine.title}', "
               f"{len(done.routine.exercises)} exercises, {len(done.files)} files): open it in a "
               "browser to play")


@cli.command("site")
@click.argument("routines", metavar="ROUTINES", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The site folder to write.")
@click.option("--base-url", required=True, metavar="URL",
              help="The address the site folder is published at (for the feed's links).")
@click.option("--title", default=None, help="The feed's title.")
@click.option("--description", default=None, help="The feed's description.")
@click.option("--author", default=None, help="The feed's author (default: the routines').")
@click.option("--language", default=None, help="The feed's language (default: the routines').")
@click.option("--image", default=None, metavar="URL", help="The feed's cover image (a URL).")
@click.option("--level", type=click.Choice(LEVELS), default=None,
              help="Pick the low, middle or high value of every range.")
@click.option("--engine", type=click.Choice(engine_names()), default=None,
              help="Speech engine (default: pyttsx3).")
@click.option("--voice", default=None, help="Voice id, name or language.")
@click.option("--rate", type=click.IntRange(80, 450), default=None,
              help="Speaking rate in words per minute.")
@click.option("--no-cache", is_flag=True, help="Synthesize every phrase anew.")
@handle_errors
def site_command(routines: Path, output: Path, base_url: str, title: str | None,
                 description: str | None, author: str | None, language: str | None,
                 image: str | None, level: str | None, engine: str | None, voice: str | None,
                 rate: int | None, no_cache: bool) -> None:
    """Make a site and podcast feed of ROUTINES.

    The output folder gets index.html (the routines), a player page per routine and feed.xml,
    a podcast feed with chapters. Unchanged routines are not rendered again.

    \b
    Example:
      voiceguide site routines/ -o site/ --base-url https://example.org/routines/
    """
    settings = config.settings({"level": level, "voice": voice, "rate": rate})
    options = pipeline.Options(
        choices=Customization(level=settings["level"].value),  # type: ignore[arg-type]
        engine=engine, voice=settings["voice"].value,  # type: ignore[arg-type]
        rate=settings["rate"].value, cache=not no_cache)  # type: ignore[arg-type]
    channel = sitegen.Channel(title, description, author, language, image)
    built = sitegen.build_site(routines, output, base_url, options, channel)
    for episode in built.episodes:
        state = "up to date" if episode.render.reused else "rendered"
        click.echo(f"{episode.slug + '/':<28} {format_time(episode.duration):>8}  {state}")
    click.echo(f"{output / 'index.html'}, {output / 'feed.xml'}: {len(built.episodes)} routines, "
               f"{len(built.rendered)} rendered, {len(built.written)} files written")


@cli.command("serve")
@click.argument("folder", metavar="SITE", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port on 127.0.0.1 (0: any free port).")
@handle_errors
def serve_command(folder: Path, port: int) -> None:
    """Serve a SITE folder on 127.0.0.1 for a quick look.

    Only this computer can reach it; Ctrl-C stops it.

    \b
    Example:
      voiceguide serve site/ --port 8000
    """
    sitegen.serve(folder, port, on_ready=lambda url: click.echo(
        f"Serving {folder} at {url} (Ctrl-C to stop)"))


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (``kill``, a logout, a service manager) stops a render like Ctrl-C does: cleanup
    runs, temporary files go, and the previous output stays untouched."""
    raise KeyboardInterrupt


def main() -> None:
    """The console script's entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="voiceguide")
