"""The player page: one self-contained HTML file that plays a render and follows its cue sheet.

The page (``templates/player/player.html``) has no external resources: its CSS and script are
inline, the cue sheet's chapters and spoken cues are inlined as JSON, and the audio is a relative
link, so it works opened straight from a folder (``file://``) as well as from a web server. A
Content-Security-Policy allows only its own script (by hash) and no network at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..format.load import templates_dir
from ..format.text import problem as text_problem
from ..model import Routine

MAX_CUES = 100_000
SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
FIX = "  Fix: make the bundle again with 'voiceguide bundle'"


def template() -> str:
    """The player page template's text."""
    return (templates_dir() / "player" / "player.html").read_text(encoding="utf-8")


def _number(value: object, where: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0:
        raise InputError(f"{source}: {where} must be a number of seconds, not {value!r}.\n"
                         f"{FIX}")
    return float(value)


def _text(value: object, where: str, source: str, optional: bool = False) -> str | None:
    if optional and value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{source}: {where} must be text, not {value!r}.\n{FIX}")
    wrong = text_problem(value)
    if wrong is not None:
        raise InputError(f"{source}: {where} {wrong}.\n{FIX}")
    return value


SPAN_KINDS = ("setup", "rep", "hold", "timed", "rest", "set_rest", "changeover")


def _count(value: object, where: str, source: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise InputError(f"{source}: {where} must be a whole number, not {value!r}.\n{FIX}")
    return value


def _list(sheet: Mapping[str, Any], key: str, source: str, required: bool = True) -> list[Any]:
    value = sheet.get(key, None if required else [])
    if not isinstance(value, list) or len(value) > MAX_CUES:
        raise InputError(f"{source}: '{key}' must be a list (of at most {MAX_CUES}).\n{FIX}")
    return value


def _object(value: object, where: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{source}: {where} must be an object.\n{FIX}")
    return value


def _texts(value: object, where: str, source: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 1000:
        raise InputError(f"{source}: {where} must be a list of texts.\n{FIX}")
    return [str(_text(item, f"{where}[{i}]", source)) for i, item in enumerate(value)]


def player_data(sheet: object, source: str = "cue sheet") -> dict[str, Any]:
    """What the page needs from a cue sheet (checked, since a bundle's is untrusted): the title,
    duration, chapters, spoken cues, and when the sheet has them the spans (reps, holds, rests,
    sides) and exercises (name, amount, setup steps). An InputError names what is wrong."""
    sheet = _object(sheet, "the cue sheet", source)
    cues: list[dict[str, Any]] = []
    for index, item in enumerate(_list(sheet, "segments", source)):
        where = f"segments[{index}]"
        segment = _object(item, where, source)
        start = _number(segment.get("start"), f"{where}.start", source)
        end = _number(segment.get("end"), f"{where}.end", source)
        text = _text(segment.get("text", ""), f"{where}.text", source)
        if segment.get("kind") == "speech":
            cues.append({"start": start, "end": end, "text": text})
    marks: list[dict[str, Any]] = []
    for index, item in enumerate(_list(sheet, "chapters", source)):
        where = f"chapters[{index}]"
        chapter = _object(item, where, source)
        marks.append({"title": _text(chapter.get("title"), f"{where}.title", source),
                      "start": _number(chapter.get("start"), f"{where}.start", source),
                      "end": _number(chapter.get("end"), f"{where}.end", source),
                      "exercise": _text(chapter.get("exercise"), f"{where}.exercise", source,
                                        optional=True)})
    spans: list[dict[str, Any]] = []
    for index, item in enumerate(_list(sheet, "spans", source, required=False)):
        where = f"spans[{index}]"
        span = _object(item, where, source)
        if span.get("kind") not in SPAN_KINDS:
            raise InputError(f"{source}: {where}.kind must be one of {', '.join(SPAN_KINDS)}."
                             f"\n{FIX}")
        side = span.get("side")
        if side not in (None, "right", "left"):
            raise InputError(f"{source}: {where}.side must be right, left or null.\n{FIX}")
        spans.append({
            "start": _number(span.get("start"), f"{where}.start", source),
            "end": _number(span.get("end"), f"{where}.end", source),
            "kind": span["kind"], "side": side,
            "exercise": _text(span.get("exercise"), f"{where}.exercise", source, optional=True),
            "next": _text(span.get("next"), f"{where}.next", source, optional=True),
            **{key: _count(span.get(key), f"{where}.{key}", source)
               for key in ("set", "sets", "rep", "reps")}})
    exercises: list[dict[str, Any]] = []
    for index, item in enumerate(_list(sheet, "exercises", source, required=False)):
        where = f"exercises[{index}]"
        exercise = _object(item, where, source)
        exercises.append({
            "id": _text(exercise.get("id"), f"{where}.id", source),
            "name": _text(exercise.get("name"), f"{where}.name", source),
            "number": _count(exercise.get("number"), f"{where}.number", source),
            "amount": _text(exercise.get("amount", ""), f"{where}.amount", source),
            "equipment": _texts(exercise.get("equipment"), f"{where}.equipment", source),
            "setup": _texts(exercise.get("setup"), f"{where}.setup", source),
            "tip": _text(exercise.get("tip"), f"{where}.tip", source, optional=True)})
    return {
        "title": _text(sheet.get("title"), "title", source),
        "duration": _number(sheet.get("duration"), "duration", source),
        "author": _text(sheet.get("author"), "author", source, optional=True),
        "description": _text(sheet.get("description"), "description", source, optional=True),
        "chapters": sorted(marks, key=lambda c: c["start"]),
        "cues": sorted(cues, key=lambda c: c["start"]),
        "spans": sorted(spans, key=lambda s: (s["start"], -s["end"])),
        "exercises": exercises,
    }


ARTWORK_PIXELS = 256  # the inlined copy of the cover: about 10 kB


def _artwork(cover: tuple[str, bytes] | None) -> dict[str, Any]:
    """The page's artwork fields: the cover's file name and size (pixels, square) and a small
    PNG copy as a data: URL; none when there is no cover or it cannot be read as an image."""
    none: dict[str, Any] = {"cover": None, "coverSize": None, "artwork": None}
    if cover is None:
        return none
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(cover[1])) as image:
            size = image.width
            small = image.convert("RGB").resize((ARTWORK_PIXELS, ARTWORK_PIXELS))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return none
    out = io.BytesIO()
    small.save(out, "PNG", optimize=True)
    url = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
    return {"cover": cover[0], "coverSize": size, "artwork": url}


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element (no '<', '>' or '&' left to end it)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class Track:
    """One render the page plays: its cue sheet, its audio file (a name beside the page) and,
    in a page with several levels, the level's name (``easy``)."""

    sheet: object
    audio: str
    level: str | None = None


def player_page(sheet: object, audio: str, routine: Routine | None = None,
                links: Sequence[tuple[str, str]] = (), *, more: Sequence[Track] = (),
                level: str | None = None, cover: tuple[str, bytes] | None = None) -> str:
    """The player page for ``audio`` (a file name beside the page) and its cue sheet; ``links``
    are (label, file name) pairs listed under "Files"; ``more`` are other levels of the same
    routine the listener can switch to (``level`` names the first; the page opens on
    "standard" when a level has that name, else on the first); ``cover`` is an image file
    beside the page and its bytes, shown on the lock screen (from ``file://``, where browsers
    refuse file artwork, as a small copy inlined in the page)."""
    tracks = [Track(sheet, audio, level), *more]
    levels = []
    for track in tracks:
        data = player_data(track.sheet)
        data["audio"] = track.audio
        data["level"] = track.level or "standard"
        data["label"] = (track.level or "standard").capitalize()
        levels.append(data)
    first = levels[0]
    start = next((i for i, d in enumerate(levels) if d["level"] == "standard"), 0)
    author = first["author"] or (routine.author if routine is not None else None)
    description = first["description"] or (routine.description if routine is not None else None)
    count = max((len(d["exercises"]) for d in levels), default=0) or \
        sum(1 for c in first["chapters"] if c["exercise"])
    page_data = {
        "title": first["title"], "author": author, "description": description,
        "key": first["title"] + "|" + "|".join(t.audio for t in tracks), "count": count,
        **_artwork(cover),
        "levels": levels, "start": start,
    }
    page = template()
    script = SCRIPT.search(page)
    if script is None:
        raise InputError("the player template has no <script> block.\n"
                         "  Fix: reinstall voiceguide")
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode("utf-8")).digest())
    extra = "".join(f' · <a href="{html.escape(href)}" download>{html.escape(label)}</a>'
                    for label, href in links)
    language = routine.language if routine is not None else "en"
    replacements = {
        "{{lang}}": html.escape(language),
        "{{title}}": html.escape(str(first["title"])),
        "{{audio}}": html.escape(tracks[start].audio),
        "{{links}}": extra,
        "{{script_hash}}": f"sha256-{digest.decode('ascii')}",
        "{{data}}": _script_json(page_data),
    }
    return re.sub("|".join(re.escape(k) for k in replacements),
                  lambda m: replacements[m.group(0)], page)
