"""Where renders go: a folder given to -o, the format from the extension, audio and cue files
placed together or not at all, and bundles' reused renders kept apart per options (a variant never
replaces the standard render; concurrent runs never mix their files). Real renders, measured."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from voiceguide import pipeline
from voiceguide.cli import cli

from audio_checks import RATE, decode, probe

ROUTINE = Path(__file__).resolve().parent / "bad_inputs" / "valid.yaml"
VOICEGUIDE = [sys.executable, "-c", "from voiceguide.cli import main; main()"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_a_folder_given_to_o_gets_the_routine_named_file(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir()
    for given, folder in ((str(existing), existing), (f"{tmp_path / 'new'}/", tmp_path / "new")):
        code, out, err = run("render", str(ROUTINE), "-o", given, "--rate", "300")
        assert code == 0, err
        assert sorted(p.name for p in folder.iterdir()) == ["valid.cues.json", "valid.mp3",
                                                             "valid.vtt"]
        sheet = json.loads((folder / "valid.cues.json").read_text(encoding="utf-8"))
        assert abs(decode(folder / "valid.mp3").size / RATE - sheet["duration"]) < 0.06
        assert str(folder / "valid.mp3") in out


def test_the_format_follows_the_extension(tmp_path: Path) -> None:
    output = tmp_path / "x.wav"
    code, _, err = run("render", str(ROUTINE), "-o", str(output), "--rate", "300")
    assert code == 0, err
    assert output.read_bytes()[:4] == b"RIFF"
    assert probe(output)["streams"][0]["codec_name"] == "pcm_s16le"
    assert (tmp_path / "x.cues.json").is_file() and (tmp_path / "x.vtt").is_file()


PREVIOUS = {"r.mp3": b"previous audio\n", "r.cues.json": b"{}\n", "r.vtt": b"WEBVTT\n"}


def test_no_room_for_the_cue_files_leaves_the_previous_render_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills after the audio is encoded: the new audio must not be placed without its
    cue files (the previous set stays, whole), exit 1, one error."""
    for name, data in PREVIOUS.items():
        (tmp_path / name).write_bytes(data)
    real = pipeline.write_cue_files

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pipeline, "write_cue_files", full)
    code, _, err = run("render", str(ROUTINE), "-o", str(tmp_path / "r.mp3"), "--rate", "300")
    assert code == 1, err
    assert err.count("Error:") == 1 and "No space left on device" in err, err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == PREVIOUS
    monkeypatch.setattr(pipeline, "write_cue_files", real)
    code, _, err = run("render", str(ROUTINE), "-o", str(tmp_path / "r.mp3"), "--rate", "300")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PREVIOUS)
    assert (tmp_path / "r.mp3").read_bytes() != PREVIOUS["r.mp3"]


def packed(zip_path: Path, folder: Path) -> tuple[dict[str, object], dict[str, object], float]:
    """A bundle's manifest, cue sheet, and its audio's decoded length in seconds."""
    with zipfile.ZipFile(zip_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        sheet = json.loads(archive.read("valid.cues.json"))
        audio = folder / f"{zip_path.stem}.mp3"
        audio.write_bytes(archive.read("valid.mp3"))
    return manifest, sheet, decode(audio).size / RATE


def test_variant_bundles_never_replace_the_standard_render_nor_mix_when_run_together(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's case: 'bundle --level easy' replaced output/<name>.mp3, and two bundles with
    other options run at once packed each other's audio. Both run here at the same time, in
    their own processes, after a standard render."""
    routine = tmp_path / "valid.yaml"
    routine.write_text(ROUTINE.read_text(encoding="utf-8").replace("reps: 3", "reps: 3-8"),
                       encoding="utf-8")
    env = {**os.environ, "VOICEGUIDE_CONFIG": str(tmp_path / "none.toml")}
    monkeypatch.chdir(tmp_path)
    standard = subprocess.run([*VOICEGUIDE, "bundle", str(routine), "-o", "standard.zip"],
                              env=env, capture_output=True, text=True, timeout=300)
    assert standard.returncode == 0, standard.stderr
    before = (tmp_path / "output" / "valid.mp3").read_bytes()
    runs = [subprocess.Popen([*VOICEGUIDE, "bundle", str(routine), "--level", level, "-o",
                              f"{level}.zip"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for level in ("easy", "hard")]
    for process in runs:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    assert (tmp_path / "output" / "valid.mp3").read_bytes() == before
    lengths = {}
    for level in ("standard", "easy", "hard"):
        manifest, sheet, seconds = packed(tmp_path / f"{level}.zip", tmp_path)
        assert abs(seconds - float(sheet["duration"])) < 0.06, level  # its own audio
        assert manifest["options"] == ([] if level == "standard" else ["--level", level])
        assert manifest["duration"] == sheet["duration"]
        lengths[level] = seconds
    assert lengths["easy"] < lengths["standard"] < lengths["hard"]  # 3, 5-6, 8 reps
    assert len(list((tmp_path / "output").glob("valid*.mp3"))) == 3


def test_a_reader_that_stops_early_is_a_quiet_exit(tmp_path: Path) -> None:
    """'voiceguide preview ROUTINE | head -3': the command stops quietly (exit 0, no error text,
    no 'Exception ignored' at shutdown) once the reader has closed the pipe. The preview is
    made longer than a pipe holds (168 kB) so that the write really meets the closed pipe."""
    process = subprocess.Popen([*VOICEGUIDE, "preview", "back-strengthening", "--reps", "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    lines = [process.stdout.readline() for _ in range(3)]
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, err
    assert lines[0].strip() and err == "", err


def test_two_renders_to_one_file_leave_a_matching_set(tmp_path: Path) -> None:
    """Two renders with other options into the same -o at the same time: whichever is placed
    last, the audio and its cue sheet come from the same run (drafts are unique, and each set is
    renamed into place under a lock on the folder)."""
    output = tmp_path / "same.mp3"
    env = {**os.environ, "VOICEGUIDE_CONFIG": str(tmp_path / "none.toml")}
    runs = [subprocess.Popen([*VOICEGUIDE, "render", str(ROUTINE), "-o", str(output), "--rate",
                              rate], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for rate in ("140", "400")]
    for process in runs:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    sheet = json.loads((tmp_path / "same.cues.json").read_text(encoding="utf-8"))
    assert abs(decode(output).size / RATE - sheet["duration"]) < 0.06
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.cues.json", "same.mp3",
                                                          "same.vtt"]
