"""The commands on one routine: render, preview, customize, validate."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from .. import batch, config, pipeline
from ..atomic import output_format, output_path
from ..audio.encode import FORMATS, find_ffmpeg
from ..audio.options import SoundOptions
from ..errors import InputError
from ..format.load import MAX_REPS, MAX_SECONDS, MAX_SETS
from ..format.text import check as check_text
from ..format.text import counted, escaped, for_terminal
from ..model import Hold, Routine
from ..pipeline import load_routine, resolve
from ..script.customize import MAX_HOLD, Customization, changes, customize, describe
from ..script.limits import check_work
from ..script.phrases import load_phrases
from .common import (
    CHOICE_OPTIONS,
    build_options,
    cue_options,
    fit_options,
    format_time,
    handle_errors,
    mix_options,
    routine_options,
    show_engine,
    show_warnings,
    wrap,
)


@click.command()
@click.argument("routines", metavar="ROUTINE...", nargs=-1, required=True)
@click.option("-o", "--output", default=None, metavar="PATH",
              help="Output file of a single routine, or a folder for it (ending in '/'); the "
              "format follows the file's extension (default: <output folder>/<routine>.<format>;"
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
def render(routines: tuple[str, ...], output: str | None, output_dir: Path | None,
           fmt: str | None, no_cue_files: bool, cues: str, no_chimes: bool, lead_in: float,
           tail: float, music: Path | None, duck: float, loudness: float | None,
           channels: str | None, cover: Path | None, **kwargs: Any) -> None:
    """Render each ROUTINE into one audio file. Several routines, or a folder of them, are
    rendered in one call (encoded side by side, one per core) into --output-dir.

    \b
    Examples:
      voiceguide render back-strengthening --reps back-stretch=8 -o back.mp3
      voiceguide render routines/ extra.yaml --level easy --output-dir easy/
    """
    options = replace(build_options(**kwargs), sound=SoundOptions(
        cues=cues, chimes=not no_chimes, music=music,  # type: ignore[arg-type]
        duck=duck, loudness=loudness, channels=int(channels) if channels else None,
        lead_in=lead_in, tail=tail), cover=cover)
    source = resolve(routines[0])
    find_ffmpeg()  # before any speech is synthesized: a missing ffmpeg is known at once
    settings = config.settings({})
    default = str(settings["format"].value)
    folder = output_dir or Path(str(settings["output"].value)).expanduser()
    if len(routines) > 1 or source.is_dir():
        if output is not None:
            raise InputError("-o names the file of a single routine.\n  Fix: with several "
                             "routines, give a folder with --output-dir")
        render_several(routines, folder, fmt or default, options, cue_files=not no_cue_files)
        return
    name = f"{source.stem}.{fmt or default}"
    target = output_path(output, name) if output is not None else folder / name
    fmt = output_format(target, FORMATS, fmt, default)
    pipeline.check_render_output(target, fmt, (source, Path(routines[0]), music))
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
    show_engine(plan)
    show_warnings(plan.timeline)
    click.echo(for_terminal(f"Rendering {format_time(plan.timeline.duration)} of audio to "
                            f"{target} …"), err=True)
    result = pipeline.render_plan(plan, target, fmt, cue_files=not no_cue_files)
    click.echo(for_terminal(f"{result.path}  ({format_time(result.duration)}, "
                                f"{result.duration:.1f} s)"))


def render_several(routines: tuple[str, ...], folder: Path, fmt: str,
                   options: pipeline.Options, cue_files: bool) -> None:
    """``render`` with several routines: all checked first, then rendered into ``folder``."""
    jobs = batch.plan_jobs(routines, folder, fmt)

    def prepared(job: batch.Job, plan: pipeline.Plan) -> None:
        show_engine(plan)
        show_warnings(plan.timeline)
        click.echo(for_terminal(f"Rendering {format_time(plan.timeline.duration)} of audio to "
                                f"{job.output} …"), err=True)

    for result in batch.render_jobs(jobs, options, fmt, cue_files=cue_files, on_plan=prepared):
        click.echo(for_terminal(f"{result.path}  ({format_time(result.duration)}, "
                                f"{result.duration:.1f} s)"))


@click.command()
@click.argument("routine")
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@routine_options
@cue_options
@fit_options
@handle_errors
def preview(routine: str, as_json: bool, max_minutes: float | None, apply: bool, cues: str,
            no_chimes: bool, lead_in: float, tail: float, **kwargs: Any) -> None:
    """Show the timeline of ROUTINE, the length of each exercise and the total, without
    rendering.

    \b
    Example:
      voiceguide preview back-strengthening --level easy --skip back-stretch
    """
    loaded = load_routine(routine)
    options = replace(build_options(**kwargs), sound=SoundOptions(
        cues=cues, chimes=not no_chimes, lead_in=lead_in, tail=tail))  # type: ignore[arg-type]
    say = functools.partial(click.echo, err=as_json)
    options = fit_time(loaded, options, max_minutes, apply, say)
    timeline = pipeline.preview(loaded, options)
    show_warnings(timeline)
    if as_json:
        click.echo(json.dumps(timeline.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(for_terminal(timeline.title))
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


@click.command("customize")
@click.argument("routine")
@click.option("-o", "--output", required=True, metavar="PATH",
              help="The routine file to write (never the source file), or a folder for it.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("-i", "--interactive", is_flag=True,
              help="Ask exercise by exercise (the default on a terminal without options).")
@click.option("--title", default=None, help="The variant's title (default: the routine's).")
@click.option("--description", default=None,
              help="The variant's description (default: the routine's when nothing else "
                   "changes, else one listing the variant's exercises).")
@routine_options
@fit_options
@handle_errors
def customize_command(routine: str, output: str, force: bool, interactive: bool,
                      title: str | None, description: str | None,
                      max_minutes: float | None, apply: bool, **kwargs: Any) -> None:
    """Write a copy of ROUTINE with your choices applied, keeping its comments and order.

    Ranges become the numbers chosen, and a 'derived_from' key records the source and the
    options. A description that the choices would make stale (its length, its exercises) is
    replaced by one listing the variant's exercises, unless --description gives one. Without
    options on a terminal, asks exercise by exercise.

    \b
    Example:
      voiceguide customize back-strengthening -o my-back.yaml --level easy --skip back-stretch \\
          --title "Back care, short"
    """
    from ..script.variant import check_output, write_variant  # ruamel.yaml: only here

    source = resolve(routine)
    loaded = load_routine(source)
    target = output_path(output, f"{source.stem}.yaml")
    check_output(source, target, force)
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
    if interactive and not click.confirm(f"Write {target}?", default=True):
        click.echo("Nothing written.")
        return
    args = options.choices.as_args()
    if options.choices.cut != 1.0:
        args += ["--max-minutes", f"{max_minutes:g}", "--apply"]
    # the source's name is a file name, not checked text: escape what the text rule refuses
    derived = escaped(f"{routine} with {' '.join(args)}" if args else routine)
    customized = variant_text_fields(loaded, customize(loaded, options.choices),
                                     title, description, changed=bool(args))
    write_variant(source, customized, target, derived, force=force)
    click.echo(for_terminal(f"{target}  ({counted(len(customized.exercises), 'exercise')}, "
                            f"{format_time(timeline.duration)})"))


def variant_text_fields(source: Routine, customized: Routine, title: str | None,
                        description: str | None, changed: bool) -> Routine:
    """The variant's title and description: the ones given; else the source's title, and its
    description only when nothing changed (a description such as "five exercises, about
    twenty-five minutes" would be stale), otherwise one naming the variant's exercises."""
    for option, text in (("--title", title), ("--description", description)):
        if text is not None:
            check_text(text, option)
    if description is None and changed and source.description is not None:
        names = "; ".join(e.name for e in customized.exercises)  # a name can hold a comma
        count = counted(len(customized.exercises), 'exercise')
        description = f"Adapted from '{source.title}': {count} ({names})."
    return replace(customized, title=title or customized.title,
                   description=description if description is not None
                   else customized.description)


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


@click.command()
@click.argument("routine")
@handle_errors
def validate(routine: str) -> None:
    """Check ROUTINE for errors without synthesizing anything.

    \b
    Example:
      voiceguide validate my-routine.yaml
    """
    loaded = load_routine(routine)
    check_work(customize(loaded), load_phrases(loaded.language))  # what render would say
    click.echo(for_terminal(f"{resolve(routine)}: OK, '{loaded.title}', "
                            f"{counted(len(loaded.exercises), 'exercise')}"))
