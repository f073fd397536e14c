"""The commands that share: bundle, import, site, serve."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from .. import config, pipeline
from ..atomic import check_new_file, output_path
from ..audio.options import SoundOptions
from ..format.text import counted, for_terminal
from ..model import LEVELS
from ..pipeline import resolve
from ..script.customize import Customization
from ..share import archive, bundle, serve, site
from .common import (
    build_options,
    cue_options,
    engine_option,
    format_size,
    format_time,
    handle_errors,
    mix_options,
    parse_levels,
    progress_lines,
    routine_options,
)


@click.command("bundle")
@click.argument("routine")
@click.option("-o", "--output", default=None, metavar="PATH",
              help="The zip to write, or a folder for it (default: <output folder>/<routine>.zip).")
@click.option("--force", is_flag=True, help="Replace the zip if it exists.")
@click.option("--levels", default=None, metavar="LEVEL,LEVEL",
              help="One render per level (easy,standard,hard or some of them), in one player "
                   "page that switches between them.")
@routine_options
@cue_options
@mix_options
@handle_errors
def bundle_command(routine: str, output: str | None, force: bool, levels: str | None, cues: str,
                   no_chimes: bool, lead_in: float, tail: float, music: Path | None, duck: float,
                   loudness: float | None, channels: str | None, cover: Path | None,
                   **kwargs: Any) -> None:
    """Pack ROUTINE and a player page into one zip to share.

    The zip holds the routine as rendered (options applied), the MP3, its cue sheet and
    transcript, manifest.json, a cover image and index.html, a player page that works opened
    straight from the unzipped folder. The render goes to the output folder as with 'render'
    and is reused while the routine, the options and the speech engine are unchanged.

    \b
    Examples:
      voiceguide bundle back-strengthening --level easy -o back-easy.zip
      voiceguide bundle back-strengthening --levels easy,standard,hard -o back.zip
    """
    chosen = parse_levels(levels)
    if chosen and kwargs.get("level"):
        raise click.UsageError("--level and --levels both choose the level.\n  Fix: give one "
                               "of them")
    options = replace(build_options(**kwargs), sound=SoundOptions(
        cues=cues, chimes=not no_chimes, music=music,  # type: ignore[arg-type]
        duck=duck, loudness=loudness, channels=int(channels) if channels else None,
        lead_in=lead_in, tail=tail), cover=cover)
    source = resolve(routine)
    folder = Path(str(config.settings({})["output"].value)).expanduser()
    name = f"{archive.slug(source.stem)}.zip"
    target = output_path(output, name) if output is not None else folder / name
    check_new_file(target, force, "my-routine.zip", inputs=(source, Path(routine), music))
    made = bundle.bundle(source, options, target, folder, force=force, levels=chosen,
                         progress=progress_lines())
    for rendered in made.renders:
        sheet = json.loads(rendered.sheet.read_text(encoding="utf-8"))
        for warning in sheet["warnings"]:
            click.echo(f"Warning: {warning}", err=True)
        how = "reused" if rendered.reused else "rendered"
        if made.levels:
            click.echo(for_terminal(f"  {rendered.audio.name:<32} "
                                    f"{format_time(sheet['duration']):>8}  {how}"))
    sheet = json.loads(made.render.sheet.read_text(encoding="utf-8"))
    if made.levels:
        click.echo(for_terminal(f"{made.path}  ({len(made.levels)} levels, "
                                f"{len(made.files)} files, "
                                f"{format_size(made.path.stat().st_size)})"))
    else:
        how = "reused" if made.render.reused else "rendered"
        click.echo(for_terminal(f"{made.path}  ({format_time(sheet['duration'])}, "
                                f"{len(made.files)} files; audio {how}: {made.render.audio})"))


@click.command("import")
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
    folder = folder or Path(archive.slug(bundle_file.stem))
    done = archive.import_bundle(bundle_file, folder, force=force)
    click.echo(for_terminal(f"{done.folder / 'index.html'}  ('{done.routine.title}', "
                            f"{counted(len(done.routine.exercises), 'exercise')}, "
                            f"{len(done.files)} files): open it in a browser to play"))


@click.command("site")
@click.argument("routines", metavar="ROUTINES", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The site folder to write.")
@click.option("--base-url", required=True, metavar="URL",
              help="The address the site folder is published at (for the feed's links).")
@click.option("--title", default=None, help="The feed's title.")
@click.option("--description", default=None, help="The feed's description.")
@click.option("--author", default=None, help="The feed's author (default: the routines').")
@click.option("--language", default=None, help="The feed's language (default: the routines').")
@click.option("--image", default=None, metavar="FILE|URL",
              help="The feed's cover: a square PNG or JPEG of 1400-3000 px (checked and copied "
                   "into the site), or its http(s) URL (default: one generated from the title).")
@click.option("--owner-email", default=None, metavar="EMAIL",
              help="The owner's email for podcast directories (itunes:owner; default: the config "
                   "file's owner_email).")
@click.option("--level", type=click.Choice(LEVELS), default=None,
              help="Pick the low, middle or high value of every range.")
@engine_option()
@click.option("--voice", default=None, help="Voice id, name or language.")
@click.option("--rate", type=click.IntRange(80, 450), default=None,
              help="Speaking rate in words per minute.")
@click.option("--no-cache", is_flag=True, help="Synthesize every phrase anew.")
@handle_errors
def site_command(routines: Path, output: Path, base_url: str, title: str | None,
                 description: str | None, author: str | None, language: str | None,
                 image: str | None, owner_email: str | None, level: str | None,
                 engine: str | None, voice: str | None, rate: int | None, no_cache: bool) -> None:
    """Make a site and podcast feed of ROUTINES.

    The output folder gets index.html (the routines), a player page per routine and feed.xml,
    a podcast feed with chapters, transcripts and cover art. Unchanged routines are not
    rendered again. Two routines with the same title are refused.

    \b
    Example:
      voiceguide site routines/ -o site/ --base-url https://example.org/routines/ \\
          --owner-email jane@example.org
    """
    settings = config.settings({"level": level, "voice": voice, "rate": rate,
                                "owner_email": owner_email})
    owner_email = settings["owner_email"].value  # type: ignore[assignment]
    if owner_email is None:
        click.echo("Warning: no --owner-email (or owner_email in the config file): Apple "
                   "Podcasts asks for the owner's email (itunes:owner).", err=True)
    options = pipeline.Options(
        choices=Customization(level=settings["level"].value),  # type: ignore[arg-type]
        engine=engine, voice=settings["voice"].value,  # type: ignore[arg-type]
        rate=settings["rate"].value, cache=not no_cache)  # type: ignore[arg-type]
    channel = site.Channel(title, description, author, language, image, owner_email)
    built = site.build_site(routines, output, base_url, options, channel,
                            progress=progress_lines())
    for episode in built.episodes:
        state = "up to date" if episode.render.reused else "rendered"
        click.echo(for_terminal(f"{episode.slug + '/':<28} "
                                f"{format_time(episode.duration):>8}  {state}"))
    click.echo(for_terminal(f"{output / 'index.html'}, {output / 'feed.xml'}: "
                            f"{counted(len(built.episodes), 'routine')}, "
                            f"{len(built.rendered)} rendered, {len(built.written)} files written"))


@click.command("serve")
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
    serve.serve(folder, port, on_ready=lambda url: click.echo(
        f"Serving {folder} at {url} (Ctrl-C to stop)"))
