"""``--engine auto``, the default: the clearest installed engine for the routine's language
(Piper for English when the neural extra is installed, pyttsx3 otherwise), said on stderr. Real
engines: "not installed" is made by hiding the Piper package from the import system."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from voiceguide.engines import ENGINE_ENV, choose_engine
from voiceguide.engines.piper_engine import PiperEngine
from voiceguide.engines.pyttsx3_engine import Pyttsx3Engine

from conftest import run_cli


@pytest.fixture
def auto(monkeypatch: pytest.MonkeyPatch) -> None:
    """No engine pinned by the environment: the default is auto, as for a user."""
    monkeypatch.delenv(ENGINE_ENV, raising=False)


@pytest.fixture
def without_piper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not installed


def test_auto_picks_piper_for_english_when_installed(auto: None) -> None:
    choice = choose_engine(None, "en")
    assert choice.auto and choice.name == "piper" and isinstance(choice.engine, PiperEngine)
    assert len(choice.engine.synthesize("Hold.", None, None)) > 200  # it really speaks


def test_auto_picks_pyttsx3_where_piper_has_no_voice_or_is_missing(
        auto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    for language in ("de", "es", "fr"):
        choice = choose_engine("auto", language)
        assert (choice.name, choice.auto) == ("pyttsx3", True)
    # a voice Piper does not have sends auto to the engine that has it
    assert choose_engine(None, "en", voice="gmw/en-us").name == "pyttsx3"
    monkeypatch.setitem(sys.modules, "piper", None)
    choice = choose_engine(None, "en")
    assert choice.name == "pyttsx3" and isinstance(choice.engine, Pyttsx3Engine)


def test_an_engine_asked_for_by_name_is_used(auto: None) -> None:
    choice = choose_engine("pyttsx3", "en")
    assert (choice.name, choice.auto) == ("pyttsx3", False)


def test_the_cli_says_which_engine_auto_chose(auto: None, small_routine_file: Path,
                                              tmp_path: Path) -> None:
    out = tmp_path / "small.mp3"
    code, stdout, stderr = run_cli("render", str(small_routine_file), "-o", str(out))
    assert code == 0, stderr
    assert "Voice: piper, en_US-joe-medium (auto: the clearest installed engine for 'en'" \
        in stderr
    assert "Voice:" not in stdout and out.is_file()
    code, _stdout, stderr = run_cli("render", str(small_routine_file), "-o", str(out),
                                    "--engine", "pyttsx3")
    assert code == 0 and "Voice:" not in stderr  # asked for by name: nothing to say


def test_the_cli_falls_back_to_pyttsx3_without_the_neural_extra(
        auto: None, without_piper: None, small_routine_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "small.mp3"
    code, _stdout, stderr = run_cli("render", str(small_routine_file), "-o", str(out))
    assert code == 0, stderr
    assert "Voice: pyttsx3, gmw/en-us (auto: the clearest installed engine for 'en'" in stderr
