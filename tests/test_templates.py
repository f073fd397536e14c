"""Every bundled template rendered with the real espeak-ng and ffmpeg, and measured from the
decoded audio: every onset within 20 ms of the timeline, every silence silent, the length equal
to the timeline's. Also: `voiceguide templates` lists each with its kind and length."""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceguide
from voiceguide import Options, Result
from voiceguide.format.load import list_templates, load_routine

from audio_checks import RATE, dbfs, decode, envelope, measured_onset, silent_until
from conftest import run_cli

TOLERANCE = 0.020  # seconds: onsets and length
CODEC_EDGE = 0.020  # MP3 spreads a transition over about 20 ms
NEW = ["interval-workout", "circuit", "stretching", "breathing"]


def measure(result: Result) -> float:
    """Checks the render against its timeline; returns the worst onset error (seconds)."""
    samples = decode(result.path)
    timeline = result.timeline
    assert abs(samples.size / RATE - timeline.duration) <= TOLERANCE
    env = envelope(samples)
    worst, previous_end = 0.0, -1.0
    for segment in timeline.speech:
        onset = measured_onset(env, segment.start, previous_end + CODEC_EDGE)
        assert onset is not None, segment
        worst = max(worst, abs(onset - segment.start))
        previous_end = segment.end
    assert worst <= TOLERANCE, worst
    for segment in timeline.segments:
        end = silent_until(segment, timeline.sounds)
        if segment.kind == "silence" and end - segment.start > 2 * CODEC_EDGE + 0.001:
            inner = samples[round((segment.start + CODEC_EDGE) * RATE):
                            round((end - CODEC_EDGE) * RATE)]
            assert dbfs(inner) < -50, segment
    return worst


@pytest.mark.parametrize("name", [p.stem for p in list_templates()
                                  if p.stem != "back-strengthening"])
def test_template_renders_on_time(name: str, tmp_path: Path) -> None:
    """(back-strengthening is measured the same way in test_timing.py.)"""
    result = voiceguide.render(name, tmp_path / f"{name}.mp3", Options(engine="pyttsx3"))
    measure(result)
    assert not result.timeline.warnings, result.timeline.warnings


def test_new_templates_are_of_each_kind_and_say_things_as_a_coach_would() -> None:
    kinds = {name: load_routine(name).kind for name in NEW}
    assert kinds == {"interval-workout": "workout", "circuit": "workout",
                     "stretching": "stretching", "breathing": "breathing"}
    assert load_routine("circuit").structure  # sections and a block in rounds


def test_templates_command_lists_kind_and_length() -> None:
    code, out, _ = run_cli("templates")
    assert code == 0
    lines = {line.split()[0]: line.split() for line in out.splitlines()}
    for name in [*NEW, "back-strengthening"]:
        kind, length = lines[name][1], lines[name][2]
        assert kind == load_routine(name).kind
        minutes, seconds = length.split(":")
        assert 3 <= int(minutes) <= 40 and len(seconds) == 2
