"""The player page in a real browser: Debian's headless Chromium, driven with Playwright.

Chromium is installed by ``scripts/setup.sh test`` (CI runs it); Playwright never downloads a
browser here, it drives /usr/bin/chromium (or $VOICEGUIDE_CHROMIUM).
"""

from __future__ import annotations

import json
import math
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page

from voiceguide import Options, Result
from voiceguide.script.cues import clock
from voiceguide.share.bundle import bundle, record_render, render_key
from voiceguide.share.serve import make_server
from voiceguide.share.site import build_site

from conftest import SEED, SMALL

PHONE = {"width": 390, "height": 844}


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
    page.on("response", lambda r: watched.requests.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
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


def remaining(total: float, t: float) -> str:
    """The page's "remaining": the rounded total less the rounded elapsed time, so that it shows
    the total at 0:00 (as ``preview`` rounds: half up)."""
    return clock(math.floor(total + 0.5) - math.floor(t + 0.5))


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
    assert page.locator("#remaining").inner_text() == clock(sheet["duration"])
    # readable on a phone: no sideways scrolling, tap targets at least 44 px tall
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for button in page.locator("button:visible").all():
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
    # the chapter starts with the rest during which the twist is announced and set up
    assert page.locator("#now-name").inner_text() == "Rest — next: Twist"
    audio(page, "a.pause()")
    # move the playhead into the middle of the third exercise: highlight, cue and times follow
    t = (chapters[3]["start"] + chapters[3]["end"]) / 2
    audio(page, f"(a.currentTime = {t}, a.dispatchEvent(new Event('timeupdate')))")
    wait_until(page, f"Math.abs(document.getElementById('audio').currentTime - {t}) < 0.05")
    assert current_chapter(page) == chapters[3]["title"]
    assert page.locator("#chapters button[aria-current='true']").count() == 1
    assert page.locator("#now-cue").inner_text() == cue_at(sheet, t)
    assert page.locator("#remaining").inner_text() == remaining(sheet["duration"], t)
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
        artwork = page.evaluate("navigator.mediaSession.metadata.artwork.map(a => a.src)")
        assert artwork == [f"http://127.0.0.1:{port}/small/cover.png"]  # the full-size cover
        assert watched.errors == [], watched.requests
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


# --- the "now" panel, keys, captions, resume, screenshots ---------------------------------------

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # git-ignored; kept for a person to see


def seek_paused(page: Page, t: float) -> None:
    """Pause, move the playhead to ``t`` and wait until the page has shown it."""
    audio(page, f"(a.pause(), a.currentTime = {t})")
    wait_until(page, f"Math.abs(document.getElementById('audio').currentTime - {t}) < 0.01")
    audio(page, "a.dispatchEvent(new Event('timeupdate'))")


def panel(page: Page) -> dict[str, str]:
    return {key: page.locator(f"#{key}").inner_text()
            for key in ("now-label", "now-name", "now-detail", "countdown", "upnext")}


def spans(sheet: dict[str, Any], kind: str, exercise: str | None = None) -> list[dict[str, Any]]:
    return [s for s in sheet["spans"] if s["kind"] == kind
            and (exercise is None or s["exercise"] == exercise)]


def test_the_spans_of_a_rendered_cue_sheet_line_up_with_its_speech(small_bundle: Path) -> None:
    """What the page shows comes from the spans: they must move with the audio (a lead-in or any
    other shift of the timeline moves them too)."""
    sheet = json.loads((small_bundle / "small.cues.json").read_text(encoding="utf-8"))
    speech = {round(s["start"], 3): s["text"] for s in sheet["segments"] if s["kind"] == "speech"}
    holds = spans(sheet, "hold")
    assert holds and all(speech.get(round(h["start"], 3)) == "Hold." for h in holds)
    reps = spans(sheet, "rep", "lift")
    assert [speech.get(round(r["start"], 3)) for r in reps] == ["1.", "2.", "Last one, 3."]
    for rest in spans(sheet, "rest"):
        assert speech.get(round(rest["start"], 3), "").startswith("Rest.")
        # the next exercise is announced during the rest; its work starts when the rest ends
        chapter = next(c for c in sheet["chapters"] if c["exercise"] == rest["next"])
        assert rest["start"] < chapter["start"] < rest["end"]
        work = [s["start"] for s in sheet["spans"] if s["exercise"] == rest["next"]
                and s["kind"] in ("rep", "timed")]
        assert rest["end"] <= min(work) + 1e-3


def test_now_panel_shows_exercise_rep_side_and_countdown_at_chosen_times(
        browser: Browser, small_bundle: Path) -> None:
    sheet = json.loads((small_bundle / "small.cues.json").read_text(encoding="utf-8"))
    watched = open_page(browser, (small_bundle / "index.html").as_uri())
    page = watched.page
    # 1.6 s into the hold of the second rep of "Leg lift": "Rep 2 of 3", 2 s of the hold left
    hold = spans(sheet, "hold", "lift")[1]
    assert hold["end"] - hold["start"] == pytest.approx(3, abs=0.01)
    seek_paused(page, hold["start"] + 1.6)
    shown = panel(page)
    assert shown["now-label"] == "EXERCISE 1 OF 3"  # CSS capitals; the text is "Exercise 1 of 3"
    assert shown["now-name"] == "Leg lift"
    assert shown["now-detail"] == "Rep 2 of 3"
    assert shown["countdown"] == "2"
    assert page.locator("#countdown-label").inner_text() == "seconds to hold"
    assert shown["upnext"] == "Up next: Twist — 2 each side"
    assert page.locator("#setup-steps li").all_inner_texts() == ["Lie down."]
    # the lock screen: the current exercise, the routine, the bundle's cover
    session = page.evaluate("(() => { const m = navigator.mediaSession.metadata; return "
                            "[m.title, m.artist, m.artwork.map(a => a.src)]; })()")
    assert session[:2] == ["Leg lift", "Small test routine"]
    # (from file://, where browsers refuse file: artwork, a small copy inlined in the page)
    assert len(session[2]) == 1 and session[2][0].startswith("data:image/png;base64,")
    # alternate sides: the left-side rep 2 of "Twist"
    left = [s for s in spans(sheet, "rep", "twist") if s["side"] == "left"][1]
    seek_paused(page, (left["start"] + left["end"]) / 2)
    assert panel(page)["now-detail"] == "Rep 2 of 2 · left side"
    # the rest before "Plank": what comes next and the seconds of rest left
    rest = spans(sheet, "rest", "twist")[0]
    assert rest["next"] == "plank"
    seek_paused(page, rest["start"] + 2.2)
    shown = panel(page)
    assert shown["now-name"] == "Rest — next: Plank"
    assert shown["upnext"] == ""  # Plank is the last exercise: nothing after it
    assert shown["countdown"] == str(math.ceil(rest["end"] - rest["start"] - 2.2))
    assert "resting" in str(page.locator("#now").get_attribute("class"))
    # the timed plank, on its left side, 5.5 s in: 12 s each side, 7 s left
    timed = next(s for s in spans(sheet, "timed", "plank") if s["side"] == "left")
    seek_paused(page, timed["start"] + 5.5)
    shown = panel(page)
    assert (shown["now-name"], shown["now-detail"], shown["countdown"]) == \
        ("Plank", "left side", "7")
    changeover = spans(sheet, "changeover", "plank")[0]
    seek_paused(page, changeover["start"] + 0.5)
    assert panel(page)["now-label"] == "SWITCH SIDES"
    assert watched.errors == []
    page.close()


def test_keyboard_captions_and_screen_reader_labels(browser: Browser, small_bundle: Path) -> None:
    sheet = json.loads((small_bundle / "small.cues.json").read_text(encoding="utf-8"))
    watched = open_page(browser, (small_bundle / "index.html").as_uri())
    page = watched.page
    audio(page, "(a.muted = true)")
    # one set of controls: no native player, the big button is the first Tab stop
    assert audio(page, "a.controls") is False
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "previous"
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press(" ")
    wait_until(page, "!document.getElementById('audio').paused")
    # the button follows the audio's 'play' event, which may come a moment after paused turns false
    wait_until(page, "document.getElementById('play').innerText === 'Pause'")
    assert page.locator("#play").inner_text() == "Pause"
    page.keyboard.press("k")
    wait_until(page, "document.getElementById('audio').paused")
    seek_paused(page, 20.0)
    page.keyboard.press("l")
    assert audio(page, "a.currentTime") == pytest.approx(30.0, abs=0.05)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("j")
    assert audio(page, "a.currentTime") == pytest.approx(10.0, abs=0.05)
    starts = [c["start"] for c in sheet["chapters"]]
    assert starts[1] < 10 < starts[2]
    page.keyboard.press("n")  # like a tap on a chapter, it plays from there
    audio(page, "a.pause()")
    assert audio(page, "a.currentTime") == pytest.approx(starts[2], abs=0.3)
    assert current_chapter(page) == sheet["chapters"][2]["title"]
    seek_paused(page, starts[2] + 1)
    page.keyboard.press("p")  # within 3 s of its start: the exercise before
    audio(page, "a.pause()")
    assert audio(page, "a.currentTime") == pytest.approx(starts[1], abs=0.3)
    # the transcript as a captions track, one cue per spoken segment
    speech = [s for s in sheet["segments"] if s["kind"] == "speech" and s["end"] > s["start"]]
    tracks = audio(page, "Array.from(a.textTracks).filter(t => t.mode !== 'disabled')"
                         ".map(t => [t.kind, t.cues.length])")
    assert tracks == [["captions", len(speech)]]
    # what a screen reader says for a chapter button: what each number is
    label = page.locator("#chapters button").nth(1).get_attribute("aria-label")
    chapter = sheet["chapters"][1]
    assert label == (f"{chapter['title']}, starts at {clock(chapter['start'])}, lasts "
                     f"{round(chapter['end'] - chapter['start'])} seconds")
    for button in page.locator(".controls button").all():
        assert button.get_attribute("aria-label")
    assert watched.errors == []
    page.close()


def test_position_survives_a_reload(browser: Browser, small_bundle: Path) -> None:
    sheet = json.loads((small_bundle / "small.cues.json").read_text(encoding="utf-8"))
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto((small_bundle / "index.html").as_uri())
    wait_until(page, "document.getElementById('audio').readyState >= 1")
    t = sheet["chapters"][3]["start"] + 2.5
    page.locator("#seek").evaluate(f"(s) => {{ s.value = '{t}'; "
                                   "s.dispatchEvent(new Event('input')); }")
    assert audio(page, "a.currentTime") == pytest.approx(t, abs=0.05)
    page.reload()
    wait_until(page, "document.getElementById('audio').readyState >= 1")
    wait_until(page, f"Math.abs(document.getElementById('audio').currentTime - {t}) < 0.05")
    assert page.locator("#resume").is_visible()
    assert page.locator("#resume-text").inner_text() == f"Resumed at {clock(t)}."
    assert page.locator("#now-name").inner_text() == "Rest — next: Plank"  # sets it up
    page.locator("#restart").click()
    assert audio(page, "a.currentTime") == pytest.approx(0, abs=0.05)
    context.close()


def open_sized(browser: Browser, archive: Path, tmp_path: Path, size: tuple[int, int]
               ) -> tuple[dict[str, Any], BrowserContext, Page]:
    """Unzip ``archive`` and open its page in a window of ``size``: its cue sheet, the context
    and the page, once the audio's length is known."""
    folder = unzip_elsewhere(archive, tmp_path / "phone")
    sheet = json.loads(next(folder.glob("*.cues.json")).read_text(encoding="utf-8"))
    context = Browser.new_context(browser, viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto((folder / "index.html").as_uri())
    wait_until(page, "document.getElementById('audio').readyState >= 1")
    return sheet, context, page


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_screenshots_of_the_seed_player(browser: Browser, seed_render: Result, tmp_path: Path,
                                       size: tuple[int, int]) -> None:
    """Screenshots a person can look at (tests/artifacts/, git-ignored): the start, a rep with
    a hold, and a rest, of the back routine."""
    record_render(seed_render, render_key(SEED, Options()))
    made = bundle(SEED, Options(), tmp_path / "back.zip", seed_render.path.parent)
    sheet, context, page = open_sized(browser, made.path, tmp_path, size)
    ARTIFACTS.mkdir(exist_ok=True)
    hold = spans(sheet, "hold", "back-stretch")[14]  # the left side's fourth rep
    rest = spans(sheet, "rest")[1]
    moments = {"start": 0.0, "hold": hold["start"] + 1.2, "rest": rest["start"] + 4.5}
    for name, t in moments.items():
        seek_paused(page, t)
        shot = ARTIFACTS / f"player-{size[0]}x{size[1]}-{name}.png"
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
        assert shot.stat().st_size > 10_000
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
        # the player fits on the first screen: the controls and the seek bar are visible
        box = page.locator("#seek").bounding_box()
        assert box is not None and box["y"] + box["height"] <= size[1]
    context.close()


def test_switching_level_keeps_the_exercise(browser: Browser,
                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("levels")
    source = root / "small.yaml"
    source.write_text(SMALL.replace("reps: 3", "reps: 2-4"), encoding="utf-8")
    made = bundle(source, Options(), root / "small.zip", root / "renders",
                  levels=("easy", "standard", "hard"))
    folder = unzip_elsewhere(made.path, root / "phone")
    sheets = {level: json.loads((folder / f"small-{level}.cues.json").read_text("utf-8"))
              for level in ("easy", "standard", "hard")}
    watched = open_page(browser, (folder / "index.html").as_uri())
    page = watched.page
    assert page.locator("#level-row").is_visible()
    options = page.locator("#level option").all_inner_texts()
    assert options == [f"{level.capitalize()} ({clock(sheets[level]['duration'])})"
                       for level in ("easy", "standard", "hard")]
    # the page opens on the standard level, not on the first listed
    assert page.locator("#level").input_value() == "1"
    assert audio(page, "a.getAttribute('src')") == "small-standard.mp3"
    assert page.locator("#total").inner_text() == clock(sheets["standard"]["duration"])
    page.locator("#level").select_option("0")
    wait_until(page, "document.getElementById('audio').getAttribute('src') === 'small-easy.mp3'")
    wait_until(page, "document.getElementById('audio').readyState >= 1")
    # during a rep of "Twist" at the easy level, switch to hard: the page plays hard's Twist
    twist = {level: next(c for c in sheet["chapters"] if c["exercise"] == "twist")
             for level, sheet in sheets.items()}
    assert twist["easy"]["start"] < twist["hard"]["start"]
    rep = spans(sheets["easy"], "rep", "twist")[1]
    seek_paused(page, (rep["start"] + rep["end"]) / 2)
    assert page.locator("#now-name").inner_text() == "Twist"
    page.locator("#level").select_option("2")
    wait_until(page, "document.getElementById('audio').getAttribute('src') === 'small-hard.mp3'")
    wait_until(page, "Math.abs(document.getElementById('audio').currentTime - "
                     f"{twist['hard']['start']}) < 0.05")
    # its chapter starts with its announcement, during the rest before it
    assert page.locator("#now-name").inner_text() in ("Twist", "Rest — next: Twist")
    assert page.locator("#total").inner_text() == clock(sheets["hard"]["duration"])
    assert current_chapter(page) == twist["hard"]["title"]
    # the level and place are remembered too
    page.reload()
    wait_until(page, "document.getElementById('audio').getAttribute('src') === 'small-hard.mp3'")
    wait_until(page, "Math.abs(document.getElementById('audio').currentTime - "
                     f"{twist['hard']['start']}) < 0.05")
    assert page.locator("#level").input_value() == "2"
    assert watched.errors == []
    page.close()


LONG = """\
title: Controls that stay put
intro: Welcome. Lie on a mat on the floor, with a cushion under your head if you like, and keep \
your phone where you can reach it without getting up.
exercises:
  - id: crunch
    name: Oblique crunch, lying on your back with your knees bent and your feet flat on the floor
    setup: Lie on your back on the mat, bend your knees, put your feet flat on the floor at hip \
width and rest your fingertips lightly behind your ears, elbows wide.
    reps: 2
    rep:
      - say: Curl up and turn.
        seconds: 2
      - hold: 2
      - say: Down.
        seconds: 1.5
  - id: bridge
    name: Single-leg glute bridge with the other knee pulled in towards the chest, held at the top
    rest: 8
    reps: 2
    sides: each
    rep:
      - say: Lift.
        seconds: 2
"""


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_the_controls_stay_in_place_whatever_the_panel_shows(
        browser: Browser, tmp_path: Path, size: tuple[int, int]) -> None:
    """A listener on the floor finds Play at the same place in every state: long names, a long
    setup and the rest before a long-named exercise do not push the controls down."""
    source = tmp_path / "long.yaml"
    source.write_text(LONG, encoding="utf-8")
    made = bundle(source, Options(), tmp_path / "long.zip", tmp_path / "renders")
    sheet, context, page = open_sized(browser, made.path, tmp_path, size)
    setup = next(s for s in sheet["segments"]
                 if s["kind"] == "speech" and s["text"].startswith("Lie on your back"))
    rep = spans(sheet, "rep", "crunch")[0]
    moments = {
        "intro": 1.0,
        "setup": setup["start"] + 0.3,
        "rep": (rep["start"] + rep["end"]) / 2,
        "hold": spans(sheet, "hold", "crunch")[1]["start"] + 0.5,
        "rest": spans(sheet, "rest", "crunch")[0]["start"] + 1.0,
        "switch": spans(sheet, "changeover", "bridge")[0]["start"] + 0.3,
        "end": sheet["duration"] - 0.2,
    }
    tops = {}
    ARTIFACTS.mkdir(exist_ok=True)
    for name, t in moments.items():
        seek_paused(page, t)
        box = page.locator("#play").bounding_box()
        assert box is not None
        tops[name] = box["y"]
        # the clamped texts stay inside the panel: its last line is not cut off
        now, last = page.locator("#now").bounding_box(), page.locator("#upnext").bounding_box()
        assert now is not None and last is not None
        assert last["y"] + last["height"] <= now["y"] + now["height"], name
        page.screenshot(path=str(ARTIFACTS / f"controls-{size[0]}x{size[1]}-{name}.png"))
    seek_paused(page, moments["rest"])
    assert page.locator("#now-name").inner_text().startswith("Rest — next: Single-leg")
    seek_paused(page, moments["setup"])
    assert "Lie on your back" in page.locator("#now-cue").inner_text()
    assert max(tops.values()) - min(tops.values()) <= 1, tops
    context.close()
