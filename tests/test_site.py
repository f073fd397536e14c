"""The library site: its podcast feed checked against the RSS, iTunes and Podcasting 2.0 rules,
rebuilds that touch nothing, and the loopback server answering real requests."""

from __future__ import annotations

import json
import re
import shutil
import threading
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from voiceguide.share.serve import make_server
from voiceguide.share.site import Channel, Site, build_site, feed_xml, index_page, podcast_guid

from audio_checks import RATE, decode
from audio_checks import chapters as chapters_of
from conftest import SMALL, run_cli

BASE = "https://example.org/coach/"
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
      "podcast": "https://podcastindex.org/namespace/1.0"}
ROUTINES = {
    "small.yaml": SMALL,
    "Second Routine.yaml": SMALL.replace("Small test routine", "Second routine")
                                .replace("reps: 3", "reps: 2"),
    "third.yaml": SMALL.replace("Small test routine", "Third routine & more")
                       .replace("duration: 12", "duration: 10"),
}


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
            for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Site]:
    """A folder of three routines, and the site built from it once."""
    root = tmp_path_factory.mktemp("library")
    folder = root / "routines"
    folder.mkdir()
    for name, text in ROUTINES.items():
        (folder / name).write_text(text, encoding="utf-8")
    site = build_site(folder, root / "site", BASE.rstrip("/"),
                      channel=Channel(owner_email="coach@example.org"))
    return folder, root / "site", site


def local(site: Path, url: str) -> Path:
    assert url.startswith(BASE), url
    return site / url[len(BASE):].replace("%20", " ")


def test_feed_follows_the_rss_itunes_and_podcasting_rules(library: tuple[Path, Path, Site]
                                                          ) -> None:
    _, site, _ = library
    text = (site / "feed.xml").read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    rss = ET.fromstring(text)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    for prefix, uri in NS.items():
        assert f'xmlns:{prefix}="{uri}"' in text
    channel = rss.find("channel")
    assert channel is not None
    for tag in ("title", "link", "description", "language"):
        assert (channel.findtext(tag) or "").strip(), tag
    assert channel.findtext("link") == BASE
    assert channel.findtext("itunes:author", namespaces=NS) == "Test Author"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    category = channel.find("itunes:category", NS)
    assert category is not None and category.get("text") == "Health & Fitness"
    items = channel.findall("item")
    assert sorted(i.findtext("title") or "" for i in items) == [
        "Second routine", "Small test routine", "Third routine & more"]
    guids = set()
    for item in items:
        assert (item.findtext("description") or "").count("exercises: Leg lift; Twist; Plank")
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false" and guid.text
        guids.add(guid.text)
        parsedate_to_datetime(item.findtext("pubDate") or "")  # RFC 822, or it raises
        enclosure = item.find("enclosure")
        assert enclosure is not None and enclosure.get("type") == "audio/mpeg"
        audio = local(site, enclosure.get("url") or "")
        assert audio.suffix == ".mp3"
        assert int(enclosure.get("length") or 0) == audio.stat().st_size
        duration = item.findtext("itunes:duration", namespaces=NS) or ""
        assert re.fullmatch(r"\d\d:[0-5]\d:[0-5]\d", duration)
        hours, minutes, seconds = map(int, duration.split(":"))
        measured = decode(audio).size / RATE
        assert abs(hours * 3600 + minutes * 60 + seconds - measured) <= 0.5 + 1e-6
        chapters = item.find("podcast:chapters", NS)
        assert chapters is not None and chapters.get("type") == "application/json+chapters"
        doc = json.loads(local(site, chapters.get("url") or "").read_text(encoding="utf-8"))
        assert doc["version"] == "1.2.0"
        starts = [c["startTime"] for c in doc["chapters"]]
        assert starts == sorted(starts) and starts[0] == 0
        # the JSON chapters are the MP3's own chapters (titles, starts to the millisecond)
        found = chapters_of(audio)
        assert [c["title"] for c in doc["chapters"]] == [c.title for c in found]
        assert starts == pytest.approx([c.start for c in found], abs=0.001)
        assert doc["chapters"][1]["title"].startswith("1. Leg lift")
        assert (item.findtext("link") or "").endswith("/")
        assert local(site, item.findtext("link") or "").joinpath("index.html").is_file()
    assert len(guids) == 3


def test_rebuilding_an_unchanged_library_renders_and_writes_nothing(
        library: tuple[Path, Path, Site]) -> None:
    folder, site, first = library
    assert len(first.rendered) == 3
    before = snapshot(site)
    feed = (site / "feed.xml").read_bytes()
    again = build_site(folder, site, BASE, channel=Channel(owner_email="coach@example.org"))
    assert again.rendered == () and again.written == ()
    assert snapshot(site) == before
    assert (site / "feed.xml").read_bytes() == feed  # same GUIDs and publication dates


def test_changing_one_routine_renders_only_it_and_keeps_the_others_guids(
        library: tuple[Path, Path, Site], tmp_path: Path) -> None:
    folder = shutil.copytree(library[0], tmp_path / "routines")
    site = shutil.copytree(library[1], tmp_path / "site")
    old = ET.fromstring((site / "feed.xml").read_text(encoding="utf-8"))
    (folder / "third.yaml").write_text(ROUTINES["third.yaml"].replace("reps: 2", "reps: 1"),
                                       encoding="utf-8")
    built = build_site(folder, site, BASE)
    assert built.rendered == ("third",)
    new = ET.fromstring((site / "feed.xml").read_text(encoding="utf-8"))

    def by_title(rss: ET.Element) -> dict[str, tuple[str, str]]:
        return {i.findtext("title") or "": (i.findtext("guid") or "", i.findtext("pubDate") or "")
                for i in rss.iter("item")}

    before, after = by_title(old), by_title(new)
    assert after["Small test routine"] == before["Small test routine"]
    assert after["Second routine"] == before["Second routine"]
    assert after["Third routine & more"][0] != before["Third routine & more"][0]
    assert new.findall("channel/item")[0].findtext("title") == "Third routine & more"  # newest


def test_index_page_lists_each_routine_with_its_length_and_exercises(
        library: tuple[Path, Path, Site]) -> None:
    _, site, built = library
    page = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="feed.xml"' in page
    for episode in built.episodes:
        assert f'href="{episode.slug}/"' in page
        minutes, seconds = divmod(round(episode.duration), 60)
        assert f"{minutes}:{seconds:02d} · 3 exercises · Test Author" in page
    assert "Third routine &amp; more" in page and page.count(
        '<ol class="exercises"><li>Leg lift</li><li>Twist</li><li>Plank</li></ol>') == 3
    assert {e.slug for e in built.episodes} == {"small", "second-routine", "third"}


def test_names_holding_commas_are_listed_unambiguously_and_once(
        library: tuple[Path, Path, Site]) -> None:
    _, _, built = library
    episode = built.episodes[0]
    named = replace(episode.routine, description=None, exercises=tuple(
        replace(e, name=f"{e.name}, lying on your back") for e in episode.routine.exercises))
    page = index_page([replace(episode, routine=named)], Channel(), BASE)
    assert ('<ol class="exercises"><li>Leg lift, lying on your back</li>'
            "<li>Twist, lying on your back</li><li>Plank, lying on your back</li></ol>") in page
    item = ET.fromstring(feed_xml([replace(episode, routine=named)], Channel(), BASE))
    assert (item.findtext("channel/item/description") or "").endswith(
        "exercises: Leg lift, lying on your back; Twist, lying on your back; "
        "Plank, lying on your back.")
    # a variant's description (customize) names its exercises: they are not listed again
    variant = replace(named, description="Adapted from 'Small': 3 exercises (Leg lift, lying on "
                      "your back; Twist, lying on your back; Plank, lying on your back).")
    page = index_page([replace(episode, routine=variant)], Channel(), BASE)
    item = ET.fromstring(feed_xml([replace(episode, routine=variant)], Channel(), BASE))
    assert page.count("Twist, lying on your back") == 1
    assert (item.findtext("channel/item/description") or "").count("Twist, lying") == 1


def test_server_answers_on_loopback_with_byte_ranges(library: tuple[Path, Path, Site]) -> None:
    _, site, _ = library
    server = make_server(site, port=0, quiet=True)
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url + "feed.xml", timeout=10) as response:
            assert response.status == 200
            assert response.read() == (site / "feed.xml").read_bytes()
        audio = (site / "small" / "small.mp3").read_bytes()
        request = urllib.request.Request(url + "small/small.mp3",
                                         headers={"Range": "bytes=1000-1999"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 206
            assert response.headers["Content-Type"] == "audio/mpeg"
            assert response.headers["Content-Range"] == f"bytes 1000-1999/{len(audio)}"
            assert response.read() == audio[1000:2000]
        with urllib.request.urlopen(url + "small/", timeout=10) as response:
            assert b'src="small.mp3"' in response.read()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_site_command_and_its_errors(library: tuple[Path, Path, Site], tmp_path: Path) -> None:
    folder, site, _ = library
    copy = shutil.copytree(site, tmp_path / "site")
    code, out, err = run_cli("site", str(folder), "-o", str(copy), "--base-url", BASE,
                             "--owner-email", "coach@example.org")
    assert code == 0 and "3 routines, 0 rendered, 0 files written" in out
    assert "…" not in err  # progress lines only on a terminal
    code, _, err = run_cli("site", str(folder), "-o", str(tmp_path / "x"), "--base-url", "example")
    assert code == 2 and "--base-url 'example' is not the web address" in err
    code, _, err = run_cli("site", str(folder), "-o", str(tmp_path / "x"), "--base-url",
                           "https://jane:secret@example.org/")
    assert code == 2 and "holds a user name or password" in err and not (tmp_path / "x").exists()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.yaml").write_text(SMALL, encoding="utf-8")
    (bad / "b.yaml").write_text("title: B\n", encoding="utf-8")
    code, _, err = run_cli("site", str(bad), "-o", str(tmp_path / "out"), "--base-url", BASE)
    assert code == 2 and "b.yaml" in err and "'routine' is missing 'exercises'" in err
    assert not (tmp_path / "out").exists()
    code, _, err = run_cli("serve", str(tmp_path / "nothing"))
    assert code == 2 and "has no index.html" in err


def test_feed_has_what_apple_podcasts_and_podcasting_2_require(
        library: tuple[Path, Path, Site]) -> None:
    import feedparser
    from PIL import Image

    _, site, built = library
    text = (site / "feed.xml").read_text(encoding="utf-8")
    parsed = feedparser.parse(text)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == 3
    assert parsed.feed.image.href == BASE + "cover.png"
    assert parsed.feed.publisher_detail.email == "coach@example.org"  # itunes:owner
    channel = ET.fromstring(text).find("channel")
    assert channel is not None
    # Apple: square artwork of 1400-3000 px at an absolute URL, category, explicit, owner email
    images = [channel.find("itunes:image", NS)] + [i.find("itunes:image", NS)
                                                   for i in channel.findall("item")]
    for element in images:
        assert element is not None
        href = element.get("href") or ""
        assert href.startswith(BASE) and href.endswith(".png")
        with Image.open(local(site, href)) as image:
            assert image.format == "PNG" and image.width == image.height
            assert 1400 <= image.width <= 3000
    assert len({e.get("href") for e in images if e is not None}) == 4  # one per episode
    assert channel.find("itunes:category", NS) is not None
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == "coach@example.org"
    assert channel.findtext("itunes:owner/itunes:name", namespaces=NS) == "Test Author"
    # Podcasting 2.0: guid = UUIDv5 of the feed URL, transcripts, chapters
    guid = channel.findtext("podcast:guid", namespaces=NS)
    assert guid == str(podcast_guid(BASE + "feed.xml"))
    assert podcast_guid("https://podcastindex.org/namespace/1.0/") == \
        podcast_guid("podcastindex.org/namespace/1.0")
    # the example the specification gives: the feed at https://mp3s.nashownotes.com/pc20rss.xml
    assert str(podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml")) == \
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    for item in channel.findall("item"):
        transcript = item.find("podcast:transcript", NS)
        assert transcript is not None and transcript.get("type") == "text/vtt"
        assert local(site, transcript.get("url") or "").read_text("utf-8").startswith("WEBVTT")
        assert item.find("podcast:chapters", NS) is not None
    # the player pages show the episode's artwork on the lock screen
    page = (site / built.episodes[0].slug / "index.html").read_text(encoding="utf-8")
    assert '"cover":"cover.png","coverSize":1400' in page


def test_site_checks_its_cover_and_refuses_two_episodes_of_one_title(tmp_path: Path) -> None:
    from PIL import Image

    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "a.yaml").write_text(SMALL, encoding="utf-8")
    (folder / "b.yaml").write_text(SMALL.replace("reps: 3", "reps: 2"), encoding="utf-8")
    code, _, err = run_cli("site", str(folder), "-o", str(tmp_path / "out"), "--base-url", BASE)
    assert code == 2
    assert "a.yaml and b.yaml are both titled 'Small test routine'" in err
    assert "--title" in err and not (tmp_path / "out").exists()
    (folder / "b.yaml").unlink()
    small = tmp_path / "small.png"
    Image.new("RGB", (600, 600), "teal").save(small)
    code, _, err = run_cli("site", str(folder), "-o", str(tmp_path / "out"), "--base-url", BASE,
                           "--image", str(small), "--owner-email", "a@example.org")
    assert code == 2 and "600 x 600 px; podcast apps want 1400 to 3000 px" in err
    assert "(--image FILE)" in err and "--cover" not in err  # the option 'site' has
    assert not (tmp_path / "out").exists()
    code, _, err = run_cli("site", str(folder), "-o", str(tmp_path / "out"), "--base-url", BASE,
                           "--owner-email", "not an address")
    assert code == 2 and "is not an email address" in err
    for address in ("jane@example.org<script>", "jane@example.org\u202e", "<jane@example.org>"):
        code, _, err = run_cli("site", str(folder), "-o", str(tmp_path / "out"), "--base-url",
                               BASE, "--owner-email", address)
        # a bidirectional control is refused by the text rule before the address is read
        assert code == 2 and ("is not an email address" in err if "\u202e" not in address
                              else "U+202E (a bidirectional control" in err), address
    good = tmp_path / "good.jpg"
    Image.new("RGB", (1600, 1600), "teal").save(good, "JPEG")
    code, _, err = run_cli("site", str(folder), "-o", str(tmp_path / "out"), "--base-url", BASE,
                           "--image", str(good))
    assert code == 0, err
    assert "no --owner-email" in err  # Apple asks for it: a warning, not a failure
    feed = ET.fromstring((tmp_path / "out" / "feed.xml").read_text(encoding="utf-8"))
    image = feed.find("channel/itunes:image", NS)
    assert image is not None and image.get("href") == BASE + "cover.jpg"
    assert (tmp_path / "out" / "cover.jpg").read_bytes() == good.read_bytes()


def test_site_flags_reach_the_feed_and_the_renders(tmp_path: Path) -> None:
    """README: the site command's flags: the feed's title, description, author, language, cover
    image and owner; --level and --rate change what is rendered (measured in the audio)."""
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "small.yaml").write_text(SMALL.replace("reps: 3", "reps: 2-4"), encoding="utf-8")
    built = {}
    for name, extra in (("plain", []), ("flags", [
            "--title", "Back care with Jane", "--description", "Short routines.",
            "--author", "Jane Doe", "--language", "de", "--image",
            "https://example.org/cover.png", "--owner-email", "jane@example.org",
            "--level", "easy", "--rate", "260"])):
        code, _, err = run_cli("site", str(folder), "-o", str(tmp_path / name), "--base-url",
                               BASE, *extra)
        assert code == 0, err
        built[name] = ET.parse(tmp_path / name / "feed.xml").getroot().find("channel")
    channel = built["flags"]
    assert channel is not None
    assert channel.findtext("title") == "Back care with Jane"
    assert channel.findtext("description") == "Short routines."
    assert channel.findtext("itunes:author", namespaces=NS) == "Jane Doe"
    assert channel.findtext("language") == "de"
    image = channel.find("itunes:image", NS)
    assert image is not None and image.get("href") == "https://example.org/cover.png"
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == "jane@example.org"
    easy = chapters_of(tmp_path / "flags" / "small" / "small.mp3")
    standard = chapters_of(tmp_path / "plain" / "small" / "small.mp3")
    assert easy[1].title == "1. Leg lift — 2 reps" and standard[1].title == "1. Leg lift — 3 reps"
    # --rate 260: every phrase shorter than at the default rate
    sheets = {name: json.loads((tmp_path / name / "small" / "small.cues.json")
                               .read_text(encoding="utf-8")) for name in built}
    lengths = {name: {s["text"]: s["end"] - s["start"] for s in sheet["segments"]
                      if s["kind"] == "speech"} for name, sheet in sheets.items()}
    shared = [t for t in lengths["plain"] if t in lengths["flags"] and len(t) > 12]
    assert len(shared) > 5
    assert all(lengths["flags"][t] < lengths["plain"][t] for t in shared)
