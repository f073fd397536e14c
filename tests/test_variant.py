"""Saved variants: `voiceguide customize` writes a routine file that previews exactly like the
original with the same options, keeps the original's comments, and never loses a file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from voiceguide import load_routine

from conftest import run_cli

COMMENTED = """\
# Evening routine, written by the physio.
title: Evening routine   # said first
intro: Hello.
safety: Be careful.
outro: Goodbye.
defaults:
  rest: 10     # between exercises
  changeover: 5
exercises:
  # --- warm up ---
  - id: lift
    name: Leg lift
    reps: 3-5          # adapt to the client
    rep:
      - say: Lift.
        seconds: 2
      - hold: 2-4      # longer when stronger
      - say: Lower.
        seconds: 2

  - id: twist
    name: Twist
    reps: 2
    sides: alternate
    rep:
      - say: Turn.
        seconds: 1.5

  - id: plank
    name: Plank
    duration: 12       # seconds per side
    sides: each
"""


@pytest.fixture
def original(tmp_path: Path) -> Path:
    path = tmp_path / "evening.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    return path


def comments(text: str) -> list[str]:
    return [line[line.index("#"):] for line in text.splitlines() if "#" in line]


def preview_json(*args: str) -> dict[str, object]:
    code, out, err = run_cli("preview", *args, "--json")
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


CHOICES = [  # in the order Customization.as_args writes them into derived_from
    ["--level", "hard"],
    ["--level", "easy", "--reps", "lift=6", "--sets", "twist=2", "--hold", "lift=5"],
    ["--reps", "4", "--rest", "7.5", "--order", "plank,twist,lift", "--no-intro"],
    ["--skip", "twist", "--no-outro", "--tempo", "1.3"],
    ["--level", "hard", "--sets", "lift=2", "--only", "lift,plank", "--tempo", "0.8"],
]


@pytest.mark.parametrize("choices", CHOICES, ids=[" ".join(c) for c in CHOICES])
def test_variant_previews_like_the_original_with_the_same_options(
        original: Path, tmp_path: Path, choices: list[str]) -> None:
    variant = tmp_path / "variant.yaml"
    code, out, err = run_cli("customize", str(original), "-o", str(variant), *choices)
    assert code == 0, err
    assert variant.is_file() and out.endswith(f"{variant}  ({out.split('(')[-1]}")
    assert preview_json(str(variant)) == preview_json(str(original), *choices)
    assert original.read_text(encoding="utf-8") == COMMENTED
    text = variant.read_text(encoding="utf-8")
    assert load_routine(variant).derived_from == f"{original} with {' '.join(choices)}"
    assert not re.search(r"\d+-\d+", text), "every range is resolved"


def test_comments_and_key_order_survive(original: Path, tmp_path: Path) -> None:
    variant = tmp_path / "variant.yaml"
    code, _, err = run_cli("customize", str(original), "-o", str(variant), "--level", "hard",
                       "--reps", "twist=3")
    assert code == 0, err
    text = variant.read_text(encoding="utf-8")
    assert comments(text) == comments(COMMENTED)
    # each comment stays in its column
    assert "    reps: 5            # adapt to the client\n" in text
    assert "      - hold: 4        # longer when stronger\n" in text
    assert "  rest: 8      # between exercises\n" in text
    keys = [line.split(":")[0].strip() for line in text.splitlines() if line[:1].isalpha()]
    assert keys == ["title", "derived_from", "intro", "safety", "outro", "defaults", "exercises"]
    assert text.index("id: lift") < text.index("id: twist") < text.index("id: plank")


def test_reordering_moves_each_exercise_whole(original: Path, tmp_path: Path) -> None:
    variant = tmp_path / "variant.yaml"
    code, _, _ = run_cli("customize", str(original), "-o", str(variant), "--order",
                     "plank,lift,twist")
    assert code == 0
    text = variant.read_text(encoding="utf-8")
    assert text.index("id: plank") < text.index("id: lift") < text.index("id: twist")
    assert "    duration: 12       # seconds per side\n" in text
    assert [e.id for e in load_routine(variant).exercises] == ["plank", "lift", "twist"]


def test_never_overwrites_the_source_or_an_existing_file(original: Path, tmp_path: Path) -> None:
    code, _, err = run_cli("customize", str(original), "-o", str(original), "--force",
                       "--level", "easy")
    assert code == 2 and "is the routine being customized; it is never overwritten" in err
    assert original.read_text(encoding="utf-8") == COMMENTED
    existing = tmp_path / "mine.yaml"
    existing.write_text("keep me\n", encoding="utf-8")
    code, _, err = run_cli("customize", str(original), "-o", str(existing), "--level", "easy")
    assert code == 2 and "already exists" in err and "--force" in err
    assert existing.read_text(encoding="utf-8") == "keep me\n"
    code, _, err = run_cli("customize", str(original), "-o", str(existing), "--level", "easy",
                       "--force")
    assert code == 0, err
    assert load_routine(existing).exercise("lift").reps is not None
    code, _, err = run_cli("customize", str(original), "-o", str(tmp_path / "new.yaml"),
                       "--reps", "lift=0")
    assert code == 2 and "allowed: 1 to 1000" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evening.yaml", "mine.yaml"]


def test_interactive_asks_exercise_by_exercise(original: Path, tmp_path: Path) -> None:
    variant = tmp_path / "asked.yaml"
    answers = "\n".join([
        "y", "6", "", "2",   # lift: keep, 6 reps, hold as is, 2 sets
        "n",                 # twist: leave out
        "y", "",             # plank: keep, 1 set
        "12",                # rest between exercises
        "y",                 # write
    ]) + "\n"
    code, out, err = run_cli("customize", str(original), "-o", str(variant), "-i", stdin=answers)
    assert code == 0, err
    assert "Reps [4]: " in out and "Hold, seconds [3]: " in out and "Sets [1]: " in out
    assert "Rest between exercises, seconds [10]: " in out
    assert re.search(r"New length: \d+:\d\d \([\d.]+ s; was \d+:\d\d\)", out)
    routine = load_routine(variant)
    assert routine.derived_from == (f"{original} with --reps lift=6 --sets lift=2 --rest 12 "
                                    "--skip twist")
    assert [e.id for e in routine.exercises] == ["lift", "plank"]
    assert preview_json(str(variant)) == preview_json(
        str(original), "--reps", "lift=6", "--sets", "lift=2", "--rest", "12", "--skip", "twist")


def test_interactive_can_decline_to_write(original: Path, tmp_path: Path) -> None:
    variant = tmp_path / "asked.yaml"
    code, out, _ = run_cli("customize", str(original), "-o", str(variant), "-i",
                       stdin="\n" * 10 + "n\n")  # every default, then no
    assert code == 0 and "Nothing written." in out
    assert not variant.exists()


def test_max_minutes_proposes_then_applies(original: Path, tmp_path: Path) -> None:
    variant = tmp_path / "short.yaml"
    full = preview_json(str(original))["duration"]
    assert isinstance(full, float)
    minutes = f"{(full - 15) / 60:.2f}"
    code, out, _ = run_cli("customize", str(original), "-o", str(variant), "--max-minutes", minutes)
    assert code == 0 and "Nothing written" in out and not variant.exists()
    code, out, err = run_cli("customize", str(original), "-o", str(variant), "--max-minutes",
                         minutes, "--apply")
    assert code == 0, err
    shorter = preview_json(str(variant))["duration"]
    assert isinstance(shorter, float) and shorter <= float(minutes) * 60
    assert f"--max-minutes {float(minutes):g} --apply" in str(load_routine(variant).derived_from)


def test_without_options_off_a_terminal_it_resolves_the_ranges(original: Path,
                                                                tmp_path: Path) -> None:
    variant = tmp_path / "plain.yaml"
    code, out, err = run_cli("customize", str(original), "-o", str(variant))
    assert code == 0, err
    assert "Keep it?" not in out
    routine = load_routine(variant)
    assert routine.derived_from == str(original)
    lift = routine.exercise("lift")
    assert lift.reps is not None and str(lift.reps) == "4"
    assert preview_json(str(variant)) == preview_json(str(original))


def test_a_routine_without_defaults_gets_them_in_order(tmp_path: Path) -> None:
    source = tmp_path / "bare.yaml"
    source.write_text("title: Bare   # no defaults\nexercises:\n  - id: a\n    name: A\n"
                      "    reps: 2-4\n    rep: [{say: Go., seconds: 2}, {hold: 2-3}]\n"
                      "  - id: b\n    name: B\n    duration: 20\n", encoding="utf-8")
    variant = tmp_path / "variant.yaml"
    choices = ["--level", "easy", "--order", "b,a", "--tempo", "1.5"]
    code, _, err = run_cli("customize", str(source), "-o", str(variant), *choices)
    assert code == 0, err
    text = variant.read_text(encoding="utf-8")
    assert "defaults:\n  rest: 37.5\n  rest_between_sets: 56.25\n  changeover: 7.5\n  beat: 1.5\n" \
        "exercises:\n" in text
    assert "title: Bare   # no defaults\n" in text
    assert preview_json(str(variant)) == preview_json(str(source), *choices)


def test_title_and_description_are_set_and_never_left_stale(original: Path,
                                                            tmp_path: Path) -> None:
    described = tmp_path / "described.yaml"
    described.write_text(original.read_text(encoding="utf-8").replace(
        "intro: Hello.", "description: Three exercises, about four minutes.\nintro: Hello."),
        encoding="utf-8")
    short = tmp_path / "short.yaml"
    code, _, err = run_cli("customize", str(described), "-o", str(short), "--skip", "twist",
                             "--title", "Evening, short")
    assert code == 0, err
    variant = load_routine(short)
    assert variant.title == "Evening, short"
    # the source's description ("three exercises, four minutes") no longer holds: replaced
    assert variant.description == ("Adapted from 'Evening routine': 2 exercises "
                                   "(Leg lift; Plank).")
    given = tmp_path / "given.yaml"
    code, _, err = run_cli("customize", str(described), "-o", str(given), "--level", "easy",
                           "--description", "The easy evening.")
    assert code == 0, err
    assert load_routine(given).description == "The easy evening."
    assert load_routine(given).title == "Evening routine"
    same = tmp_path / "same.yaml"
    code, _, err = run_cli("customize", str(described), "-o", str(same), "--title", "Renamed")
    assert code == 0, err
    assert load_routine(same).description == "Three exercises, about four minutes."
    code, _, err = run_cli("customize", str(described), "-o", str(tmp_path / "x.yaml"),
                           "--title", "Bad\x07title")
    assert code == 2 and "--title" in err
