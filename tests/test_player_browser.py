"""The player page in a real browser: Debian's headless Chromium, driven with Playwright.

Chromium is installed by ``scripts/setup.sh test`` (CI runs it); Playwright never downloads a
browser here, it drives /usr/bin/chromium (or $VOICEGUIDE_CHROMIUM).
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from voiceguide import Options, Result
from voiceguide.share.bundle import bundle, record_render, render_key
from voiceguide.share.serve import make_server
from voiceguide.share.site import build_site

from conftest import SEED, SMALL

CHROMIUM = os.environ.get("VOICEGUIDE_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run 'scripts/setup.sh test'"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                              timeout=60_000)
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page and what it reported: console errors, page errors, requests."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def open_page(browser: Browser, url: str) -> Watched:
    page = browser.new_page(viewport=PHONE)
    watched = Watched(page)
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("requestfailed", lambda r: watched.errors.append(f"{r.failure}: {r.url}")
            if r.failure != "net::ERR_ABORTED" else None)  # aborted: the browser stopped it
    page.on("request", lambda r: watched.requests.append(r.url))
    page.goto(url)
    wait_until(page, "document.getElementById('audio').readyState >= 1")
    return watched


def wait_until(page: Page, expression: str, timeout: float = 20.0) -> None:
    """Poll ``expression`` until it is true (page.wait_for_function would need 'unsafe-eval',
    which the page's Content-Security-Policy rightly refuses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


def audio(page: Page, expression: str) -> Any:
    return page.evaluate(f"(() => {{ const a = document.getElementById('audio'); "
                         f"return {expression}; }})()")


def tap_and_seek(page: Page, button: Locator) -> float:
    """Tap ``button`` and return where the audio was when its seek completed (read at the
    'seeked' event, so playback that starts right after cannot blur the measure)."""
    audio(page, "(window.seekedAt = null, a.addEventListener('seeked', "
                "() => { window.seekedAt = a.currentTime; }, {once: true}))")
    button.click()
    wait_until(page, "window.seekedAt !== null")
    return float(page.evaluate("() => window.seekedAt"))


def current_chapter(page: Page) -> str:
    return str(page.locator("#chapters button[aria-current='true'] .name").inner_text())


def cue_at(sheet: dict[str, Any], t: float) -> str:
    spoken = [s for s in sheet["segments"] if s["kind"] == "speech" and s["start"] <= t]
    return str(spoken[-1]["text"])


def clock(seconds: float, up: bool = False) -> str:
    """As the page shows times: whole seconds rounded down (or up, for the remaining time)."""
    whole = math.ceil(seconds - 1e-3) if up else math.floor(seconds + 1e-3)
    minutes, secs = divmod(max(0, whole), 60)
    return f"{minutes}:{secs:02d}"


def unzip_elsewhere(archive: Path, folder: Path) -> Path:
    """Unpack as a user's unzip tool would (not with voiceguide's import)."""
    with zipfile.ZipFile(archive) as handle:
        handle.extractall(folder)
    return folder


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("player")
    source = root / "small.yaml"
    source.write_text(SMALL, encoding="utf-8")
    made = bundle(source, Options(), root / "small.zip", root / "renders")
    return unzip_elsewhere(made.path, tmp_path_factory.mktemp("elsewhere"))


def test_page_loads_from_a_file_url_with_no_errors_and_no_network(
        browser: Browser, small_bundle: Path) -> None:
    sheet = json.loads((small_bundle / "small.cues.json").read_text(encoding="utf-8"))
    watched = open_page(browser, (small_bundle / "index.html").as_uri())
    page = watched.page
    assert abs(audio(page, "a.duration") - sheet["duration"]) < 0.1
    assert page.locator("h1").inner_text() == "Small test routine"
    titles = page.locator("#chapters button .name").all_inner_texts()
    assert titles == [c["title"] for c in sheet["chapters"]]
    assert page.locator("#total").inner_text() == clock(sheet["duration"])
    assert page.locator("#remaining").inner_text() == clock(sheet["duration"], up=True)
    # readable on a phone: no sideways scrolling, tap targets at least 44 px tall
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for button in page.locator("button").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44
    assert all(url.startswith("file://") for url in watched.requests), watched.requests
    assert watched.errors == []
    page.close()


def test_tapping_a_chapter_seeks_and_the_highlight_follows_playback(
        browser: Browser, small_bundle: Path) -> None:
    sheet = json.loads((small_bundle / "small.cues.json").read_text(encoding="utf-8"))
    chapters = sheet["chapters"]
    watched = open_page(browser, (small_bundle / "index.html").as_uri())
    page = watched.page
    audio(page, "(a.muted = true)")
    assert abs(tap_and_seek(page, page.locator("#chapters button").nth(2))
               - chapters[2]["start"]) < 0.1
    assert current_chapter(page) == chapters[2]["title"]
    assert page.locator("#now-exercise").inner_text() == chapters[2]["title"]
    audio(page, "a.pause()")
    # move the playhead into the middle of the third exercise: highlight, cue and times follow
    t = (chapters[3]["start"] + chapters[3]["end"]) / 2
    audio(page, f"(a.currentTime = {t}, a.dispatchEvent(new Event('timeupdate')))")
    wait_until(page, f"Math.abs(document.getElementById('audio').currentTime - {t}) < 0.05")
    assert current_chapter(page) == chapters[3]["title"]
    assert page.locator("#chapters button[aria-current='true']").count() == 1
    assert page.locator("#now-cue").inner_text() == cue_at(sheet, t)
    assert page.locator("#remaining").inner_text() == clock(sheet["duration"] - t, up=True)
    assert page.locator("#elapsed").inner_text() == clock(t)
    # play for real (muted) across the start of the closing chapter
    start = chapters[-1]["start"] - 0.4
    audio(page, f"(a.currentTime = {start}, a.play())")
    wait_until(page, f"document.getElementById('audio').currentTime > {start + 0.8}")
    assert current_chapter(page) == chapters[-1]["title"] == "Closing"
    assert page.locator("#play").inner_text() == "Pause"
    assert watched.errors == []
    page.close()


def test_seed_bundle_unzipped_elsewhere_plays_and_seeks_by_chapter(
        browser: Browser, seed_render: Result, tmp_path: Path) -> None:
    # the session's seed render, made with the same routine and options, is current: reuse it
    record_render(seed_render, render_key(SEED, Options()))
    made = bundle(SEED, Options(), tmp_path / "back.zip", seed_render.path.parent)
    assert made.render.reused and made.render.audio == seed_render.path
    folder = unzip_elsewhere(made.path, tmp_path / "phone")
    sheet = json.loads((folder / "back-strengthening.cues.json").read_text(encoding="utf-8"))
    assert sheet["duration"] > 15 * 60
    watched = open_page(browser, (folder / "index.html").as_uri())
    page = watched.page
    audio(page, "(a.muted = true)")
    assert abs(audio(page, "a.duration") - sheet["duration"]) < 0.1
    buttons = page.locator("#chapters button")
    assert buttons.count() == len(sheet["chapters"]) == 7
    for index, chapter in enumerate(sheet["chapters"]):
        assert abs(tap_and_seek(page, buttons.nth(index)) - chapter["start"]) < 0.1, chapter
        assert current_chapter(page) == chapter["title"]
    # less than 3 s into the closing (paused there): "Previous" goes back to the exercise before
    audio(page, "a.pause()")
    assert abs(tap_and_seek(page, page.locator("#previous"))
               - sheet["chapters"][-2]["start"]) < 0.1
    audio(page, "a.play()")
    wait_until(page, "document.getElementById('audio').currentTime > "
               f"{sheet['chapters'][-2]['start'] + 0.5}")
    assert watched.errors == []
    page.close()


def test_player_seeks_when_the_site_is_served_on_loopback(browser: Browser,
                                                          tmp_path: Path) -> None:
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "small.yaml").write_text(SMALL, encoding="utf-8")
    build_site(folder, tmp_path / "site", "https://example.org/")
    sheet = json.loads((tmp_path / "site" / "small" / "small.cues.json").read_text("utf-8"))
    server = make_server(tmp_path / "site", port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        watched = open_page(browser, f"http://127.0.0.1:{port}/small/")
        page = watched.page
        audio(page, "(a.muted = true)")
        assert abs(tap_and_seek(page, page.locator("#chapters button").nth(3))
                   - sheet["chapters"][3]["start"]) < 0.1
        assert current_chapter(page) == sheet["chapters"][3]["title"]
        assert watched.errors == []
        page.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_page_says_so_when_the_audio_is_not_beside_it(browser: Browser, small_bundle: Path,
                                                      tmp_path: Path) -> None:
    for name in ("index.html", "small.cues.json"):
        (tmp_path / name).write_bytes((small_bundle / name).read_bytes())
    page = browser.new_page(viewport=PHONE)
    page.goto((tmp_path / "index.html").as_uri())
    wait_until(page, "document.getElementById('audio').error !== null")
    assert "The audio file small.mp3 could not be played" in page.locator("#now-cue").inner_text()
    page.close()
