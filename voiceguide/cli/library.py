"""The commands about what is installed: config, voices, templates, the phrase cache."""

from __future__ import annotations

import click

from .. import config
from ..engines import choose_engine
from ..format.load import list_templates
from ..format.text import counted
from ..pipeline import load_routine
from ..script.cues import clock
from .common import (
    engine_option,
    format_size,
    handle_errors,
)


@click.command("config")
@handle_errors
def config_command() -> None:
    """Show the config file's path and the settings in effect, with where each comes from.

    The file is TOML with any of: voice, rate, level, output (a folder), format, owner_email.
    Options on the command line override it; VOICEGUIDE_CONFIG points to another file.

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


@click.command()
@engine_option()
@click.option("--language", default=None, help="Only voices for this language (e.g. en, de).")
@handle_errors
def voices(engine: str | None, language: str | None) -> None:
    """List the voices of the speech engine.

    \b
    Example:
      voiceguide voices --language en
    """
    for voice in choose_engine(engine, language or "en").engine.voices():
        if language and not any(lang.lower().startswith(language.lower())
                                for lang in voice.languages):
            continue
        click.echo(f"{voice.id:<24} {voice.name:<36} {', '.join(voice.languages)}")


@click.command()
@handle_errors
def templates() -> None:
    """List the bundled routines, usable by name wherever a routine is expected.

    \b
    Example:
      voiceguide templates
    """
    from ..script.compile import compile_timeline
    from ..script.customize import customize
    from ..script.phrases import load_phrases

    for path in list_templates():
        routine = customize(load_routine(path))
        timeline = compile_timeline(routine, load_phrases(routine.language), estimate_speech)
        click.echo(f"{path.stem:<20} {routine.kind:<11} {clock(timeline.duration):>6}  "
                   f"{routine.title} ({counted(len(routine.exercises), 'exercise')})")


def estimate_speech(text: str) -> float:
    """About how long ``text`` takes to say (seconds): 0.065 s a character, the rate of the
    default espeak-ng voices measured on the seed routine, so no speech is synthesized."""
    return 0.065 * len(text)


@click.command("schema")
@handle_errors
def schema_command() -> None:
    """Print the routine format as a JSON Schema (draft 2020-12).

    Editors that read the '# yaml-language-server: $schema=...' line (VS Code's YAML extension,
    for one) complete and check routine keys with it; the bundled templates carry that line.

    \b
    Example:
      voiceguide schema > routine.schema.json
    """
    from ..format.schema import json_schema_text

    click.echo(json_schema_text(), nl=False)


@click.group("cache", invoke_without_command=True)
@click.pass_context
@handle_errors
def cache_command(context: click.Context) -> None:
    """Show where the phrase cache is and how much it holds.

    Every phrase is synthesized once per engine, voice, rate and language and kept there, so
    rendering again (other reps, another level) speaks nothing new; so is each encoded chapter of
    an MP3, so only the chapters whose sound changed are encoded again. VOICEGUIDE_CACHE_DIR
    moves it.

    \b
    Examples:
      voiceguide cache
      voiceguide cache clear
    """
    if context.invoked_subcommand is not None:
        return
    from ..audio.cache import PhraseCache, default_cache_dir  # pydub: only when asked
    from ..audio.parts import PartCache, parts_folder
    from ..audio.profiles import ProfileStore, levels_folder

    cache = PhraseCache(default_cache_dir())
    count, size = cache.size()
    parts, parts_size = PartCache(parts_folder(cache.root)).size()
    profiles, profiles_size = ProfileStore(levels_folder(cache.root)).size()
    click.echo(f"Phrase cache: {cache.root}")
    click.echo(f"{count} clips, {format_size(size)}")
    click.echo(f"{parts} encoded chapters, {format_size(parts_size)}")
    click.echo(f"{profiles} loudness profiles, {format_size(profiles_size)}")


@cache_command.command("clear")
@handle_errors
def cache_clear() -> None:
    """Delete every cached phrase, encoded chapter and loudness profile.

    The next render synthesizes the phrases it needs again. Only the cache's own files are
    deleted.

    \b
    Example:
      voiceguide cache clear
    """
    from ..audio.cache import PhraseCache, default_cache_dir  # pydub: only when asked
    from ..audio.parts import PartCache, parts_folder
    from ..audio.profiles import ProfileStore, levels_folder

    cache = PhraseCache(default_cache_dir())
    removed = cache.clear()
    parts = PartCache(parts_folder(cache.root)).clear()
    profiles = ProfileStore(levels_folder(cache.root)).clear()
    click.echo(f"Removed {removed} clips, {parts} encoded chapters and {profiles} loudness "
               f"profiles from {cache.root}")
