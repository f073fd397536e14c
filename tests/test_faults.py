"""Faults, for real: Ctrl-C and SIGTERM sent to a running render, a full disk, a read-only folder,
a phrase cache killed mid-write, and missing or broken tools (ffmpeg, espeak-ng, a voice, an
engine that says nothing). Every time: a clear message, the right exit code, no traceback, the
previous output byte for byte intact, no temporary file left behind."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydub import AudioSegment

from voiceguide import EngineError, InputError, VoiceguideError, pipeline
from voiceguide.cli import cli
from voiceguide.engines import Choice, Voice
from voiceguide.engines.pyttsx3_engine import Pyttsx3Engine

from audio_checks import RATE, decode
from conftest import SMALL

pytestmark = pytest.mark.slow  # real renders in child processes, interrupted and starved

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and mounts")
VOICEGUIDE = [sys.executable, "-c", "from voiceguide.cli import main; main()"]
PREVIOUS = b"the previous render, which must survive\n"
LONG = """\
title: Five quiet minutes
exercises:
  - id: plank
    name: Plank
    duration: 300
"""


def environment(cache: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache), **extra}
    env.pop("VOICEGUIDE_DEBUG", None)
    return env


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str],
             timeout: float = 120) -> None:
    """Poll until ``condition`` holds; fail if the process ends first or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the render ended (exit {process.returncode}) before the moment to "
                        f"interrupt it:\n{out}\n{err}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("timed out waiting for the render to reach the moment to interrupt it")
        time.sleep(0.01)


def processes_mentioning(text: str) -> list[str]:
    """Command lines of running processes that mention ``text`` (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if text in command:
                found.append(command)
    return found


def assert_untouched(folder: Path, output: Path) -> None:
    """The previous output is byte for byte the same and nothing else appeared beside it."""
    assert output.read_bytes() == PREVIOUS
    assert [p.name for p in folder.iterdir()] == [output.name]


def assert_one_error(err: str, *fragments: str) -> None:
    assert "Traceback" not in err, err
    assert err.count("Error:") == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small and the one-hour routine, their phrases already in a private cache."""
    folder = tmp_path_factory.mktemp("warm")
    files = {"small": folder / "small.yaml", "long": folder / "long.yaml"}
    files["small"].write_text(SMALL, encoding="utf-8")
    files["long"].write_text(LONG, encoding="utf-8")
    cache = folder / "cache"
    for path in files.values():
        run = subprocess.run([*VOICEGUIDE, "preview", str(path)], env=environment(cache),
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
    return {**files, "cache": cache}


# --- interruptions ---------------------------------------------------------------------------

@POSIX_ONLY
@pytest.mark.parametrize(("sig", "group"), [(signal.SIGINT, False), (signal.SIGTERM, False),
                                            (signal.SIGINT, True)],
                         ids=["SIGINT", "SIGTERM", "Ctrl-C to the process group"])
def test_interrupted_export_leaves_the_previous_file_and_no_temporary_file(
        sig: signal.Signals, group: bool, warm: dict[str, Path], tmp_path: Path) -> None:
    """Ctrl-C in a terminal signals the whole group, ffmpeg included; kill only voiceguide."""
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "long.mp3"
    output.write_bytes(PREVIOUS)
    process = subprocess.Popen([*VOICEGUIDE, "render", str(warm["long"]), "-o", str(output)],
                               env=environment(warm["cache"]), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=group)
    wait_for(lambda: any(folder.glob(".long.mp3.*.part")), process)  # ffmpeg is writing
    if group:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Aborted" in err, err
    assert_untouched(folder, output)
    if Path("/proc").is_dir():
        assert not processes_mentioning(str(folder)), "ffmpeg was left running"


# Say three phrases in a fresh process and print each clip's digest; with "slow", espeak-ng's
# thread is held up as a loaded machine holds it: while it writes the phrase's file and right
# after it has told pyttsx3's loop that the phrase is done.
SLOW_ESPEAK = """
import hashlib, sys, time, wave
import pyttsx3.drivers.espeak as espeak_driver
from voiceguide.engines.pyttsx3_engine import Pyttsx3Engine

class SlowWave:
    @staticmethod
    def open(*args, **kwargs):
        writer = wave.open(*args, **kwargs)
        write = writer.writeframes
        def writeframes(data):
            time.sleep(0.3)
            write(data)
        writer.writeframes = writeframes
        return writer

engine = Pyttsx3Engine()
if sys.argv[1] == "slow":
    espeak_driver.wave = SlowWave
    driver = engine._driver().proxy._driver
    end_loop = driver.endLoop
    def late_end():
        end_loop()
        time.sleep(0.3)
    driver.endLoop = late_end
for text in ("Hold the plank.", "Rest.", "Next: squats."):
    print(hashlib.sha256(engine.synthesize(text, None, None).raw_data).hexdigest())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="pyttsx3 drives espeak-ng on Linux")
def test_a_slow_speech_thread_gives_the_same_clips() -> None:
    """The engine waits until espeak-ng has written the whole file and finished the phrase:
    returning before (pyttsx3's first loop of a process ends at once) read an empty or part
    file, and starting the next phrase while espeak-ng's thread was still busy cancelled it;
    both changed the clips that followed."""
    clips = {}
    for mode in ("plain", "slow"):
        run = subprocess.run([sys.executable, "-c", SLOW_ESPEAK, mode], capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        clips[mode] = run.stdout.split()
    assert len(clips["plain"]) == 3 and clips["slow"] == clips["plain"]


@POSIX_ONLY
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_synthesis_leaves_nothing_behind(sig: signal.Signals, tmp_path: Path) -> None:
    """The seed, every phrase synthesized anew: interrupted once the engine has started."""
    folder, scratch = tmp_path / "out", tmp_path / "tmp"
    folder.mkdir()
    scratch.mkdir()
    output = folder / "seed.mp3"
    output.write_bytes(PREVIOUS)
    process = subprocess.Popen(
        [*VOICEGUIDE, "render", "back-strengthening", "--no-cache", "-o", str(output)],
        env=environment(tmp_path / "cache", TMPDIR=str(scratch)), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    wait_for(lambda: any(scratch.glob("voiceguide-*.wav")), process)  # the engine is speaking
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Aborted" in err, err
    assert_untouched(folder, output)
    time.sleep(0.5)  # let any worker process that outlived the main one show itself
    assert list(scratch.iterdir()) == []


@POSIX_ONLY
def test_the_cache_survives_a_kill_mid_write(tmp_path: Path) -> None:
    """Kill -9 the whole process group while it fills the cache; add the debris a kill inside a
    write leaves (a stray .part, a truncated entry); the next run works and repairs the entry."""
    routine = tmp_path / "holds.yaml"
    # a hold of 900 s counts 899 numbers: about 900 phrases, several seconds of synthesis, so
    # the kill surely comes part way through (with 60, a quiet machine had finished first)
    routine.write_text(SMALL.replace("      - hold: 3\n", "      - hold: 900\n"), encoding="utf-8")
    cache = tmp_path / "cache"
    process = subprocess.Popen([*VOICEGUIDE, "preview", str(routine), "--rate", "300"],
                               env=environment(cache), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    wait_for(lambda: len(list(cache.glob("*/*.wav"))) >= 5, process)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    entries = sorted(cache.glob("*/*.wav"))
    victim = entries[0]
    size = victim.stat().st_size
    victim.write_bytes(victim.read_bytes()[: size // 2])  # a torn write
    stray = victim.parent / ".deadbeef.part"
    stray.write_bytes(b"RIFF\x00\x00")  # a temporary file a kill left
    run = subprocess.run([*VOICEGUIDE, "preview", str(routine), "--rate", "300"],
                         env=environment(cache), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    # synthesized again, whole: no longer the torn half, and as long as before within 5 ms
    # (espeak-ng speaking it as the first phrase of a fresh process may differ by a millisecond;
    # the loop below checks that the new entry's header and data agree)
    assert abs(victim.stat().st_size - size) <= 5 * 22050 * 2 // 1000, (victim.stat().st_size, size)
    assert len(entries) < len(list(cache.glob("*/*.wav")))  # the kill came part way through
    for entry in cache.glob("*/*.wav"):
        with wave.open(str(entry), "rb") as clip:
            frames = clip.getnframes()
            assert frames > 0 and len(clip.readframes(frames)) == frames * clip.getsampwidth()


# --- full disk, read-only folder, unusable temporary folder ------------------------------------

def test_a_successful_render_replaces_the_previous_file(warm: dict[str, Path],
                                                        tmp_path: Path) -> None:
    """The control for the tests below: the same render, where nothing fails, does replace it."""
    output = tmp_path / "small.mp3"
    output.write_bytes(PREVIOUS)
    run = subprocess.run([*VOICEGUIDE, "render", str(warm["small"]), "-o", str(output)],
                         env=environment(warm["cache"]), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    seconds = decode(output).size / RATE
    assert 60 < seconds < 200
    assert not list(tmp_path.glob(".*.part"))


def unavailable(reason: str) -> None:
    """A test that needs what this machine does not give (root, mount): skipped here with the
    reason shown, but a failure in CI (CI=true), where it must really run."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"CI must run this test for real: {reason}")
    pytest.skip(reason)


@contextlib.contextmanager
def small_filesystem(folder: Path, size: str, wanted: bool = True) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` on ``folder`` (root on Linux) and yield True; with ``wanted``
    False, yield False (the simulated case). Where no tmpfs can be mounted the test is skipped
    with the reason, or fails in CI: it never quietly becomes the simulated case."""
    folder.mkdir(exist_ok=True)
    if not wanted:
        yield False
        return
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("mount"):
        unavailable("a real small filesystem needs root and mount on Linux")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        unavailable(f"mount -t tmpfs failed: {mounted.stderr.strip()}")
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def simulate_write_failure(monkeypatch: pytest.MonkeyPatch, folder: Path, code: int) -> None:
    """Where no small filesystem can be made: creating any file in ``folder`` fails with
    ``code``, as the operating system would report it."""
    real = tempfile.mkstemp

    def failing(*args: object, **kwargs: object) -> tuple[int, str]:
        if Path(str(kwargs.get("dir", ""))).resolve() == folder.resolve():
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(tempfile, "mkstemp", failing)


def render_in(folder: Path, warm: dict[str, Path], output: Path, real: bool,
              monkeypatch: pytest.MonkeyPatch, code: int) -> tuple[int, str]:
    """Render the small routine into ``output``: in a subprocess on a real filesystem, or here
    with a simulated failure."""
    args = ["render", str(warm["small"]), "-o", str(output), "--format", "mp3"]
    if real:
        run = subprocess.run([*VOICEGUIDE, *args], env=environment(warm["cache"]),
                             capture_output=True, text=True, timeout=300)
        return run.returncode, run.stderr
    simulate_write_failure(monkeypatch, folder, code)
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(warm["cache"]))
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.stderr


MOUNT_OR_SIMULATE = pytest.mark.parametrize("mount", [True, False],
                                            ids=["real filesystem", "simulated"])


@MOUNT_OR_SIMULATE
def test_a_full_disk_is_a_clear_error_and_keeps_the_previous_file(
        mount: bool, warm: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "small-disk"
    with small_filesystem(folder, "200k", mount) as real:
        output = folder / "small.mp3"
        output.write_bytes(PREVIOUS)
        code, err = render_in(folder, warm, output, real, monkeypatch, errno.ENOSPC)
        assert code == 1, err
        assert_one_error(err, "No space left on device", str(folder))
        assert_untouched(folder, output)


@MOUNT_OR_SIMULATE
def test_a_read_only_folder_is_a_clear_error_and_keeps_the_previous_file(
        mount: bool, warm: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "read-only"
    with small_filesystem(folder, "1m", mount) as real:
        output = folder / "small.mp3"
        output.write_bytes(PREVIOUS)
        if real:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        code, err = render_in(folder, warm, output, real, monkeypatch, errno.EROFS)
        assert code == 1, err
        assert_one_error(err, "Read-only file system", str(folder))
        assert_untouched(folder, output)


def test_an_unusable_temporary_folder_is_a_clear_error(
        warm: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "small.mp3"
    output.write_bytes(PREVIOUS)
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(warm["cache"]))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    result = CliRunner().invoke(cli, ["render", str(warm["small"]), "-o", str(output)])
    assert result.exit_code == 1, result.stderr
    assert_one_error(result.stderr, "No such file or directory", str(tmp_path / "no-such-folder"),
                     "TMPDIR")
    assert_untouched(folder, output)
    with pytest.raises(EngineError, match=r"cannot write a temporary file.*\n.*TMPDIR"):
        Pyttsx3Engine().synthesize("Hello.", None, None)


# --- missing or broken tools ------------------------------------------------------------------

@POSIX_ONLY
def test_no_ffmpeg_on_path(warm: dict[str, Path], tmp_path: Path) -> None:
    """PATH holds only an empty folder (python itself is started by its full path)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "small.mp3"
    output.write_bytes(PREVIOUS)
    run = subprocess.run([*VOICEGUIDE, "render", str(warm["small"]), "-o", str(output)],
                         env=environment(warm["cache"], PATH=str(bin_dir)),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert_one_error(run.stderr, "ffmpeg is not installed", "Fix: install ffmpeg")
    assert "RuntimeWarning" not in run.stderr
    assert_untouched(folder, output)
    # known before any speech is synthesized: a cold cache stays empty
    cold = tmp_path / "cold-cache"
    run = subprocess.run([*VOICEGUIDE, "render", str(warm["small"]), "-o", str(output)],
                         env=environment(cold, PATH=str(bin_dir)),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and "ffmpeg is not installed" in run.stderr
    assert not list(cold.rglob("*.wav"))


def test_no_espeak_ng(tmp_path: Path, small_routine_file: Path) -> None:
    """pyttsx3 as it behaves without espeak-ng: ``init()`` cannot load the library (a stand-in
    pyttsx3 package first on the path, so that every process of the render sees it)."""
    fake = tmp_path / "fake" / "pyttsx3"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "def init(*args, **kwargs):\n"
        "    raise OSError('libespeak-ng.so.1: cannot open shared object file: "
        "No such file or directory')\n", encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "small.mp3"
    output.write_bytes(PREVIOUS)
    run = subprocess.run([*VOICEGUIDE, "render", str(small_routine_file), "--no-cache", "-o",
                          str(output)],
                         env=environment(tmp_path / "cache", PYTHONPATH=str(fake.parent)),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert_one_error(run.stderr, "no working speech engine", "libespeak-ng.so.1",
                     "Fix: install espeak-ng")
    assert_untouched(folder, output)


def test_a_voice_that_does_not_exist(warm: dict[str, Path], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "small.mp3"
    output.write_bytes(PREVIOUS)
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(warm["cache"]))
    result = CliRunner().invoke(cli, ["render", str(warm["small"]), "--voice", "xx-nowhere",
                                      "--no-cache", "-o", str(output)])
    assert result.exit_code == 1, result.stderr
    assert_one_error(result.stderr, "no voice 'xx-nowhere'", "voiceguide voices")
    assert_untouched(folder, output)


class SilentEngine:
    """An engine that 'succeeds' but returns only silence, as a broken voice does."""

    id = "silent"

    def version(self) -> str:
        return "1"

    def voices(self) -> list[Voice]:
        return [Voice("silent", "Silent", ("en",))]

    def synthesize(self, text: str, voice: str | None, rate: int | None) -> AudioSegment:
        return AudioSegment.silent(duration=800, frame_rate=22050)


def test_an_engine_that_says_nothing(small_routine_file: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "small.mp3"
    output.write_bytes(PREVIOUS)
    monkeypatch.setattr(pipeline, "choose_engine",
                        lambda *_args: Choice("silent", SilentEngine(), auto=False))
    result = CliRunner().invoke(cli, ["render", str(small_routine_file), "--no-cache", "-o",
                                      str(output)])
    assert result.exit_code == 1, result.stderr
    assert_one_error(result.stderr, "produced only silence", "Fix:")
    assert_untouched(folder, output)


def test_the_readme_documents_every_exit_code() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Exit codes\n", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")}
    codes = {str(VoiceguideError.exit_code), str(InputError.exit_code), "0", "130"}
    assert codes <= rows, section
