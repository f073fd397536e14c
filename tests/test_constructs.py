"""Format 2's constructs, compiled without audio (a fake measure gives each phrase a known
length): blocks and rounds, transitions, sides, holds, timed cues, breathing, narration, words."""

from __future__ import annotations

import itertools
import re

import pytest

from voiceguide import RoutineError, compile_timeline, customize, load_phrases, parse_routine
from voiceguide.format.load import list_templates, load_routine
from voiceguide.model import Timeline
from voiceguide.script.customize import Customization


def short(text: str) -> float:
    return 0.4


def compiled(text: str, measure=short, **choices) -> Timeline:  # type: ignore[no-untyped-def]
    routine = customize(parse_routine(text, "t.yaml"), Customization(**choices))
    return compile_timeline(routine, load_phrases(routine.language), measure)


def said(timeline: Timeline) -> list[str]:
    return [s.text for s in timeline.speech]


def starts(timeline: Timeline, text: str) -> list[float]:
    return [s.start for s in timeline.speech if s.text == text]


HEAD = "title: T\ndefaults:\n  rest: 15\n"


def test_a_block_repeats_its_rounds_exactly_and_announces_them() -> None:
    timeline = compiled(HEAD + """\
exercises:
  - block: Hip openers
    rounds: 3
    rest_between_rounds: 20
    exercises:
      - id: pigeon
        name: Pigeon pose
        duration: 30
      - id: lunge
        name: Low lunge
        duration: 30
""")
    text = said(timeline)
    assert text.count("Begin.") == 6
    assert "Rest. Next: round 2 of 3." in text and "Rest. Next: round 3 of 3." in text
    assert text.count("Exercise 1 of 2: Pigeon pose.") == 1  # announced in full once
    assert "Round 2 of 3." not in text  # the rest named it: never twice
    begins = starts(timeline, "Begin.")
    rounds = [b - a for a, b in zip(begins[::2], begins[2::2])]
    assert rounds == pytest.approx([rounds[0]] * 2)  # every round lasts the same
    assert [c.title for c in timeline.chapters][1:3] == [
        "Hip openers, round 1 of 3: 1. Pigeon pose — 30 s",
        "Hip openers, round 1 of 3: 2. Low lunge — 30 s"]


def test_the_get_ready_count_ends_exactly_where_work_starts() -> None:
    timeline = compiled(HEAD + """\
exercises:
  - id: squat
    name: Squat
    duration: 30
  - id: plank
    name: Plank
    setup: [Forearms down., Body straight.]
    duration: 30
""")
    begin = starts(timeline, "Begin.")[1]
    count = [s for s in timeline.speech if s.text in ("3.", "2.", "1.") and s.start < begin][-3:]
    assert [begin - s.start for s in count] == pytest.approx([3.0, 2.0, 1.0])
    setup = starts(timeline, "Body straight.")[0]
    rest = starts(timeline, "Rest. Next: Plank.")[0]
    assert starts(timeline, "Well done.")[0] < rest < setup < count[0].start  # set up in it
    assert begin - rest == pytest.approx(15.0)  # the rest: 15 s


def test_a_rest_of_0_seconds_says_nothing_and_warns_about_nothing() -> None:
    timeline = compiled(HEAD.replace("rest: 15", "rest: 0") + """\
exercises:
  - id: cat
    name: Cat cow
    duration: 20
  - id: child
    name: Child's pose
    duration: 20
""")
    text = said(timeline)
    assert not any(t.startswith("Rest") for t in text)
    assert not timeline.warnings
    assert text.count("Exercise 2 of 2: Child's pose.") == 1
    assert text[text.index("Exercise 2 of 2: Child's pose.") - 1] == "Well done."


def test_interval_sets_counted_as_rounds_last_exactly_work_plus_rest() -> None:
    timeline = compiled(HEAD + """\
exercises:
  - id: tabata
    name: Burpees
    duration: 20
    sets: 8
    rest_between_sets: 10
    set_word: round
""")
    text = said(timeline)
    begins = starts(timeline, "Begin.")
    assert len(begins) == 8
    assert [b - a for a, b in itertools.pairwise(begins)] == pytest.approx([30.0] * 7)
    assert text.count("Rest. Next: round 2 of 8.") == 1 and "Round 2 of 8." not in text
    assert "8 rounds." in " ".join(text) and "Set" not in " ".join(text)


def test_a_hold_says_its_instruction_on_its_first_second_and_long_holds_are_not_counted_aloud(
) -> None:
    timeline = compiled(HEAD + """\
exercises:
  - id: press
    name: Press
    reps: 2
    rep:
      - hold: 5
        say: Press into the couch.
      - say: Relax.
        seconds: 2
  - id: stretch
    name: Stretch
    reps: 1
    rep:
      - hold: 30
""")
    instruction = starts(timeline, "Press into the couch.")
    relax = starts(timeline, "Relax.")
    assert [r - i for i, r in zip(instruction, relax)] == pytest.approx([5.0, 5.0])
    after = [s.text for s in timeline.speech if instruction[0] < s.start < relax[0]]
    assert after == ["4.", "3.", "2.", "1."]
    hold = starts(timeline, "Hold.")[0]
    during = [s for s in timeline.speech if hold < s.start < hold + 30]
    assert [s.text for s in during] == ["20 seconds left.", "10 seconds left.", "5.", "4.",
                                        "3.", "2.", "1."]
    assert [s.start - hold for s in during] == pytest.approx([10, 20, 25, 26, 27, 28, 29])
    assert "1 rep." in said(timeline)  # the singular


def test_a_rep_after_a_hold_is_named_so_it_is_no_countdown_number() -> None:
    timeline = compiled(HEAD + """\
exercises:
  - id: raise
    name: Heel raise
    reps: 3
    rep:
      - say: Up.
        seconds: 2
      - hold: 2
""")
    text = said(timeline)
    assert "Rep 2." in text and "2." not in text
    assert "1." not in text  # a 2-second hold is "Hold." and a quiet second, not "Hold. 1."


def test_breathing_counts_fall_on_their_beats_and_say_no_workout_words() -> None:
    timeline = compiled("""\
title: Calm
kind: breathing
defaults:
  get_ready: 0
exercises:
  - id: box
    name: Box breathing
    breathe: {in: 4, hold: 4, out: 6, rounds: 3}
  - id: body-scan
    name: Body scan
    narration:
      - say: Let your shoulders drop.
        pause: 8
      - say: Notice your breath.
        pause: 5
""")
    text = " ".join(said(timeline))
    for word in ("Exercise", "reps", "Begin", "Well done", "last exercise", "Rest"):
        assert word not in text
    ins = starts(timeline, "Breathe in.")
    outs = starts(timeline, "Breathe out.")
    assert [b - a for a, b in itertools.pairwise(ins)] == pytest.approx([14.0, 14.0])
    assert [o - i for i, o in zip(ins, outs)] == pytest.approx([8.0] * 3)
    first = [s for s in timeline.speech if ins[0] <= s.start < ins[0] + 14]
    assert [s.text for s in first] == ["Breathe in.", "2.", "3.", "4.", "Hold.", "2.", "3.",
                                       "4.", "Breathe out.", "2.", "3.", "4.", "5.", "6."]
    assert [s.start - ins[0] for s in first] == pytest.approx(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
    drop, notice = starts(timeline, "Let your shoulders drop.")[0], \
        starts(timeline, "Notice your breath.")[0]
    assert notice - drop == pytest.approx(0.4 + 8)


def test_total_minutes_is_the_length_of_the_customized_timeline() -> None:
    text = """\
title: T
intro: This session takes about {total_minutes} minutes.
defaults:
  rest: 30
exercises:
  - id: a
    name: A
    duration: 120
  - id: b
    name: B
    duration: 120
"""
    for choices in ({}, {"level": "hard"}, {"cut": 0.5}, {"tempo": 1.5}):
        timeline = compiled(text, **choices)
        (intro,) = [t for t in said(timeline) if t.startswith("This session")]
        minutes = int(re.findall(r"\d+", intro)[0])
        assert minutes == round(timeline.duration / 60), (choices, intro, timeline.duration)


@pytest.mark.parametrize("language,one,two,chapter", [
    ("en", "1 rep.", "2 reps.", "2 reps"),
    ("de", "Eine Wiederholung.", "Zwei Wiederholungen.", "2 Wiederholungen"),
    ("es", "Una repetición.", "Dos repeticiones.", "2 repeticiones"),
    ("fr", "Une répétition.", "Deux répétitions.", "2 répétitions"),
])
def test_singular_and_plural_and_chapter_titles_in_the_routine_language(
        language: str, one: str, two: str, chapter: str) -> None:
    timeline = compiled(f"""\
title: T
language: {language}
exercises:
  - id: a
    name: A
    reps: 1
    rep: [{{say: Go., seconds: 1}}]
  - id: b
    name: B
    reps: 2
    rep: [{{say: Go., seconds: 1}}]
""")
    assert one in said(timeline) and two in said(timeline)
    assert timeline.chapters[2].title == f"2. B — {chapter}"


def test_durations_are_said_as_people_say_them() -> None:
    timeline = compiled(HEAD + """\
exercises:
  - id: walk
    name: Warm-up walk
    duration: 300
  - id: run
    name: Run
    duration: 90
""")
    assert "5 minutes." in said(timeline) and "1 minute 30." in said(timeline)


def test_timed_cues_and_a_counted_change_fall_on_their_seconds() -> None:
    timeline = compiled(HEAD + """\
exercises:
  - id: intervals
    name: Walk and run
    duration: 120
    cues:
      - at: 30
        say: Speed up a little.
      - at: 60
        say: Run.
        count: 3
""")
    begin = starts(timeline, "Begin.")[0]
    assert starts(timeline, "Speed up a little.")[0] - begin == pytest.approx(30)
    run = starts(timeline, "Run.")[0]
    assert run - begin == pytest.approx(60)
    before = [s for s in timeline.speech if begin + 55 < s.start < run]
    assert [s.text for s in before] == ["Run in", "3.", "2.", "1."]
    assert [run - s.start for s in before] == pytest.approx([4, 3, 2, 1])


def test_sides_first_side_one_side_and_a_switch_at_half_time() -> None:
    timeline = compiled(HEAD + """\
exercises:
  - id: lunge
    name: Lunge
    reps: 1
    sides: each
    first_side: left
    changeover: 0
    rep: [{say: "Step forward with your {side} leg.", seconds: 3}]
  - id: knee
    name: Knee extension
    reps: 2
    sides: left
    remind: Stop if the pain goes above 3 out of 10.
    rep: [{say: Straighten., seconds: 2}]
  - id: stretch
    name: Quad stretch
    duration: 60
    sides: alternate
""")
    text = said(timeline)
    assert "Left side first." in text and "Switch sides. Right side." in text
    assert text.index("Step forward with your left leg.") < \
        text.index("Step forward with your right leg.")
    assert not timeline.warnings  # changeover 0: no pause, no warning
    assert "Left side only. 2 reps." in text
    assert text.count("Stop if the pain goes above 3 out of 10.") == 1
    assert "1 minute, switching sides at half time." in text
    begin = starts(timeline, "Begin.")[-1]
    assert starts(timeline, "Switch sides.")[0] - begin == pytest.approx(30)
    assert starts(timeline, "And stop.")[-1] - begin == pytest.approx(60)


def test_a_routine_overrides_built_in_phrases_and_cues_have_a_short_form() -> None:
    timeline = compiled(HEAD + """\
phrases:
  rest: ""
  begin: Go.
exercises:
  - id: a
    name: A
    reps: 4
    short: 1
    rep: [{say: Knees to your chest with your hands., short: Knees in., seconds: 3}]
  - id: b
    name: B
    duration: 20
""")
    text = said(timeline)
    assert "Go." in text and "Begin." not in text
    assert not any(t.startswith("Rest") for t in text)
    assert text.count("Knees to your chest with your hands.") == 1
    assert text.count("Knees in.") == 3


def test_sections_are_said_and_reps_at_own_pace_end_with_a_call() -> None:
    timeline = compiled(HEAD + """\
exercises:
  - section: Warm-up
    exercises:
      - id: march
        name: March on the spot
        duration: 60
  - section: Main part
    exercises:
      - id: pushup
        name: Push-up
        reps: 10
        own_pace: 45
""")
    text = said(timeline)
    assert "Warm-up." in text and "Main part." in text
    assert "10 reps, at your own pace." in text
    begin = starts(timeline, "Begin.")[-1]
    assert starts(timeline, "And stop.")[-1] - begin == pytest.approx(45)


def test_files_written_for_format_1_load_and_mean_the_same() -> None:
    assert {p.stem for p in list_templates()} >= {"back-strengthening", "rueckenstaerkung"}
    back = load_routine("back-strengthening")
    assert [e.id for e in back.exercises] == [
        "general-back-stretch", "oblique-crunch", "back-stretch", "upper-abdominal-crunch",
        "opposite-arm-leg-raise"]
    assert back.kind == "workout" and back.phrases == () and back.structure == ()


def test_the_other_side_is_set_up_at_the_switch_and_a_reminder_repeats_during_work() -> None:
    timeline = compiled(HEAD + """\
exercises:
  - id: split-squat
    name: Split squat
    reps: 1
    sides: each
    switch_setup: Now your {side} foot forward.
    rep: [{say: Down and up., seconds: 3}]
  - id: bike
    name: Easy cycling
    duration: 180
    remind: Stop if the pain goes above 3 out of 10.
    remind_every: 60
""")
    text = said(timeline)
    switch = text.index("Switch sides. Left side.")
    assert text[switch + 1] == "Now your left foot forward."
    begin = starts(timeline, "Begin.")[-1]
    reminders = starts(timeline, "Stop if the pain goes above 3 out of 10.")
    assert [round(t - begin, 1) for t in reminders[1:]] == [60.0, 120.0]
    assert reminders[0] - begin == pytest.approx(0.4 + 0.3)  # after "Begin."


def test_an_exercise_or_a_block_is_repeated_without_copying_it() -> None:
    text = HEAD + """\
exercises:
  - block: Hip openers
    id: hips
    rounds: 2
    exercises:
      - id: pigeon
        name: Pigeon pose
        duration: 30
  - id: walk
    name: Walk
    duration: 60
  - repeat: hips
  - repeat: walk
"""
    timeline = compiled(text)
    text_said = said(timeline)
    assert text_said.count("Begin.") == 6  # 2 rounds, walk, 2 rounds again, walk again
    assert text_said.count("Exercise 2 of 2: Walk.") == 1 and "Walk." in text_said
    routine = parse_routine(text)
    assert [e.id for e in routine.exercises] == ["pigeon", "walk"]  # defined once
    with pytest.raises(RoutineError) as caught:
        parse_routine(text.replace("repeat: walk", "repeat: wlak"), "r.yaml")
    assert caught.value.hint == "did you mean 'walk'?" and caught.value.line == 16
