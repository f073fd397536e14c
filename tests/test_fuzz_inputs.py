"""Fuzz targets (hypothesis) for the untrusted inputs besides routine files (tests/test_fuzz.py):
bundles someone sent, config files, and the paths given on the command line (server requests:
tests/test_serve.py). Each example goes through the real CLI: the command succeeds (exit 0) or
refuses with exit 2 and one clear 'Error:' line; never a traceback, never a file outside what it
may write, and a refused command leaves everything as it was."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from voiceguide.cli import cli

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
ROUTINE = """\
title: Fuzz routine
exercises:
  - id: lift
    name: Leg lift
    reps: 2
    rep:
      - say: Lift.
        seconds: 2
"""
SHEET = {"title": "Fuzz routine", "duration": 20.0,
         "segments": [{"kind": "speech", "start": 0.0, "end": 1.0, "text": "Leg lift."}],
         "chapters": [{"title": "Leg lift", "start": 0.0, "end": 20.0, "exercise": "lift"}]}
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert "Traceback" not in result.output + result.stderr, result.stderr
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr, result.exception)
    if result.exit_code == 2:
        assert result.stderr.count("Error:") == 1, result.stderr
    else:
        assert "Error:" not in result.stderr, result.stderr
    return result


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every path under ``folder`` with its type and (for files) its bytes."""
    found: dict[str, tuple[int, bytes]] = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        data = path.read_bytes() if stat.S_ISREG(mode) else b""
        found[str(path.relative_to(folder))] = (stat.S_IFMT(mode), data)
    return found


# --- bundles -----------------------------------------------------------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
NAMES = st.sampled_from(["fuzz.yaml", "fuzz.mp3", "fuzz.cues.json", "fuzz.vtt", "manifest.json",
                         "index.html", "../evil.yaml", "/abs.yaml", "a/b.yaml", "C:x.yaml",
                         "x\\y.yaml", "fuzz\x1b.yaml", ".cues.json", "x.exe", "", "fuzz.YAML"])


@st.composite
def bundles(draw: st.DrawFn) -> dict[str, bytes]:
    """A bundle's members: the valid ones, then some replaced, renamed, added or dropped."""
    members = {"fuzz.yaml": ROUTINE.encode(), "fuzz.cues.json": json.dumps(SHEET).encode(),
               "fuzz.mp3": MP3}
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["sheet-value", "sheet-raw", "routine", "rename", "add",
                                     "drop", "deep"]))
        if kind == "sheet-value":
            sheet: dict[str, Any] = json.loads(members.get("fuzz.cues.json", b"{}") or b"{}")
            key = draw(st.sampled_from(["title", "duration", "segments", "chapters", "x"]))
            sheet[key] = draw(JSONISH)
            members["fuzz.cues.json"] = json.dumps(sheet).encode()
        elif kind == "sheet-raw":
            members["fuzz.cues.json"] = draw(st.binary(max_size=200) | st.text(max_size=200)
                                             .map(lambda t: t.encode("utf-8", "surrogatepass")))
        elif kind == "routine":
            at = draw(st.integers(0, len(ROUTINE)))
            extra = draw(st.sampled_from(['"\\e[2J"', '"\\uD800"', "\x85", "!!python/x", "*a",
                                          "[" * 50, ": :", "\t"]) | st.text(max_size=10))
            members["fuzz.yaml"] = (ROUTINE[:at] + extra + ROUTINE[at:]).encode(
                "utf-8", "surrogatepass")
        elif kind == "rename" and members:
            old = draw(st.sampled_from(sorted(members)))
            members[draw(NAMES)] = members.pop(old)
        elif kind == "add":
            members[draw(NAMES)] = draw(st.binary(max_size=50))
        elif kind == "drop" and members:
            members.pop(draw(st.sampled_from(sorted(members))))
        elif kind == "deep":
            members["fuzz.cues.json"] = b"[" * draw(st.integers(1000, 200_000))
    return members


@FUZZ
@given(members=bundles() | st.binary(max_size=400).map(lambda data: {"": data}))
def test_any_bundle_imports_or_is_refused_writing_nothing(
        members: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("bundle")
    path = folder / "sent.zip"
    if list(members) == [""]:  # not a zip at all
        path.write_bytes(members[""])
    else:
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name or "unnamed", data)
    before = snapshot(folder)
    result = invoke("import", str(path), "-d", str(folder / "imported"))
    if result.exit_code == 0:
        event("imported")
        written = sorted(p.name for p in (folder / "imported").iterdir())
        assert "index.html" in written and all("/" not in name for name in written)
        page = (folder / "imported" / "index.html").read_text(encoding="utf-8")
        assert "\x1b" not in page and "\ud800" not in page
    else:
        event("refused")
        assert snapshot(folder) == before  # nothing written, not even the folder


# --- config files --------------------------------------------------------------------------------

TOMLISH = st.lists(st.sampled_from([
    'voice = "en"', "rate = 180", "rate = 9999", 'rate = "fast"', 'level = "easy"',
    'level = "extreme"', 'output = "out"', 'output = ""', 'format = "wav"', 'format = "ogg"',
    'voise = "en"', 'voice = "\\u001b[2J"', 'voice = "\\ud800"', "[table]", "a = [" + "[" * 40,
    'format = """\nmp3"""', "rate = 1e3", "= 1", "voice", "\x00", "\ufeff"]) | st.text(max_size=15),
    max_size=6).map("\n".join)


@FUZZ
@given(data=TOMLISH.map(lambda text: text.encode("utf-8", "surrogatepass"))
       | st.binary(max_size=200))
def test_any_config_file_is_read_or_refused_clearly(
        data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("config") / "config.toml"
    path.write_bytes(data)
    result = invoke("config", env={"VOICEGUIDE_CONFIG": str(path)})
    event("read" if result.exit_code == 0 else "refused")
    if result.exit_code == 2:
        assert str(path) in result.stderr and "\n  Fix: " in result.stderr
    assert "\x1b" not in result.stdout + result.stderr


@pytest.mark.parametrize("special", ["fifo", "folder", "/dev/zero", "/dev/null"])
def test_a_config_that_is_not_a_regular_file_is_refused_at_once(
        special: str, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    if special == "fifo":
        os.mkfifo(path)
    elif special == "folder":
        path.mkdir()
    else:
        path = Path(special)
    result = invoke("config", env={"VOICEGUIDE_CONFIG": str(path)})  # a FIFO would hang here
    assert result.exit_code == 2 and "not a regular file" in result.stderr


# --- paths on the command line -----------------------------------------------------------------

# A routine refused by the work caps once its outputs are checked: every command stops before
# any speech is synthesized, so only the output checks decide what happens first.
TOO_MUCH = """\
title: Too much
exercises:
  - id: x
    name: X
    reps: 1000
    sets: 100
    sides: each
    rep:
      - say: Go
        seconds: 0.001
"""
PATH_PART = st.sampled_from(["out", "routine.yaml", "fifo", "new", "sub", "..", ".", "", " ",
                             "x\x1by", "ä", "nul\x00", "CON", "a" * 300])
SUFFIX = st.sampled_from(["", ".mp3", ".wav", ".m4a", ".opus", ".ogg", ".MP3", ".yaml", ".zip",
                          "/", ".cues.json"])
PATHS = st.one_of(
    st.tuples(st.lists(PATH_PART, min_size=1, max_size=3), SUFFIX).map(
        lambda t: "/".join(t[0]) + t[1]).filter(lambda path: not path.startswith("/")),
    st.sampled_from(["", "/dev/null", "/dev/zero", "-", "--force", "routine.yaml"]),
)


def workspace(root: Path) -> Path:
    """Three folders deep in ``root``, so that any '..' of a path stays inside ``root``."""
    folder = root / "a" / "b" / "work"
    folder.mkdir(parents=True)
    (folder / "routine.yaml").write_text(TOO_MUCH, encoding="utf-8")
    (folder / "out").mkdir()
    (folder / "out" / "routine.mp3").write_bytes(b"previous render\n")
    os.mkfifo(folder / "fifo")
    return folder


@FUZZ
@given(output=PATHS, fmt=st.sampled_from([None, "mp3", "wav"]))
def test_any_render_output_path_is_checked_before_synthesis(
        output: str, fmt: str | None, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path_factory.mktemp("paths")
    monkeypatch.chdir(workspace(root))
    before = snapshot(root)
    result = invoke("render", "routine.yaml", "-o", output, *(["--format", fmt] if fmt else []))
    assert result.exit_code == 2  # refused: the path, or else the work caps (never rendered)
    event("path refused" if "the session would be" not in result.stderr else "reached the caps")
    assert snapshot(root) == before


@FUZZ
@given(output=PATHS)
def test_any_customize_output_path_writes_a_routine_or_nothing(
        output: str, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path_factory.mktemp("paths")
    folder = workspace(root)
    (folder / "routine.yaml").write_text(ROUTINE, encoding="utf-8")
    monkeypatch.chdir(folder)
    before = snapshot(root)
    result = invoke("customize", "routine.yaml", "-o", output, "--reps", "3")
    after = snapshot(root)
    assert after["a/b/work/routine.yaml"] == before["a/b/work/routine.yaml"]  # never written
    assert after["a/b/work/fifo"][0] == stat.S_IFIFO
    if result.exit_code == 2:
        event("refused")
        assert after == before
    else:
        event("written")
        added = [name for name in after if name not in before or after[name] != before[name]]
        assert len(added) >= 1 and all(after[name][0] in (stat.S_IFREG, stat.S_IFDIR)
                                       for name in added)
        written = [name for name in added if after[name][0] == stat.S_IFREG]
        assert len(written) == 1 and b"reps: 3" in after[written[0]][1]
