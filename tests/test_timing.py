"""Timing you can trust, measured in the rendered audio: onsets, silences, length, chapters, and
the cue sheet and transcript that travel with a render.

Two kinds of check, both by our own analysis of the decoded samples (tests/audio_checks.py):
the README's rules themselves (every hold and countdown the routine calls for, its numbers found
in the audio one beat apart; each spoken segment cross-correlated with its own synthesized clip,
so a wrong clip in a slot fails), and the audio against the render's timeline (each onset, the
first millisecond whose peak passes -40 dBFS near the scheduled time, within 20 ms).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

import voiceguide
from voiceguide import Customization, Options, Result
from voiceguide.pipeline import Plan, prepare, render_plan
from voiceguide.script.cues import vtt_time

from audio_checks import (
    CODEC_EDGE,
    RATE,
    check_rules,
    check_speech_and_silence,
    decode,
    envelope,
    measured_onset,
    probe,
)
from conftest import SMALL

TOLERANCE = 0.020  # seconds: onsets and length
COUNTS = re.compile(r"^(Hold|\d+|Last one, \d+|(Last one\. )?(Right|Left), \d+)\.$")


@pytest.fixture(scope="module")
def slow_plan() -> Plan:
    return prepare("back-strengthening", Options(choices=Customization(tempo=1.5)))


@pytest.fixture(scope="module")
def slow_render(slow_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Result:
    return render_plan(slow_plan, tmp_path_factory.mktemp("tempo") / "slow.mp3")


@pytest.fixture(scope="module")
def fast_plan() -> Plan:
    return prepare("back-strengthening", Options(rate=220))


@pytest.fixture(scope="module")
def fast_render(fast_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Result:
    return render_plan(fast_plan, tmp_path_factory.mktemp("rate") / "fast.mp3")


def onset_errors(result: Result) -> dict[str, list[float]]:
    """Measured minus scheduled start of every speech segment, by text."""
    env = envelope(decode(result.path))
    errors: dict[str, list[float]] = {}
    previous_end = -1.0
    for segment in result.timeline.speech:
        onset = measured_onset(env, segment.start, previous_end + CODEC_EDGE)
        errors.setdefault(segment.text, []).append(
            float("inf") if onset is None else onset - segment.start)
        previous_end = segment.end
    return errors


def check_timing(result: Result, plan: Plan, beat: float = 1.0) -> float:
    """The README's rules measured in the audio (runs on the beat, every clip in its slot), then
    the audio against the timeline; returns the worst onset error (s)."""
    check_rules(result.path, plan.timeline, plan.routine, plan.clips, beat)
    samples = decode(result.path)
    assert abs(samples.size / RATE - result.timeline.duration) <= TOLERANCE
    errors = onset_errors(result)
    counted = [e for text, found in errors.items() if COUNTS.match(text) for e in found]
    # every rep announcement (15 + 2×13 + 2×11 + 13 + 2×13 = 102), hold beat (22×5 + 13×3 +
    # 26×4 = 253) and rest or changeover countdown number (6×3 = 18) of the session
    assert len(counted) == 373
    worst = max(abs(e) for found in errors.values() for e in found)
    assert worst <= TOLERANCE, {t: e for t, e in errors.items() if max(map(abs, e)) > TOLERANCE}
    check_speech_and_silence(samples, result.timeline)
    return worst


def test_seed_at_default_settings_is_on_time(seed_render: Result, seed_plan: Plan) -> None:
    check_timing(seed_render, seed_plan)


def test_seed_at_tempo_one_and_a_half_is_on_time(slow_render: Result, slow_plan: Plan,
                                                 seed_render: Result) -> None:
    check_timing(slow_render, slow_plan, beat=1.5)
    assert slow_render.timeline.duration > seed_render.timeline.duration * 1.3


def test_seed_at_rate_220_is_on_time(fast_render: Result, fast_plan: Plan,
                                     seed_render: Result) -> None:
    check_timing(fast_render, fast_plan)
    assert not fast_render.timeline.warnings
    spoken = sum(s.duration for s in fast_render.timeline.speech)
    assert spoken < sum(s.duration for s in seed_render.timeline.speech)


@pytest.mark.parametrize("fixture", ["seed_render", "slow_render", "fast_render"])
def test_chapters_are_readable_by_independent_readers(fixture: str,
                                                      request: pytest.FixtureRequest) -> None:
    result: Result = request.getfixturevalue(fixture)
    chapters = probe(result.path)["chapters"]
    expected = result.timeline.chapters
    assert [c["tags"]["title"] for c in chapters] == [c.title for c in expected]
    for found, chapter in zip(chapters, expected, strict=True):
        assert float(found["start_time"]) == pytest.approx(chapter.start, abs=0.001)
        assert float(found["end_time"]) == pytest.approx(chapter.end, abs=0.001)
    frames = sorted(ID3(result.path).getall("CHAP"), key=lambda f: f.start_time)
    assert [f.sub_frames["TIT2"].text[0] for f in frames] == [c.title for c in expected]
    assert [f.start_time for f in frames] == [round(c.start * 1000) for c in expected]
    toc = ID3(result.path).getall("CTOC")[0]
    assert len(toc.child_element_ids) == len(expected)


def read_vtt(path: Path) -> list[tuple[float, float, str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n")
    cues = []
    for block in text.split("\n\n")[1:]:
        lines = block.strip().splitlines()
        if len(lines) < 3 or "-->" not in lines[1]:
            continue
        start, end = (sum(float(part) * 60 ** i for i, part in enumerate(reversed(t.split(":"))))
                      for t in lines[1].split(" --> "))
        cues.append((start, end, "\n".join(lines[2:])))
    return cues


def test_cue_sheet_and_transcript_agree_with_the_audio(seed_render: Result) -> None:
    sheet_path, vtt_path = seed_render.cue_files
    assert sheet_path.name == "back-strengthening.cues.json"
    assert vtt_path.name == "back-strengthening.vtt"
    sheet = json.loads(sheet_path.read_text(encoding="utf-8"))
    preview = voiceguide.preview("back-strengthening").to_dict()
    # the preview's object, plus what a player needs beside it (cues.cue_sheet's docstring)
    assert {k: sheet[k] for k in preview} == preview
    assert set(sheet) - set(preview) == {"chapters", "spans", "author", "description",
                                         "language", "exercises"}
    assert [c["title"] for c in sheet["chapters"]] == \
           [c.title for c in seed_render.timeline.chapters]
    cues = read_vtt(vtt_path)
    speech = seed_render.timeline.speech
    assert [c[2] for c in cues] == [s.text for s in speech]
    env = envelope(decode(seed_render.path))
    previous_end = -1.0
    for (start, end, _text), segment in zip(cues, speech, strict=True):
        assert end > start
        onset = measured_onset(env, start, previous_end + CODEC_EDGE)
        assert onset is not None and abs(onset - start) <= TOLERANCE
        previous_end = segment.end


def test_cue_files_can_be_switched_off(small_routine_file: Path, tmp_path: Path) -> None:
    result = voiceguide.render(small_routine_file, tmp_path / "quiet.mp3", cue_files=False)
    assert result.cue_files == ()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quiet.mp3", "small.yaml"]


def test_wav_silences_are_digital_silence(small_routine_file: Path, tmp_path: Path) -> None:
    result = voiceguide.render(small_routine_file, tmp_path / "small.wav", fmt="wav")
    samples = decode(result.path)
    assert samples.size == round(result.timeline.duration * RATE)
    check_speech_and_silence(samples, result.timeline, edge=1 / RATE, digital=True)


def test_vtt_time_format() -> None:
    assert vtt_time(0) == "00:00:00.000"
    assert vtt_time(3661.2345) == "01:01:01.234"


def test_the_clis_worker_processes_render_on_time(tmp_path: Path) -> None:
    """The CLI speaks 40 or more new phrases in worker processes (README, "Speed"): a render
    made that way, from an empty cache, keeps every count on the beat with every clip in its
    slot. 30 reps give the small routine 60-odd phrases (each rep's number and "Rep N.")."""
    routine = tmp_path / "holds.yaml"
    routine.write_text(SMALL.replace("reps: 3\n", "reps: 30\n"), encoding="utf-8")
    cache = tmp_path / "cache"
    out = tmp_path / "holds.wav"
    run = subprocess.run([sys.executable, "-c", "from voiceguide.cli import main; main()",
                          "render", str(routine), "--format", "wav", "-o", str(out)],
                         env={**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)},
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    plan = prepare(routine, Options(cache_dir=cache))  # the clips the workers stored
    assert len(plan.clips) >= 40 and len(list(cache.rglob("*.wav"))) == len(plan.clips)
    sheet = json.loads(out.with_suffix(".cues.json").read_text(encoding="utf-8"))
    assert sheet["duration"] == pytest.approx(plan.timeline.duration, abs=1e-4)
    check_rules(out, plan.timeline, plan.routine, plan.clips)
