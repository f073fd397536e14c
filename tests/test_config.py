"""User defaults: the config file, its errors, the precedence of flags, and `voiceguide config`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceguide.config import config_path, load_config, settings
from voiceguide.errors import InputError

from audio_checks import RATE, decode
from conftest import SMALL, run_cli

RANGED = SMALL.replace("    reps: 3\n", "    reps: 3-5\n")


@pytest.fixture
def config_file(no_user_config: Path) -> Iterator[Path]:
    """The config file the tests' environment points to; removed after each test."""
    yield no_user_config
    no_user_config.unlink(missing_ok=True)


def test_the_environment_points_to_the_file(config_file: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_path() == config_file
    monkeypatch.delenv("VOICEGUIDE_CONFIG")
    assert config_path().name == "config.toml"
    assert "voiceguide" in config_path().parts


def test_no_file_means_the_defaults(config_file: Path) -> None:
    assert load_config() == {}
    found = settings({})
    assert {key: s.value for key, s in found.items()} == {
        "voice": None, "rate": None, "level": "standard", "output": "output", "format": "mp3",
        "owner_email": None}
    assert {s.source for s in found.values()} == {"default"}


def test_the_owner_email_comes_from_the_file(config_file: Path) -> None:
    config_file.write_text('owner_email = "jane@example.org"\n', encoding="utf-8")
    found = settings({"owner_email": None})
    assert (found["owner_email"].value, found["owner_email"].source) == \
        ("jane@example.org", "config file")


def test_flags_override_the_file(config_file: Path) -> None:
    config_file.write_text('level = "easy"\nrate = 170\nformat = "wav"\n', encoding="utf-8")
    found = settings({"level": "hard", "rate": None})
    assert (found["level"].value, found["level"].source) == ("hard", "option")
    assert (found["rate"].value, found["rate"].source) == (170, "config file")
    assert (found["format"].value, found["format"].source) == ("wav", "config file")
    assert (found["voice"].value, found["voice"].source) == (None, "default")


@pytest.mark.parametrize(("text", "message"), [
    ('levle = "easy"\n', "unknown key 'levle'. Did you mean 'level'?"),
    ('level = "expert"\n', "'level' must be one of easy, standard, hard, not 'expert'"),
    ("rate = 10\n", "'rate' must be a speaking rate in words per minute, 80 to 450, not 10"),
    ('rate = "fast"\n', "'rate' must be a speaking rate"),
    ('format = "ogg"\n', "'format' must be one of mp3"),
    ('voice = ""\n', "'voice' must be a voice id"),
    ("level = easy\n", "this config file is not valid TOML: Invalid value (at line 1, column 9)"),
])
def test_a_bad_file_names_the_file_and_key(config_file: Path, text: str, message: str) -> None:
    config_file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config()
    assert str(caught.value).startswith(f"{config_file}: ")
    assert message in str(caught.value)
    code, _, err = run_cli("preview", "back-strengthening")
    assert code == 2 and err.startswith(f"Error: {config_file}: ") and message in err


def test_config_command_shows_path_values_and_sources(config_file: Path) -> None:
    code, out, _ = run_cli("config")
    assert code == 0
    assert out.splitlines()[0] == f"Config file: {config_file} (not found)"
    assert "  level   standard     (default)" in out
    config_file.write_text('level = "hard"\noutput = "renders"\n', encoding="utf-8")
    code, out, _ = run_cli("config")
    assert code == 0
    assert out.splitlines()[0] == f"Config file: {config_file}"
    assert "  level   hard         (config file)" in out
    assert "  output  renders      (config file)" in out
    assert "  format  mp3          (default)" in out


def test_preview_uses_the_files_level_unless_a_flag_says_otherwise(
        config_file: Path, tmp_path: Path) -> None:
    routine = tmp_path / "small.yaml"
    routine.write_text(RANGED, encoding="utf-8")
    config_file.write_text('level = "hard"\n', encoding="utf-8")
    code, out, _ = run_cli("preview", str(routine))
    assert code == 0 and "Level hard:" in out and "Last one, 5." in out
    code, out, _ = run_cli("preview", str(routine), "--level", "easy")
    assert code == 0 and "Level easy:" in out and "Last one, 3." in out


def test_render_writes_into_the_files_folder_and_format(
        config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    routine = tmp_path / "small.yaml"
    routine.write_text(SMALL, encoding="utf-8")
    config_file.write_text(f'output = "{(tmp_path / "renders").as_posix()}"\nformat = "wav"\n'
                           "rate = 220\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("render", str(routine))
    assert code == 0, err
    written = tmp_path / "renders" / "small.wav"
    assert out.startswith(f"{written}  (")
    seconds = float(out.split(", ")[1].split(" s)")[0])
    assert abs(decode(written).size / RATE - seconds) < 0.06
    _, fast, _ = run_cli("preview", str(routine), "--json")
    _, slow, _ = run_cli("preview", str(routine), "--json", "--rate", "120")
    assert json.loads(slow)["duration"] > json.loads(fast)["duration"] + 5
