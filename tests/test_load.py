"""Loading routine files: what a valid file becomes, and the error each mistake gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiceguide import Cue, Hold, Range, RoutineError, load_routine, parse_routine
from voiceguide.format.load import list_templates, resolve

from conftest import SEED, SMALL

VALID_EXERCISE = """\
  - id: lift
    name: Leg lift
    reps: 3
    rep:
      - say: Lift.
        seconds: 2
"""


def routine_with(exercises: str, head: str = "title: T\n") -> str:
    return f"{head}exercises:\n{exercises}"


def test_small_routine_loads_into_the_model() -> None:
    routine = parse_routine(SMALL, "small.yaml")
    assert routine.title == "Small test routine"
    assert routine.author == "Test Author"
    assert routine.intro == ("Hello.",)
    assert routine.defaults.rest == 6
    lift, twist, plank = routine.exercises
    assert lift.reps == Range(3, 3)
    assert lift.rep == (Cue("Lift.", 2.0), Hold(Range(3, 3)), Cue("Lower.", 2.0))
    assert lift.line == 12
    assert twist.sides == "alternate"
    assert plank.timed and plank.duration == 12 and plank.sides == "each"


def test_seed_template_carries_all_five_exercises() -> None:
    routine = load_routine("back-strengthening")
    assert [e.id for e in routine.exercises] == [
        "general-back-stretch", "oblique-crunch", "back-stretch", "upper-abdominal-crunch",
        "opposite-arm-leg-raise"]
    reps = {e.id: (str(e.reps), e.sides) for e in routine.exercises}
    assert reps == {
        "general-back-stretch": ("15", "none"),
        "oblique-crunch": ("12-15", "alternate"),
        "back-stretch": ("10-12", "each"),
        "upper-abdominal-crunch": ("12-15", "none"),
        "opposite-arm-leg-raise": ("12-15", "each"),
    }
    holds = {e.id: [str(p.seconds) for p in e.rep if isinstance(p, Hold)]
             for e in routine.exercises}
    assert holds["back-stretch"] == ["5"]
    assert holds["upper-abdominal-crunch"] == ["3"]
    assert holds["opposite-arm-leg-raise"] == ["3-5"]
    text = " ".join([*routine.intro, *routine.safety, *routine.outro]).lower()
    for fragment in ("doctor", "improper movements can cause harm", "omega-3", "posture",
                     "breathing exercises", "stress", "calcium and vitamin d", "sleep enough"):
        assert fragment in text
    cues = " ".join(p.say for e in routine.exercises for p in e.rep if isinstance(p, Cue)).lower()
    assert "inhale through your nose" in cues and "mouth" in cues
    assert "rubber band" in (routine.exercise("back-stretch").tip or "")
    assert "pillow" in " ".join(routine.exercise("opposite-arm-leg-raise").setup)


def test_templates_are_found_by_name() -> None:
    assert resolve("back-strengthening") == SEED
    assert SEED in list_templates()


def test_range_picks() -> None:
    assert Range(12, 15).pick("easy") == 12
    assert Range(12, 15).pick("standard") == 13
    assert Range(12, 15).pick("hard") == 15
    assert Range(5, 5).value == 5


BAD = [
    # (yaml text, expected message fragment, expected line)
    ("", "the file is empty", None),
    ("title: T\n", "'routine' is missing 'exercises'", 1),
    ("exercises: []\n", "'routine' is missing 'title'", 1),
    ("title: T\nexercises: []\n", "at least one exercise", 2),
    ("title: T\ntitel: X\n" + "exercises:\n" + VALID_EXERCISE, "unknown key 'titel'", 2),
    (routine_with(VALID_EXERCISE.replace("reps: 3", "rpes: 3")), "did you mean 'reps'", 5),
    (routine_with(VALID_EXERCISE.replace("reps: 3", "reps: 0")), "must be more than 0", 5),
    (routine_with(VALID_EXERCISE.replace("reps: 3", "reps: -2")), "must be more than 0", 5),
    (routine_with(VALID_EXERCISE.replace("reps: 3", "reps: 15-12")), "is reversed", 5),
    (routine_with(VALID_EXERCISE.replace("reps: 3", "reps: many")), "whole number or a range", 5),
    (routine_with(VALID_EXERCISE.replace("reps: 3", "reps: 2.5")), "whole number", 5),
    (routine_with(VALID_EXERCISE.replace("reps: 3", "reps: 100000")), "more than the limit", 5),
    (routine_with(VALID_EXERCISE.replace("seconds: 2", "seconds: two")), "number of seconds", 8),
    (routine_with(VALID_EXERCISE.replace("seconds: 2", "seconds: 0")), "more than 0", 8),
    (routine_with(VALID_EXERCISE + VALID_EXERCISE), "the id 'lift' is used twice", 9),
    (routine_with(VALID_EXERCISE.replace("id: lift", "id: Leg Lift")), "not a slug", 3),
    (routine_with(VALID_EXERCISE.replace("    name: Leg lift\n", "")), "missing 'name'", 3),
    (routine_with(VALID_EXERCISE.replace("    reps: 3\n", "")), "neither 'reps' nor", 3),
    (routine_with("  - id: a\n    name: A\n    reps: 3\n"), "no 'rep' phases", 3),
    (routine_with("  - id: a\n    name: A\n    reps: 3\n    rep: []\n"), "at least one phase", 6),
    (routine_with(VALID_EXERCISE + "    sides: both\n"), "must be one of none, each", 9),
    (routine_with(VALID_EXERCISE + "    duration: 30\n"), "both 'duration' and 'reps'", 5),
    (routine_with(VALID_EXERCISE) + "  bad: [\n", "not valid YAML", 9),
    ("title: &t T\nexercises:\n  - *t\n", "aliases", 3),
    ("title: !!python/object:os.system x\nexercises: []\n", "may not use", 1),
    ("- a\n- b\n", "must be a mapping", 1),
    (routine_with(VALID_EXERCISE + "    hold: 5\n"), "unknown key 'hold'", 9),
    (routine_with(VALID_EXERCISE.replace("      - say: Lift.\n        seconds: 2\n",
                                         "      - hold: 5-3\n")), "is reversed", 7),
]


@pytest.mark.parametrize(("text", "fragment", "line"), BAD)
def test_bad_routines_name_file_line_and_fix(text: str, fragment: str, line: int | None) -> None:
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "bad.yaml")
    message = str(caught.value)
    assert fragment in message
    assert message.startswith("bad.yaml")
    if line is not None:
        assert caught.value.line == line, message
        assert f"line {line}:" in message


def test_unknown_key_hint_says_how_to_fix() -> None:
    with pytest.raises(RoutineError) as caught:
        parse_routine(routine_with(VALID_EXERCISE.replace("reps: 3", "rpes: 3")), "r.yaml")
    assert caught.value.hint == "did you mean 'reps'?"


def test_files_that_are_not_routines(tmp_path: Path) -> None:
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\x00\x01\x02ID3")
    with pytest.raises(RoutineError, match="binary file"):
        load_routine(binary)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: Caf\xe9\nexercises: []\n".encode("latin-1"))
    with pytest.raises(RoutineError, match="not valid UTF-8") as caught:
        load_routine(latin)
    assert caught.value.line == 1
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"# " + b"x" * 2_000_000)
    with pytest.raises(RoutineError, match="larger than"):
        load_routine(huge)
    with pytest.raises(RoutineError, match="no such routine"):
        load_routine(tmp_path / "missing.yaml")
    with pytest.raises(RoutineError, match="folder"):
        load_routine(tmp_path)
