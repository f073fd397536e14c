"""The command line: a thin click layer over the Python API.

Exit codes: 0 success, 1 runtime failure (engine, ffmpeg, disk), 2 bad input or usage.
Set ``VOICEGUIDE_DEBUG=1`` to see the full traceback of an error.
"""

from __future__ import annotations

import signal

import click

from . import library, publish, routine, studio


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="voiceguide")
def cli() -> None:
    """Turn an exercise routine (YAML) into one hands-free, voice-guided audio file.

    ROUTINE is a routine file or the name of a bundled template (see 'voiceguide templates').

    \b
    Example:
      voiceguide render back-strengthening
    """


cli.add_command(routine.render)
cli.add_command(routine.preview)
cli.add_command(routine.customize_command)
cli.add_command(routine.validate)
cli.add_command(library.config_command)
cli.add_command(library.voices)
cli.add_command(library.templates)
cli.add_command(library.schema_command)
cli.add_command(library.cache_command)
cli.add_command(publish.bundle_command)
cli.add_command(publish.import_command)
cli.add_command(publish.site_command)
cli.add_command(publish.serve_command)
cli.add_command(studio.studio_command)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (``kill``, a logout, a service manager) stops a render like Ctrl-C does: cleanup
    runs, temporary files go, and the previous output stays untouched."""
    raise KeyboardInterrupt


def main() -> None:
    """The console script's entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="voiceguide")
