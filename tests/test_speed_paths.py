"""The fast paths give the same audio as the plain ones: the streamed render is exactly the
timeline, worker processes speak what this process would, the fast trim is pydub's, and several
routines rendered in one call are each what a single render makes. Nothing here is timed:
speed is measured by scripts/bench.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pydub.silence import detect_leading_silence

import voiceguide
from voiceguide import Options, Result
from voiceguide.audio.options import SoundOptions
from voiceguide.audio.synthesize import (
    TRIM_THRESHOLD_DBFS,
    leading_silence_ms,
    normalize,
    shares,
    synthesize,
)
from voiceguide.cli import cli
from voiceguide.engines import get_engine

from audio_checks import RATE, dbfs, decode, window_levels
from conftest import SMALL, CountingEngine

QUIET = Options(sound=SoundOptions(chimes=False))  # voice only: silence is silence


def speech_and_silence_at_their_times(samples: np.ndarray, result: Result) -> None:
    """Each speech segment starts with sound within a millisecond of its scheduled time and is
    loud; each silence is digital near-silence (a lossless file: no codec smear)."""
    ms = RATE // 1000
    for segment in result.timeline.segments:
        lo, hi = round(segment.start * RATE), round(segment.end * RATE)
        if segment.kind == "speech":
            assert window_levels(samples[lo:hi]).max() > -35, segment
            assert dbfs(samples[lo: lo + 2 * ms]) > -70, segment  # sound from its first 2 ms
        elif hi - lo > 2 * ms:
            assert dbfs(samples[lo:hi]) < -70, segment


def test_streamed_wav_render_is_exactly_the_timeline(small_routine_file: Path,
                                                     tmp_path: Path) -> None:
    result = voiceguide.render(small_routine_file, tmp_path / "small.wav", QUIET, fmt="wav")
    samples = decode(result.path)
    assert abs(samples.size / RATE - result.timeline.duration) <= 0.001
    speech_and_silence_at_their_times(samples, result)


def test_streamed_mp3_render_of_a_longer_routine_has_the_timeline_length(
        tmp_path: Path) -> None:
    longer = tmp_path / "longer.yaml"  # the small routine with ten times the reps
    longer.write_text(SMALL.replace("reps: 3", "reps: 30").replace("reps: 2", "reps: 20"),
                      encoding="utf-8")
    result = voiceguide.render(longer, tmp_path / "longer.mp3", QUIET)
    samples = decode(result.path)
    assert result.timeline.duration > 300
    assert abs(samples.size / RATE - result.timeline.duration) < 0.05
    for segment in result.timeline.segments:  # speech where the timeline has it, away from edges
        if segment.kind == "speech" and segment.duration > 0.3:
            inner = samples[int((segment.start + 0.06) * RATE): int((segment.end - 0.06) * RATE)]
            assert window_levels(inner).max() > -35, segment


def test_worker_processes_speak_the_same_clips_as_this_process() -> None:
    """espeak-ng varies every utterance a little (its noise, pauses some ms longer or shorter,
    depending on what the process said before), so two runs in one process never match byte for
    byte either: the clips must come back in order, each as long and as loud as this process
    makes it, within that variation."""
    texts = [f"Exercise {n} of 40: the same clip, wherever it is spoken." for n in range(40)]
    sequential = synthesize(texts, get_engine("pyttsx3"), jobs=1)
    counting = CountingEngine()
    counted: list[int] = []
    parallel = synthesize(texts, counting, engine_name="pyttsx3", jobs=3,
                          progress=counted.append)
    here, *workers = shares(len(texts), 2)
    assert counting.spoken == [texts[i] for i in here]  # the rest was spoken by the workers
    assert len(workers) == 2 and all(len(part) > 0 for part in workers)
    assert list(parallel) == texts == list(sequential)
    assert sum(counted) == len(texts)
    for text in texts:
        a, b = sequential[text], parallel[text]
        assert abs(len(a) - len(b)) <= 60, text  # ms
        assert abs(a.dBFS - b.dBFS) < 1.0, text
        assert (a.frame_rate, a.sample_width, a.channels) == (b.frame_rate, b.sample_width,
                                                              b.channels)
    # Each worker starts afresh and always gets the same share. espeak-ng's noise is not fully
    # repeatable even so (seen in CI: one sample in a clip differed), so: the same length within
    # a few milliseconds and the same loudness.
    again = synthesize(texts, counting, engine_name="pyttsx3", jobs=3)
    for part in workers:
        for index in part:
            a, b = again[texts[index]], parallel[texts[index]]
            assert abs(len(a) - len(b)) <= 5 and abs(a.dBFS - b.dBFS) < 0.5, texts[index]


def test_shares_cover_every_phrase_once() -> None:
    for count in (2, 3, 40, 41, 111, 500):
        for workers in (0, 1, 2, 3):
            if workers >= count:
                continue
            parts = shares(count, workers)
            assert len(parts) == workers + 1
            assert [i for part in parts for i in part] == list(range(count))
            assert all(len(part) > 0 for part in parts)


def test_fast_trim_finds_what_pydub_finds() -> None:
    engine = get_engine("pyttsx3")
    for text in ("Hold.", "3.", "Last one, 15.", "Switch sides.", "Breathe out slowly."):
        clip = normalize(engine.synthesize(text, None, None))
        for part in (clip, clip.reverse(), clip[:137], clip[5:], clip[:0]):
            assert leading_silence_ms(part.raw_data) == detect_leading_silence(
                part, silence_threshold=TRIM_THRESHOLD_DBFS, chunk_size=1)


@pytest.fixture
def two_routines(tmp_path: Path) -> Path:
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "first.yaml").write_text(SMALL, encoding="utf-8")
    (folder / "second.yaml").write_text(
        SMALL.replace("Small test routine", "Second routine").replace("reps: 3", "reps: 4"),
        encoding="utf-8")
    (folder / "notes.txt").write_text("not a routine", encoding="utf-8")
    return folder


def test_render_several_routines_in_one_call(two_routines: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["render", str(two_routines), "--output-dir", str(out),
                                      "--format", "wav", "--no-chimes", "--no-cue-files"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["first.wav", "second.wav"]
    for name in ("first", "second"):
        single = voiceguide.preview(two_routines / f"{name}.yaml", QUIET)
        samples = decode(out / f"{name}.wav")
        assert abs(samples.size / RATE - single.duration) <= 0.001
        speech_and_silence_at_their_times(samples, Result(out / f"{name}.wav", single))
    assert str(out / "first.wav") in result.output and str(out / "second.wav") in result.output


def test_render_several_checks_every_routine_before_rendering_any(two_routines: Path,
                                                                  tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: Bad\nexercises: 3\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["render", str(two_routines / "first.yaml"), str(bad),
                                      "--output-dir", str(out)])
    assert result.exit_code == 2 and "bad.yaml" in result.output
    assert not out.exists()


def test_render_several_refuses_ambiguous_outputs(two_routines: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "first.yaml").write_text(SMALL, encoding="utf-8")
    same_name = CliRunner().invoke(cli, ["render", str(two_routines / "first.yaml"),
                                         str(other / "first.yaml"), "--output-dir",
                                         str(tmp_path / "out")])
    assert same_name.exit_code == 2 and "both be written" in same_name.output
    one_file = CliRunner().invoke(cli, ["render", str(two_routines), "-o",
                                        str(tmp_path / "x.mp3")])
    assert one_file.exit_code == 2 and "--output-dir" in one_file.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "x.mp3").exists()
