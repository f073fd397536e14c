"""The 'studio' command: the routine editor and player in the browser."""

from __future__ import annotations

import os
import sys
import webbrowser
from pathlib import Path

import click

from ..errors import VoiceguideError
from .common import handle_errors


def has_display() -> bool:
    """Whether a browser can be opened here: a desktop (macOS, Windows) or an X/Wayland display."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@click.command("studio")
@click.argument("folder", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: a free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; only print the address.")
@handle_errors
def studio_command(folder: Path, port: int, no_browser: bool) -> None:
    """Edit, preview, render and share the routines of FOLDER in the browser.

    Serves on 127.0.0.1 only; the address printed carries a secret token (keep it to yourself).
    Routines are saved into FOLDER, renders into FOLDER/output, deleted routines go to
    FOLDER/.trash. Stop with Ctrl-C.

    \b
    Example:
      voiceguide studio my-routines
    """
    try:
        from ..studio import server
    except ImportError:
        raise VoiceguideError("the studio needs its extra: pip install 'voiceguide[studio]'"
                              ) from None
    running = server.start(folder, port=port, background=False)
    click.echo(f"voiceguide studio on {running.studio.folder.root}")
    click.echo(f"Open {running.url}  (Ctrl-C to stop)")
    if not no_browser and has_display():
        webbrowser.open(running.url)
    try:
        server.serve(running)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: saved files are saved, nothing is half-written
        click.echo("Studio stopped.")
