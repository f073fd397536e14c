"""The neural engine (Piper, from the ``neural`` extra that scripts/test.sh installs): it renders
with the same timing guarantees and the same cache, and says how to install it when missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydub import AudioSegment

import voiceguide
from voiceguide import EngineError, Options
from voiceguide.cli import cli
from voiceguide.engines import engine_names, get_engine
from voiceguide.engines.piper_engine import PiperEngine
from voiceguide.pipeline import prepare, render_plan

from audio_checks import RATE, dbfs, decode, envelope, measured_onset, silent_until

TOLERANCE = 0.020  # seconds
CODEC_EDGE = 0.020


class CountingPiper(PiperEngine):
    """Piper, counting the phrases it is asked to speak."""

    def __init__(self) -> None:
        super().__init__()
        self.spoken: list[str] = []

    def synthesize(self, text: str, voice: str | None, rate: int | None) -> AudioSegment:
        self.spoken.append(text)
        return super().synthesize(text, voice, rate)


def test_piper_is_a_builtin_engine_with_a_packaged_voice() -> None:
    assert "piper" in engine_names()
    engine = get_engine("piper")
    assert [v.id for v in engine.voices()] == ["en_US-joe-medium"]
    clip = engine.synthesize("Hold.", None, None)
    assert clip.frame_rate == 22050 and clip.channels == 1 and 0.2 < len(clip) / 1000 < 2


def test_piper_render_keeps_the_timing_and_uses_the_cache(small_routine_file: Path,
                                                          tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    engine = CountingPiper()
    options = Options(engine="piper", cache_dir=cache)
    plan = prepare(small_routine_file, options, engine=engine)
    assert engine.spoken and len(engine.spoken) == len(set(engine.spoken))
    result = render_plan(plan, tmp_path / "piper.mp3")
    samples = decode(result.path)
    assert abs(samples.size / RATE - result.timeline.duration) <= TOLERANCE
    env = envelope(samples)
    previous_end = -1.0
    for segment in result.timeline.speech:  # every phrase starts on its time
        onset = measured_onset(env, segment.start, previous_end + CODEC_EDGE)
        assert onset is not None and abs(onset - segment.start) <= TOLERANCE, segment
        previous_end = segment.end
    for segment in result.timeline.segments:  # and silence is silent
        end = silent_until(segment, result.timeline.sounds)
        if segment.kind == "silence" and end - segment.start > 2 * CODEC_EDGE + 0.001:
            inner = samples[round((segment.start + CODEC_EDGE) * RATE):
                            round((end - CODEC_EDGE) * RATE)]
            assert dbfs(inner) < -50, segment
    again = CountingPiper()
    second = prepare(small_routine_file, options, engine=again)
    assert again.spoken == []  # every clip came from the cache
    assert second.timeline == plan.timeline
    espeak = prepare(small_routine_file, Options(cache_dir=cache))
    assert espeak.clips["Hold."].raw_data != plan.clips["Hold."].raw_data  # keyed by engine


def test_missing_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                              small_routine_file: Path, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not installed
    with pytest.raises(EngineError, match=r"pip install 'voiceguide\[neural\]'"):
        get_engine("piper")
    out = tmp_path / "never.mp3"
    result = CliRunner().invoke(cli, ["render", str(small_routine_file), "--engine", "piper",
                                      "-o", str(out)])
    assert result.exit_code == 1
    assert "pip install 'voiceguide[neural]'" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_piper_refuses_a_language_it_has_no_voice_for(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="no voice for the language 'de'"):
        voiceguide.preview("rueckenstaerkung", Options(engine="piper"))
