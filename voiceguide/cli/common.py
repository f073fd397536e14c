"""What the commands share: error handling and exit codes, the routine and sound options, and
how times and sizes are printed."""

from __future__ import annotations

import functools
import os
import re
import stat
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .. import config, pipeline
from ..audio.options import CUE_MODES, DUCK_DB, LEAD_IN, TAIL
from ..engines import AUTO, ENGINE_ENV, engine_names
from ..errors import InputError, VoiceguideError
from ..format.text import for_terminal
from ..model import LEVELS, Level, Timeline
from ..script.cues import clock
from ..script.customize import Customization

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
            click.echo(f"Error: {for_terminal(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            if not stdout_closed():
                raise
            # the reader went away ('voiceguide preview … | head -3'): what it read was
            # complete; exit quietly, and let nothing else write to the closed pipe
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except OSError as exc:  # a file-system failure that no stage turned into its own error
            if os.environ.get("VOICEGUIDE_DEBUG"):
                raise
            where = f" ({for_terminal(str(exc.filename))})" if exc.filename else ""
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


def stdout_closed() -> bool:
    """Whether standard output is a pipe whose reader has closed it (POSIX poll reports an
    error on it); a broken pipe elsewhere (a worker, ffmpeg) is a real failure."""
    try:
        import select

        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows) or no real stdout
        return True


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
        engine_option(),
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


def engine_option() -> Callable[[F], F]:
    """``--engine``: auto (the default) or an engine by name."""
    return click.option(
        "--engine", type=click.Choice([AUTO, *engine_names()]), default=None,
        help="Speech engine (default: auto, the clearest installed one for the routine's "
        f"language: Piper for English when installed, else pyttsx3; ${ENGINE_ENV} sets another "
        "default).")


def show_engine(plan: pipeline.Plan) -> None:
    """Say on stderr which engine and voice ``auto`` chose."""
    if plan.auto:
        click.echo(f"Voice: {plan.engine}, {plan.voice or 'its default voice'} (auto: the "
                   f"clearest installed engine for '{plan.routine.language}'; --engine to "
                   "choose another)", err=True)


def cue_options(func: F) -> F:
    """``--cues``, ``--no-chimes``, ``--lead-in`` and ``--tail``, shared by ``render`` and
    ``preview``."""
    func = click.option("--tail", type=click.FloatRange(0, 10), default=TAIL, show_default=True,
                        metavar="S", help="Seconds of silence at least after the last sound.")(func)
    func = click.option("--lead-in", type=click.FloatRange(0, 10), default=LEAD_IN,
                        show_default=True, metavar="S",
                        help="Seconds of silence before the first word (players often swallow "
                        "the start of a file).")(func)
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
                     callback=regular_file,
                     default=None, help="An audio file laid under the whole session, looped, "
                     "ducked under speech, faded out at the end."),
        click.option("--duck", type=click.FloatRange(0, 40), default=DUCK_DB, show_default=True,
                     metavar="DB", help="How many dB the music drops under speech."),
        click.option("--loudness", type=click.FloatRange(-36, -6), default=None, metavar="LUFS",
                     help="Integrated loudness target (default -16 stereo, -19 mono)."),
        click.option("--channels", type=click.Choice(["1", "2"]), default=None,
                     help="Mono or stereo (default: mono, stereo with --music)."),
        click.option("--cover", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     metavar="FILE", help="Cover art: a square PNG or JPEG of 1400-3000 px "
                     "(default: the routine's 'cover:', else the title on a colour)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


CHOICE_OPTIONS = ("reps", "sets", "hold", "rest", "only", "skip", "order", "no_intro", "no_outro",
                  "level")


def regular_file(context: click.Context, parameter: click.Parameter,
                 value: Path | None) -> Path | None:
    """An input file option's value, if it is a regular file (not a named pipe or a device,
    which ffmpeg would wait on or read for ever)."""
    if value is not None and not stat.S_ISREG(value.stat().st_mode):
        raise click.BadParameter(f"{value} is not a regular file (a named pipe or a device); "
                                 "give an audio file")
    return value


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


format_time = clock  # ``12:05`` or ``1:02:03``: one rule for the CLI, cue sheet, site and page


def progress_lines() -> Callable[[str], None] | None:
    """Where a long command reports each step ("[2/3] back-easy.mp3 …"): stderr on a terminal;
    None (nothing said) when stderr is a pipe or a file, so logs hold only the results."""
    if not sys.stderr.isatty():
        return None
    return lambda line: click.echo(for_terminal(f"{line} …"), err=True)


def parse_levels(value: str | None) -> tuple[Level, ...]:
    """``easy,standard,hard`` as levels, each once, in the order given (a UsageError names a
    wrong one)."""
    if not value:
        return ()
    names = [part.strip() for part in value.split(",") if part.strip()]
    wrong = [name for name in names if name not in LEVELS]
    if wrong or not names:
        raise click.UsageError(f"--levels {value!r}: {', '.join(wrong) or 'no level'} is not a "
                               f"level.\n  Fix: list some of {', '.join(LEVELS)}, such as "
                               "--levels easy,standard,hard")
    return tuple(dict.fromkeys(names))  # type: ignore[arg-type]


def wrap(text: str, indent: str = "") -> str:
    """``text`` wrapped at 100 columns, never inside an exercise id."""
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False)


def show_warnings(timeline: Timeline) -> None:
    for warning in timeline.warnings:
        click.echo(f"Warning: {for_terminal(warning)}", err=True)


def format_size(size: int) -> str:
    """``512 B``, ``3.4 MB``."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")
