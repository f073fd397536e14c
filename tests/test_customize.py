"""Customization: each option's effect on the real timeline, and each refusal from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceguide
from voiceguide import Customization, Options, Timeline, parse_routine
from voiceguide.model import Routine
from voiceguide.script.customize import customize, describe

from conftest import SMALL, run_cli

# The small routine with ranges (lift: 3-5 reps, a 2-4 s hold) and 20 s rests (long enough to
# announce and set up the next exercise in).
RANGES = SMALL.replace("    reps: 3\n", "    reps: 3-5\n").replace(
    "      - hold: 3\n", "      - hold: 2-4\n").replace("  rest: 6\n", "  rest: 20\n")


def routine(text: str = RANGES) -> Routine:
    return parse_routine(text, "small.yaml")


def preview(**choices: object) -> Timeline:
    return voiceguide.preview(routine(), Options(choices=Customization(**choices)))  # type: ignore[arg-type]


def texts(timeline: Timeline, exercise: str | None = None) -> list[str]:
    return [s.text for s in timeline.speech if exercise is None or s.exercise == exercise]


def start(timeline: Timeline, text: str, index: int = 0) -> float:
    return [s.start for s in timeline.speech if s.text == text][index]


def rest_after_lift(timeline: Timeline) -> float:
    """Seconds from "Rest. Next: Twist." to the start of the twists ("Begin."): the rest,
    during which the twist is announced and set up."""
    return start(timeline, "Begin.", 1) - start(timeline, "Rest. Next: Twist.")


def hold_length(timeline: Timeline) -> float:
    return start(timeline, "Lower.") - start(timeline, "Hold.")


def test_levels_pick_from_ranges_and_scale_rests() -> None:
    for level, reps, hold, rest in (("easy", 3, 2, 25.0), ("standard", 4, 3, 20.0),
                                    ("hard", 5, 4, 16.0)):
        timeline = preview(level=level)
        assert f"Last one, {reps}." in texts(timeline, "lift")
        assert f"Last one, {reps + 1}." not in texts(timeline, "lift")
        assert hold_length(timeline) == pytest.approx(hold)
        assert rest_after_lift(timeline) == pytest.approx(rest)


def test_describe_states_the_level_and_its_picks() -> None:
    lines = describe(routine(), Customization(level="hard"))
    assert lines == ["Level hard: the high end of every range, rests ×0.8.",
                     "Picked: lift reps 5 (of 3-5), lift hold 4 s (of 2-4)."]
    assert describe(routine(SMALL), Customization()) == [
        "Level standard: the middle of every range (rounded down), rests as written."]


def test_reps_for_all_and_for_one() -> None:
    timeline = preview(all_reps=6, reps={"twist": 2})
    assert "Last one, 6." in texts(timeline, "lift")
    assert "Last one. Left, 2." in texts(timeline, "twist")
    assert texts(timeline, "plank").count("And stop.") == 2  # timed: unchanged
    more = preview(all_reps=7)
    assert "Last one. Left, 7." in texts(more, "twist")


def test_sets_hold_and_rest() -> None:
    timeline = preview(sets={"lift": 2})
    assert "Rest. Next: set 2 of 2." in texts(timeline, "lift")
    assert texts(timeline, "lift").count("Last one, 4.") == 2
    assert hold_length(preview(holds={"lift": 7})) == pytest.approx(7.0)
    assert rest_after_lift(preview(rest=15)) == pytest.approx(15.0)
    assert rest_after_lift(preview(rest=15, level="easy")) == pytest.approx(15.0)
    base, longer = preview(), preview(rest=15)
    assert longer.duration - base.duration == pytest.approx(2 * (15 - 20))


def test_only_skip_and_order_choose_the_exercises() -> None:
    def exercises(timeline: Timeline) -> list[str | None]:
        return [chapter.exercise for chapter in timeline.chapters[1:-1]]

    assert exercises(preview(only=("plank", "lift"))) == ["lift", "plank"]
    skipped = preview(skip=("twist",))
    assert exercises(skipped) == ["lift", "plank"]
    assert "Exercise 2 of 2: Plank." in texts(skipped)
    assert "Rest. Next: Plank." in texts(skipped)
    ordered = preview(order=("plank", "lift", "twist"))
    assert exercises(ordered) == ["plank", "lift", "twist"]
    assert "Exercise 1 of 3: Plank." in texts(ordered)


def test_no_intro_and_no_outro() -> None:
    full = texts(preview())
    assert {"Hello.", "A word on safety.", "Be careful.", "Goodbye."} <= set(full)
    short = texts(preview(intro=False, outro=False))
    assert short[0] == "Small test routine."
    assert not {"Hello.", "A word on safety.", "Be careful.", "Goodbye."} & set(short)
    assert short[-1] == "That was the last exercise."


def test_a_cut_scales_reps_timed_lengths_and_rests() -> None:
    cut = customize(routine(), Customization(cut=0.5))
    assert cut.exercise("lift").reps is not None and cut.exercise("lift").reps.value == 2
    assert cut.exercise("twist").reps is not None and cut.exercise("twist").reps.value == 1
    assert cut.exercise("plank").duration == 6.0
    assert cut.defaults.rest == 10.0
    timeline = voiceguide.preview(cut)
    assert "Last one, 2." in texts(timeline, "lift")


def test_fit_finds_the_gentlest_cut_that_fits() -> None:
    options = Options()
    full = voiceguide.preview(routine(), options).duration
    limit = full - 20
    found = voiceguide.pipeline.fit(routine(), options, limit)
    assert 0 < found.cut < 1
    assert found.timeline.duration <= limit
    one_more = Options(choices=Customization(cut=round(found.cut + 0.01, 2)))
    assert voiceguide.preview(routine(), one_more).duration > limit
    assert voiceguide.pipeline.fit(routine(), options, full + 1).cut == 1.0


@pytest.fixture
def ranges_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(RANGES, encoding="utf-8")
    return path


REFUSALS = [
    (["--reps", "0"], "--reps: 0 reps is out of range; allowed: 1 to 1000"),
    (["--reps", "10000"], "--reps: 10000 reps is out of range; allowed: 1 to 1000"),
    (["--reps", "lift=0"], "--reps: 0 reps for 'lift' is out of range; allowed: 1 to 1000"),
    (["--reps", "lfit=4"], "--reps: no exercise with the id 'lfit'. Did you mean 'lift'?"),
    (["--reps", "plank=4"], "--reps: 'plank' is a timed exercise (12 s), it has no reps"),
    (["--reps", "lift=x"], "--reps: 'lift=x' is not ID=N or N."),
    (["--sets", "lift=0"], "--sets: 0 sets for 'lift' is out of range; allowed: 1 to 100"),
    (["--sets", "lift"], "--sets: 'lift' is not ID=N."),
    (["--hold", "lift=-2"], "--hold: -2 s of hold for 'lift' is out of range; allowed: 1 to 3600"),
    (["--hold", "twist=3"], "--hold: 'twist' has no hold phase to set"),
    (["--rest", "-1"], "--rest: -1 s of rest is out of range; allowed: 0 to 3600"),
    (["--only", "lift", "--skip", "twist"], "--only and --skip cannot be used together."),
    (["--only", "lift,twsit"], "--only: no exercise with the id 'twsit'. Did you mean 'twist'?"),
    (["--skip", "lift,twist", "--skip", "plank"], "--skip: every exercise is skipped"),
    (["--order", "lift,twist"], "--order: 'plank' is missing.\n  Fix: list each exercise of "
     "the session exactly once: --order lift,twist,plank"),
    (["--order", "lift,twist,plank,lift"], "--order: 'lift' is listed twice."),
    (["--order", "lift,twist,planck"], "--order: no exercise with the id 'planck'. "
     "Did you mean 'plank'?"),
    (["--skip", "twist", "--order", "twist,lift,plank"],
     "--order: 'twist' is not part of this session (skipped)."),
    (["--apply"], "--apply applies the cut that --max-minutes proposes."),
    (["--max-minutes", "0"], "Invalid value for '--max-minutes'"),
    (["--sets", "lift=20", "--max-minutes", "1"],
     "--max-minutes: the session cannot fit in 1 minute; even with 1 rep each"),
]


@pytest.mark.parametrize(("args", "message"), REFUSALS, ids=[" ".join(a) for a, _ in REFUSALS])
def test_refusals_exit_2_with_a_clear_message(ranges_file: Path, args: list[str],
                                              message: str) -> None:
    code, out, err = run_cli("preview", str(ranges_file), *args)
    assert code == 2
    assert message in err
    assert out == ""


def test_refusals_apply_to_render_too(ranges_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.mp3"
    code, _, err = run_cli("render", str(ranges_file), "--reps", "0", "-o", str(out))
    assert code == 2 and "allowed: 1 to 1000" in err
    assert not out.exists()


def test_preview_shows_level_picks_and_lengths(ranges_file: Path) -> None:
    code, out, _ = run_cli("preview", str(ranges_file), "--level", "easy", "--skip", "twist")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == ["Small test routine",
                         "Level easy: the low end of every range, rests ×1.25.",
                         "Picked: lift reps 3 (of 3-5), lift hold 2 s (of 2-4)."]
    timeline = voiceguide.preview(routine(), Options(choices=Customization(
        level="easy", skip=("twist",))))
    for chapter in timeline.chapters:
        length = round(chapter.end - chapter.start)
        assert f"{length // 60}:{length % 60:02d}  {chapter.title}" in out
    assert "2. Plank — 12 s each side" in out
    assert f"Total: {timeline.duration // 60:.0f}:" in out


def test_preview_proposes_and_applies_a_cut(ranges_file: Path) -> None:
    full = voiceguide.preview(routine()).duration
    minutes = f"{(full - 20) / 60:.2f}"
    code, out, _ = run_cli("preview", str(ranges_file), "--max-minutes", minutes)
    assert code == 0
    proposal = out.splitlines()[0]
    assert proposal.startswith(f"To fit in {float(minutes):g} minutes, reps and rests cut to ")
    assert "Add --apply to use this cut." in out
    assert out.rstrip().endswith(f"({full:.1f} s)")
    code, applied, _ = run_cli("preview", str(ranges_file), "--max-minutes", minutes, "--apply")
    assert code == 0
    seconds = float(applied.rstrip().rsplit("(", 1)[1].split(" s)")[0])
    assert seconds <= float(minutes) * 60
    code, out, _ = run_cli("preview", str(ranges_file), "--max-minutes", "60")
    assert code == 0 and out.startswith("Fits in 60 minutes as it is")
