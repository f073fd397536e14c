"""Files that travel with a render: the cue sheet (JSON) and a WebVTT transcript.

``<name>.cues.json`` is the ``preview --json`` object plus the chapters; ``<name>.vtt`` has one cue
per spoken segment, so a player can show what is being said.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_text
from ..model import Timeline


def cue_sheet(timeline: Timeline) -> dict[str, object]:
    """The timeline as ``preview --json`` prints it, plus ``chapters``."""
    sheet = timeline.to_dict()
    sheet["chapters"] = [
        {"title": c.title, "start": round(c.start, 4), "end": round(c.end, 4),
         "exercise": c.exercise}
        for c in timeline.chapters
    ]
    return sheet


def vtt_time(seconds: float) -> str:
    """``HH:MM:SS.mmm`` as WebVTT wants it."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(timeline: Timeline) -> str:
    """A WebVTT transcript: one cue per speech segment, numbered, in time order."""
    lines = ["WEBVTT", f"NOTE {_escape(timeline.title)}", ""]
    for number, segment in enumerate(timeline.speech, start=1):
        lines += [str(number), f"{vtt_time(segment.start)} --> {vtt_time(segment.end)}",
                  _escape(segment.text), ""]
    return "\n".join(lines)


def cue_file_paths(audio: Path) -> tuple[Path, Path]:
    """Where the cue sheet and the transcript of ``audio`` go: beside it, same stem."""
    stem = audio.with_suffix("")
    return stem.with_name(stem.name + ".cues.json"), stem.with_name(stem.name + ".vtt")


def write_cue_files(timeline: Timeline, audio: Path) -> tuple[Path, Path]:
    """Write the cue sheet and the WebVTT transcript beside ``audio`` (each atomically)."""
    sheet_path, vtt_path = cue_file_paths(audio)
    write_text(sheet_path, json.dumps(cue_sheet(timeline), indent=2, ensure_ascii=False) + "\n")
    write_text(vtt_path, webvtt(timeline))
    return sheet_path, vtt_path
