"""The phrase cache, with the real speech engine: hits, misses, what changes the key, damaged
entries, an unwritable cache folder, and the ``voiceguide cache`` commands."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

import voiceguide
from voiceguide import Customization, Options
from voiceguide.audio.cache import PhraseCache, cache_key
from voiceguide.audio.synthesize import synthesize, trim
from voiceguide.cli import cli

from audio_checks import RATE, clip_samples, decode, likeness
from conftest import CountingEngine

TEXTS = ["Lift your hips.", "Hold.", "Slowly lower."]


@pytest.fixture(scope="module")
def engine() -> CountingEngine:
    return CountingEngine()


def test_miss_then_hit(engine: CountingEngine, tmp_path: Path) -> None:
    cache = PhraseCache(tmp_path / "cache")
    engine.spoken.clear()
    first = synthesize(TEXTS, engine, cache=cache)
    assert engine.spoken == TEXTS
    assert cache.size()[0] == 3
    second = synthesize([*TEXTS, "Hold."], engine, cache=cache)
    assert engine.spoken == TEXTS  # nothing spoken again
    assert list(second) == TEXTS
    assert all(second[t].raw_data == first[t].raw_data for t in TEXTS)


@pytest.mark.parametrize("change", [
    {"voice": "gmw/en-us"}, {"rate": 150}, {"language": "de"}, {"text": "Hold on."},
    {"version": "another"}, {"engine": "another"},
])
def test_everything_that_changes_the_sound_changes_the_key(change: dict[str, object]) -> None:
    fields: dict[str, object] = {"engine": "pyttsx3", "version": "1", "voice": None,
                                 "rate": None, "language": "en", "text": "Hold."}
    key = cache_key(*fields.values())  # type: ignore[arg-type]
    assert cache_key(*{**fields, **change}.values()) != key  # type: ignore[arg-type]
    assert cache_key(*fields.values()) == key  # type: ignore[arg-type]


def test_voice_rate_and_text_changes_are_spoken_anew(engine: CountingEngine,
                                                      tmp_path: Path) -> None:
    cache = PhraseCache(tmp_path / "cache")
    synthesize(TEXTS, engine, cache=cache)
    engine.spoken.clear()
    slower = synthesize(TEXTS, engine, cache=cache, rate=140)
    assert engine.spoken == TEXTS
    engine.spoken.clear()
    american = synthesize(TEXTS, engine, cache=cache, voice="gmw/en-us")
    assert engine.spoken == TEXTS
    engine.spoken.clear()
    synthesize([*TEXTS, "Switch sides."], engine, cache=cache)
    assert engine.spoken == ["Switch sides."]
    default = synthesize(TEXTS, engine, cache=cache)
    # The stored clips really differ: a slower rate is longer, and the American clip is the
    # American voice (far more like the same text spoken anew by gmw/en-us than the default
    # clip is; espeak-ng's noise alone makes any two clips differ in their bytes)
    assert len(slower["Slowly lower."]) > len(default["Slowly lower."]) * 1.2
    fresh = clip_samples(trim(engine.inner.synthesize("Lift your hips.", "gmw/en-us", None)))
    as_american = likeness(clip_samples(american["Lift your hips."]), fresh)
    as_default = likeness(clip_samples(default["Lift your hips."]), fresh)
    assert as_american >= 0.5 and as_american >= as_default + 0.2, (as_american, as_default)
    assert cache.size()[0] == 3 * 3 + 1


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "header-only"])
def test_a_damaged_entry_is_detected_and_spoken_again(engine: CountingEngine, tmp_path: Path,
                                                      damage: str) -> None:
    cache = PhraseCache(tmp_path / "cache")
    good = synthesize(TEXTS, engine, cache=cache)["Slowly lower."]
    key = cache_key(engine.id, engine.version(), None, None, "en", "Slowly lower.")
    path = cache.path(key)
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"not a wav file" * 50,
                      "empty": b"", "header-only": data[:44]}[damage])
    assert cache.get(key) is None
    engine.spoken.clear()
    again = synthesize(TEXTS, engine, cache=cache)
    assert engine.spoken == ["Slowly lower."]
    assert abs(len(again["Slowly lower."]) - len(good)) < 20  # ms; espeak-ng adds noise
    repaired = cache.get(key)
    assert repaired is not None and repaired.raw_data == again["Slowly lower."].raw_data


@pytest.mark.parametrize("planted", ["100 MB of speech", "named pipe", "link to /dev/zero",
                                     "folder"])
def test_an_entry_that_cannot_belong_to_its_text_is_ignored_and_spoken_again(
        engine: CountingEngine, tmp_path: Path, planted: str) -> None:
    """The issue's case: a 100 MB WAV in place of one phrase made a 27-second routine render to
    40:04 with 3 GB. An entry longer than its text could ever be spoken, or not a regular file,
    is ignored without being read, and the phrase synthesized again."""
    cache = PhraseCache(tmp_path / "cache")
    good = synthesize(TEXTS, engine, cache=cache)["Hold."]
    key = cache_key(engine.id, engine.version(), None, None, "en", "Hold.")
    path = cache.path(key)
    path.unlink()
    if planted == "100 MB of speech":
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(22050)
            out.writeframes(good.raw_data * (100_000_000 // len(good.raw_data)))
        assert path.stat().st_size > 99_000_000
    elif planted == "named pipe":
        os.mkfifo(path)
    elif planted == "link to /dev/zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    assert cache.get(key, "Hold.") is None
    engine.spoken.clear()
    again = synthesize(TEXTS, engine, cache=cache)
    assert engine.spoken == ["Hold."]
    assert abs(len(again["Hold."]) - len(good)) < 20  # ms: the phrase's own length
    if planted == "100 MB of speech":  # replaced by the new clip
        assert path.stat().st_size < 200_000


def test_changing_only_reps_speaks_only_the_new_counts(small_routine_file: Path,
                                                       tmp_path: Path) -> None:
    """Lowering the reps speaks only the phrases naming the new count ("Last one, 5.");
    going back to the first counts speaks nothing at all."""
    def prepare(reps: dict[str, int]) -> voiceguide.Plan:
        return voiceguide.prepare(small_routine_file, Options(
            cache_dir=tmp_path / "cache", choices=Customization(reps=reps)), engine=counting)

    counting = CountingEngine()
    first = prepare({"lift": 7, "twist": 5})
    assert len(counting.spoken) > 10
    counting.spoken.clear()
    fewer = prepare({"lift": 5, "twist": 4})
    new = set(fewer.timeline.texts()) - set(first.timeline.texts())
    assert sorted(counting.spoken) == sorted(new)
    assert 0 < len(new) <= 4 and all(any(c.isdigit() for c in text) for text in new)
    counting.spoken.clear()
    prepare({"lift": 7, "twist": 5})
    prepare({"lift": 5, "twist": 4})
    assert counting.spoken == []


def test_no_cache_speaks_everything_and_stores_nothing(small_routine_file: Path,
                                                       tmp_path: Path) -> None:
    counting = CountingEngine()
    voiceguide.prepare(small_routine_file, Options(cache_dir=tmp_path / "c"), engine=counting)
    counting.spoken.clear()
    voiceguide.prepare(small_routine_file, Options(cache_dir=tmp_path / "c", cache=False),
                       engine=counting)
    assert len(counting.spoken) > 10
    assert PhraseCache(tmp_path / "c").size()[0] == len(counting.spoken)


def test_render_works_when_the_cache_cannot_be_written(small_routine_file: Path,
                                                       tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = voiceguide.render(small_routine_file, tmp_path / "out.wav",
                               Options(cache_dir=blocker / "cache"), fmt="wav")
    assert abs(decode(result.path).size / RATE - result.timeline.duration) < 0.001
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_cache_command_shows_location_and_size_and_clear_empties_it(
        engine: CountingEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(root))
    synthesize(TEXTS, engine, cache=PhraseCache(root))
    foreign = root / "notes.txt"
    foreign.write_text("mine", encoding="utf-8")
    shown = CliRunner().invoke(cli, ["cache"])
    assert shown.exit_code == 0, shown.output
    size = sum(p.stat().st_size for p in root.glob("*/*.wav"))
    assert str(root) in shown.output
    assert "3 clips" in shown.output and f"{size / 1000:.1f} kB" in shown.output
    cleared = CliRunner().invoke(cli, ["cache", "clear"])
    assert cleared.exit_code == 0 and "Removed 3 clips" in cleared.output
    assert PhraseCache(root).size() == (0, 0)
    assert foreign.read_text(encoding="utf-8") == "mine"  # only the cache's own files go
    assert "0 clips" in CliRunner().invoke(cli, ["cache"]).output
