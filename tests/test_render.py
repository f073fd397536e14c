"""End to end with the real speech engine and the real ffmpeg, checked by measuring the audio."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from mutagen.id3 import ID3

import voiceguide
from voiceguide import Customization, Options, Result

from audio_checks import RATE, check_speech_and_silence, decode, probe


def test_seed_render_matches_its_timeline(seed_render: Result) -> None:
    samples = decode(seed_render.path)
    assert abs(samples.size / RATE - seed_render.timeline.duration) < 0.05
    assert seed_render.timeline.duration > 15 * 60  # the whole session, not a fragment
    assert not seed_render.timeline.warnings
    check_speech_and_silence(samples, seed_render.timeline)


def test_seed_render_is_a_tagged_mp3_with_a_chapter_per_exercise(seed_render: Result) -> None:
    info = probe(seed_render.path)
    stream = info["streams"][0]
    assert info["format"]["format_name"] == "mp3"
    assert stream["codec_name"] == "mp3" and int(stream["sample_rate"]) == RATE
    assert stream["channels"] == 1
    tags = info["format"]["tags"]
    assert tags["title"] == "Back strengthening exercises"
    assert tags["artist"] == "voiceguide"
    assert "strengthen the back" in tags["comment"]
    chapters = info["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [
        "Introduction",
        "1. General back stretch — 15 reps",
        "2. Oblique crunch, lying on your back — 13 each side",
        "3. Back stretch with a straight leg — 11 each side",
        "4. Upper abdominal crunch — 13 reps",
        "5. Opposite arm and leg raise — 13 each side",
        "Closing",
    ]
    for chapter, expected in zip(chapters, seed_render.timeline.chapters):
        assert float(chapter["start_time"]) == pytest.approx(expected.start, abs=0.002)
        assert float(chapter["end_time"]) == pytest.approx(expected.end, abs=0.002)
    id3 = ID3(seed_render.path)
    assert str(id3["TIT2"]) == "Back strengthening exercises"
    assert len(id3.getall("CHAP")) == 7 and len(id3.getall("CTOC")) == 1


def test_preview_duration_agrees_with_the_rendered_file(seed_render: Result) -> None:
    timeline = voiceguide.preview("back-strengthening")
    samples = decode(seed_render.path)
    assert abs(timeline.duration - samples.size / RATE) < 0.05


def test_reps_change_the_length_by_what_the_timeline_predicts(
        small_routine_file: Path, tmp_path: Path) -> None:
    base = voiceguide.render(small_routine_file, tmp_path / "base.mp3")
    more = voiceguide.render(small_routine_file, tmp_path / "more.mp3",
                             Options(choices=Customization(reps={"lift": 6})))
    predicted = more.timeline.duration - base.timeline.duration
    assert predicted > 20  # three more reps of at least 7 s each
    measured = decode(more.path).size / RATE - decode(base.path).size / RATE
    assert measured == pytest.approx(predicted, abs=0.05)
    check_speech_and_silence(decode(more.path), more.timeline)


def test_wav_output(small_routine_file: Path, tmp_path: Path) -> None:
    result = voiceguide.render(small_routine_file, tmp_path / "small.wav", fmt="wav")
    with wave.open(str(result.path)) as handle:
        assert handle.getframerate() == RATE and handle.getnchannels() == 1
        assert handle.getsampwidth() == 2
        assert abs(handle.getnframes() / RATE - result.timeline.duration) < 0.001
    assert probe(result.path)["format"]["tags"]["title"] == "Small test routine"


def test_render_leaves_no_temporary_files_and_replaces_only_on_success(
        small_routine_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "small.mp3"
    out.parent.mkdir()
    out.write_bytes(b"previous render")
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nexercises: 3\n", encoding="utf-8")
    with pytest.raises(voiceguide.RoutineError):
        voiceguide.render(bad, out)
    assert out.read_bytes() == b"previous render"
    voiceguide.render(small_routine_file, out)
    assert out.read_bytes()[:3] == b"ID3"
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "small.cues.json", "small.mp3", "small.vtt"]
