"""A static library site of routines with a podcast feed (``serve`` shows it locally).

``build_site`` renders every routine of a folder (each only when its routine, options or engine
changed) and writes::

    SITE/index.html                      the routines, their length and exercises
    SITE/feed.xml                        RSS 2.0 with the iTunes and Podcasting 2.0 namespaces
    SITE/<name>/index.html               the player page
    SITE/<name>/<name>.mp3 .cues.json .vtt .yaml .chapters.json (Podcasting 2.0 JSON chapters)
    SITE/cover.png (or the given .jpg), SITE/<name>/cover.png   the artwork (1400-3000 px)

A file is rewritten only when its content changes, so a rebuild with nothing changed touches
nothing. Each episode's GUID is derived from its render key (routine, options, engine) and its
publication date is kept in ``<name>/episode.json`` until that key changes.

The feed has what Apple Podcasts requires and Podcasting 2.0 adds (field notes): square artwork of
1400-3000 px at an absolute URL for the channel and each episode, ``itunes:category``,
``itunes:explicit``, ``itunes:owner`` with the owner's email, ``podcast:guid`` (UUIDv5 of the
feed URL), and per episode ``podcast:transcript`` (the WebVTT) and ``podcast:chapters`` (JSON
1.2.0).
"""

from __future__ import annotations

import html
import json
import math
import os
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .. import pipeline
from ..atomic import atomic_path, write_text
from ..errors import InputError
from ..format.text import check as check_text
from ..format.text import counted
from ..model import Routine
from ..pipeline import load_routine
from ..script.cues import clock
from .archive import slug
from .bundle import Rendered, render_current
from .player import player_page

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CHAPTERS_TYPE = "application/json+chapters"
CATEGORY = ("Health & Fitness", "Fitness")
# Podcasting 2.0's namespace for podcast:guid (podcastindex.org/namespace/1.0#guid)
DEFAULT_TITLE = "Voice-guided routines"
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
URL_UNSAFE = set('"<>\\^`{|}')  # never in a URL (RFC 3986 §2), so never in --base-url


@dataclass(frozen=True)
class Channel:
    """The feed's own details; empty ones are filled from the routines."""

    title: str | None = None
    description: str | None = None
    author: str | None = None
    language: str | None = None
    image: str | None = None  # an image file (checked, copied) or an absolute http(s) URL
    owner_email: str | None = None  # itunes:owner's email


@dataclass(frozen=True)
class Episode:
    """One routine on the site: its render, slug, GUID and publication date."""

    slug: str
    routine: Routine
    render: Rendered
    duration: float
    guid: str
    published: datetime
    cover: str = "cover.png"  # the episode's artwork, in its folder


@dataclass(frozen=True)
class Site:
    """What ``build_site`` did: the episodes, and the files it (re)wrote."""

    folder: Path
    episodes: tuple[Episode, ...]
    written: tuple[Path, ...]

    @property
    def rendered(self) -> tuple[str, ...]:
        return tuple(e.slug for e in self.episodes if not e.render.reused)


def check_base_url(url: str) -> str:
    """``url`` with a trailing slash, or an InputError if it is not an absolute http(s) URL
    or holds a user name or password."""
    check_text(url, "--base-url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or \
            parts.fragment or any(char in URL_UNSAFE or char.isspace() for char in url):
        raise InputError(f"--base-url {url!r} is not the web address of the site.\n  Fix: give "
                         "the address the SITE folder will be published at, such as "
                         "--base-url https://example.org/routines/")
    if "@" in parts.netloc:  # https://user:password@host/: every subscriber would read it
        raise InputError(f"--base-url {url!r} holds a user name or password (before '@'), "
                         "which the feed and the pages would publish.\n  Fix: give the "
                         "public address without it, such as --base-url https://example.org/")
    return url if url.endswith("/") else url + "/"


def write_if_changed(path: Path, text: str, written: list[Path]) -> None:
    """Write ``text`` to ``path`` (atomically) unless it already holds exactly that."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    write_text(path, text)
    written.append(path)


def itunes_duration(seconds: float) -> str:
    """``HH:MM:SS`` (the iTunes duration format), rounded as ``clock`` rounds (half up)."""
    whole = max(0, math.floor(seconds + 0.5))
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def chapters_json(sheet: dict[str, Any]) -> str:
    """The Podcasting 2.0 JSON chapters of a cue sheet."""
    chapters = [{"startTime": round(float(c["start"]), 3), "title": str(c["title"])}
                for c in sheet.get("chapters", [])]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, indent=2,
                      ensure_ascii=False) + "\n"


def _published(state_path: Path, key: str, now: datetime, written: list[Path]) -> datetime:
    """The episode's first publication with this render key (kept in ``episode.json``)."""
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        if state["key"] == key:
            return parsedate_to_datetime(state["published"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    state = {"key": key, "published": format_datetime(now, usegmt=True)}
    write_if_changed(state_path, json.dumps(state, indent=2) + "\n", written)
    return now.replace(microsecond=0)


def find_routines(folder: Path) -> list[Path]:
    """The routine files (``*.yaml``, ``*.yml``) of ``folder``, sorted by name."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder.\n  Fix: give the folder that holds the "
                         "routine files (*.yaml)")
    found = sorted(p for p in folder.iterdir()
                   if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
    if not found:
        raise InputError(f"{folder} has no routine files (*.yaml).\n  Fix: give the folder that "
                         "holds the routines")
    return found


def build_site(folder: Path, output: Path, base_url: str,
               options: pipeline.Options | None = None, channel: Channel = Channel(),
               progress: Callable[[str], None] | None = None) -> Site:
    """Render every routine of ``folder`` into the static site ``output`` (see the module's
    docstring). Every routine is validated before anything is rendered or written; two
    routines with the same title, a wrong ``channel.image`` or owner email are InputErrors.
    ``progress`` is told which routine is being made."""
    options = options or pipeline.Options()
    base = check_base_url(base_url)
    for name, value in vars(channel).items():
        if value is not None:
            check_text(value, f"--{name}")
    sources = find_routines(folder)
    routines = [load_routine(path) for path in sources]
    names: dict[str, Path] = {}
    for path in sources:
        name = slug(path.stem)
        if name in names:
            raise InputError(f"{names[name].name} and {path.name} would both be published as "
                             f"'{name}'.\n  Fix: rename one of them")
        names[name] = path
    titles: dict[str, Path] = {}
    for path, routine in zip(sources, routines):
        if routine.title in titles:
            raise InputError(
                f"{titles[routine.title].name} and {path.name} are both titled "
                f"'{routine.title}'; a podcast app would list two episodes of the same name.\n"
                "  Fix: give one its own title (edit its 'title:' line, or make the variant "
                "with 'voiceguide customize … --title \"…\"')")
        titles[routine.title] = path
    if output.exists() and not output.is_dir():
        raise InputError(f"{output} is a file.\n  Fix: give a folder with -o")
    if output.exists() and os.path.samefile(output, folder):
        raise InputError(f"{output} is the folder of the routines; the site goes into a folder "
                         "of its own.\n  Fix: give another folder with -o, such as -o site/")
    if channel.owner_email is not None:
        check_email(channel.owner_email)
    written: list[Path] = []
    cover = _channel_cover(channel, routines, output, base, written)
    now = datetime.now(timezone.utc)
    episodes: list[Episode] = []
    for number, ((name, path), routine) in enumerate(zip(names.items(), routines), start=1):
        if progress is not None:
            progress(f"[{number}/{len(routines)}] {name}/")
        episodes.append(_episode(name, path, routine, output / name, options, now, written))
    episodes.sort(key=lambda e: (-e.published.timestamp(), e.slug))
    info = replace(channel, image=cover)
    write_if_changed(output / "index.html", index_page(episodes, info, base), written)
    write_if_changed(output / "feed.xml", feed_xml(episodes, info, base), written)
    return Site(output, tuple(episodes), tuple(written))


def check_email(email: str) -> str:
    """``email`` if it looks like an address (one '@', a dot in the domain, no spaces, no
    RFC 5322 specials ``<>()[]\\,;:"`` nor invisible format characters; a domain of letters,
    digits, dots and hyphens), else an InputError; itunes:owner carries it."""
    local, _, domain = email.partition("@")
    if not local or "." not in domain.strip(".") or any(c.isspace() for c in email) \
            or "@" in domain or any(c in '<>()[]\\,;:"' for c in email) \
            or not all(c.isalnum() or c in ".-" for c in domain) \
            or any(unicodedata.category(c).startswith("C") for c in email):
        raise InputError(f"--owner-email {email!r} is not an email address.\n  Fix: give the "
                         "address podcast directories may write to, such as "
                         "--owner-email jane@example.org")
    return email


def write_bytes_if_changed(path: Path, data: bytes, written: list[Path]) -> None:
    """Write ``data`` to ``path`` (atomically) unless it already holds exactly that."""
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    written.append(path)


def _channel_cover(channel: Channel, routines: list[Routine], output: Path, base: str,
                   written: list[Path]) -> str:
    """The channel artwork's absolute URL: an http(s) URL as given; a given file checked (square
    PNG or JPEG, 1400-3000 px) and copied to ``SITE/cover.png|jpg``; else a generated one."""
    from ..audio.cover import generate, load_cover

    image = channel.image
    if image is not None and urlsplit(image).scheme in ("http", "https"):
        return image
    if image is not None:
        cover = load_cover(Path(image).expanduser(), "--image FILE")
    else:
        authors = {r.author for r in routines if r.author}
        cover = generate(channel.title or DEFAULT_TITLE,
                         channel.author or (authors.pop() if len(authors) == 1 else ""))
    name = "cover.jpg" if cover.mime == "image/jpeg" else "cover.png"
    output.mkdir(parents=True, exist_ok=True)
    write_bytes_if_changed(output / name, cover.data, written)
    return base + name


def _episode(name: str, source: Path, routine: Routine, folder: Path,
             options: pipeline.Options, now: datetime, written: list[Path]) -> Episode:
    from ..audio.cover import generate

    rendered = render_current(source, options, folder / f"{name}.mp3")
    cover = generate(routine.title, routine.author or "").data
    write_bytes_if_changed(folder / "cover.png", cover, written)
    if not rendered.reused:
        written.append(rendered.audio)
    sheet = json.loads(rendered.sheet.read_text(encoding="utf-8"))
    write_if_changed(folder / f"{name}.yaml", source.read_text(encoding="utf-8-sig"), written)
    write_if_changed(folder / f"{name}.chapters.json", chapters_json(sheet), written)
    links = [("Transcript", rendered.transcript.name), ("Routine", f"{name}.yaml"),
             ("Chapters", f"{name}.chapters.json")]
    write_if_changed(folder / "index.html",
                     player_page(sheet, rendered.audio.name, routine, links,
                                 cover=("cover.png", cover)), written)
    published = _published(folder / "episode.json", rendered.key, now, written)
    return Episode(name, routine, rendered, float(sheet["duration"]),
                   f"voiceguide:{name}:{rendered.key[:16]}", published)


def _channel(episodes: list[Episode], channel: Channel) -> Channel:
    """The channel's details, with what it leaves empty taken from the routines."""
    authors = {e.routine.author for e in episodes if e.routine.author}
    languages = [e.routine.language for e in episodes]
    return Channel(
        title=channel.title or DEFAULT_TITLE,
        description=channel.description
        or f"{counted(len(episodes), 'voice-guided exercise routine')}, made with voiceguide.",
        author=channel.author or (authors.pop() if len(authors) == 1 else "voiceguide"),
        language=channel.language or max(set(languages), key=languages.count),
        image=channel.image,
        owner_email=channel.owner_email,
    )



def _names_described(routine: Routine) -> bool:
    """Whether the routine's description already names every exercise (as a variant's written by
    ``customize`` does), so that a list of them after it would say them twice."""
    text = routine.description or ""
    return all(e.name in text for e in routine.exercises)


def _describe(routine: Routine, duration: float) -> str:
    """The feed's text for a routine: its description, length and exercises, the names joined
    with "; " (a name can hold a comma: "Oblique crunch, lying on your back")."""
    about = f"{routine.description} " if routine.description else ""
    count = f"{clock(duration)}, {counted(len(routine.exercises), 'exercise')}"
    if _names_described(routine):
        return f"{about}{count}."
    return f"{about}{count}: {'; '.join(e.name for e in routine.exercises)}."


def podcast_guid(feed_url: str) -> uuid.UUID:
    """Podcasting 2.0's ``podcast:guid``: a UUIDv5 of the feed URL without its scheme and
    trailing slashes, in the namespace the specification gives."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return uuid.uuid5(GUID_NAMESPACE, bare)


def feed_xml(episodes: list[Episode], channel: Channel, base: str) -> str:
    """The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces."""
    info = _channel(episodes, channel)
    ET.register_namespace("itunes", ITUNES)
    ET.register_namespace("podcast", PODCAST)
    ET.register_namespace("atom", ATOM)
    rss = ET.Element("rss", {"version": "2.0"})
    ch = ET.SubElement(rss, "channel")

    def add(parent: ET.Element, tag: str, text: str | None = None,
            attrs: dict[str, str] | None = None) -> ET.Element:
        element = ET.SubElement(parent, tag, attrs or {})
        element.text = text
        return element

    add(ch, "title", info.title)
    add(ch, "link", base)
    add(ch, "description", info.description)
    add(ch, "language", info.language)
    add(ch, "generator", "voiceguide")
    add(ch, f"{{{ATOM}}}link", attrs={"href": base + "feed.xml", "rel": "self",
                                      "type": "application/rss+xml"})
    if episodes:
        add(ch, "lastBuildDate", format_datetime(max(e.published for e in episodes),
                                                 usegmt=True))
    if info.image:
        image = add(ch, "image")
        add(image, "url", info.image)
        add(image, "title", info.title)
        add(image, "link", base)
    add(ch, f"{{{ITUNES}}}author", info.author)
    add(ch, f"{{{ITUNES}}}summary", info.description)
    add(ch, f"{{{ITUNES}}}explicit", "false")
    add(ch, f"{{{ITUNES}}}type", "episodic")
    if info.image:
        add(ch, f"{{{ITUNES}}}image", attrs={"href": info.image})
    if info.owner_email:
        owner = add(ch, f"{{{ITUNES}}}owner")
        add(owner, f"{{{ITUNES}}}name", info.author)
        add(owner, f"{{{ITUNES}}}email", info.owner_email)
    add(ch, f"{{{PODCAST}}}guid", str(podcast_guid(base + "feed.xml")))
    category = add(ch, f"{{{ITUNES}}}category", attrs={"text": CATEGORY[0]})
    add(category, f"{{{ITUNES}}}category", attrs={"text": CATEGORY[1]})
    for episode in episodes:
        folder = base + quote(episode.slug) + "/"
        item = add(ch, "item")
        add(item, "title", episode.routine.title)
        add(item, "description", _describe(episode.routine, episode.duration))
        add(item, "link", folder)
        add(item, "guid", episode.guid, {"isPermaLink": "false"})
        add(item, "pubDate", format_datetime(episode.published, usegmt=True))
        add(item, "enclosure", attrs={"url": folder + quote(episode.render.audio.name),
                                      "length": str(episode.render.audio.stat().st_size),
                                      "type": "audio/mpeg"})
        add(item, f"{{{ITUNES}}}duration", itunes_duration(episode.duration))
        add(item, f"{{{ITUNES}}}author", episode.routine.author or info.author or "")
        add(item, f"{{{ITUNES}}}explicit", "false")
        add(item, f"{{{ITUNES}}}image", attrs={"href": folder + quote(episode.cover)})
        add(item, f"{{{PODCAST}}}chapters",
            attrs={"url": folder + quote(f"{episode.slug}.chapters.json"),
                   "type": CHAPTERS_TYPE})
        add(item, f"{{{PODCAST}}}transcript",
            attrs={"url": folder + quote(episode.render.transcript.name), "type": "text/vtt",
                   "language": episode.routine.language, "rel": "captions"})
    ET.indent(rss)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(rss, "unicode") + "\n"


INDEX_STYLE = """\
body { margin: 0; font: 1.125rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 42rem; margin: 0 auto; padding: 1rem; }
:root { color-scheme: light dark; }
ol.routines { list-style: none; padding: 0; }
ol.routines > li { margin: 0 0 1.25rem; }
ol.exercises { color: #6b7680; margin: 0.125rem 0; padding-left: 1.75rem; }
a { color: #0b6e4f; }
@media (prefers-color-scheme: dark) { a { color: #3fbf8f; } }
.meta { color: #6b7680; margin: 0.125rem 0; }
h2 { font-size: 1.25rem; margin: 0; }
h2 a { display: inline-block; min-height: 48px; padding: 0.5rem 0; }"""


def index_page(episodes: list[Episode], channel: Channel, base: str) -> str:
    """The site's front page: each routine with its length and exercises, and the feed."""
    info = _channel(episodes, channel)
    items = []
    for episode in sorted(episodes, key=lambda e: e.routine.title.lower()):
        routine = episode.routine
        about = f'<p class="meta">{html.escape(routine.description)}</p>' \
            if routine.description else ""
        by = f" · {html.escape(routine.author)}" if routine.author else ""
        exercises = "" if _names_described(routine) else (
            '<ol class="exercises">'
            + "".join(f"<li>{html.escape(e.name)}</li>" for e in routine.exercises) + "</ol>")
        items.append(
            f'<li><h2><a href="{quote(episode.slug)}/">{html.escape(routine.title)}</a></h2>'
            f'<p class="meta">{clock(episode.duration)} · '
            f"{counted(len(routine.exercises), 'exercise')}{by}</p>{about}"
            f"{exercises}</li>")
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(info.language or "en")}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(info.title or '')}</title>\n"
        f'<link rel="alternate" type="application/rss+xml" href="{html.escape(base)}feed.xml">\n'
        f"<style>\n{INDEX_STYLE}\n</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{html.escape(info.title or '')}</h1>\n"
        f'<p class="meta">{html.escape(info.description or "")}</p>\n'
        f'<p><a href="feed.xml">Podcast feed</a>: add <code>{html.escape(base)}feed.xml'
        "</code> to a podcast app to get every routine.</p>\n"
        '<ol class="routines">\n' + "\n".join(items) + "\n</ol>\n</main>\n</body>\n</html>\n")
