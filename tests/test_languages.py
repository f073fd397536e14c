"""Languages: phrase files with the same keys, a matching espeak-ng voice, numbers as words; the
German seed and a short routine in German, Spanish and French previewed and rendered, with the
timing rules, the clips and the voice measured in the audio, not trusted."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from pydub import AudioSegment

from voiceguide.audio.synthesize import trim
from voiceguide.cli import cli
from voiceguide.engines import get_engine
from voiceguide.pipeline import prepare, render_plan
from voiceguide.script.phrases import available_languages, load_phrases, phrases_dir

from audio_checks import (
    RATE,
    check_rules,
    check_speech_and_silence,
    clip_samples,
    decode,
    likeness,
    seconds,
)
from conftest import run_cli

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


def voice_likeness(clips: dict[str, AudioSegment], language: str,
                   other: str = "gmw/en-us", count: int = 8) -> tuple[float, float]:
    """How alike the render's clips are to the same texts spoken anew by ``voice`` and by
    ``other`` (mean normalized cross-correlation of up to ``count`` clips, tests/audio_checks.py:
    espeak-ng's noise leaves the same voice at about 0.6-0.8, another voice far lower); the
    language's voice at its phrase file's rate."""
    engine = get_engine("pyttsx3")
    phrases = load_phrases(language)
    scores = [[likeness(clip_samples(clip), clip_samples(trim(engine.synthesize(text, v, r))))
               for v, r in ((phrases.voice, phrases.rate), (other, None))]
              for text, clip in list(clips.items())[:count]]
    own, foreign = np.mean(scores, axis=0)
    return float(own), float(foreign)


@pytest.mark.slow
def test_german_seed_renders_with_the_german_voice(tmp_path: Path) -> None:
    """The whole German seed: every hold and countdown on the beat, every clip in its slot (all
    measured in the decoded MP3), and the clips in the German voice, not the English one."""
    plan = prepare("rueckenstaerkung")
    own, english = voice_likeness(plan.clips, "de")
    assert own >= 0.35 and own >= english + 0.2, (own, english)
    result = render_plan(plan, tmp_path / "ruecken.mp3")
    assert seconds(result.path) == pytest.approx(plan.timeline.duration, abs=0.05)
    assert plan.timeline.duration > 15 * 60
    check_rules(result.path, plan.timeline, plan.routine, plan.clips)
    check_speech_and_silence(decode(result.path), plan.timeline)


SHORT = {  # title, intro, exercise, its two cues, a timed exercise; three, the last of three
    "de": ("Kurze Übung", "Hallo.", "Beinheben", "Heben.", "Senken.", "Unterarmstütz",
           "Drei.", "Die letzte, drei."),
    "es": ("Rutina corta", "Hola.", "Elevación de pierna", "Sube.", "Baja.", "Plancha",
           "Tres.", "La última, tres."),
    "fr": ("Routine courte", "Bonjour.", "Lever de jambe", "Montez.", "Descendez.", "Gainage",
           "Trois.", "Dernière, trois."),
}


@pytest.mark.parametrize("language", sorted(SHORT))
def test_a_short_routine_previews_and_renders_in_its_language(language: str,
                                                              tmp_path: Path) -> None:
    """Per language: the preview counts in the language's words, and the render keeps every
    count on the beat with each clip in its slot, in the language's voice."""
    title, intro, name, up, down, timed, three, last = SHORT[language]
    routine = tmp_path / f"short-{language}.yaml"
    routine.write_text(f"""\
title: {title}
language: {language}
intro: {intro}
defaults:
  rest: 8
exercises:
  - id: lift
    name: {name}
    reps: 3
    rep:
      - say: {up}
        seconds: 2
      - hold: 4
      - say: {down}
        seconds: 2
  - id: plank
    name: {timed}
    duration: 12
    sides: each
""", encoding="utf-8")
    code, out, err = run_cli("preview", str(routine), "--json")
    assert code == 0, err
    texts = [s["text"] for s in json.loads(out)["segments"] if s["kind"] == "speech"]
    assert three in texts and last in texts and texts[0] == f"{title}."
    assert not [t for t in texts if re.search(r"\d", t)], texts  # numbers said as words
    plan = prepare(routine)
    own, english = voice_likeness(plan.clips, language)
    assert own >= 0.35 and own >= english + 0.2, (own, english)
    result = render_plan(plan, tmp_path / f"short-{language}.wav", "wav")
    check_rules(result.path, plan.timeline, plan.routine, plan.clips)
    check_speech_and_silence(decode(result.path), plan.timeline, edge=1 / RATE, digital=True)


def test_a_phrase_file_sets_the_espeak_rate_for_pyttsx3_only(tmp_path: Path) -> None:
    from voiceguide.errors import RoutineError
    from voiceguide.pipeline import default_rate
    from voiceguide.script.phrases import _read

    english = (phrases_dir() / "en.yaml").read_text(encoding="utf-8")
    path = tmp_path / "en.yaml"
    path.write_text(english.replace("\nphrases:", "\nrate: 150\nphrases:", 1), encoding="utf-8")
    phrases = _read(path)
    assert phrases.rate == 150
    assert default_rate(get_engine("pyttsx3"), phrases) == 150
    assert default_rate(get_engine("piper"), phrases) is None  # Piper keeps its own pace
    path.write_text(english.replace("\nphrases:", "\nrate: 1000\nphrases:", 1), encoding="utf-8")
    with pytest.raises(RoutineError, match="'rate' is 1000"):
        _read(path)


def test_an_espeak_voice_variant_is_a_voice_of_its_own() -> None:
    from voiceguide.engines.pyttsx3_engine import Pyttsx3Engine
    from voiceguide.errors import EngineError

    engine = Pyttsx3Engine()
    voice = engine.find_voice("gmw/de+m3")
    assert voice.id == "gmw/de+m3" and "de" in voice.languages
    assert len(trim(engine.synthesize("Drei.", voice.id, None))) > 200
    with pytest.raises(EngineError, match="no voice 'xx-nothing'"):
        engine.find_voice("xx-nothing+m3")
