"""The loudness computed from the clips (``levels``) against ffmpeg's ebur128 filter on the real
mix, the per-clip peak control, and the level of files rendered without any ffmpeg measuring
pass (every format, stereo, tones), measured in the files themselves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import voiceguide
from voiceguide import Options
from voiceguide.audio.levels import Clips, Placed, k_weighting, limit, peaks, plan, true_peak
from voiceguide.audio.loudness import measure
from voiceguide.audio.master import CEILING, placements
from voiceguide.audio.mix import float_chunks, mix, total_frames, track_for
from voiceguide.audio.options import SoundOptions
from voiceguide.pipeline import prepare

from audio_checks import ebur128


def test_k_weighting_at_48_khz_is_bs1770s_table() -> None:
    b1, a1, b2, a2 = k_weighting(48000)
    assert b1 == pytest.approx([1.53512485958697, -2.69169618940638, 1.19839281085285])
    assert a1 == pytest.approx([1.0, -1.69065929318241, 0.73248077421585])
    assert b2 == pytest.approx([1.0, -2.0, 1.0])
    assert a2 == pytest.approx([1.0, -1.99004745483398, 0.99007225036621])


def test_a_997_hz_sine_at_full_scale_reads_minus_3_lufs() -> None:
    """BS.1770's calibration: a 0 dBFS 997 Hz sine in one channel is -3.01 LUFS."""
    rate = 48000
    sine = np.sin(2 * np.pi * 997 * np.arange(rate * 5) / rate).astype(np.float32)
    assert np.isinf(Clips({"sine": sine}, [], rate * 5, rate, 1).loudness({}))  # silence
    clips = Clips({"sine": sine}, [Placed(0, "sine", sine.size)], rate * 5, rate, 1)
    assert clips.loudness(clips.pieces) == pytest.approx(-3.01, abs=0.02)


@pytest.mark.parametrize(("fmt", "sound"), [
    ("mp3", SoundOptions(cues="both")),
    ("m4a", SoundOptions(cues="tones", channels=2)),
    ("opus", SoundOptions()),
])
def test_loudness_from_the_clips_matches_ffmpeg_on_the_mix(
        small_routine_file: Path, fmt: str, sound: SoundOptions) -> None:
    """The same track measured by ebur128 (the whole mix streamed) and computed from the clips,
    before and after the planned gains and peak control; the planned true peak holds."""
    prepared = prepare(small_routine_file, Options(sound=sound))
    track = track_for(fmt, sound.channels)
    sources, placed = placements(prepared.timeline, prepared.clips, track.sample_rate)
    clips = Clips(sources, placed, total_frames(prepared.timeline, track.sample_rate),
                  track.sample_rate, track.channels)
    measured = measure(float_chunks(mix(prepared.timeline, prepared.clips, track)),
                       track.sample_rate, track.channels).integrated
    assert clips.loudness(clips.pieces) == pytest.approx(measured, abs=0.15)

    target = -16.0 if track.channels == 2 else -19.0
    planned = plan(clips, target, CEILING)
    assert planned.loudness == pytest.approx(target, abs=0.06)
    stream = mix(prepared.timeline, prepared.clips, track, None,
                 clips.placements(planned.samples))
    after = measure(float_chunks(stream), track.sample_rate, track.channels, peak=True)
    assert after.integrated == pytest.approx(target, abs=0.15)
    assert after.true_peak <= CEILING + 0.3  # ebur128 reads it 8x oversampled, this 4x


def test_limit_holds_a_peak_and_leaves_the_rest_untouched() -> None:
    rate = 22050
    t = np.arange(rate) / rate
    clip = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    clip[11000:11020] = 0.95  # a burst
    out = limit(clip, peaks(clip), 2.0, 0.7, rate)
    assert out.size == clip.size and out.dtype == np.float32
    assert true_peak(out) <= 0.7 + 1e-6
    far = np.r_[0:10000, 12100:rate]
    assert np.array_equal(out[far], clip[far] * np.float32(2.0))  # bit for bit away from it


@pytest.mark.parametrize(("fmt", "sound"), [
    ("mp3", SoundOptions(channels=2)),
    ("mp3", SoundOptions(cues="tones", loudness=-17.0)),
    ("m4a", SoundOptions()),
    ("opus", SoundOptions(cues="both")),
    ("wav", SoundOptions()),
])
def test_rendered_files_hold_the_target_and_the_true_peak(
        small_routine_file: Path, tmp_path: Path, fmt: str, sound: SoundOptions) -> None:
    """Without a measuring pass of the encoded file: within 0.5 LU, true peak under -1 dBTP."""
    result = voiceguide.render(small_routine_file, tmp_path / f"out.{fmt}",
                               Options(sound=sound), fmt=fmt)
    target = sound.loudness if sound.loudness is not None \
        else (-16.0 if sound.channels == 2 else -19.0)
    integrated, peak = ebur128(result.path)
    assert integrated == pytest.approx(target, abs=0.5)
    assert peak <= -1.0
