"""Loudness, chimes, ticks, the bell, the music bed and the output formats, measured in the
decoded audio (ffmpeg's ebur128 filter and numpy), never taken from the code that made them."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import voiceguide
from voiceguide import Options, Result
from voiceguide.audio.options import TAIL, SoundOptions
from voiceguide.audio.sounds import TONES, arrange, countdowns
from voiceguide.cli import cli
from voiceguide.model import Segment, Timeline
from voiceguide.pipeline import prepare, render_plan
from voiceguide.script.phrases import load_phrases

from audio_checks import (
    RATE,
    chapters,
    check_speech_and_silence,
    dbfs,
    decode,
    ebur128,
    probe,
    seconds,
    tags,
)
from conftest import SMALL

START_CHIME_HZ = 1046.5  # the first note of the start chime (C6)
END_CHIME_HZ = 1568.0  # the first note of the end chime (G6)
TICK_HZ = 1800.0
BELL_HZ = 440.0


def tone_prominence(samples: np.ndarray, start: float, frequency: float,
                    length: float = 0.2, rate: int = RATE) -> float:
    """How far (dB) the spectrum at ``frequency`` stands above the median of the octave around
    it, in a Hann window of ``length`` seconds from ``start``: high for a pure tone."""
    lo = round(start * rate)
    window = samples[lo: lo + round(length * rate)]
    spectrum = np.abs(np.fft.rfft(window * np.hanning(window.size)))
    freqs = np.fft.rfftfreq(window.size, 1 / rate)
    at = spectrum[np.abs(freqs - frequency) <= 8].max()
    around = spectrum[(freqs > frequency / 1.4) & (freqs < frequency * 1.4)]
    return float(20 * np.log10(at / max(float(np.median(around)), 1e-12)))


def test_seed_render_is_at_minus_19_lufs_mono_with_true_peak_under_minus_1(
        seed_render: Result) -> None:
    integrated, peak = ebur128(seed_render.path)
    assert integrated == pytest.approx(-19.0, abs=0.5)
    assert peak <= -1.0


def test_seed_render_has_a_chime_at_each_exercise_start_and_end(seed_render: Result) -> None:
    samples = decode(seed_render.path)
    timeline = seed_render.timeline
    exercises = [c for c in timeline.chapters if c.exercise]
    assert len(exercises) == 5
    done = load_phrases("en").say("done")
    for chapter in exercises:
        assert tone_prominence(samples, chapter.start, START_CHIME_HZ) > 40, chapter
        ends = [s for s in timeline.speech if s.exercise == chapter.exercise and s.text == done]
        assert tone_prominence(samples, ends[-1].start, END_CHIME_HZ, 0.4) > 31, chapter
    # no chime where none belongs: at every other start of speech of the session
    chimed = {s.start for s in timeline.sounds}
    others = [s.start for s in timeline.speech if s.start not in chimed]
    assert len(others) > 600
    assert max(tone_prominence(samples, t, START_CHIME_HZ) for t in others) < 40
    assert max(tone_prominence(samples, t, END_CHIME_HZ, 0.4) for t in others) < 31


def test_seed_render_ends_with_a_bell_after_the_last_words(seed_render: Result) -> None:
    samples = decode(seed_render.path)
    timeline = seed_render.timeline
    (bell,) = [s for s in timeline.sounds if s.name == "bell"]
    last_words = timeline.speech[-1]
    assert bell.start >= last_words.end
    # the bell rings out, then the tail's silence (0.5 s by default)
    assert timeline.duration == pytest.approx(bell.start + TONES["bell"][1] + TAIL)
    assert samples.size / RATE == pytest.approx(timeline.duration, abs=0.05)
    assert tone_prominence(samples, bell.start + 0.05, BELL_HZ, length=0.5) > 25
    gap = samples[round((last_words.end + 0.05) * RATE): round((bell.start - 0.02) * RATE)]
    assert dbfs(gap) < -50  # silence between the last words and the bell
    assert dbfs(samples[-round(0.05 * RATE):]) < -40  # the bell has died away at the end


def test_countdowns_are_found_from_the_texts(small_routine_file: Path) -> None:
    timeline = voiceguide.preview(small_routine_file, Options(sound=SoundOptions(chimes=False)))
    found = countdowns(timeline, load_phrases("en"))
    numbers = [found[i] for i in sorted(found)]
    # 3 reps × a 3 s hold (2, 1), two rests (3, 2, 1), the changeover (3, 2, 1) and the
    # plank's two 3-2-1 countdowns; the rep announcements "1.", "2.", "3." are not among them
    assert numbers == [2, 1] * 3 + [3, 2, 1] * 5
    for index in found:
        assert timeline.segments[index].kind == "speech"


def test_tones_mode_is_pure_and_keeps_the_timeline_contiguous() -> None:
    phrases = load_phrases("en")
    segments = (Segment(0.0, 1.0, "speech", "Hold."), Segment(1.0, 1.3, "speech", "2."),
                Segment(1.3, 2.0, "silence"), Segment(2.0, 2.3, "speech", "1."),
                Segment(2.3, 3.0, "silence"), Segment(3.0, 3.5, "speech", "Lower."))
    timeline = Timeline("t", segments)
    tones = arrange(timeline, phrases, "tones", chimes=False)
    assert [s.kind for s in tones.segments] == ["speech", "silence", "speech"]
    assert tones.segments[1] == Segment(1.0, 3.0, "silence")
    assert [(s.start, s.name) for s in tones.sounds] == [(1.0, "tick"), (2.0, "tick")]
    both = arrange(timeline, phrases, "both", chimes=False)
    assert both.segments == segments and len(both.sounds) == 2
    assert arrange(timeline, phrases, "voice", chimes=False) == timeline
    for result in (tones, both):
        for before, after in zip(result.segments, result.segments[1:]):
            assert before.end == after.start


def test_tones_mode_ticks_where_the_numbers_were(small_routine_file: Path,
                                                 tmp_path: Path) -> None:
    voice = voiceguide.preview(small_routine_file)
    numbers = [voice.segments[i] for i in sorted(countdowns(voice, load_phrases("en")))]
    result = voiceguide.render(small_routine_file, tmp_path / "tones.wav",
                               Options(sound=SoundOptions(cues="tones")), fmt="wav")
    samples = decode(result.path)
    assert samples.size == round(result.timeline.duration * RATE)
    assert result.timeline.duration == pytest.approx(voice.duration)
    starts = {s.start for s in result.timeline.speech}
    assert len(numbers) == 21 and not starts & {n.start for n in numbers}
    for number in numbers:
        tick = samples[round(number.start * RATE): round((number.start + 0.06) * RATE)]
        assert dbfs(tick) > -30, number  # a tick on the number's second …
        assert tone_prominence(samples, number.start, TICK_HZ, length=0.06) > 12, number
        after = samples[round((number.start + 0.08) * RATE): round(number.end * RATE)]
        assert dbfs(after) < -50, number  # … and no spoken number after it
    # all else silent stays silent
    check_speech_and_silence(samples, result.timeline, edge=1 / RATE, digital=True)


def test_both_mode_ticks_on_the_spoken_numbers(small_routine_file: Path, tmp_path: Path) -> None:
    result = voiceguide.render(small_routine_file, tmp_path / "both.wav",
                               Options(sound=SoundOptions(cues="both", chimes=False)),
                               fmt="wav")
    samples = decode(result.path)
    ticks = [s for s in result.timeline.sounds if s.name == "tick"]
    assert len(ticks) == 21 and {s.name for s in result.timeline.sounds} == {"tick"}
    for tick in ticks:
        (number,) = [s for s in result.timeline.speech if s.start == tick.start]
        assert tone_prominence(samples, tick.start, TICK_HZ, length=0.06) > 6, number
        assert dbfs(samples[round((number.start + 0.08) * RATE):
                            round(number.end * RATE)]) > -35  # the number is still spoken


def make_music(path: Path, seconds: float) -> Path:
    """A stereo test 'music' file: a chord whose right channel is the left one inverted, so that
    left minus right is the music alone (the voice and the tones are the same on both sides)."""
    expr = "0.3*sin(2*PI*220*t)+0.2*sin(2*PI*277*t)+0.2*sin(2*PI*330*t)"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc={expr}|-({expr}):s=44100:d={seconds}", "-c:a", "libmp3lame",
                    "-b:a", "192k", str(path)], check=True)
    return path


def test_music_bed_is_ducked_under_speech_and_the_loudness_holds(
        small_routine_file: Path, tmp_path: Path) -> None:
    music = make_music(tmp_path / "bed.mp3", 30.0)  # shorter than the session: it loops
    result = voiceguide.render(small_routine_file, tmp_path / "music.mp3",
                               Options(sound=SoundOptions(music=music)))
    info = probe(result.path)["streams"][0]
    assert int(info["sample_rate"]) == 44100 and info["channels"] == 2
    integrated, peak = ebur128(result.path)
    assert integrated == pytest.approx(-16.0, abs=0.5)
    assert peak <= -1.0
    stereo = decode(result.path, 44100, 2)
    assert stereo.shape[0] / 44100 == pytest.approx(result.timeline.duration, abs=0.05)
    bed = (stereo[:, 0].astype(np.float64) - stereo[:, 1]) / 2  # the music alone

    def level(start: float, end: float) -> float:
        part = bed[round(start * 44100): round(end * 44100)]
        return float(20 * np.log10(np.sqrt(np.mean(part ** 2))))

    under = [level(s.start + 0.4, s.end - 0.1) for s in result.timeline.speech
             if s.duration > 1.2]
    free = [level(s.start + 1.2, s.end - 0.4) for s in result.timeline.segments
            if s.kind == "silence" and s.duration > 3.0 and s.end < result.timeline.duration - 10]
    assert len(under) >= 3 and len(free) >= 2
    assert float(np.median(free)) - float(np.median(under)) == pytest.approx(12.0, abs=1.0)
    assert level(25, 35) > -40  # still playing after the 30 s file ended: looped
    assert level(result.timeline.duration - 0.3, result.timeline.duration) \
        < float(np.median(free)) - 20  # faded out at the end


FORMATS = {"mp3": 44100, "m4a": 44100, "opus": 48000, "wav": 44100}


@pytest.fixture(scope="module")
def formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """The small routine rendered once in each format, stereo, at -18 LUFS."""
    folder = tmp_path_factory.mktemp("formats")
    source = folder / "small.yaml"
    source.write_text(SMALL, encoding="utf-8")
    plan = prepare(source, Options(sound=SoundOptions(channels=2, loudness=-18.0)))
    return {fmt: render_plan(plan, folder / f"small.{fmt}", fmt) for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_are_tagged_at_their_rate_and_loudness(formats: dict[str, Result],
                                                       fmt: str) -> None:
    result = formats[fmt]
    stream = probe(result.path)["streams"][0]
    assert int(stream["sample_rate"]) == FORMATS[fmt] and stream["channels"] == 2
    found = tags(result.path)
    assert found["title"] == "Small test routine" and found["artist"] == "Test Author"
    integrated, peak = ebur128(result.path)
    assert integrated == pytest.approx(-18.0, abs=0.5) and peak <= -1.0


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_decode_to_the_timeline_length(formats: dict[str, Result], fmt: str) -> None:
    """README: MP3, Opus and WAV exactly (here: to the millisecond); AAC pads the end, by less
    than one 1024-sample frame."""
    result = formats[fmt]
    padding = seconds(result.path, FORMATS[fmt]) - result.timeline.duration
    if fmt == "m4a":
        assert 0 <= padding <= 1024 / FORMATS[fmt] + 0.001
    else:
        assert padding == pytest.approx(0.0, abs=0.001)


@pytest.mark.parametrize("fmt", ["mp3", "m4a", "opus", "wav"])
def test_chapters_start_and_end_on_the_millisecond_in_every_format(
        formats: dict[str, Result], fmt: str) -> None:
    """Chapter titles and times as each format stores them, read back (WAV has none)."""
    result = formats[fmt]
    found = chapters(result.path)
    expected = result.timeline.chapters if fmt != "wav" else ()
    assert [c.title for c in found] == [c.title for c in expected]
    for chapter, want in zip(found, expected, strict=True):
        assert chapter.start == pytest.approx(want.start, abs=0.001), chapter
        if chapter.end is not None:
            assert chapter.end == pytest.approx(want.end, abs=0.001), chapter


def test_no_chimes_means_no_sounds_and_no_bell(small_routine_file: Path) -> None:
    plain = voiceguide.preview(small_routine_file, Options(sound=SoundOptions(chimes=False)))
    chimed = voiceguide.preview(small_routine_file)
    assert plain.sounds == ()
    # the bell follows the session's last pause, then the tail (the plain session's last pause
    # is already as long as the tail)
    assert chimed.duration == pytest.approx(plain.duration + TONES["bell"][1] + TAIL)
    names = [s.name for s in chimed.sounds]
    assert names.count("chime-start") == 3 and names.count("chime-end") == 3
    assert names[-1] == "bell" and "tick" not in names
    assert chimed.to_dict()["sounds"][0] == {"start": round(chimed.sounds[0].start, 4),
                                             "name": "chime-start", "duration": 1.0}
    assert replace(chimed, sounds=()).to_dict()["sounds"] == []


def test_a_music_file_that_is_not_audio_is_refused(small_routine_file: Path,
                                                   tmp_path: Path) -> None:
    bogus = tmp_path / "song.mp3"
    bogus.write_text("not audio at all\n", encoding="utf-8")
    out = tmp_path / "never.mp3"
    result = CliRunner().invoke(cli, ["render", str(small_routine_file), "--music", str(bogus),
                                      "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert f"cannot read {bogus} as audio" in result.output and "Traceback" not in result.output
    assert not out.exists()
