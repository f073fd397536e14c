"""User defaults: an optional TOML file (voice, rate, level, output folder, format, owner email).

The file lives in the user's config directory (``voiceguide config`` prints where); the environment
variable ``VOICEGUIDE_CONFIG`` points elsewhere. Command-line options override it.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .atomic import NotRegularFile, read_bounded
from .audio.encode import FORMATS
from .errors import InputError
from .format.text import check as check_text
from .model import LEVELS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_ENV = "VOICEGUIDE_CONFIG"
MAX_CONFIG_BYTES = 100_000  # a config file holds six short settings
MIN_RATE = 80
MAX_RATE = 450
BUILTIN: Mapping[str, str | int | None] = {
    "voice": None, "rate": None, "level": "standard", "output": "output", "format": "mp3",
    "owner_email": None,
}
EXAMPLES = {"voice": 'voice = "en-gb"', "rate": "rate = 180", "level": 'level = "easy"',
            "output": 'output = "~/Music/routines"', "format": 'format = "mp3"',
            "owner_email": 'owner_email = "coach@example.org"'}
MEANING = {
    "voice": "a voice id, name or language ('-': the routine language's voice)",
    "rate": f"a speaking rate in words per minute, {MIN_RATE} to {MAX_RATE} ('-': 200)",
    "level": f"one of {', '.join(LEVELS)}",
    "output": "the folder render writes into",
    "format": f"one of {', '.join(FORMATS)}",
    "owner_email": "the podcast owner's email address, for 'site' (itunes:owner)",
}


@dataclass(frozen=True)
class Setting:
    """A value in effect and where it came from: "option", "config file" or "default"."""

    value: str | int | None
    source: str


def config_path() -> Path:
    """``$VOICEGUIDE_CONFIG``, or ``config.toml`` in the user's config directory."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path("voiceguide") / "config.toml"


def load_config(path: Path | None = None) -> dict[str, str | int]:
    """The settings of the config file (none if it does not exist), checked key by key."""
    path = path or config_path()
    try:
        data = read_bounded(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return {}
    except NotRegularFile:
        raise InputError(f"{path}: the config file is not a regular file (a device, a named "
                         f"pipe or a folder).\n  Fix: point {CONFIG_ENV} at a TOML file, or "
                         "unset it") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise InputError(f"{path}: the config file is larger than {MAX_CONFIG_BYTES:,} bytes; "
                         "it holds a few settings.\n  Fix: check that this is the config file "
                         "you meant")
    try:
        table = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(f"{path}: this config file is not valid TOML: {why}\n"
                         "  Fix: write lines such as: level = \"easy\"") from None
    return {key: _check(path, key, value) for key, value in table.items()}


def _check(path: Path, key: str, value: object) -> str | int:
    check_text(key, "key", path)
    if isinstance(value, str):
        check_text(value, key, path)
    if key not in BUILTIN:
        close = difflib.get_close_matches(key, list(BUILTIN), n=1, cutoff=0.6)
        guess = f" Did you mean '{close[0]}'?" if close else ""
        raise InputError(f"{path}: unknown key '{key}'.{guess}\n"
                         f"  Fix: the keys allowed are {', '.join(BUILTIN)}")
    bad = InputError(f"{path}: '{key}' must be {MEANING[key].split(' (')[0]}, not {value!r}\n"
                     f"  Fix: write for example {EXAMPLES.get(key, key + ' = ...')}")
    if key == "rate":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        if not MIN_RATE <= value <= MAX_RATE:
            raise bad
        return value
    if not isinstance(value, str) or not value.strip():
        raise bad
    if (key == "level" and value not in LEVELS) or (key == "format" and value not in FORMATS):
        raise bad
    return value


def settings(options: Mapping[str, str | int | None], path: Path | None = None
             ) -> dict[str, Setting]:
    """Every setting in effect: the option if given, else the config file's, else the default."""
    from_file = load_config(path)
    result: dict[str, Setting] = {}
    for key, builtin in BUILTIN.items():
        if options.get(key) is not None:
            result[key] = Setting(options[key], "option")
        elif key in from_file:
            result[key] = Setting(from_file[key], "config file")
        else:
            result[key] = Setting(builtin, "default")
    return result
