"""README promises that no other test file checked, each with a tolerance that catches a
regression: --strict and the overflow warning, "Halfway." from 10 s, get_ready, --tempo at its
limits, the music bed (--duck, fades, ramps, 8 LU below the voice), --loudness, MP3 bit rates,
ffmpeg present but failing, VOICEGUIDE_DEBUG, kill -9, exit 130 outside render, the config
file's voice and ~, third-party engines, serve's byte ranges.

Audio is measured in the decoded files (tests/audio_checks.py); the timeline is read from
``preview --json``, what the user sees."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import wave
from pathlib import Path

import numpy as np
import pytest

import voiceguide
from voiceguide import Options
from voiceguide.audio.synthesize import trim
from voiceguide.engines import get_engine
from voiceguide.pipeline import prepare, render_plan

from audio_checks import (
    RATE,
    check_rules,
    clip_samples,
    decode,
    ebur128,
    likeness,
    probe,
    seconds,
)
from conftest import SMALL, run_cli

pytestmark = pytest.mark.slow  # renders and child processes, signals, a server

VOICEGUIDE = [sys.executable, "-c", "from voiceguide.cli import main; main()"]
PREVIOUS = b"the previous render, which must survive\n"
TIMED = """\
title: Timed
defaults:
  rest: 10
  get_ready: {get_ready}
exercises:
  - id: lift
    name: Leg lift
    reps: 2
    rep:
      - say: {cue}
        seconds: 1
      - hold: 4
  - id: short
    name: Short plank
    duration: 9
  - id: long
    name: Long plank
    duration: 10
"""
LONG_CUE = "Lift your leg slowly all the way up towards the ceiling and keep it there."


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def speech(path: Path, *options: str) -> list[dict[str, object]]:
    code, out, err = run_cli("preview", str(path), "--json", *options)
    assert code == 0, err
    return [s for s in json.loads(out)["segments"] if s["kind"] == "speech"]


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    if "VOICEGUIDE_DEBUG" not in extra:
        env.pop("VOICEGUIDE_DEBUG", None)
    return env


# --- the timing rules --------------------------------------------------------------------------

def test_a_cue_longer_than_its_phase_warns_and_strict_refuses_it(tmp_path: Path) -> None:
    """README: preview and render print a warning naming the exercise, the phase and by how
    much, and push what follows later; --strict turns that into an error (exit 2)."""
    routine = write(tmp_path / "r.yaml", TIMED.format(get_ready=3, cue=LONG_CUE))
    code, _, err = run_cli("preview", str(routine))
    assert code == 0
    found = re.fullmatch(r"Warning: exercise 'lift', rep phase 1: the cue '(.*)' lasts "
                         r"(\d+\.\d\d) s, (\d+\.\d\d) s longer than its 1 s phase; what follows "
                         r"starts that much later\n", err)
    assert found and found.group(1) == LONG_CUE, err
    lasts, longer = float(found.group(2)), float(found.group(3))
    assert longer == pytest.approx(lasts - 1, abs=0.011)
    said = speech(routine)
    cue = next(i for i, s in enumerate(said) if s["text"] == LONG_CUE)
    assert said[cue + 1]["text"] == "Hold."
    assert said[cue + 1]["start"] == pytest.approx(said[cue]["start"] + lasts, abs=0.006)
    for command in ("preview", "render"):
        out_file = tmp_path / f"{command}.mp3"
        args = ["-o", str(out_file)] if command == "render" else []
        code, _, err = run_cli(command, str(routine), "--strict", *args)
        assert code == 2, err
        assert err.startswith("Error: --strict: some cues do not fit their phases:\n"
                              "  exercise 'lift', rep phase 1: the cue"), err
        assert "  Fix: " in err and not out_file.exists()


def test_halfway_is_said_from_ten_seconds_up_at_the_middle(tmp_path: Path) -> None:
    """README: a timed exercise says "Begin.", "Halfway." at the middle (from 10 s up), counts
    3-2-1 before its end and says "And stop."."""
    said = speech(write(tmp_path / "r.yaml", TIMED.format(get_ready=3, cue="Lift.")))
    for exercise, duration in (("short", 9), ("long", 10)):
        own = [s for s in said if s["exercise"] == exercise]
        texts = [s["text"] for s in own]
        begin = own[texts.index("Begin.")]["start"]
        assert ("Halfway." in texts) == (duration >= 10), texts
        if duration >= 10:
            assert own[texts.index("Halfway.")]["start"] == pytest.approx(begin + duration / 2)
        stop = texts.index("And stop.")
        assert texts[stop - 3: stop] == ["3.", "2.", "1."]
        assert [s["start"] - begin for s in own[stop - 3: stop + 1]] == \
            pytest.approx([duration - 3, duration - 2, duration - 1, duration])


@pytest.mark.parametrize("get_ready", [0, 5])
def test_get_ready_counts_down_to_the_work_after_every_rest(tmp_path: Path,
                                                            get_ready: int) -> None:
    """README: every rest ends with a get-ready countdown (3, 2, 1 by default; 0 for none) that
    ends exactly where work starts, on "Begin.", each number on its second."""
    said = speech(write(tmp_path / "r.yaml", TIMED.format(get_ready=get_ready, cue="Lift.")))
    texts = [s["text"] for s in said]
    begins = [i for i, t in enumerate(texts) if t == "Begin."][1:]  # after the two rests
    assert len(begins) == 2
    for index in begins:
        before = said[index - get_ready: index] if get_ready else []
        assert [s["text"] for s in before] == [f"{n}." for n in range(get_ready, 0, -1)]
        if not get_ready:
            assert not re.fullmatch(r"\d+\.", texts[index - 1]), texts[index - 1]
        offsets = [s["start"] - said[index]["start"] for s in before]
        assert offsets == pytest.approx([-get_ready + k for k in range(get_ready)])


@pytest.mark.parametrize("tempo", [0.5, 2.0])
def test_tempo_at_its_limits_keeps_every_count_on_the_beat(
        small_routine_file: Path, tmp_path: Path, tempo: float) -> None:
    """README: --tempo F (0.5-2.0) makes every hold beat, rest and changeover F times as long;
    measured in the rendered audio. Just outside the range: a usage error (exit 2)."""
    plan = prepare(small_routine_file, Options(choices=voiceguide.Customization(tempo=tempo)))
    # halved, the small routine's short rests no longer hold their words: they run longer
    assert bool(plan.timeline.warnings) == (tempo == 0.5)
    result = render_plan(plan, tmp_path / "tempo.wav", "wav")
    check_rules(result.path, plan.timeline, plan.routine, plan.clips, beat=tempo)
    outside = 0.49 if tempo == 0.5 else 2.01
    code, _, err = run_cli("preview", str(small_routine_file), "--tempo", str(outside))
    assert code == 2 and "Invalid value for '--tempo'" in err


# --- the sound -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def music_render(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """The small routine over a steady chord whose right channel is its left inverted, so that
    (L - R) / 2 is the music alone and (L + R) / 2 the voice alone; --duck 6, no chimes."""
    folder = tmp_path_factory.mktemp("music")
    routine = write(folder / "small.yaml", SMALL)
    expr = "0.3*sin(2*PI*220*t)+0.2*sin(2*PI*277*t)+0.2*sin(2*PI*330*t)"
    music = folder / "bed.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc={expr}|-({expr}):s=44100:d=40", "-c:a", "pcm_f32le", str(music)],
                   check=True)
    out = folder / "music.wav"
    code, _, err = run_cli("render", str(routine), "--music", str(music), "--duck", "6",
                           "--no-chimes", "--format", "wav", "-o", str(out))
    assert code == 0, err
    sheet = json.loads((folder / "music.cues.json").read_text(encoding="utf-8"))
    return out, sheet


def chord(t: np.ndarray) -> np.ndarray:
    """The test music's left channel at ``t`` seconds (a 40 s file, looped)."""
    t = t % 40.0
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 277 * t)
            + 0.2 * np.sin(2 * np.pi * 330 * t))


def bed_level(bed: np.ndarray, start: float, end: float) -> float:
    """The music's gain in dB between two times: the least-squares factor between the bed and
    the known chord (exact even over a few milliseconds, where an RMS level would beat)."""
    lo, hi = round(start * 44100), round(end * 44100)
    music = chord(np.arange(lo, hi) / 44100)
    gain = float(np.dot(bed[lo:hi], music) / np.dot(music, music))
    return float(20 * np.log10(max(abs(gain), 1e-9)))


def test_music_is_ducked_by_duck_db_with_the_documented_ramps(
        music_render: tuple[Path, dict[str, object]]) -> None:
    """README: ducked by --duck DB under speech with short ramps (0.25 s down, 0.6 s up);
    pauses under a second stay ducked. Levels within 1 dB, ramp midpoints within 40 ms."""
    path, sheet = music_render
    stereo = decode(path, 44100, 2).astype(np.float64)
    bed = (stereo[:, 0] - stereo[:, 1]) / 2
    segments = sheet["segments"]  # type: ignore[index]
    said = [s for s in segments if s["kind"] == "speech"]
    end = sheet["duration"]  # type: ignore[index]
    free = [s for s in segments if s["kind"] == "silence" and s["end"] - s["start"] > 3
            and s["end"] < end - 8]
    assert len(free) >= 2
    open_level = float(np.median([bed_level(bed, s["start"] + 1.0, s["end"] - 0.4)
                                  for s in free]))
    ducked = [bed_level(bed, s["start"], s["end"]) for s in said
              if s["end"] - s["start"] > 0.5 and 3 < s["start"] < end - 8]
    assert open_level - float(np.median(ducked)) == pytest.approx(6.0, abs=1.0)
    # a ramp, measured at a speech start after a long silence and at a speech end before one
    silence = free[0]
    after = next(s for s in said if s["start"] == silence["end"])
    before = next(s for s in said if s["end"] == silence["start"])
    step = 0.01

    def midpoint(times: np.ndarray) -> float:
        levels = np.array([bed_level(bed, t - step, t + step) for t in times])
        middle = open_level - 3.0
        crossing = np.nonzero(np.diff(np.sign(levels - middle)))[0]
        assert crossing.size, levels
        return float(times[crossing[0]])

    down = midpoint(np.arange(after["start"] - 0.5, after["start"] + 0.1, step))
    assert down == pytest.approx(after["start"] - 0.125, abs=0.04)
    up = midpoint(np.arange(before["end"], before["end"] + 1.0, step))
    assert up == pytest.approx(before["end"] + 0.3, abs=0.04)
    # a pause under a second between two phrases stays ducked
    short = [s for s in segments if s["kind"] == "silence" and 0.5 < s["end"] - s["start"] < 0.9
             and 3 < s["start"] < end - 8]
    assert short
    for pause in short:
        middle = (pause["start"] + pause["end"]) / 2
        assert bed_level(bed, middle - 0.05, middle + 0.05) == \
            pytest.approx(open_level - 6.0, abs=1.0)


def test_music_fades_in_over_one_second_and_out_over_the_last_six(
        music_render: tuple[Path, dict[str, object]]) -> None:
    """README: faded in over 1 s and out over the last 6 s (linear in amplitude); looped. The
    music's gain every 50 ms against the fade's, within 1 dB at the median (the limiter dips it
    for a moment at a loud syllable)."""
    path, sheet = music_render
    stereo = decode(path, 44100, 2).astype(np.float64)
    bed = (stereo[:, 0] - stereo[:, 1]) / 2
    end = float(sheet["duration"])  # type: ignore[arg-type]
    segments = sheet["segments"]  # type: ignore[index]
    said = [s for s in segments if s["kind"] == "speech"]
    free = [s for s in segments if s["kind"] == "silence" and s["end"] - s["start"] > 3
            and s["end"] < end - 8]
    open_level = float(np.median([bed_level(bed, s["start"] + 1.0, s["end"] - 0.4)
                                  for s in free]))

    first = said[0]["start"]

    def deviation(times: list[float], fade: float) -> float:
        """Median distance (dB) of the music at ``times`` from the fade's gain and the ducking
        (6 dB, reached over the 0.25 s before the first words)."""
        found = [bed_level(bed, t - 0.02, t + 0.02) - open_level for t in times]
        wanted = [20 * np.log10(min(t, end - t) / fade)
                  - 6.0 * min(max((t - (first - 0.25)) / 0.25, 0.0), 1.0) for t in times]
        return float(np.median(np.abs(np.subtract(found, wanted))))

    # the first words go on past the fade in (the pause after them under a second: ducked)
    assert first < 0.75 and said[1]["start"] - said[0]["end"] < 1.0
    assert deviation([float(t) for t in np.arange(0.1, 0.96, 0.05)], 1.0) <= 1.0
    # the last words fall in the fade out, fully ducked: the fade is measured there
    inside = [float(t) for s in said if s["start"] > end - 6
              for t in np.arange(s["start"] + 0.05, s["end"] - 0.05, 0.05)]
    assert len(inside) >= 10
    assert deviation(inside, 6.0) <= 1.0
    assert end > 40 and bed_level(bed, 41, 42) > open_level - 7  # still playing: looped


def test_music_sits_8_lu_below_the_voice(music_render: tuple[Path, dict[str, object]],
                                         tmp_path: Path) -> None:
    """README: the music bed sits 8 LU below the voice: the unducked music's loudness against
    the voice's, both measured by ffmpeg's ebur128 (within 1 LU)."""
    path, sheet = music_render
    stereo = decode(path, 44100, 2).astype(np.float64)
    voice, bed = (stereo[:, 0] + stereo[:, 1]) / 2, (stereo[:, 0] - stereo[:, 1]) / 2
    end = float(sheet["duration"])  # type: ignore[arg-type]
    free = [s for s in sheet["segments"] if s["kind"] == "silence"  # type: ignore[index]
            and s["end"] - s["start"] > 3 and s["end"] < end - 8]
    open_bed = np.concatenate([bed[round((s["start"] + 1.0) * 44100):
                                   round((s["end"] - 0.4) * 44100)] for s in free])
    spoken = np.concatenate([voice[round(s["start"] * 44100): round(s["end"] * 44100)]
                             for s in sheet["segments"]  # type: ignore[index]
                             if s["kind"] == "speech"])

    def loudness(samples: np.ndarray, name: str) -> float:
        file = tmp_path / f"{name}.wav"
        with wave.open(str(file), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(44100)
            out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
        return ebur128(file)[0]

    assert loudness(open_bed, "bed") - loudness(spoken, "voice") == pytest.approx(-8.0, abs=1.0)


def test_loudness_flag_sets_the_integrated_loudness(small_routine_file: Path,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "quiet.wav"
    code, _, err = run_cli("render", str(small_routine_file), "--loudness", "-23",
                           "--format", "wav", "-o", str(out))
    assert code == 0, err
    integrated, peak = ebur128(out)
    assert integrated == pytest.approx(-23.0, abs=0.5) and peak <= -1.0


@pytest.mark.parametrize(("channels", "kbps"), [("1", 96), ("2", 160)])
def test_mp3_is_96_kbps_mono_and_160_kbps_stereo(small_routine_file: Path, tmp_path: Path,
                                                 channels: str, kbps: int) -> None:
    out = tmp_path / "small.mp3"
    code, _, err = run_cli("render", str(small_routine_file), "--channels", channels,
                           "-o", str(out))
    assert code == 0, err
    stream = probe(out)["streams"][0]
    assert stream["channels"] == int(channels)
    assert int(stream["bit_rate"]) == kbps * 1000
    # and the audio's size is what that rate gives (constant bit rate), the ID3 tag aside
    from mutagen.id3 import ID3

    audio_bytes = out.stat().st_size - ID3(out).size
    assert audio_bytes == pytest.approx(seconds(out) * kbps * 125, rel=0.03)


# --- failures and signals ----------------------------------------------------------------------

def test_ffmpeg_present_but_failing_is_a_clear_error(small_routine_file: Path,
                                                     tmp_path: Path) -> None:
    """README exit code 1: "ffmpeg missing or failing". An ffmpeg that answers -version but
    fails at encoding: one message, exit 1, the previous file intact, nothing left behind."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    real = subprocess.run(["which", "ffmpeg"], capture_output=True, text=True).stdout.strip()
    fake = bin_dir / "ffmpeg"
    fake.write_text("#!/bin/sh\n"
                    f'case "$*" in *-version*) exec {real} "$@";; esac\n'
                    "echo 'Conversion failed: simulated encoder crash' >&2\nexit 1\n",
                    encoding="utf-8")
    fake.chmod(0o755)
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "small.mp3"
    output.write_bytes(PREVIOUS)
    run = subprocess.run([*VOICEGUIDE, "render", str(small_routine_file), "-o", str(output)],
                         env=child_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}"),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and run.stderr.count("Error:") == 1, run.stderr
    assert "ffmpeg" in run.stderr and "Fix:" in run.stderr, run.stderr
    assert output.read_bytes() == PREVIOUS
    assert [p.name for p in folder.iterdir()] == ["small.mp3"]


def test_voiceguide_debug_shows_the_traceback(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", "title: x\nexercises: 3\n")
    plain = subprocess.run([*VOICEGUIDE, "validate", str(bad)], env=child_env(),
                           capture_output=True, text=True, timeout=60)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr.startswith(f"Error: {bad}")
    debug = subprocess.run([*VOICEGUIDE, "validate", str(bad)],
                           env=child_env(VOICEGUIDE_DEBUG="1"), capture_output=True, text=True,
                           timeout=60)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "RoutineError" in debug.stderr


LONG = "title: Five quiet minutes\nexercises:\n  - id: plank\n    name: Plank\n" \
       "    duration: 300\n"


def wait_for_part(folder: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not any(folder.glob(".*.part")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no .part file appeared"
        time.sleep(0.01)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_kill_9_leaves_at_most_a_part_file_never_a_truncated_output(tmp_path: Path) -> None:
    """README: a render killed outright (kill -9) can leave only a .part file, never a truncated
    file under the real name; the previous file stays byte for byte."""
    routine = write(tmp_path / "long.yaml", LONG)
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "long.mp3"
    output.write_bytes(PREVIOUS)
    process = subprocess.Popen([*VOICEGUIDE, "render", str(routine), "-o", str(output)],
                               env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    wait_for_part(folder, process)
    process.kill()
    process.communicate(timeout=60)
    time.sleep(1.0)  # ffmpeg, left without input, finishes or dies
    assert output.read_bytes() == PREVIOUS
    others = sorted(p.name for p in folder.iterdir() if p.name != output.name)
    assert all(re.fullmatch(r"\.long\..+\.part", name) for name in others), others


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("command", ["preview", "bundle"])
def test_ctrl_c_outside_render_exits_130(command: str, tmp_path: Path) -> None:
    """README: 130 for an interruption (Ctrl-C or SIGTERM), whatever the command."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    args = ["back-strengthening", "--no-cache"]
    if command == "bundle":
        args += ["-o", str(tmp_path / "b.zip")]
    process = subprocess.Popen([*VOICEGUIDE, command, *args], cwd=tmp_path,
                               env=child_env(TMPDIR=str(scratch)), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(scratch.glob("voiceguide-*.wav")):  # the engine is speaking
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Aborted" in err
    assert not (tmp_path / "b.zip").exists()


# --- the config file ---------------------------------------------------------------------------

def test_config_voice_and_a_tilde_output_folder_take_effect(tmp_path: Path) -> None:
    """README: the config file's voice is the voice heard, and its output folder may start with
    ~ (the home folder). The voice is recognised in the audio: each clip is far more like the
    same text spoken by that voice than by the language's default one."""
    home = tmp_path / "home"
    home.mkdir()
    routine = write(tmp_path / "small.yaml", SMALL)
    config = write(tmp_path / "config.toml", 'voice = "gmw/en-gb-scotland"\noutput = "~/Music/vg"\n'
                   'format = "wav"\n')
    run = subprocess.run([*VOICEGUIDE, "render", str(routine), "--no-cue-files"],
                         env=child_env(HOME=str(home), VOICEGUIDE_CONFIG=str(config)),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = home / "Music" / "vg" / "small.wav"
    assert out.is_file() and not (tmp_path / "~").exists()
    assert run.stdout.startswith(f"{out}  (")
    samples = decode(out)
    engine = get_engine()
    sheet = json.loads(subprocess.run([*VOICEGUIDE, "preview", str(routine), "--json"],
                                      env=child_env(HOME=str(home),
                                                    VOICEGUIDE_CONFIG=str(config)),
                                      capture_output=True, text=True, timeout=300).stdout)
    said = [s for s in sheet["segments"] if s["kind"] == "speech"]
    scores = []
    for segment in said[:8]:
        heard = np.asarray(samples[round(segment["start"] * RATE): round(segment["end"] * RATE)],
                           dtype=np.float64)
        scores.append([likeness(heard, clip_samples(trim(engine.synthesize(
            segment["text"], voice, None)))) for voice in ("gmw/en-gb-scotland", "gmw/en-us")])
    as_chosen, as_default = np.mean(scores, axis=0)
    assert as_chosen >= 0.5 and as_chosen >= as_default + 0.2, scores


# --- engines from other packages ---------------------------------------------------------------

TONE_ENGINE = '''\
from __future__ import annotations

import numpy as np
from pydub import AudioSegment

from voiceguide.engines import Voice


class ToneEngine:
    """Says every text as a 660 Hz tone, 50 ms per character."""

    id = "tone"

    def version(self) -> str:
        return "1.0"

    def voices(self) -> list[Voice]:
        return [Voice("beep", "Beep", ("en",))]

    def synthesize(self, text: str, voice: str | None, rate: int | None) -> AudioSegment:
        t = np.arange(int(22050 * 0.05 * len(text))) / 22050
        data = (0.5 * 32767 * np.sin(2 * np.pi * 660 * t)).astype("<i2").tobytes()
        return AudioSegment(data=data, sample_width=2, frame_rate=22050, channels=1)
'''


def test_a_third_party_engine_registers_through_the_entry_point_group(
        small_routine_file: Path, tmp_path: Path) -> None:
    """README: a new engine from another package, under the voiceguide.engines entry-point
    group: listed, selectable with --engine, and what it says is what the file holds."""
    site = tmp_path / "site-packages"
    info = site / "tone_engine-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "tone_engine.py").write_text(TONE_ENGINE, encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tone-engine\nVersion: 1.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text("[voiceguide.engines]\ntone = tone_engine:ToneEngine\n",
                                           encoding="utf-8")
    env = child_env(PYTHONPATH=str(site))
    voices = subprocess.run([*VOICEGUIDE, "voices", "--engine", "tone"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert voices.returncode == 0, voices.stderr
    assert "beep" in voices.stdout
    out = tmp_path / "tone.wav"
    run = subprocess.run([*VOICEGUIDE, "render", str(small_routine_file), "--engine", "tone",
                          "--no-chimes", "--format", "wav", "-o", str(out)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    samples = decode(out)
    sheet = json.loads((tmp_path / "tone.cues.json").read_text(encoding="utf-8"))
    first = next(s for s in sheet["segments"] if s["kind"] == "speech")
    assert first["end"] - first["start"] == pytest.approx(0.05 * len(first["text"]), abs=0.01)
    part = samples[round(first["start"] * RATE): round(first["end"] * RATE)]
    spectrum = np.abs(np.fft.rfft(part))
    assert abs(np.fft.rfftfreq(part.size, 1 / RATE)[int(np.argmax(spectrum))] - 660) < 5


# --- the local server --------------------------------------------------------------------------

@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_serve_command_serves_byte_ranges_on_loopback(tmp_path: Path) -> None:
    """README: `voiceguide serve` shows the site on 127.0.0.1 with byte ranges, so the player can
    seek; run as the command itself, stopped with Ctrl-C."""
    site = tmp_path / "site"
    site.mkdir()
    audio = bytes(range(256)) * 40
    (site / "a.mp3").write_bytes(audio)
    (site / "index.html").write_text("<!doctype html><title>x</title>", encoding="utf-8")
    process = subprocess.Popen([*VOICEGUIDE, "serve", str(site), "--port", "0"],
                               env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.fullmatch(r"Serving .* at (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)\n",
                             line)
        assert found, line
        request = urllib.request.Request(found.group(1) + "a.mp3",
                                         headers={"Range": "bytes=1000-1999"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 206
            assert response.headers["Content-Range"] == f"bytes 1000-1999/{len(audio)}"
            assert response.read() == audio[1000:2000]
        with urllib.request.urlopen(found.group(1), timeout=10) as response:
            assert response.status == 200 and b"<title>x</title>" in response.read()
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
