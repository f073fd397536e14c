"""Speech text: notation said as meant, per language, checked on the text handed to the engine;
the timeline, cue sheet and transcript keep the words as written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from voiceguide import Options, prepare
from voiceguide.script.speech import load_speech

from conftest import CountingEngine, run_cli

CASES = {
    "en": [
        ("Rest 2-3 mins.", "Rest 2 to 3 minutes."),
        ("Hold 10s.", "Hold 10 seconds."),
        ("Hold 1 sec, then 30–45 s.", "Hold 1 second, then 30 to 45 seconds."),
        ("Hold for 1:30.", "Hold for 1 minute 30 seconds."),
        ("0:45 each side, 2:00 rest.", "45 seconds each side, 2 minutes rest."),
        ("3 x 10 reps, 3x a week.", "3 times 10 reps, 3 times a week."),
        ("Go 1/2 way, then 3/4.", "Go one half way, then three quarters."),
        ("L/R alternate, left/right.", "left and right alternate, left or right."),
        ("Your 1st and 2nd set.", "Your first and second set."),
        ("Lift 20 kg or 45 lb for 1 min.", "Lift 20 kilograms or 45 pounds for 1 minute."),
        ("10 reps/side.", "10 reps per side."),
        ("Bend 90°, 50% effort & breathe.", "Bend 90 degrees, 50 percent effort and breathe."),
        ("Use a prop, e.g. a towel.", "Use a prop, for example a towel."),
        # left alone: the fixed phrases, counts, words with dashes, decimals
        ("Exercise 1 of 5: Warm-up.", "Exercise 1 of 5: Warm-up."),
        ("Last one, 15.", "Last one, 15."),
        ("1.5 kg.", "1.5 kilograms."),
    ],
    "de": [
        ("Pause 2-3 Min.", "Pause 2 bis 3 Minuten."),
        ("10 Sek. halten.", "10 Sekunden. halten."),
        ("1:30 halten.", "1 Minute 30 Sekunden halten."),
        ("3 x 10 Wdh.", "3 mal 10 Wiederholungen."),
        ("L/R abwechselnd.", "links und rechts abwechselnd."),
        ("Mit Hilfsmittel, z. B. ein Handtuch.", "Mit Hilfsmittel, zum Beispiel ein Handtuch."),
        ("1/2 Drehung, 90°.", "ein halb Drehung, 90 Grad."),
        ("3.", "3."),  # a counted rep, not an ordinal
        ("Übung 1 von 5: Brücke.", "Übung 1 von 5: Brücke."),
    ],
    "es": [
        ("Descansa 2-3 min.", "Descansa 2 a 3 minutos."),
        ("Mantén 10 s.", "Mantén 10 segundos."),
        ("Mantén 1:30.", "Mantén 1 minuto 30 segundos."),
        ("3 x 10 reps.", "3 por 10 repeticiones."),
        ("Alterna I/D.", "Alterna izquierda y derecha."),
        ("La 1ª serie, el 2º ejercicio.", "La primera serie, el segundo ejercicio."),
        ("Usa algo, p. ej. una toalla.", "Usa algo, por ejemplo una toalla."),
        ("Al 50%.", "Al 50 por ciento."),
    ],
    "fr": [
        ("Repos 2-3 min.", "Repos 2 à 3 minutes."),
        ("Tenir 10 s.", "Tenir 10 secondes."),
        ("Tenir 1:30.", "Tenir 1 minute 30 secondes."),
        ("3 x 10 rép.", "3 fois 10 répétitions."),
        ("Alterner G/D.", "Alterner gauche et droite."),
        ("La 1re série, le 2e exercice, le 1er.", "La première série, le deuxième exercice, "
         "le premier."),
        ("Un objet, p. ex. une serviette.", "Un objet, par exemple une serviette."),
        ("Pliez à 90°.", "Pliez à 90 degrés."),
    ],
}


@pytest.mark.parametrize(("language", "written", "spoken"),
                         [(lang, w, s) for lang, cases in CASES.items() for w, s in cases])
def test_notation_is_spoken_as_meant(language: str, written: str, spoken: str) -> None:
    assert load_speech(language).spoken(written) == spoken


def phonemes(text: str, voice: str = "en-us") -> str:
    return subprocess.run(["espeak-ng", "-v", voice, "-x", "-q", text], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_espeak_no_longer_says_the_notation() -> None:
    """The field notes' examples: espeak-ng said "dash", "slash", "z" and "ex"; it says the
    words now."""
    rules = load_speech("en")
    for written, heard, meant in [("2-3 mins", "dash", "minutes"), ("1/2", "slash", "half"),
                                  ("L/R", "slash", "left"), ("3 x 10", "ex", "times"),
                                  ("10s", "", "seconds")]:
        before, after = phonemes(written), phonemes(rules.spoken(written))
        assert phonemes(meant) in after and phonemes(meant) not in before, (written, after)
        if heard:
            assert phonemes(heard) in before and phonemes(heard) not in after, (written, after)


ROUTINE = """\
title: Notation
exercises:
  - id: plank
    name: Side plank L/R
    reps: 2
    rep:
      - say: Hold 10s.
        seconds: 2
      - say: Rest 2-3 mins.
        seconds: 3
"""


def test_the_engine_hears_the_words_and_the_timeline_keeps_the_text(tmp_path: Path) -> None:
    path = tmp_path / "notation.yaml"
    path.write_text(ROUTINE, encoding="utf-8")
    engine = CountingEngine()
    plan = prepare(path, Options(cache=False), engine=engine)
    assert {"Hold 10 seconds.", "Rest 2 to 3 minutes.",
            "Exercise 1 of 1: Side plank left and right."} <= set(engine.spoken)
    assert not {"Hold 10s.", "Rest 2-3 mins."} & set(engine.spoken)
    written = {s.text for s in plan.timeline.speech}
    assert {"Hold 10s.", "Rest 2-3 mins.", "Exercise 1 of 1: Side plank L/R."} <= written
    assert set(plan.clips) == written


def test_text_with_nothing_to_say_is_refused_by_validate(tmp_path: Path) -> None:
    path = tmp_path / "tick.yaml"
    path.write_text(ROUTINE.replace("say: Hold 10s.", "say: ✓"), encoding="utf-8")
    code, out, err = run_cli("validate", str(path))
    assert code == 2 and out == ""
    assert f"{path}, line 7" in err
    assert "has nothing to say: '✓' has no letters or digits" in err
    assert "Fix: write words, or remove the key" in err
