"""Languages: phrase files with the same keys, a matching espeak-ng voice, numbers as words, and
the German seed rendered with German number words and a German voice (measured, not trusted)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from voiceguide.audio.synthesize import SAMPLE_RATE, trim
from voiceguide.cli import cli
from voiceguide.engines import get_engine
from voiceguide.pipeline import prepare, render_plan
from voiceguide.script.phrases import available_languages, load_phrases, phrases_dir

from audio_checks import RATE, check_speech_and_silence, decode

ROOT = Path(__file__).resolve().parent.parent
GERMAN = ROOT / "templates" / "rueckenstaerkung.yaml"
SEED = ROOT / "templates" / "back-strengthening.yaml"


def test_english_german_spanish_and_french_ship_with_the_same_keys() -> None:
    assert {"en", "de", "es", "fr"} <= set(available_languages())
    english = yaml.safe_load((phrases_dir() / "en.yaml").read_text(encoding="utf-8"))
    for language in ("de", "es", "fr"):
        data = yaml.safe_load((phrases_dir() / f"{language}.yaml").read_text(encoding="utf-8"))
        assert data["language"] == language
        assert set(data["phrases"]) == set(english["phrases"]), language
        assert set(data["calm"]) == set(english["calm"]), language
        for key, template in english["phrases"].items():  # the same fields to fill in
            theirs = data["phrases"][key]
            # singular and plural forms: the plural has the fields (the singular may write
            # its number as a word: "Eine Wiederholung")
            assert isinstance(theirs, dict) == isinstance(template, dict), (language, key)
            if isinstance(template, dict):
                template, theirs = template["other"], theirs["other"]
            assert set(re.findall(r"{(\w+)}", theirs)) == \
                set(re.findall(r"{(\w+)}", template)), (language, key)


@pytest.mark.parametrize("language", ["en", "de", "es", "fr"])
def test_each_language_names_an_installed_voice_of_its_language(language: str) -> None:
    phrases = load_phrases(language)
    result = CliRunner().invoke(cli, ["voices", "--language", language])
    assert result.exit_code == 0
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    assert phrases.voice is not None
    voice, _plus, variant = phrases.voice.partition("+")  # gmw/de+m3: a voice and its variant
    assert voice in ids
    if variant:  # a variant espeak-ng has
        listed = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True,
                                text=True, check=True).stdout.split()
        assert f"!v/{variant}" in listed


@pytest.mark.parametrize("language,three,fifteen", [
    ("de", "Drei.", "Die letzte, fünfzehn."), ("es", "Tres.", "La última, quince."),
    ("fr", "Trois.", "Dernière, quinze."), ("en", "3.", "Last one, 15.")])
def test_numbers_are_words_of_the_language(language: str, three: str, fifteen: str) -> None:
    phrases = load_phrases(language)
    assert phrases.say("count", n=3) == three
    assert phrases.say("last_rep", n=15) == fifteen


def test_the_german_seed_is_a_faithful_translation_of_the_english_one() -> None:
    german = yaml.safe_load(GERMAN.read_text(encoding="utf-8"))
    english = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    assert german["language"] == "de"
    assert german["defaults"] == english["defaults"]
    assert len(german["intro"]) == len(english["intro"])
    assert len(german["outro"]) == len(english["outro"])
    for de, en in zip(german["exercises"], english["exercises"], strict=True):
        assert de["id"] == en["id"] and de["name"] != en["name"]
        for key in ("reps", "sides", "equipment", "setup", "tip"):
            assert (key in de) == (key in en), (de["id"], key)
        assert [{k: v for k, v in p.items() if k != "say"} for p in de["rep"]] == \
            [{k: v for k, v in p.items() if k != "say"} for p in en["rep"]]


def test_german_cue_sheet_counts_in_german_words() -> None:
    result = CliRunner().invoke(cli, ["preview", "rueckenstaerkung", "--json"])
    assert result.exit_code == 0, result.output
    sheet = json.loads(result.stdout)
    texts = [s["text"] for s in sheet["segments"] if s["kind"] == "speech"]
    for expected in ("Übung eins von fünf: Allgemeine Rückendehnung.", "Fünfzehn Wiederholungen.",
                     "Die letzte, fünfzehn.", "Halten.", "Vier.", "Drei.", "Zwei.", "Eins.",
                     "Rechts, dreizehn.", "Die letzte. Links, dreizehn.", "Seite wechseln. "
                     "Linke Seite.", "Pause. Als Nächstes: Seitlicher Crunch in Rückenlage."):
        assert expected in texts, expected
    own = GERMAN.read_text(encoding="utf-8")  # the routine's own words may hold digits (Omega-3)
    assert not [t for t in texts if re.search(r"\d", t) and t not in own]
    assert texts.count("Eins.") > 50  # every hold and countdown ends on "eins"


def test_german_seed_renders_with_the_german_voice(tmp_path: Path) -> None:
    plan = prepare("rueckenstaerkung")
    engine = get_engine()
    german_voice = load_phrases("de")
    # the clips in the render are what the engine says with the German voice and rate of the
    # phrase file, not the English voice
    for text in ("Drei.", "Halten."):
        german = trim(engine.synthesize(text, german_voice.voice, german_voice.rate))
        english = trim(engine.synthesize(text, "gmw/en-us", None))
        assert len(german.raw_data) != len(english.raw_data)
        assert abs(len(plan.clips[text].raw_data) - len(german.raw_data)) <= 2 * SAMPLE_RATE // 100
    result = render_plan(plan, tmp_path / "ruecken.mp3")
    samples = decode(result.path)
    assert samples.size / RATE == pytest.approx(plan.timeline.duration, abs=0.05)
    assert plan.timeline.duration > 15 * 60
    check_speech_and_silence(samples, plan.timeline, segments=plan.timeline.segments[:400])
