"""Share a routine as one zip bundle: the routine as rendered (``<name>.yaml``, the options
applied), the audio (``<name>.mp3``), its cue sheet (``<name>.cues.json``) and WebVTT transcript
(``<name>.vtt``), ``manifest.json`` (the options and versions) and ``index.html``, the player page.
A render is reused while the routine, the options and the engine stay the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from .. import pipeline
from ..atomic import atomic_path, check_new_file, write_text
from ..audio.cover import generate as generate_cover
from ..engines import DEFAULT_ENGINE, choose_engine
from ..errors import VoiceguideError
from ..model import Level, Routine
from ..pipeline import load_routine
from ..script.customize import customize
from ..script.phrases import phrases_dir
from ..script.speech import speech_path
from ..script.variant import write_variant
from .archive import slug
from .player import Track, player_page

BUNDLE_FORMAT = 1
RENDER_FORMAT = 1  # bump when what a render depends on changes beyond the key's fields


def voiceguide_version() -> str:
    try:
        return package_version("voiceguide")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"



# --- renders that are reused while current -----------------------------------------------------


def render_key(source: Path, options: pipeline.Options) -> str:
    """A hash of everything a render depends on: the routine file, the options, the phrase file
    and its speech rules, the cover, the speech engine and its version, and voiceguide's
    version."""
    routine = load_routine(source)
    engine = choose_engine(options.engine, routine.language, options.voice).engine
    phrase_file = phrases_dir() / f"{routine.language}.yaml"
    music = options.sound.music
    speech = speech_path(routine.language)
    cover = options.cover or routine.cover
    fields = [
        RENDER_FORMAT, voiceguide_version(), source.read_bytes().hex(),
        repr(replace(options, cache=True, cache_dir=None)),
        engine.id, engine.version(),
        phrase_file.read_text(encoding="utf-8") if phrase_file.is_file() else None,
        [str(music), music.stat().st_size, music.stat().st_mtime_ns] if music else None,
        speech.read_text(encoding="utf-8") if speech is not None else None,
        [str(cover), cover.stat().st_size, cover.stat().st_mtime_ns]
        if cover is not None and cover.is_file() else None,
    ]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Rendered:
    """A render and its cue files; ``reused`` when it was current and nothing was rendered."""

    audio: Path
    sheet: Path
    transcript: Path
    key: str
    reused: bool


def record_path(audio: Path) -> Path:
    """Where the key of a render is kept: ``<name>.render.json`` beside it."""
    return audio.with_name(audio.with_suffix("").name + ".render.json")


def _current(audio: Path, key: str) -> bool:
    try:
        record = json.loads(record_path(audio).read_text(encoding="utf-8"))
        sheet, transcript = (audio.with_name(name) for name in record["cue_files"])
        return bool(record["key"] == key and audio.stat().st_size == record["bytes"]
                    and sheet.is_file() and transcript.is_file()
                    and isinstance(record.get("sha256"), dict))  # older records: render anew
    except (OSError, ValueError, KeyError, TypeError):
        return False


def record_render(result: pipeline.Result, key: str) -> None:
    """Note beside an MP3 render (with its cue files) the ``render_key`` it was made with and
    the SHA-256 of each file, so that ``render_current`` reuses it and ``snapshot`` can tell a
    consistent set from one a concurrent run changed."""
    record = {"key": key, "bytes": result.path.stat().st_size,
              "cue_files": [p.name for p in result.cue_files],
              "sha256": {p.name: _digest(p) for p in (result.path, *result.cue_files)}}
    write_text(record_path(result.path), json.dumps(record, indent=2) + "\n")


def render_current(source: Path, options: pipeline.Options, audio: Path) -> Rendered:
    """Render ``source`` into ``audio`` (MP3, with its cue files), unless the render there was
    made from the same routine, options and engine: then reuse it."""
    key = render_key(source, options)
    reused = _current(audio, key)
    if not reused:
        record_render(pipeline.render(source, audio, options, "mp3", cue_files=True), key)
    record = json.loads(record_path(audio).read_text(encoding="utf-8"))
    sheet, transcript = (audio.with_name(name) for name in record["cue_files"])
    return Rendered(audio, sheet, transcript, key, reused)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def render_name(name: str, options: pipeline.Options, level_named: bool = False) -> str:
    """The file name (no suffix) of a reused render: ``name`` at the standard options,
    ``name-<10 hex digits of the options>`` otherwise, so that a variant (``--level easy``, other
    reps, another voice) never replaces the standard render, and two variants never share one.
    With ``level_named`` (``name`` already ends in the level), the level does not count."""
    def sound_fields(o: pipeline.Options) -> tuple[object, ...]:
        choices = replace(o.choices, level="standard") if level_named else o.choices
        return (choices, o.engine or DEFAULT_ENGINE, o.voice, o.rate, o.strict, o.sound)

    fields = sound_fields(options)
    if fields == sound_fields(pipeline.Options()):
        return name
    return f"{name}-{hashlib.sha256(repr(fields).encode()).hexdigest()[:10]}"


def snapshot(rendered: Rendered, into: Path, attempts: int = 3,
             again: Callable[[], Rendered] | None = None) -> Rendered:
    """Copies (hard links where possible) of a render's three files in the private folder
    ``into``, checked against the render's record (same key, same SHA-256 for each file), so a
    bundle never packs one run's audio with another's cue sheet. A render changed under us by a
    concurrent run is rendered ``again`` (up to ``attempts`` times), then a VoiceguideError."""
    for _attempt in range(attempts):
        try:
            record = json.loads(record_path(rendered.audio).read_text(encoding="utf-8"))
            copies = []
            for path in (rendered.audio, rendered.sheet, rendered.transcript):
                copy = into / path.name
                copy.unlink(missing_ok=True)
                try:
                    os.link(path, copy)
                except OSError:
                    shutil.copyfile(path, copy)
                copies.append(copy)
            if record["key"] == rendered.key and all(
                    record["sha256"][path.name] == _digest(path) for path in copies):
                return replace(rendered, audio=copies[0], sheet=copies[1], transcript=copies[2])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        if again is None:
            break
        rendered = again()
    raise VoiceguideError(f"the render {rendered.audio} kept changing while it was packed (another "
                          "voiceguide run writes the same file).\n  Fix: run the command again "
                          "when the other run has finished")


# --- bundle --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundled:
    """What ``bundle`` wrote, and the render it packed (with ``levels``, the first level's; all of
    them in ``renders``, in the order of ``levels``)."""

    path: Path
    render: Rendered
    routine: Routine
    files: tuple[str, ...]
    renders: tuple[Rendered, ...] = ()
    levels: tuple[Level, ...] = ()


COVER = "cover.png"
MEMBER_MODE = 0o100644  # a regular file everyone may read (unzip tools apply it)


def _member(name: str, path: Path | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo.from_file(path, name) if path is not None else zipfile.ZipInfo(
        name, time.localtime()[:6])
    info.external_attr = MEMBER_MODE << 16
    info.compress_type = zipfile.ZIP_STORED if name.endswith(".mp3") else zipfile.ZIP_DEFLATED
    return info


def bundle(source: Path, options: pipeline.Options, output: Path, render_to: Path,
           *, force: bool = False, levels: Sequence[Level] = (),
           progress: Callable[[str], None] | None = None) -> Bundled:
    """Render ``source`` (or reuse its current render in the folder ``render_to``) and pack it
    with the routine as rendered, its cue files, a manifest and the player page into ``output``.

    With ``levels`` (such as ``("easy", "standard", "hard")``), one render per level, named
    ``<name>-<level>.mp3`` (with its cue files), all in one player page that switches between
    them; the routine packed is the one rendered at the first level. ``progress`` is told what
    is being done (one line per step). Members are written readable by everyone (0644)."""
    check_new_file(output, force, "my-routine.zip", inputs=(source, options.sound.music))
    name = slug(source.stem)
    chosen = tuple(dict.fromkeys(levels))
    tracks: list[tuple[str, pipeline.Options]] = [
        (f"{name}-{level}", replace(options, choices=replace(options.choices, level=level)))
        for level in chosen] or [(name, options)]
    renders: list[Rendered] = []
    for number, (stem, track_options) in enumerate(tracks, start=1):
        if progress is not None:
            progress(f"[{number}/{len(tracks)}] {stem}.mp3")
        audio = render_to / f"{render_name(stem, track_options, bool(chosen))}.mp3"
        renders.append(render_current(source, track_options, audio))
    with tempfile.TemporaryDirectory(prefix="voiceguide-bundle-") as staging:
        packed = []  # checked copies: a concurrent run cannot swap a file while it is packed
        for number, ((_, track_options), rendered) in enumerate(zip(tracks, renders)):
            (Path(staging) / str(number)).mkdir()
            packed.append(snapshot(rendered, Path(staging) / str(number), again=partial(
                render_current, source, track_options, rendered.audio)))
        return _pack(source, output, name, tracks, chosen, renders, packed, Path(staging),
                     options, progress)


def _pack(source: Path, output: Path, name: str, tracks: list[tuple[str, pipeline.Options]],
          chosen: tuple[Level, ...], renders: list[Rendered], packed: list[Rendered],
          staging: Path, options: pipeline.Options,
          progress: Callable[[str], None] | None) -> Bundled:
    """Write the zip of ``bundle`` from the renders' checked copies ``packed``."""
    first_options = tracks[0][1]
    routine = customize(load_routine(source), first_options.choices)
    args = first_options.choices.as_args()
    derived = f"{source.name} with {' '.join(args)}" if args else source.name
    sheets = [json.loads(r.sheet.read_text(encoding="utf-8")) for r in packed]
    files: dict[str, Path] = {}
    for (stem, _), rendered in zip(tracks, packed):
        files.update({f"{stem}.mp3": rendered.audio, f"{stem}.cues.json": rendered.sheet,
                      f"{stem}.vtt": rendered.transcript})
    first = tracks[0][0]
    links = [("Transcript", f"{first}.vtt"), ("Routine", f"{name}.yaml"),
             ("Cue sheet", f"{first}.cues.json")]
    manifest: dict[str, object] = {
        "format": "voiceguide-bundle", "version": BUNDLE_FORMAT,
        "voiceguide": voiceguide_version(), "title": routine.title,
        "routine": f"{name}.yaml", "audio": f"{first}.mp3", "cues": f"{first}.cues.json",
        "transcript": f"{first}.vtt", "duration": sheets[0].get("duration"),
        "source": source.name, "options": args,
        "engine": choose_engine(options.engine, routine.language, options.voice).name,
        "voice": options.voice, "rate": options.rate,
        "render_key": packed[0].key,
    }
    if chosen:
        manifest["levels"] = [
            {"level": level, "audio": f"{stem}.mp3", "cues": f"{stem}.cues.json",
             "transcript": f"{stem}.vtt", "duration": sheet.get("duration"),
             "render_key": rendered.key}
            for level, (stem, _), rendered, sheet in zip(chosen, tracks, packed, sheets)]
    more = [Track(sheet, f"{stem}.mp3", level)
            for level, (stem, _), sheet in zip(chosen[1:], tracks[1:], sheets[1:])]
    if progress is not None:
        progress(f"packing {output.name}")
    variant = write_variant(source, routine, staging / f"{name}.yaml", derived)
    cover = generate_cover(routine.title, routine.author or "")  # the lock screen's artwork
    texts = {
        "index.html": player_page(sheets[0], f"{first}.mp3", routine, links, more=more,
                                  level=chosen[0] if chosen else None,
                                  cover=(COVER, cover.data)),
        "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
        f"{name}.yaml": variant.read_text(encoding="utf-8"),
    }
    with atomic_path(output) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        for member, text in texts.items():
            archive.writestr(_member(member), text)
        archive.writestr(_member(COVER), cover.data)
        for member, path in files.items():
            with path.open("rb") as src, archive.open(_member(member, path), "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    return Bundled(output, renders[0], routine, tuple(sorted([*texts, *files, COVER])),
                   tuple(renders), chosen)
