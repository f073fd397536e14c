"""Shared fixtures: a private phrase cache, the routines the tests use, one render of the seed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, sync_playwright
from pydub import AudioSegment

from voiceguide import Options, Result
from voiceguide.cli import cli
from voiceguide.engines import Voice, get_engine
from voiceguide.pipeline import Plan, prepare, render_plan

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "templates" / "back-strengthening.yaml"


@contextmanager
def environment(name: str, value: str) -> Iterator[None]:
    """The environment variable ``name`` set to ``value`` inside the block, restored after."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def run_cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run the CLI in-process: its exit code, stdout and stderr (never a traceback)."""
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


SLOW_FIXTURES = {"seed_plan", "seed_render", "slow_render", "fast_render"}
# Files whose tests render and measure audio, or drive a browser, all through.
SLOW_FILES = {"test_levels.py", "test_piper.py", "test_player_browser.py", "test_render.py",
              "test_share.py", "test_site.py", "test_sound.py", "test_speed_paths.py",
              "test_studio.py", "test_timing.py", "test_languages.py", "test_outputs.py",
              "test_templates.py", "test_parts.py", "test_fuzz_inputs.py", "test_engines_auto.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that renders whole sessions or measures rendered audio is ``slow``:
    ``pytest -m "not slow"`` is the quick subset for development (the loader, the compiler,
    the customizer, the CLI's messages), ``scripts/test.sh`` runs everything."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) \
                or item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test run uses its own phrase cache, never the user's."""
    path = tmp_path_factory.mktemp("phrase-cache")
    with environment("VOICEGUIDE_CACHE_DIR", str(path)):
        yield path


@pytest.fixture(scope="session", autouse=True)
def no_user_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's config file never changes what the tests see (tests that need one write it)."""
    path = tmp_path_factory.mktemp("config") / "config.toml"
    with environment("VOICEGUIDE_CONFIG", str(path)):
        yield path


@pytest.fixture(scope="session", autouse=True)
def espeak_by_default() -> Iterator[None]:
    """The suite's timing, loudness and README figures are espeak-ng's: ``auto`` would pick Piper
    for English wherever the neural extra is installed, so the default engine is pinned to
    pyttsx3 here (tests of ``auto`` unset it; tests of Piper ask for it by name)."""
    with environment("VOICEGUIDE_ENGINE", "pyttsx3"):
        yield


CHROMIUM = os.environ.get("VOICEGUIDE_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium (scripts/setup.sh test installs it), driven by Playwright,
    which never downloads a browser here: it runs /usr/bin/chromium (or $VOICEGUIDE_CHROMIUM)."""
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run 'scripts/setup.sh test'"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                              timeout=60_000)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def seed_plan() -> Plan:
    """The seed template prepared at default settings: its timeline and its synthesized clips."""
    return prepare("back-strengthening", Options())


@pytest.fixture(scope="session")
def seed_render(seed_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Result:
    """The seed template rendered once to MP3 at default settings (``voiceguide.render``'s
    steps: the plan above, then mixed and encoded)."""
    out = tmp_path_factory.mktemp("seed") / "back-strengthening.mp3"
    return render_plan(seed_plan, out)


SMALL = """\
title: Small test routine
author: Test Author
description: A short routine for tests.
intro: Hello.
safety: Be careful.
outro: Goodbye.
defaults:
  rest: 6
  changeover: 4
  pause: 0.5
exercises:
  - id: lift
    name: Leg lift
    setup: Lie down.
    reps: 3
    rep:
      - say: Lift.
        seconds: 2
      - hold: 3
      - say: Lower.
        seconds: 2
  - id: twist
    name: Twist
    reps: 2
    sides: alternate
    rep:
      - say: Turn.
        seconds: 1.5
  - id: plank
    name: Plank
    duration: 12
    sides: each
"""


@pytest.fixture
def small_routine_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


class CountingEngine:
    """The real pyttsx3 engine, recording what it is asked to say."""

    def __init__(self) -> None:
        self.inner = get_engine("pyttsx3")
        self.id = self.inner.id
        self.spoken: list[str] = []

    def version(self) -> str:
        return self.inner.version()

    def voices(self) -> list[Voice]:
        return self.inner.voices()

    def synthesize(self, text: str, voice: str | None, rate: int | None) -> AudioSegment:
        self.spoken.append(text)
        return self.inner.synthesize(text, voice, rate)
