"""The bad-input catalogue (tests/bad_inputs/cases.yaml) through the real CLI, and the unusual
but valid inputs that must be accepted: markup characters, emoji, right-to-left text."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import voiceguide
from voiceguide import Options, parse_routine
from voiceguide.cli import cli

from audio_checks import RATE, decode, probe, window_levels

CATALOGUE = Path(__file__).resolve().parent / "bad_inputs"
CASES: list[dict[str, Any]] = yaml.safe_load(
    (CATALOGUE / "cases.yaml").read_text(encoding="utf-8"))["cases"]
PREVIOUS = b"previous render, must survive\n"


def case_id(case: dict[str, Any]) -> str:
    if "command" in case:
        return "cmd " + " ".join(case["command"]).replace("{tmp}/", "")
    if "generate" in case:
        return f"generated-{case['generate']}"
    if "args" in case:
        return "cli " + " ".join(case["args"])
    return str(case["file"]).removesuffix(".yaml")


SMALL_MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64
VALID_CUES = json.dumps({"title": "Catalogue routine", "duration": 20.0, "segments": [
    {"kind": "speech", "start": 0, "end": 1, "text": "Leg lift."}], "chapters": [
    {"title": "Leg lift", "start": 0, "end": 20, "exercise": "lift"}]})


def make_bundle(path: Path, routine: str, cues: str) -> None:
    """A bundle as 'voiceguide bundle' lays it out, with the given routine and cue sheet."""
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("valid.yaml", routine)
        archive.writestr("valid.cues.json", cues, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("valid.mp3", SMALL_MP3)


WORK = {
    "narration": lambda: {"title": "Long", "intro": ["这是一个很长的段落" * 555] * 66,
                          "exercises": [{"id": "a", "name": "A", "duration": 20}]},
    "phrases": lambda: {"title": "Many", "exercises": [
        {"id": f"e{i}", "name": f"Exercise {i}", "duration": 5,
         "setup": [f"Step {i} one.", f"Step {i} two.", f"Step {i} three."]}
        for i in range(1100)]},
    "steps": lambda: {"title": "Steps", "exercises": [
        {"id": "x", "name": "X", "reps": 1000, "sets": 100, "sides": "each",
         "rep": [{"say": "Go", "seconds": 0.001}]}]},
    "rests": lambda: {"title": "Rests", "exercises": [
        {"id": f"e{i}", "name": "X", "duration": 1, "rest": 3600} for i in range(30)]},
}


def set_up(kind: str, folder: Path) -> None:
    """A fixture a command case needs, made in its temporary folder."""
    valid = (CATALOGUE / "valid.yaml").read_text(encoding="utf-8")
    if kind == "fifo":
        os.mkfifo(folder / "fifo")
    elif kind == "deep-toml":
        (folder / "deep.toml").write_text("a = " + "[" * 50_000 + "\n", encoding="utf-8")
    elif kind == "big-config":
        (folder / "big.toml").write_text("# padding\n" * 20_000, encoding="utf-8")
    elif kind == "escape-config":
        (folder / "escape.toml").write_text('voice = "\\u001b]0;owned\\u0007"\n',
                                            encoding="utf-8")
    elif kind == "bundle-deep-cues":
        make_bundle(folder / "deep.zip", valid, "[" * 200_000)
    elif kind == "bundle-escape-routine":
        make_bundle(folder / "escape.zip", valid.replace(
            "title: Catalogue routine", 'title: "Catalogue \\e]0;owned\\a routine"'), VALID_CUES)
    elif kind == "bundle-escape-cues":
        make_bundle(folder / "escape.zip", valid,
                    VALID_CUES.replace('"Leg lift."', '"Leg \\u001b[2J lift."'))
    elif kind == "bundle-surrogate-cues":
        make_bundle(folder / "surrogate.zip", valid,
                    VALID_CUES.replace('"Leg lift"', '"Leg \\ud800 lift"'))
    elif kind == "bundle-valid":
        make_bundle(folder / "escape.zip", valid, VALID_CUES)
    elif kind == "fifo-in-folder":
        (folder / "fifo-folder").mkdir()
        for name in ("valid.cues.json", "other.cues.json"):
            os.mkfifo(folder / "fifo-folder" / name)
    elif kind == "other-routine":
        (folder / "other.yaml").write_text(valid, encoding="utf-8")
    elif kind == "music-is-output":
        (folder / "music.mp3").write_bytes(PREVIOUS)
    elif kind in WORK:  # routines whose every field is within its limit, but not the whole
        (folder / f"{kind}.yaml").write_text(yaml.safe_dump(WORK[kind](), allow_unicode=True),
                                             encoding="utf-8")
    elif kind == "routines":
        (folder / "routines").mkdir()
        shutil.copyfile(CATALOGUE / "valid.yaml", folder / "routines" / "valid.yaml")
    else:
        raise AssertionError(f"unknown set-up {kind!r}")


def expand(value: str, places: dict[str, Path]) -> str:
    for name, path in places.items():
        value = value.replace("{" + name + "}", str(path))
    return value


def make_input(case: dict[str, Any], folder: Path) -> tuple[list[str], Path | None]:
    """The CLI arguments of a case, and the routine file its message must name (if any)."""
    output = folder / "out" / "routine.mp3"
    if "command" in case:
        places = {"tmp": folder, "out": output}
        if "file" in case:
            places["file"] = folder / case["file"]
            shutil.copyfile(CATALOGUE / case["file"], places["file"])
        for kind in case.get("setup", []):
            set_up(kind, folder)
        names = case.get("names")
        return ([expand(arg, places) for arg in case["command"]],
                Path(expand(names, places)) if names else None)
    kind = case.get("generate")
    if kind is None:
        routine = folder / case["file"]
        shutil.copyfile(CATALOGUE / case["file"], routine)
        args = ["render", str(routine), "-o", str(output), *case.get("args", [])]
        return args, None if "args" in case else routine
    if kind == "50mb":
        routine = folder / "huge.yaml"
        with routine.open("wb") as handle:
            line = b"# " + b"x" * 1021 + b"\n"
            for _ in range(50 * 1024):
                handle.write(line)
        assert routine.stat().st_size == 50 * 1024 * 1024
        return ["render", str(routine), "-o", str(output)], routine
    if kind == "folder":
        return ["validate", str(folder / "out")], folder / "out"
    if kind == "missing":
        return ["render", str(folder / "nope.yaml"), "-o", str(output)], folder / "nope.yaml"
    if kind == "no-argument":
        return ["render"], None
    raise AssertionError(f"unknown generated case {kind!r}")


def test_the_catalogue_is_large_and_every_file_is_used() -> None:
    assert len(CASES) >= 40
    used = {case["file"] for case in CASES if "file" in case}
    assert used == {p.name for p in CATALOGUE.glob("*.yaml")} - {"cases.yaml"}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bad_input_gives_one_clear_error_and_writes_nothing(
        case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a routine that ran a command would leave its files here
    (tmp_path / "out").mkdir()
    output = tmp_path / "out" / "routine.mp3"
    output.write_bytes(PREVIOUS)
    args, routine = make_input(case, tmp_path)
    places = {"tmp": tmp_path, "out": output}
    env = {name: expand(value, places) for name, value in case.get("env", {}).items()}
    copied = tmp_path / case["file"] if "file" in case else None
    result = CliRunner().invoke(cli, args, env=env)
    err = result.stderr
    assert result.exit_code == 2, (result.exit_code, err, result.exception)
    assert "Traceback" not in result.output + err
    assert result.stdout == ""
    assert err.count("Error:") == 1, err
    assert case["error"] in err, err
    if routine is not None:
        assert f"Error: {routine}" in err, err
        assert "\n  Fix: " in err, err
    if case["line"] is not None:
        assert f"{routine}, line {case['line']}:" in err, err
    assert output.read_bytes() == PREVIOUS
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["routine.mp3"]
    assert not (tmp_path / "PWNED-BY-ROUTINE").exists()
    if copied is not None:  # the input itself is never written over
        assert copied.read_bytes() == (CATALOGUE / case["file"]).read_bytes()
    if "fifo" in case.get("setup", []):  # a named pipe stays one (never replaced by a file)
        assert stat.S_ISFIFO((tmp_path / "fifo").stat().st_mode)
        assert not list(tmp_path.glob("fifo.*")), list(tmp_path.iterdir())
    for path in case.get("absent", []):
        assert not Path(expand(path, places)).exists(), path
    for path in case.get("kept", []):  # a user's file the output named, left as it was
        assert Path(expand(path, places)).read_bytes() == (CATALOGUE / "valid.yaml").read_bytes()
    leftovers = [p.name for p in tmp_path.rglob("*") if ".part" in p.name or "staging" in p.name]
    assert not leftovers, leftovers


def test_bad_input_through_the_installed_command(tmp_path: Path) -> None:
    """The real console script in its own process: exit 2, one message, no traceback."""
    output = tmp_path / "kept.mp3"
    output.write_bytes(PREVIOUS)
    for name, fragment in (("billion-laughs", "aliases"), ("deep-nesting", "nested too deeply"),
                           ("utf-16", "UTF-16")):
        (routine,) = CATALOGUE.glob(f"*-{name}.yaml")
        run = subprocess.run(
            [sys.executable, "-c", "from voiceguide.cli import main; main()", "render",
             str(routine), "-o", str(output)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 2, run.stderr
        assert run.stderr.count("Error:") == 1 and "Traceback" not in run.stderr, run.stderr
        assert f"Error: {routine}" in run.stderr and fragment in run.stderr, run.stderr
    assert output.read_bytes() == PREVIOUS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.mp3"]


# --- accepted: unusual but valid text ---------------------------------------------------------

UNUSUAL = """\
title: "Morning 💪 stretch = fun; #1 \\\\ <b>done</b>"
author: "Dr. Müller & Söhne"
description: 2024-05-01
language: en
intro: "Welcome <speak>to</speak> the session & enjoy."
exercises:
  - id: markup
    name: "Lift <b>up</b> & down"
    tip: "Count: 1 = one"
    reps: 1
    rep:
      - say: "<break time='10s'/>Go"
        seconds: 1
      - say: "a < b & c > d; &amp; &lt;"
        seconds: 1
  - id: rtl
    name: "ارفع ساقك"
    setup: "הרם את הרגל 🦵"
    duration: 2
"""


def test_unusual_text_loads_as_literal_text() -> None:
    routine = parse_routine(UNUSUAL, "unusual.yaml")
    assert routine.title == "Morning 💪 stretch = fun; #1 \\ <b>done</b>"
    assert routine.description == "2024-05-01"  # a date-looking value stays text
    markup, rtl = routine.exercises
    assert markup.tip == "Count: 1 = one"
    assert rtl.name == "ارفع ساقك" and rtl.setup == ("הרם את הרגל 🦵",)


def test_markup_emoji_and_rtl_render_as_speech(tmp_path: Path) -> None:
    """Markup is spoken as text, never interpreted: the SSML-like <break time='10s'/> adds no
    ten-second pause; every phrase is heard where the timeline puts it; the tags round-trip."""
    routine_file = tmp_path / "unusual.yaml"
    routine_file.write_text(UNUSUAL, encoding="utf-8")
    result = voiceguide.render(routine_file, tmp_path / "unusual.mp3", Options(rate=300))
    speech = {s.text: s for s in result.timeline.speech}
    assert speech["<break time='10s'/>Go"].duration < 3
    for text in ("<break time='10s'/>Go", "a < b & c > d; &amp; &lt;", "הרם את הרגל 🦵"):
        assert speech[text].duration > 0.2, text
    assert [s for s in speech if "ارفع ساقك" in s]
    samples = decode(result.path)
    assert abs(samples.size / RATE - result.timeline.duration) < 0.06
    for segment in speech.values():
        if segment.duration > 0.2:
            lo, hi = int(segment.start * RATE), int(segment.end * RATE)
            assert window_levels(samples[lo:hi]).max() > -35, segment
    tags = probe(result.path)["format"]["tags"]
    assert tags["title"] == "Morning 💪 stretch = fun; #1 \\ <b>done</b>"
    assert tags["artist"] == "Dr. Müller & Söhne"
    chapters = [c["tags"]["title"] for c in probe(result.path)["chapters"]]
    assert "2. ارفع ساقك — 2 s" in chapters


def test_unusual_text_previews_through_the_cli(tmp_path: Path) -> None:
    routine_file = tmp_path / "unusual.yaml"
    routine_file.write_bytes(b"\xef\xbb\xbf" + UNUSUAL.replace("\n", "\r\n").encode("utf-8"))
    result = CliRunner().invoke(cli, ["preview", str(routine_file), "--json", "--rate", "300"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    texts = [s["text"] for s in data["segments"]]
    assert "a < b & c > d; &amp; &lt;" in texts and "הרם את הרגל 🦵" in texts
