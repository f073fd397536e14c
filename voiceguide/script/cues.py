"""Files that travel with a render: the cue sheet (JSON) and a WebVTT transcript.

``<name>.cues.json`` is the ``preview --json`` object plus the chapters, the spans a listener
follows (reps, holds, rests with what comes next, sides, sets) and the exercises (name, amount,
setup steps); ``<name>.vtt`` has one cue per spoken segment, so a player can show what is said.

``clock`` is the one way voiceguide shows a time (the CLI, the site and, in the same rule written
in JavaScript, the player page), so every place shows the same minutes and seconds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..atomic import write_text
from ..model import Routine, Timeline
from .compile import exercise_summary


def clock(seconds: float) -> str:
    """``4:48`` or ``1:02:03``: whole seconds, rounded half up (287.5 s → 4:48), the rule the
    player page's script follows too. Negative times show as 0:00."""
    whole = max(0, math.floor(seconds + 0.5))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def cue_sheet(timeline: Timeline, routine: Routine | None = None) -> dict[str, object]:
    """The timeline as ``preview --json`` prints it, plus ``chapters`` and ``spans``; with the
    (customized) ``routine``, also its ``author``, ``description``, ``language`` and
    ``exercises`` (id, name, number, amount, equipment, setup steps, tip, sides, sets, reps)."""
    sheet = timeline.to_dict()
    sheet["chapters"] = [
        {"title": c.title, "start": round(c.start, 4), "end": round(c.end, 4),
         "exercise": c.exercise}
        for c in timeline.chapters
    ]
    sheet["spans"] = [span.to_dict() for span in timeline.spans]
    if routine is not None:
        sheet["author"] = routine.author
        sheet["description"] = routine.description
        sheet["language"] = routine.language
        sheet["exercises"] = [
            {"id": e.id, "name": e.name, "number": number, "amount": exercise_summary(e),
             "equipment": list(e.equipment), "setup": list(e.setup), "tip": e.tip,
             "sides": e.sides, "sets": e.sets, "reps": e.reps.value if e.reps else None,
             "duration": e.duration}
            for number, e in enumerate(routine.exercises, start=1)
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


def write_cue_files(timeline: Timeline, audio: Path,
                    routine: Routine | None = None,
                    into: tuple[Path, Path] | None = None) -> tuple[Path, Path]:
    """Write the cue sheet (with ``routine``'s details, see ``cue_sheet``) and the WebVTT
    transcript beside ``audio`` (each atomically), or into the two paths ``into`` (drafts that
    the caller places)."""
    sheet_path, vtt_path = into or cue_file_paths(audio)
    write_text(sheet_path,
               json.dumps(cue_sheet(timeline, routine), indent=2, ensure_ascii=False) + "\n")
    write_text(vtt_path, webvtt(timeline))
    return sheet_path, vtt_path
