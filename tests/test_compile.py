"""The script compiler, tested without audio: a fake measure gives each phrase a known length."""

from __future__ import annotations

import pytest

from voiceguide import compile_timeline, customize, load_phrases, parse_routine
from voiceguide.model import Timeline
from voiceguide.script.compile import GAP, phrases_of
from voiceguide.script.customize import Customization

from conftest import SMALL

PHRASES = load_phrases("en")


def measure(text: str) -> float:
    """A deterministic stand-in for speech: 60 ms per character, at least 0.2 s."""
    return max(0.2, 0.06 * len(text))


def short(text: str) -> float:
    return 0.4


def compiled(text: str = SMALL, measure_fn=short, **choices) -> Timeline:  # type: ignore[no-untyped-def]
    routine = customize(parse_routine(text, "t.yaml"), Customization(**choices))
    return compile_timeline(routine, PHRASES, measure_fn)


def starts(timeline: Timeline, text: str, exercise: str | None = None) -> list[float]:
    return [s.start for s in timeline.speech
            if s.text == text and (exercise is None or s.exercise == exercise)]


def test_segments_are_ordered_contiguous_and_cover_the_whole_duration() -> None:
    timeline = compiled(measure_fn=measure)
    assert timeline.segments[0].start == 0
    for before, after in zip(timeline.segments, timeline.segments[1:]):
        assert after.start == pytest.approx(before.end, abs=1e-9)
        assert after.end > after.start
    assert timeline.duration == timeline.segments[-1].end
    kinds = {s.kind for s in timeline.segments}
    assert kinds == {"speech", "silence"}


def test_every_rep_is_counted_and_the_last_is_announced_as_last() -> None:
    timeline = compiled()
    lift = [s.text for s in timeline.speech if s.exercise == "lift"]
    assert "1." in lift and "2." in lift
    assert "Last one, 3." in lift
    last = lift.index("Last one, 3.")
    assert lift.index("1.") < lift.index("2.") < last
    assert lift[last + 1:].count("Lift.") == 1  # the last rep still gets its phases
    # three reps, each with its two cues
    assert lift.count("Lift.") == 3 and lift.count("Lower.") == 3


def test_cue_phase_lasts_its_seconds_from_its_start_speech_included() -> None:
    timeline = compiled(measure_fn=short)
    lifts = starts(timeline, "Lift.")
    lowers = starts(timeline, "Lower.")
    holds = starts(timeline, "Hold.")
    for lift, hold, lower in zip(lifts, holds, lowers):
        assert hold - lift == pytest.approx(2.0)   # "Lift." phase: 2 s
        assert lower - hold == pytest.approx(3.0)  # hold: 3 s
    # the next rep's announcement comes 2 s after "Lower." starts
    second = next(t for t in starts(timeline, "2.", "lift") if t > lowers[0])
    assert second - lowers[0] == pytest.approx(2.0)


def test_holds_are_counted_down_on_whole_seconds() -> None:
    timeline = compiled(measure_fn=short)
    hold = starts(timeline, "Hold.", "lift")[0]
    speech = [s for s in timeline.speech if hold <= s.start < hold + 3]
    assert [s.text for s in speech] == ["Hold.", "2.", "1."]
    assert [s.start - hold for s in speech] == pytest.approx([0.0, 1.0, 2.0])


def test_alternate_sides_count_each_side() -> None:
    timeline = compiled()
    twist = [s.text for s in timeline.speech if s.exercise == "twist" and s.text != "Turn."]
    reps = twist[twist.index("Begin.") + 1:]
    assert reps[:4] == ["Right, 1.", "Left, 1.", "Right, 2.", "Last one. Left, 2."]


def test_each_side_gets_its_full_time_a_switch_and_a_changeover() -> None:
    timeline = compiled(measure_fn=short)
    plank = [s for s in timeline.speech if s.exercise == "plank"]
    texts = [s.text for s in plank]
    assert texts.count("Begin.") == 2 and texts.count("And stop.") == 2
    assert texts.count("Halfway.") == 2
    begins = [s.start for s in plank if s.text == "Begin."]
    stops = [s.start for s in plank if s.text == "And stop."]
    for begin, stop in zip(begins, stops):
        assert stop - begin == pytest.approx(12.0)
    switch = starts(timeline, "Switch sides. Left side.", "plank")[0]
    assert begins[1] - switch == pytest.approx(4.0)  # changeover 4 s, then "Begin."
    countdown = [s.start - switch for s in plank if switch < s.start < begins[1]]
    assert countdown == pytest.approx([1.0, 2.0, 3.0])
    # "Right side first." is said before the get-ready count, which leads into "Begin."
    assert starts(timeline, "Right side first.", "twist")[0] < begins[0] - 3


def test_every_rest_names_what_comes_next_and_ends_with_a_countdown_into_work() -> None:
    """The rest lasts its 10 s from "Well done." on ("Rest. Next: …" starts it); the next exercise
    is announced and set up during it, and its get-ready count ends exactly on "Begin."
    (before format 2 the announcement and setup came after the count)."""
    timeline = compiled(SMALL.replace("rest: 6", "rest: 10"), measure_fn=short)
    done = starts(timeline, "Well done.", "lift")[0]
    rest = starts(timeline, "Rest. Next: Twist.")[0]
    announcement = starts(timeline, "Exercise 2 of 3: Twist.")[0]
    begin = starts(timeline, "Begin.", "twist")[0]
    assert done < rest < announcement < begin
    assert begin - rest == pytest.approx(10.0)
    after = [s for s in timeline.speech if announcement < s.start < begin]
    assert [s.text for s in after][-3:] == ["3.", "2.", "1."]
    assert [begin - s.start for s in after][-3:] == pytest.approx([3.0, 2.0, 1.0])
    assert not timeline.warnings


def test_sets_rest_between_sets_and_announce_each_set() -> None:
    text = SMALL.replace("    reps: 3\n", "    reps: 3\n    sets: 2\n    rest_between_sets: 8\n")
    timeline = compiled(text)
    texts = [s.text for s in timeline.speech if s.exercise == "lift"]
    # the rest names the set; the number is not said twice ("Set 2 of 2." after the count)
    assert "Set 1 of 2." in texts and "Set 2 of 2." not in texts
    assert texts.count("Last one, 3.") == 2
    rest = starts(timeline, "Rest. Next: set 2 of 2.")[0]
    assert starts(timeline, "Begin.", "lift")[1] == pytest.approx(rest + 8.0)


def test_overrides_and_levels_change_the_count() -> None:
    text = SMALL.replace("reps: 3", 'reps: "3-5"')
    for level, last in (("easy", 3), ("standard", 4), ("hard", 5)):
        timeline = compiled(text, level=level)
        assert f"Last one, {last}." in [s.text for s in timeline.speech]
    timeline = compiled(text, reps={"lift": 7})
    assert "Last one, 7." in [s.text for s in timeline.speech]


def test_reps_change_the_length_by_whole_reps() -> None:
    base = compiled(measure_fn=short)
    more = compiled(measure_fn=short, reps={"lift": 5})
    rep_length = 0.4 + GAP + 2 + 3 + 2  # announcement + gap + phases
    assert more.duration - base.duration == pytest.approx(2 * rep_length)


def test_a_cue_longer_than_its_phase_pushes_later_and_warns() -> None:
    def slow(text: str) -> float:
        return 2.5 if text == "Lift." else 0.4

    timeline = compiled(measure_fn=slow)
    lift = starts(timeline, "Lift.")[0]
    hold = starts(timeline, "Hold.")[0]
    assert hold - lift == pytest.approx(2.5)
    assert len(timeline.warnings) == 1
    assert "exercise 'lift', rep phase 1" in timeline.warnings[0]
    assert "0.50 s longer than its 2 s phase" in timeline.warnings[0]


def test_compiler_is_deterministic_and_lists_its_phrases() -> None:
    assert compiled(measure_fn=measure) == compiled(measure_fn=measure)
    routine = customize(parse_routine(SMALL, "t.yaml"))
    texts = phrases_of(routine, PHRASES)
    assert texts == compile_timeline(routine, PHRASES, measure).texts()
    assert len(texts) == len(set(texts))


def test_chapters_cover_intro_each_exercise_and_outro() -> None:
    timeline = compiled(measure_fn=measure)
    titles = [c.title for c in timeline.chapters]
    assert titles == ["Introduction", "1. Leg lift — 3 reps", "2. Twist — 2 each side",
                      "3. Plank — 12 s each side", "Closing"]
    assert timeline.chapters[0].start == 0
    assert timeline.chapters[-1].end == pytest.approx(timeline.duration)
    for before, after in zip(timeline.chapters, timeline.chapters[1:]):
        assert before.end == after.start
    lift = timeline.chapters[1]
    assert starts(timeline, "Exercise 1 of 3: Leg lift.")[0] == lift.start
    twist = timeline.chapters[2]  # starts with its announcement, in the rest
    assert starts(timeline, "Exercise 2 of 3: Twist.")[0] == twist.start


def test_spans_say_which_rep_side_set_and_timer_each_moment_belongs_to() -> None:
    timeline = compiled(measure_fn=measure, sets={"lift": 2})
    by_kind: dict[str, list] = {}  # type: ignore[type-arg]
    for span in timeline.spans:
        assert span.end > span.start
        by_kind.setdefault(span.kind, []).append(span)
    lift = [s for s in by_kind["rep"] if s.exercise == "lift"]
    assert [(s.set, s.sets, s.rep, s.reps) for s in lift] == \
        [(set_, 2, rep, 3) for set_ in (1, 2) for rep in (1, 2, 3)]
    # every hold lies inside its rep and lasts its beats; "Hold." starts it
    for hold in [s for s in by_kind["hold"] if s.exercise == "lift"]:
        rep = next(r for r in lift if r.start <= hold.start and hold.end <= r.end + 1e-9)
        assert (rep.rep, rep.set) == (hold.rep, hold.set)
        assert hold.end - hold.start == pytest.approx(3)
        assert hold.start in starts(timeline, "Hold.", "lift")
    twist = [(s.rep, s.side) for s in by_kind["rep"] if s.exercise == "twist"]
    assert twist == [(1, "right"), (1, "left"), (2, "right"), (2, "left")]
    plank = by_kind["timed"]
    assert [(s.side, round(s.end - s.start, 6)) for s in plank] == [("right", 12), ("left", 12)]
    assert [s.exercise for s in by_kind["changeover"]] == ["plank"]
    assert [(s.exercise, s.next) for s in by_kind["rest"]] == [("lift", "twist"),
                                                               ("twist", "plank")]
    assert [(s.set, s.sets) for s in by_kind["set_rest"]] == [(1, 2)]
    # the next exercise's chapter starts inside the rest, with its announcement
    for rest in by_kind["rest"]:
        chapter = next(c for c in timeline.chapters if c.exercise == rest.next)
        assert rest.start < chapter.start < rest.end


def test_one_clock_rounds_half_up_everywhere() -> None:
    from voiceguide.cli.common import format_time
    from voiceguide.script.cues import clock

    assert format_time is clock
    assert [clock(t) for t in (0, 0.49, 0.5, 287.5, 286.5, 3599.5, 3723.2, -3)] == \
        ["0:00", "0:00", "0:01", "4:48", "4:47", "1:00:00", "1:02:03", "0:00"]
