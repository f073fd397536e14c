"""The command line: a thin click layer over the Python API.

Exit codes: 0 success, 1 runtime failure (engine, ffmpeg, disk), 2 bad input or usage.
Set ``VOICEGUIDE_DEBUG=1`` to see the full traceback of an error.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import pipeline
from .customize import Customization
from .engines import engine_names, get_engine
from .errors import InputError, VoiceguideError
from .export import FORMATS
from .load import list_templates, load_routine, resolve
from .model import LEVELS, Timeline

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
        except KeyboardInterrupt:
            click.echo("Aborted: nothing was written.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def parse_reps(values: tuple[str, ...]) -> dict[str, int]:
    """``ID=N`` pairs from ``--reps``."""
    reps: dict[str, int] = {}
    for value in values:
        exercise_id, sep, count = value.partition("=")
        if not sep or not exercise_id.strip() or not count.strip().isdecimal():
            raise InputError(f"--reps: {value!r} is not ID=N.\n  Fix: write for example "
                             "--reps back-stretch=10")
        reps[exercise_id.strip()] = int(count)
    return reps


def routine_options(func: F) -> F:
    """The options shared by ``render`` and ``preview``."""
    options = [
        click.option("--reps", "reps", multiple=True, metavar="ID=N",
                     help="Set an exercise's reps (repeatable)."),
        click.option("--level", type=click.Choice(LEVELS), default="standard", show_default=True,
                     help="Pick the low, middle or high value of every range (reps 12-15)."),
        click.option("--engine", type=click.Choice(engine_names()), default=None,
                     help="Speech engine (default: pyttsx3)."),
        click.option("--voice", default=None, help="Voice id, name or language (see 'voices')."),
        click.option("--rate", type=click.IntRange(80, 450), default=None,
                     help="Speaking rate in words per minute (default 200)."),
        click.option("--no-cache", is_flag=True, help="Synthesize every phrase anew."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_options(reps: tuple[str, ...], level: str, engine: str | None, voice: str | None,
                  rate: int | None, no_cache: bool) -> pipeline.Options:
    return pipeline.Options(
        choices=Customization(level=level, reps=parse_reps(reps)),  # type: ignore[arg-type]
        engine=engine, voice=voice, rate=rate, cache=not no_cache)


def format_time(seconds: float) -> str:
    """``12:05`` or ``1:02:03``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


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
@click.argument("routine")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: output/<routine>.<format>).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="mp3", show_default=True)
@routine_options
@handle_errors
def render(routine: str, output: Path | None, fmt: str, **kwargs: Any) -> None:
    """Render ROUTINE into one audio file.

    \b
    Example:
      voiceguide render back-strengthening --reps back-stretch=8 -o back.mp3
    """
    options = build_options(**kwargs)
    source = resolve(routine)
    output = output or Path("output") / f"{source.stem}.{fmt}"
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
    result = pipeline.render_plan(plan, output, fmt)
    click.echo(f"{result.path}  ({format_time(result.duration)}, {result.duration:.1f} s)")


@cli.command()
@click.argument("routine")
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@routine_options
@handle_errors
def preview(routine: str, as_json: bool, **kwargs: Any) -> None:
    """Show the timeline of ROUTINE and its total length, without rendering.

    \b
    Example:
      voiceguide preview back-strengthening --reps general-back-stretch=10
    """
    timeline = pipeline.preview(resolve(routine), build_options(**kwargs))
    show_warnings(timeline)
    if as_json:
        click.echo(json.dumps(timeline.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{timeline.title}")
    for segment in timeline.speech:
        click.echo(f"{format_time(segment.start):>8}  {(segment.exercise or '-')[:22]:<22}  "
                   f"{segment.text}")
    click.echo("")
    for chapter in timeline.chapters:
        click.echo(f"{format_time(chapter.start):>8}  {format_time(chapter.end - chapter.start):>6}"
                   f"  {chapter.title}")
    click.echo(f"Total: {format_time(timeline.duration)} ({timeline.duration:.1f} s)")


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


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (``kill``, a logout, a service manager) stops a render like Ctrl-C does: cleanup
    runs, temporary files go, and the previous output stays untouched."""
    raise KeyboardInterrupt


def main() -> None:
    """The console script's entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="voiceguide")
