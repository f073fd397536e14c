"""The command line: exit codes, messages, and no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from voiceguide import load_routine
from voiceguide.format.text import counted

from audio_checks import RATE, decode
from conftest import run_cli


def test_validate_ok_and_bad(tmp_path: Path) -> None:
    code, out, _ = run_cli("validate", "back-strengthening")
    assert code == 0 and "OK, 'Back strengthening exercises', 5 exercises" in out
    one = tmp_path / "one.yaml"
    one.write_text("title: T\nexercises:\n  - id: a\n    name: A\n    duration: 30\n",
                   encoding="utf-8")
    code, out, _ = run_cli("validate", str(one))
    assert (code, out) == (0, f"{one}: OK, 'T', 1 exercise\n")
    assert [counted(n, "routine") for n in (0, 1, 2)] == ["0 routines", "1 routine", "2 routines"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: T\nexercises:\n  - id: a\n    name: A\n    reps: 15-12\n"
                   "    rep:\n      - hold: 3\n", encoding="utf-8")
    code, out, err = run_cli("validate", str(bad))
    assert code == 2
    assert err == (f"Error: {bad}, line 5: 'exercises[1] (a).reps' is reversed (15-12)\n"
                   "  Fix: write \"12-15\"\n")


def test_missing_routine_lists_the_templates(tmp_path: Path) -> None:
    code, _, err = run_cli("render", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "no such routine file or bundled template" in err
    assert "back-strengthening" in err


def test_unknown_reps_id_lists_the_valid_ones(tmp_path: Path) -> None:
    code, _, err = run_cli("preview", "back-strengthening", "--reps", "back-strech=3")
    assert code == 2
    assert "no exercise with the id 'back-strech'. Did you mean 'back-stretch'?" in err
    assert "general-back-stretch, oblique-crunch, back-stretch" in err
    code, _, err = run_cli("render", "back-strengthening", "--reps", "back-stretch",
                       "-o", str(tmp_path / "x.mp3"))
    assert code == 2 and "is not ID=N" in err
    assert not (tmp_path / "x.mp3").exists()


def test_usage_errors_exit_2() -> None:
    code, _, err = run_cli("render", "back-strengthening", "--format", "ogg")
    assert code == 2 and "Invalid value for '--format'" in err
    code, _, err = run_cli("preview", "back-strengthening", "--rate", "5")
    assert code == 2 and "Invalid value for '--rate'" in err


def test_preview_json_and_table(small_routine_file: Path) -> None:
    code, out, _ = run_cli("preview", str(small_routine_file), "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"title", "duration", "segments"}
    assert data["title"] == "Small test routine"
    assert data["segments"][-1]["end"] == data["duration"]
    lead_in, first = data["segments"][:2]  # half a second of silence, then the first words
    assert lead_in == {"start": 0.0, "end": 0.5, "kind": "silence", "text": "",
                       "exercise": None}
    assert set(first) == {"start", "end", "kind", "text", "exercise"}
    assert first["text"] == "Small test routine." and first["exercise"] is None
    assert first["start"] == 0.5
    code, out, _ = run_cli("preview", str(small_routine_file))
    assert code == 0
    assert "Exercise 1 of 3: Leg lift." in out and "Total: " in out


def test_render_prints_path_and_length(small_routine_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "small.mp3"
    code, stdout, _ = run_cli("render", str(small_routine_file), "-o", str(out), "--rate", "180")
    assert code == 0
    assert stdout.startswith(f"{out}  (")
    seconds = float(stdout.split(", ")[1].split(" s)")[0])
    assert abs(decode(out).size / RATE - seconds) < 0.06


def test_templates_and_voices() -> None:
    code, out, _ = run_cli("templates")
    assert code == 0 and out.startswith("back-strengthening")
    code, out, _ = run_cli("voices", "--language", "en")
    assert code == 0 and "gmw/en-us" in out
    code, _, err = run_cli("render", "back-strengthening", "--voice", "xx-nonexistent")
    assert code == 1 and "no voice 'xx-nonexistent'" in err and "voiceguide voices" in err


def test_file_names_with_terminal_escapes_are_printed_escaped(tmp_path: Path) -> None:
    """A routine's file name is not checked like its text: what names it is escaped when shown
    (an OSC sequence would retitle the terminal, a CSI one clear it)."""
    routine = tmp_path / "esc\x1b]0;owned\x07\x1b[2J.yaml"
    routine.write_text("title: T\nexercises:\n  - id: a\n    name: A\n    duration: 10\n",
                       encoding="utf-8")
    code, out, err = run_cli("render", str(routine), "--engine", "pyttsx3", "-o",
                             f"{tmp_path}/out/")
    assert code == 0 and "\x1b" not in out + err and "\x07" not in out + err
    assert "esc\\x1b]0;owned\\x07\\x1b[2J.mp3  (0:" in out
    assert (tmp_path / "out" / f"{routine.stem}.mp3").is_file()
    plain = tmp_path / "plain.yaml"
    plain.write_bytes(routine.read_bytes())
    code, out, err = run_cli("customize", str(plain), "--level", "easy", "-o",
                             f"{tmp_path}/v\x1b[2J.yaml")
    assert code == 0 and "\x1b" not in out + err and "v\\x1b[2J.yaml  (1 exercise, 0:" in out
    # a valid routine with such a name customizes: 'derived_from' names it escaped
    code, out, err = run_cli("customize", str(routine), "--level", "easy", "-o",
                             f"{tmp_path}/named.yaml")
    assert code == 0, err
    assert load_routine(tmp_path / "named.yaml").derived_from == \
        f"{tmp_path}/esc\\x1b]0;owned\\x07\\x1b[2J.yaml with --level easy"


def test_a_file_name_with_a_bidirectional_control_is_printed_escaped(tmp_path: Path) -> None:
    """U+202E in a file name would show the rest of the line reversed ("yaml.txt" as "txt.lmay"):
    it is printed as a visible escape, like the other characters the text rule refuses."""
    routine = tmp_path / "rtl\u202elmay.yaml"
    routine.write_text("title: T\nexercises:\n  - id: a\n    name: A\n    duration: 10\n",
                       encoding="utf-8")
    code, out, err = run_cli("validate", str(routine))
    assert code == 0, err
    assert "\u202e" not in out + err and "rtl\\u202elmay.yaml: OK" in out
