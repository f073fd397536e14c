"""How long the studio takes to show the preview of an edit, measured in a real browser.

Starts ``voiceguide studio`` on a scratch folder holding a copy of the seed template, opens it
in Debian's headless Chromium (Playwright, /usr/bin/chromium), and makes edits in the form as a
person would: numbers (the rest between exercises: no new phrase to speak) and names (an
exercise's name: new phrases, spoken in the background). For each edit the page notes the time
from the input event to the preview shown with every phrase measured (``window.studio``), which
includes the form's 200 ms pause for more typing. Prints the median and the range of each kind.

    python scripts/studio_bench.py [--edits 15] [--engine pyttsx3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from voiceguide.studio import server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("VOICEGUIDE_CHROMIUM", "/usr/bin/chromium")


def wait_until(page: Page, expression: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        time.sleep(0.01)


def after(page: Page, count: int) -> tuple[float, float]:
    """The times (ms) from the last edit to its first preview shown (lengths of new phrases
    still estimated) and to its exact one (every phrase measured)."""
    wait_until(page, f"window.studio.timings().length > {count} && "
               "window.studio.timings().at(-1).pending === 0 && "
               "!document.getElementById('preview-state').textContent")
    timings = page.evaluate("window.studio.timings()")
    mine = [t for t in timings[count:] if t["edit"] == timings[-1]["edit"]]
    return float(mine[0]["ms"]), float(next(t["ms"] for t in mine if t["pending"] == 0))


def measure(page: Page, selector: str, values: list[str]) -> list[tuple[float, float]]:
    times = []
    for value in values:
        count = int(page.evaluate("window.studio.timings().length"))
        page.fill(selector, value)
        times.append(after(page, count))
        time.sleep(0.3)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=15, help="edits of each kind (default 15)")
    parser.add_argument("--engine", help="speech engine (default: auto, as the studio)")
    args = parser.parse_args()
    if args.engine:
        os.environ["VOICEGUIDE_ENGINE"] = args.engine
    with tempfile.TemporaryDirectory(prefix="voiceguide-studio-bench-") as scratch:
        folder = Path(scratch) / "routines"
        folder.mkdir()
        shutil.copy(ROOT / "templates" / "back-strengthening.yaml", folder)
        os.environ.setdefault("VOICEGUIDE_CACHE_DIR", str(Path(scratch) / "cache"))
        running = server.start(folder)
        engine = running.studio.speaker.speech("en")[0].id
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=["--headless", "--no-sandbox"])
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                page.goto(running.url + "#/edit/back-strengthening.yaml")
                wait_until(page, "document.getElementById('total').dataset.seconds", 900)
                wait_until(page, "!document.getElementById('preview-state').textContent", 900)
                page.click("[data-path='exercises.0'] > .item-head > .fold")
                rest = measure(page, "[data-path='defaults.rest'] input",
                               [str(21 + i) for i in range(args.edits)])
                names = measure(page, "[data-path='exercises.0.name'] input",
                                [f"Knee hug {i}" for i in range(args.edits)])
                browser.close()
        finally:
            running.stop()
    print(f"voiceguide studio: time from an edit in the form to its exact preview "
          f"(seed template, engine {engine}, {args.edits} edits of each kind; includes the "
          "200 ms typing pause)")
    for label, pairs in (("a number (rest), no new phrase", rest),
                         ("a name (new phrases spoken)", names)):
        for which, times in (("first", [p[0] for p in pairs]), ("exact", [p[1] for p in pairs])):
            print(f"  {label:<32} {which} preview: median {statistics.median(times):5.0f} ms"
                  f"   min {min(times):5.0f} ms   max {max(times):5.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
