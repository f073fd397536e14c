"""Chapters encoded apart and joined (MP3), and encoded chapters reused from the cache: measured
in the decoded files. Nothing here is timed: speed is measured by scripts/bench.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import voiceguide
from voiceguide import Options, Result
from voiceguide.audio.levels import Clips
from voiceguide.audio.master import placements
from voiceguide.audio.mix import total_frames
from voiceguide.audio.options import SoundOptions
from voiceguide.audio.parts import ENCODER_DELAY, layout, parts_folder
from voiceguide.audio.profiles import placed_keys
from voiceguide.cli import cli

from audio_checks import RATE, dbfs, decode, envelope, measured_onset
from conftest import SMALL

SHIFT = 0.0  # s: parts start on frame boundaries of the timeline itself, so nothing moves
EDGE = 0.020  # s: MP3 spreads a sound's start and end over about 20 ms
DECODER_DELAY = 529


def part_joins(routine: str | Path, options: Options) -> list[float]:
    """Where each part after the first begins in the decoded file (s): the layout the render
    used, from the same clips (the cache is warm), so the measurements know where to look."""
    prepared = voiceguide.prepare(routine, options)
    sources, placed = placements(prepared.timeline, prepared.clips, RATE)
    total = total_frames(prepared.timeline, RATE)
    clips = Clips(sources, placed, total, RATE, 1)
    sizes = {key: samples.size for key, samples in clips.pieces.items()}
    cuts = [round(c.start * RATE) for c in prepared.timeline.chapters[1:]]
    parts = layout(placed_keys(clips), sizes, total, RATE, cuts)
    assert len(parts) == len(prepared.timeline.chapters)  # one part per chapter
    return [(part.place - ENCODER_DELAY - DECODER_DELAY) / RATE for part in parts[1:]]


def silence_before_chapters(result: Result) -> list[tuple[float, float]]:
    """(end of the last sound before, start of the chapter's first sound) for each chapter after
    the first, from the timeline."""
    timeline, gaps = result.timeline, []
    for chapter in timeline.chapters[1:]:
        ends = [s.start + s.duration for s in timeline.speech if s.end <= chapter.start + 1e-9]
        ends += [x.start + x.duration for x in timeline.sounds if x.start < chapter.start]
        gaps.append((max(ends), chapter.start))
    return gaps


def check_joins(samples: np.ndarray, result: Result, joins: list[float]) -> None:
    """Each join lies in the silence before a chapter, away from the sounds' codec edges and
    the shift, and the decoded file around it (up to 50 ms before, 60 ms after) is silent: no
    step, no burst."""
    gaps = silence_before_chapters(result)
    assert len(joins) == len(gaps)
    for (lo, hi), join in zip(gaps, joins):
        lo, hi = lo + EDGE, hi - SHIFT - EDGE
        assert lo < join < hi - 0.02, (lo, join, hi)
        window = samples[round(max(lo, join - 0.05) * RATE): round(min(hi, join + 0.06) * RATE)]
        assert window.size > 0.05 * RATE
        assert dbfs(window) < -70, (join, dbfs(window))
        assert dbfs(np.diff(window)) < -70, join


def test_seed_mp3_is_joined_from_its_chapters_gaplessly(seed_render: Result) -> None:
    samples = decode(seed_render.path)
    assert samples.size == round(seed_render.timeline.duration * RATE)  # exactly the timeline
    check_joins(samples, seed_render, part_joins("back-strengthening", Options()))
    env = envelope(samples)
    previous_end = -1.0
    for segment in seed_render.timeline.speech:  # every onset within 20 ms
        onset = measured_onset(env, segment.start, previous_end + EDGE)
        assert onset is not None and abs(onset - segment.start) <= 0.020, segment
        previous_end = segment.end


def small_with(tmp_path: Path, reps: int) -> Path:
    """The small routine, its first exercise with ``reps`` reps, the second with 20."""
    path = tmp_path / f"small-{reps}.yaml"
    path.write_text(SMALL.replace("reps: 3", f"reps: {reps}").replace("reps: 2", "reps: 20"),
                    encoding="utf-8")
    return path


def stored_parts(cache: Path) -> set[Path]:
    return set(parts_folder(cache).glob("*/*.mp3"))


def test_warm_render_after_a_rep_change_decodes_like_one_encoded_anew(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    options = Options(cache_dir=cache)
    voiceguide.render(small_with(tmp_path, 30), tmp_path / "thirty.mp3", options)
    routine = small_with(tmp_path, 31)
    warm = voiceguide.render(routine, tmp_path / "warm.mp3", options)
    for path in stored_parts(cache):  # encoded anew from the same phrase clips
        path.unlink()
    fresh = voiceguide.render(routine, tmp_path / "fresh.mp3", options)
    assert len(stored_parts(cache)) == 5  # introduction, three exercises, closing
    warm_samples, fresh_samples = decode(warm.path), decode(fresh.path)
    assert warm_samples.size == round(warm.timeline.duration * RATE)
    assert np.array_equal(warm_samples, fresh_samples)
    check_joins(warm_samples, warm, part_joins(routine, options))


def test_a_change_in_one_chapter_encodes_only_that_chapter(tmp_path: Path) -> None:
    """A longer rest after the first exercise (in the second chapter, after its announcement):
    6.4 s more silence, which BS.1770's gates leave out of the loudness, and which moves the
    rest of the track by whole 100 ms hops and whole MP3 frames (141120 samples: 64 hops, 245
    frames), so the gain stays, the later chapters' samples too, and only that chapter is
    encoded. (A change that moves the later chapters by part of a frame encodes them again, and
    one that moves the loudness across a step of the gain's grid encodes every chapter.)"""
    cache = tmp_path / "cache"
    options = Options(cache_dir=cache)
    routines = []
    for rest in (30, 36.4):  # longer than the transition's words: the rest is what is asked
        routines.append(tmp_path / f"rest-{rest}.yaml")
        routines[-1].write_text(small_with(tmp_path, 30).read_text(encoding="utf-8").replace(
            "    name: Leg lift\n", f"    name: Leg lift\n    rest: {rest}\n"), encoding="utf-8")
    first = voiceguide.render(routines[0], tmp_path / "first.mp3", options)
    before = stored_parts(cache)
    assert len(before) == 5
    longer = routines[1]
    second = voiceguide.render(longer, tmp_path / "second.mp3", options)
    assert second.timeline.duration == pytest.approx(first.timeline.duration + 6.4)
    assert len(stored_parts(cache) - before) == 1
    samples = decode(second.path)
    assert samples.size == round(second.timeline.duration * RATE)
    check_joins(samples, second, part_joins(longer, options))


def test_damaged_encoded_chapter_is_encoded_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    options = Options(cache_dir=cache)
    routine = small_with(tmp_path, 3)
    first = decode(voiceguide.render(routine, tmp_path / "first.mp3", options).path)
    entries = sorted(stored_parts(cache), key=lambda p: p.stat().st_size)
    damaged, truncated = entries[-1], entries[-2]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the frames
    damaged.write_bytes(bytes(data))
    truncated.write_bytes(truncated.read_bytes()[:1000])
    again = decode(voiceguide.render(routine, tmp_path / "again.mp3", options).path)
    assert np.array_equal(first, again)
    assert damaged.read_bytes() != bytes(data) and truncated.stat().st_size > 1000
    assert stored_parts(cache) == set(entries)


def test_cache_command_counts_and_clears_encoded_chapters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(cache))
    voiceguide.render(small_with(tmp_path, 3), tmp_path / "out.mp3", Options(cache_dir=cache))
    shown = CliRunner().invoke(cli, ["cache"])
    profiles = len(list((cache / "levels").glob("*/*.prof")))
    assert profiles > 5
    assert shown.exit_code == 0 and "5 encoded chapters" in shown.output, shown.output
    assert f"{profiles} loudness profiles" in shown.output
    cleared = CliRunner().invoke(cli, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.output
    assert f", 5 encoded chapters and {profiles} loudness profiles" in cleared.output
    assert stored_parts(cache) == set() and list((cache / "levels").glob("*/*")) == []


def test_no_cache_render_keeps_no_encoded_chapters(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    result = voiceguide.render(small_with(tmp_path, 3), tmp_path / "out.mp3",
                               Options(cache_dir=cache, cache=False))
    assert decode(result.path).size == round(result.timeline.duration * RATE)
    assert stored_parts(cache) == set()


def test_mp3_renders_when_the_cache_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    voiceguide.prepare(small_with(tmp_path, 3), Options(cache_dir=tmp_path / "warm"))
    result = voiceguide.render(small_with(tmp_path, 3), tmp_path / "out.mp3",
                               Options(cache_dir=blocker / "cache"))
    assert decode(result.path).size == round(result.timeline.duration * RATE)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_stereo_mp3_in_parts_decodes_to_the_timeline_length(tmp_path: Path) -> None:
    """44.1 kHz stereo: MPEG-1 frames of 1152 samples; the joins still in silence."""
    result = voiceguide.render(small_with(tmp_path, 3), tmp_path / "stereo.mp3",
                               Options(cache_dir=tmp_path / "cache",
                                       sound=SoundOptions(channels=2)))
    samples = decode(result.path, 44100)
    assert samples.size == round(result.timeline.duration * 44100)
    assert len(stored_parts(tmp_path / "cache")) == 5
    for lo, hi in silence_before_chapters(result):
        window = samples[round((lo + EDGE) * 44100): round((hi - EDGE) * 44100)]
        assert window.size > 0 and dbfs(window) < -70, (lo, hi)
