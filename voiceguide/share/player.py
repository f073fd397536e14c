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
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InputError
from ..format.load import templates_dir
from ..format.text import problem as text_problem
from ..model import Routine

MAX_CUES = 100_000
SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def template() -> str:
    """The player page template's text."""
    return (templates_dir() / "player" / "player.html").read_text(encoding="utf-8")


def _number(value: object, where: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0:
        raise InputError(f"{source}: {where} must be a number of seconds, not {value!r}.\n"
                         "  Fix: make the bundle again with 'voiceguide bundle'")
    return float(value)


def _text(value: object, where: str, source: str, optional: bool = False) -> str | None:
    if optional and value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{source}: {where} must be text, not {value!r}.\n"
                         "  Fix: make the bundle again with 'voiceguide bundle'")
    wrong = text_problem(value)
    if wrong is not None:
        raise InputError(f"{source}: {where} {wrong}.\n"
                         "  Fix: make the bundle again with 'voiceguide bundle'")
    return value


def player_data(sheet: object, source: str = "cue sheet") -> dict[str, Any]:
    """What the page needs from a cue sheet (checked, since a bundle's is untrusted): the title,
    duration, chapters and spoken cues. An InputError names what is wrong."""
    if not isinstance(sheet, Mapping):
        raise InputError(f"{source}: the cue sheet must be a JSON object.\n"
                         "  Fix: make the bundle again with 'voiceguide bundle'")
    segments, chapters = sheet.get("segments"), sheet.get("chapters")
    for key, value in (("segments", segments), ("chapters", chapters)):
        if not isinstance(value, list) or len(value) > MAX_CUES:
            raise InputError(f"{source}: '{key}' must be a list (of at most {MAX_CUES}).\n"
                             "  Fix: make the bundle again with 'voiceguide bundle'")
    assert isinstance(segments, list) and isinstance(chapters, list)
    cues: list[dict[str, Any]] = []
    for index, segment in enumerate(segments):
        where = f"segments[{index}]"
        if not isinstance(segment, Mapping):
            raise InputError(f"{source}: {where} must be an object.\n"
                             "  Fix: make the bundle again with 'voiceguide bundle'")
        start = _number(segment.get("start"), f"{where}.start", source)
        end = _number(segment.get("end"), f"{where}.end", source)
        text = _text(segment.get("text", ""), f"{where}.text", source)
        if segment.get("kind") == "speech":
            cues.append({"start": start, "end": end, "text": text})
    marks: list[dict[str, Any]] = []
    for index, chapter in enumerate(chapters):
        where = f"chapters[{index}]"
        if not isinstance(chapter, Mapping):
            raise InputError(f"{source}: {where} must be an object.\n"
                             "  Fix: make the bundle again with 'voiceguide bundle'")
        marks.append({"title": _text(chapter.get("title"), f"{where}.title", source),
                      "start": _number(chapter.get("start"), f"{where}.start", source),
                      "end": _number(chapter.get("end"), f"{where}.end", source),
                      "exercise": _text(chapter.get("exercise"), f"{where}.exercise", source,
                                        optional=True)})
    return {
        "title": _text(sheet.get("title"), "title", source),
        "duration": _number(sheet.get("duration"), "duration", source),
        "chapters": sorted(marks, key=lambda c: c["start"]),
        "cues": sorted(cues, key=lambda c: c["start"]),
    }


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element (no '<', '>' or '&' left to end it)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def player_page(sheet: object, audio: str, routine: Routine | None = None,
                links: Sequence[tuple[str, str]] = ()) -> str:
    """The player page for ``audio`` (a file name beside the page) and its cue sheet; ``links``
    are (label, file name) pairs listed under "Files"."""
    data = player_data(sheet)
    if routine is not None:
        data["author"] = routine.author
        data["description"] = routine.description
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
        "{{title}}": html.escape(str(data["title"])),
        "{{audio}}": html.escape(audio),
        "{{links}}": extra,
        "{{script_hash}}": f"sha256-{digest.decode('ascii')}",
        "{{data}}": _script_json(data),
    }
    return re.sub("|".join(re.escape(k) for k in replacements),
                  lambda m: replacements[m.group(0)], page)
