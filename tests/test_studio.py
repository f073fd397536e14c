"""voiceguide studio in a real browser (Debian's headless Chromium, driven with Playwright), and
its safety checks over plain HTTP.

Screenshots at phone and desktop width go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from voiceguide.format.load import load_routine
from voiceguide.studio import server

from audio_checks import RATE, decode
from conftest import ROOT, SEED

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[server.Running]:
    folder = tmp_path / "routines"
    folder.mkdir()
    running = server.start(folder)
    yield running
    running.stop()


def wait_until(page: Page, expression: str, timeout: float = 30.0) -> None:
    """Poll ``expression`` (no wait_for_function: the page's CSP refuses 'unsafe-eval')."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


def field(path: str) -> str:
    return f"[data-path='{path}']"


def checked(page: Page) -> int:
    return int(page.evaluate("() => Number(document.body.dataset.checked || 0)"))


def edit(page: Page, selector: str, value: str) -> None:
    """Type into a form field and wait for the preview of that edit."""
    before = checked(page)
    page.fill(selector, value)
    wait_until(page, f"Number(document.body.dataset.checked || 0) > {before}")


def issue_text(page: Page, path: str) -> str:
    return page.locator(f"{field(path)} > .issues, {field(path)} > .item-body > .issues"
                        ).inner_text()


def decoded_seconds(path: Path) -> float:
    """The file's length as ffmpeg decodes it (samples counted, not the header's estimate)."""
    return float(decode(path).size / RATE)


def open_studio(browser: Browser, running: server.Running, viewport: dict[str, int]
                ) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport=viewport, accept_downloads=True)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(running.url)
    wait_until(page, "document.querySelectorAll('#templates .card').length > 0")
    return page, errors


def test_a_routine_made_with_the_form_only_renders_plays_and_downloads(
        browser: Browser, studio: server.Running) -> None:
    page, errors = open_studio(browser, studio, DESKTOP)
    assert "token" not in page.url  # the token left the address bar for a cookie
    page.fill("#new-title", "Two moves")
    page.click("text=New from scratch")
    wait_until(page, "document.getElementById('total').dataset.seconds")
    assert page.locator("#file-name").inner_text() == "two-moves.yaml"
    first_total = float(page.locator("#total").get_attribute("data-seconds") or 0)
    assert first_total > 30  # the 30-second exercise of a new routine, with its words

    # a second exercise: every problem is shown at its field at once (the loader reports
    # them all), and each is fixed there
    before = checked(page)
    page.click("text=+ Add exercise")
    wait_until(page, f"Number(document.body.dataset.checked || 0) > {before}")
    assert page.locator("#validity").inner_text() == "3 errors"
    assert "'exercises[2].id' is empty" in issue_text(page, "exercises.1.id")
    assert "'exercises[2].name' is empty" in issue_text(page, "exercises.1.name")
    assert "neither 'reps' nor 'duration'" in issue_text(page, "exercises.1")
    before = checked(page)
    page.locator(f"{field('exercises.1')} select.kind").select_option(label="duration")
    wait_until(page, f"Number(document.body.dataset.checked || 0) > {before}")
    assert page.locator("#validity").inner_text() == "2 errors"
    edit(page, f"{field('exercises.1.duration')} input", "20")
    edit(page, f"{field('exercises.1.id')} input", "wall-sit")
    assert issue_text(page, "exercises.1.id") == ""
    edit(page, f"{field('exercises.1.name')} input", "Wall sit")
    wait_until(page, "document.getElementById('validity').textContent === 'valid'")
    wait_until(page, "!document.getElementById('preview-state').textContent")
    total = float(page.locator("#total").get_attribute("data-seconds") or 0)
    assert total > first_total + 20
    head = page.locator(f"{field('exercises.1')} .item-title")
    assert head.inner_text() == "Exercise 2: Wall sit"  # the title follows the name typed
    titles = page.locator("#timeline .what").all_inner_texts()
    assert titles[1:3] == ["1. First exercise — 30 s", "2. Wall sit — 20 s"]
    assert page.locator("[data-length='exercises.1']").inner_text() != ""

    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the preview column is sticky: shot from the top
    page.screenshot(path=str(ARTIFACTS / "studio-editor-desktop.png"), full_page=True)
    page.click("#tab-yaml")
    yaml_text = page.locator("#yaml").input_value()
    assert "  - id: wall-sit\n    name: Wall sit\n    duration: 20\n" in yaml_text
    page.click("#tab-form")

    # render (saving first), play in the bundles' player, download the MP3
    page.click("#render")
    wait_until(page, "document.getElementById('render-result').dataset.duration", 120)
    assert page.locator("#status").inner_text() == "Saved"
    routine = load_routine(studio.studio.folder.root / "two-moves.yaml")
    assert [e.id for e in routine.exercises] == ["first-exercise", "wall-sit"]
    frame = page.frame_locator("#player")
    frame.locator("#chapters button").first.wait_for()
    player = page.frames[1]
    wait_until(player, "document.getElementById('audio').readyState >= 1")
    assert abs(player.evaluate("document.getElementById('audio').duration") - total) < 0.1
    player.evaluate("(() => { const a = document.getElementById('audio'); a.muted = true; "
                    "a.play(); })()")
    wait_until(player, "document.getElementById('audio').currentTime > 0.5")
    with page.expect_download() as download:
        page.click("#download-audio")
    mp3 = Path(download.value.path())
    assert abs(decoded_seconds(mp3) - total) < 0.05
    rendered = float(page.locator("#render-result").get_attribute("data-duration") or 0)
    assert abs(rendered - total) < 0.002  # the preview's lengths are the render's
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "studio-render-desktop.png"), full_page=True)
    assert errors == []
    page.close()


def test_a_template_copy_keeps_its_comments_and_edits_survive_a_reload(
        browser: Browser, studio: server.Running) -> None:
    page, errors = open_studio(browser, studio, PHONE)
    wait_until(page, "![...document.querySelectorAll('#templates .length')]"
               ".some((e) => e.textContent === '…')", 60)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "studio-library-phone.png"))
    page.locator("#templates .card[data-name='back-strengthening'] button").click()
    wait_until(page, "document.getElementById('total').dataset.seconds", 60)
    edit(page, f"{field('defaults.rest')} input", "25")
    # the template's five exercises start folded: unfold the first one
    assert not page.locator(f"{field('exercises.0.name')} input").is_visible()
    page.click(f"{field('exercises.0')} > .item-head > .fold")
    edit(page, f"{field('exercises.0.name')} input", "Knees to chest")
    assert page.locator("#status").inner_text() == "Unsaved changes"
    page.screenshot(path=str(ARTIFACTS / "studio-editor-phone.png"))
    page.locator("#total").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "studio-preview-phone.png"))

    # unsaved edits survive a reload
    page.reload()
    wait_until(page, "document.getElementById('total').dataset.seconds", 60)
    assert page.locator(f"{field('exercises.0.name')} input").input_value() == "Knees to chest"
    page.click(f"{field('exercises.0')} > .item-head > .fold")
    assert "restored" in page.locator("#notice").inner_text()

    # an edit in the YAML view reaches the form
    page.click("#tab-yaml")
    yaml_text = page.locator("#yaml").input_value()
    before = checked(page)
    page.fill("#yaml", yaml_text.replace("rest: 25 ", "rest: 24 "))
    wait_until(page, f"Number(document.body.dataset.checked || 0) > {before}")
    page.click("#tab-form")
    assert page.locator(f"{field('defaults.rest')} input").input_value() == "24"
    edit(page, f"{field('defaults.rest')} input", "25")

    page.click("#save")
    wait_until(page, "document.getElementById('status').textContent === 'Saved'")
    saved = (studio.studio.folder.root / "back-strengthening.yaml").read_text(encoding="utf-8")
    template = SEED.read_text(encoding="utf-8")
    comments = [line.strip() for line in template.splitlines() if line.strip().startswith("#")]
    assert comments and all(c in saved for c in comments)
    assert "rest: 25              # seconds of rest between exercises" in saved
    assert "name: Knees to chest" in saved
    changed = [(a, b) for a, b in zip(template.splitlines(), saved.splitlines()) if a != b]
    assert len(changed) == 2 and len(saved.splitlines()) == len(template.splitlines())

    # changed on disk meanwhile: saving refuses and says so, nothing is overwritten
    # (edited first: an unedited page would simply load the new version, polling every 4 s)
    path = studio.studio.folder.root / "back-strengthening.yaml"
    edit(page, f"{field('exercises.0.name')} input", "Mine")
    path.write_text(saved.replace("Knees to chest", "Changed elsewhere"), encoding="utf-8")
    page.click("#save")
    wait_until(page, "document.getElementById('notice').textContent.includes('changed on disk')")
    assert page.locator("#status").inner_text() == "Unsaved changes"
    assert "Changed elsewhere" in path.read_text(encoding="utf-8")
    assert [e for e in errors if "409 (Conflict)" not in e] == []
    page.close()


def request(running: server.Running, path: str, headers: dict[str, str] | None = None,
            body: Any = None) -> int:
    base = running.url.split("/?")[0]
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json"} if body is not None else {}
    req = urllib.request.Request(base + path, data=data, headers={**all_headers,
                                                                    **(headers or {})})
    try:
        with urllib.request.urlopen(req) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_requests_without_the_token_or_from_another_site_are_refused(
        studio: server.Running) -> None:
    token = studio.studio.token
    port = studio.studio.port
    cookie = f"{studio.studio.cookie}={token}"
    good = {"X-Studio-Token": token}
    assert request(studio, "/api/library", good) == 200
    assert request(studio, "/api/library", {"Cookie": cookie}) == 200
    assert request(studio, "/api/library") == 403
    assert request(studio, "/api/library", {"X-Studio-Token": "wrong"}) == 403
    assert request(studio, "/", {"Cookie": f"{studio.studio.cookie}=wrong"}) == 403
    assert request(studio, "/static/app.js") == 403
    # a page elsewhere (CSRF), or a rebound name (DNS rebinding), with the token or cookie
    assert request(studio, "/api/library", {**good, "Origin": "https://evil.example"}) == 403
    assert request(studio, "/api/library", {**good, "Host": f"evil.example:{port}"}) == 403
    assert request(studio, "/api/library", {"Cookie": cookie,
                                            "Sec-Fetch-Site": "cross-site"}) == 403
    # another port of 127.0.0.1 is the same site: its pages get the cookie, never an answer
    assert request(studio, "/api/library", {"Cookie": cookie,
                                            "Sec-Fetch-Site": "same-site"}) == 403
    assert request(studio, "/play/x/", {"Cookie": cookie, "Sec-Fetch-Site": "same-site"}) == 403
    assert request(studio, "/api/library", {"Cookie": cookie,
                                            "Sec-Fetch-Site": "same-origin"}) == 200
    assert request(studio, "/", {"Cookie": cookie, "Sec-Fetch-Site": "none"}) == 200
    new = {"title": "From elsewhere"}
    assert request(studio, "/api/new", {"Cookie": cookie}, new) == 403  # no header
    assert request(studio, "/api/new", {**good, "Origin": "null"}, new) == 403
    assert list(studio.studio.folder.root.iterdir()) == []
    assert request(studio, "/api/new", {**good, "Origin": f"http://127.0.0.1:{port}"},
                   new) == 200
    # no path outside the folder, not even through a link
    outside = studio.studio.folder.root.parent / "secret.yaml"
    outside.write_text("title: secret\n", encoding="utf-8")
    (studio.studio.folder.root / "link.yaml").symlink_to(outside)
    for name in ("../secret.yaml", "link.yaml", "/etc/passwd", "sub/x.yaml"):
        assert request(studio, f"/api/routine?name={urllib.request.quote(name)}", good) == 400
        assert request(studio, "/api/trash", good, {"name": name}) == 400
    assert outside.is_file()
    assert request(studio, "/download/..%2Fsecret.yaml", good) in (400, 404)
    # the same limit as the CLI: a routine of more than 1 MB is refused
    big = {"name": "big.yaml", "text": "title: x\n" + "#" * 1_100_000, "base_hash": None}
    assert request(studio, "/api/save", good, big) == 400


def new_from_scratch(browser: Browser, running: server.Running, title: str
                     ) -> tuple[Page, list[str]]:
    """The studio at phone width with a new routine of ``title`` open, previewed."""
    page, errors = open_studio(browser, running, PHONE)
    page.fill("#new-title", title)
    page.click("text=New from scratch")
    wait_until(page, "document.getElementById('total').dataset.seconds")
    return page, errors


def test_a_whole_number_typed_in_a_range_field_is_that_number(browser: Browser,
                                                                studio: server.Running) -> None:
    """Reps start as a range (10-12) in a new exercise: typing 10 there means 10 reps."""
    page, errors = new_from_scratch(browser, studio, "Counted")
    before = checked(page)
    page.locator(f"{field('exercises.0')} select.kind").select_option(label="reps")
    wait_until(page, f"Number(document.body.dataset.checked || 0) > {before}")
    edit(page, f"{field('exercises.0.reps')} input", "10")
    assert issue_text(page, "exercises.0.reps") == ""
    assert "    reps: 10\n" in page.evaluate("window.studio.state.text")
    edit(page, f"{field('exercises.0.reps')} input", "8-10")
    assert issue_text(page, "exercises.0.reps") == ""
    assert "    reps: 8-10\n" in page.evaluate("window.studio.state.text")
    assert errors == []
    page.close()


def test_a_message_is_seen_from_the_bottom_of_the_page(browser: Browser,
                                                       studio: server.Running) -> None:
    """Render, variant and site sit low on a phone: their message shows in the view."""
    page, errors = new_from_scratch(browser, studio, "Far down")
    edit(page, f"{field('title')} input", "")
    page.locator("#render").scroll_into_view_if_needed()
    page.click("#render")
    wait_until(page, "!document.getElementById('notice').hidden")
    assert "Fix the errors first" in page.locator("#notice").inner_text()
    box = page.locator("#notice").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert errors == []
    page.close()


SMALL_TWO = """\
# Two exercises for the library tests.
title: Library test
exercises:
  - id: squat
    name: Squat
    reps: 3-5
    rep:
      - say: Down.
        seconds: 1
  - id: plank
    name: Plank
    duration: 5
"""


def test_library_duplicate_delete_variant_and_bundle(browser: Browser,
                                                     studio: server.Running) -> None:
    root = studio.studio.folder.root
    (root / "legs.yaml").write_text(SMALL_TWO, encoding="utf-8")
    page, errors = open_studio(browser, studio, DESKTOP)
    wait_until(page, "document.querySelector('#routines .card[data-name=\"legs.yaml\"] .length')"
               "?.textContent.includes(':')")
    page.locator("#routines .card[data-name='legs.yaml'] >> text=Duplicate").click()
    wait_until(page, "document.querySelector('#routines .card[data-name=\"legs-copy.yaml\"]')")
    assert (root / "legs-copy.yaml").read_text(encoding="utf-8") == SMALL_TWO
    page.locator("#routines .card[data-name='legs-copy.yaml'] >> text=Delete").click()
    wait_until(page, "!document.querySelector('#routines .card[data-name=\"legs-copy.yaml\"]')")
    assert not (root / "legs-copy.yaml").exists()
    assert (root / ".trash" / "legs-copy.yaml").read_text(encoding="utf-8") == SMALL_TWO

    # customize for a client: easy, without the plank; saved as a variant with its own title
    page.locator("#routines .card[data-name='legs.yaml'] >> text=Open").click()
    wait_until(page, "document.getElementById('total').dataset.seconds")
    full = float(page.locator("#total").get_attribute("data-seconds") or 0)
    before = checked(page)
    page.select_option("#level", "easy")
    page.get_by_label("Keep Plank").uncheck()
    wait_until(page, f"Number(document.body.dataset.checked || 0) > {before + 1}")
    wait_until(page, f"Number(document.getElementById('total').dataset.seconds) < {full - 5}")
    page.fill("#variant-title", "Legs for Anna")
    page.click("text=Save variant")
    wait_until(page, "document.getElementById('notice').textContent.includes('legs-for-anna')")
    variant = load_routine(root / "legs-for-anna.yaml")
    assert variant.title == "Legs for Anna"
    assert [(e.id, str(e.reps)) for e in variant.exercises] == [("squat", "3")]
    assert "# Two exercises for the library tests." in (root / "legs-for-anna.yaml").read_text(
        encoding="utf-8")

    # a bundle of the customized routine, with a progress bar while it renders
    page.click("#bundle")
    wait_until(page, "document.querySelector('#render-result a[href$=\".zip\"]')", 120)
    with page.expect_download() as download:
        page.locator("#render-result a[href$='.zip']").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        names = set(archive.namelist())
    assert {"index.html", "manifest.json", "legs.mp3", "legs.yaml"} <= names
    page.set_viewport_size(PHONE)
    page.locator("#render").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "studio-share-phone.png"))
    assert errors == []
    page.close()


def test_the_command_prints_its_address_and_serves_only_with_the_token(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "from voiceguide.cli import main; main()", "studio",
         str(tmp_path), "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        url = lines[1].split()[1]
        assert url.startswith("http://127.0.0.1:") and "/?token=" in url
        base = url.split("/?")[0]
        # the first load trades the token for a cookie, as a browser keeps it
        browser_like = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser_like.open(url) as response:
            assert response.status == 200 and response.url == base + "/"
            assert "voiceguide studio" in response.read().decode()
        with browser_like.open(base + "/api/library") as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/api/library")
        assert refused.value.code == 403
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    missing = subprocess.run([sys.executable, "-c", "from voiceguide.cli import main; main()",
                              "studio", str(tmp_path / "nowhere"), "--no-browser"],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert "is not a folder" in missing.stderr and "Traceback" not in missing.stderr


BLOCKS = """\
title: Blocks
phrases:
  begin: Go.
exercises:
  - id: warm
    name: Warm up
    duration: 10
  # the circuit
  - block: Circuit
    rounds: 2
    exercises:
      - id: squat
        name: Squat
        duration: 5
"""


def test_the_form_follows_the_schema_it_is_given(browser: Browser, studio: server.Running,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Constructs the format is growing (blocks among the exercises, phrase overrides keyed by
    an enum) are drawn from the schema alone, and edits reach the YAML with its comments."""
    from voiceguide.format.schema import json_schema
    from voiceguide.studio import schema as studio_schema

    grown: dict[str, Any] = json.loads(json.dumps(json_schema()))
    grown["$defs"]["block"] = {
        "type": "object", "title": "Block", "additionalProperties": False,
        "required": ["block", "exercises"],
        "properties": {"block": {"type": "string", "minLength": 1},
                       "rounds": {"type": "integer", "minimum": 1, "maximum": 100},
                       "exercises": {"type": "array", "minItems": 1,
                                     "items": {"$ref": "#/$defs/exercise"}}}}
    grown["properties"]["exercises"]["items"] = {
        "oneOf": [{"$ref": "#/$defs/exercise"}, {"$ref": "#/$defs/block"}]}
    grown["properties"]["phrases"] = {
        "type": "object", "propertyNames": {"enum": ["begin", "rest", "hold"]},
        "additionalProperties": {"type": "string", "minLength": 1}}
    monkeypatch.setattr(studio_schema, "routine_schema", lambda: grown)
    (studio.studio.folder.root / "blocks.yaml").write_text(BLOCKS, encoding="utf-8")
    page, _ = open_studio(browser, studio, DESKTOP)
    page.goto(studio.url.split("/?")[0] + "/#/edit/blocks.yaml")
    wait_until(page, "Number(document.body.dataset.checked || 0) > 0")
    heads = page.locator("[data-path='exercises'] > .items > .item > .item-head .item-title")
    assert heads.all_inner_texts() == ["Exercise 1: Warm up", "Block 2: Circuit"]
    assert page.locator(f"{field('exercises.1.rounds')} input").input_value() == "2"
    assert page.locator(f"{field('phrases.begin')} input").input_value() == "Go."
    edit(page, f"{field('exercises.1.exercises.0.name')} input", "Deep squat")
    before = checked(page)
    page.locator(f"{field('phrases')} .add-field").select_option("rest")
    wait_until(page, f"Number(document.body.dataset.checked || 0) > {before}")
    edit(page, f"{field('phrases.rest')} input", "Breathe. Next: {next}.")
    text = page.evaluate("window.studio.state.text")
    assert "  # the circuit\n  - block: Circuit\n" in text
    assert "      - id: squat\n        name: Deep squat\n" in text
    assert "phrases:\n  begin: Go.\n  rest: 'Breathe. Next: {next}.'\n" in text
    page.close()


def test_warnings_and_errors_are_placed_at_their_fields() -> None:
    from voiceguide.studio.preview import Speaker, check

    speaker = Speaker()
    try:
        text = ("title: W\ndefaults:\n  rest: 1\nexercises:\n  - id: a\n    name: A\n"
                "    duration: 10\n  - id: b\n    name: B, a long name to announce\n"
                "    reps: 2\n    rep:\n      - say: Hold.\n        seconds: 2\n"
                "      - say: A cue far too long to be said in one second.\n"
                "        seconds: 1\n")
        found = check(text, "w.yaml", speaker, wait=30, data=False)
        assert found["preview"]["pending"] == 0
        paths = {tuple(i["path"]) for i in found["issues"] if i["level"] == "warning"}
        assert paths == {("exercises", 0), ("exercises", 1, "rep", 1)}
        broken = text.replace("reps: 2", "reps: 0").replace("name: A\n", "name: ''\n")
        errors = check(broken, "w.yaml", speaker, data=False)["issues"]
        assert [(tuple(e["path"]), e["line"]) for e in errors] == [
            (("exercises", 0, "name"), 6), (("exercises", 1, "reps"), 10)]
    finally:
        speaker.close()


def test_form_edits_keep_the_files_layout_and_comments() -> None:
    from voiceguide.studio.files import load_doc, plain, with_data

    text = SEED.read_text(encoding="utf-8")
    data = plain(load_doc(text))
    exercises = data["exercises"]
    exercises[0], exercises[1] = exercises[1], exercises[0]  # moved with the arrows
    data["defaults"]["rest"] = 30
    changed = with_data(text, data)
    template_lines, changed_lines = text.splitlines(), changed.splitlines()
    assert sorted(template_lines) != sorted(changed_lines)
    assert sorted(t for t in template_lines if "rest: 20" not in t) == sorted(
        c for c in changed_lines if "rest: 30" not in c)  # the same lines, two moved blocks
    assert changed.index("id: oblique-crunch") < changed.index("id: general-back-stretch")
    assert with_data(text, plain(load_doc(text))) == text  # nothing changed: byte for byte


def test_the_folders_podcast_site_is_rebuilt(studio: server.Running) -> None:
    root = studio.studio.folder.root
    (root / "tiny.yaml").write_text("title: Tiny\nexercises:\n  - id: a\n    name: A\n"
                                    "    duration: 5\n", encoding="utf-8")
    token = {"X-Studio-Token": studio.studio.token, "Content-Type": "application/json"}
    base = studio.url.split("/?")[0]

    def call(path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        with urllib.request.urlopen(urllib.request.Request(base + path, data, token)) as reply:
            return json.loads(reply.read())

    job = call("/api/site", {"base_url": "https://example.org/r/", "title": "Mine"})
    deadline = time.monotonic() + 120
    while job["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.3)
        job = call(f"/api/job/{job['id']}")
    assert job["state"] == "done", job
    assert job["result"]["rendered"] == ["tiny"]
    feed = (root / "site" / "feed.xml").read_text(encoding="utf-8")
    assert "<title>Mine</title>" in feed and "https://example.org/r/tiny/tiny.mp3" in feed
    assert decoded_seconds(root / "site" / "tiny" / "tiny.mp3") > 5
    job = call("/api/site", {"base_url": "javascript:alert(1)"})
    while job["state"] == "running":
        time.sleep(0.1)
        job = call(f"/api/job/{job['id']}")
    assert job["state"] == "failed" and "is not the web address" in job["error"]
