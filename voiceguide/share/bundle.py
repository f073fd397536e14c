"""Share a routine as one zip bundle: the routine as rendered (``<name>.yaml``, the options
applied), the audio (``<name>.mp3``), its cue sheet (``<name>.cues.json``) and WebVTT transcript
(``<name>.vtt``), ``manifest.json`` (the options and versions) and ``index.html``, the player page.
A render is reused while the routine, the options and the engine stay the same.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from .. import pipeline
from ..atomic import atomic_path, check_new_file, write_text
from ..engines import choose_engine
from ..model import Routine
from ..pipeline import load_routine
from ..script.customize import customize
from ..script.phrases import phrases_dir
from ..script.variant import write_variant
from .archive import slug
from .player import player_page

BUNDLE_FORMAT = 1
RENDER_FORMAT = 1  # bump when what a render depends on changes beyond the key's fields


def voiceguide_version() -> str:
    try:
        return package_version("voiceguide")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"



# --- renders that are reused while current -----------------------------------------------------


def render_key(source: Path, options: pipeline.Options) -> str:
    """A hash of everything a render depends on: the routine file, the options, the phrase file,
    the speech engine and its version, and voiceguide's version."""
    routine = load_routine(source)
    engine = choose_engine(options.engine, routine.language, options.voice).engine
    phrase_file = phrases_dir() / f"{routine.language}.yaml"
    music = options.sound.music
    fields = [
        RENDER_FORMAT, voiceguide_version(), source.read_bytes().hex(),
        repr(replace(options, cache=True, cache_dir=None)),
        engine.id, engine.version(),
        phrase_file.read_text(encoding="utf-8") if phrase_file.is_file() else None,
        [str(music), music.stat().st_size, music.stat().st_mtime_ns] if music else None,
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
                    and sheet.is_file() and transcript.is_file())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def record_render(result: pipeline.Result, key: str) -> None:
    """Note beside an MP3 render (with its cue files) the ``render_key`` it was made with, so
    that ``render_current`` reuses it."""
    record = {"key": key, "bytes": result.path.stat().st_size,
              "cue_files": [p.name for p in result.cue_files]}
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


# --- bundle --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundled:
    """What ``bundle`` wrote, and the render it packed."""

    path: Path
    render: Rendered
    routine: Routine
    files: tuple[str, ...]


def bundle(source: Path, options: pipeline.Options, output: Path, render_to: Path,
           *, force: bool = False) -> Bundled:
    """Render ``source`` (or reuse its current render in the folder ``render_to``) and pack it
    with the routine as rendered, its cue files, a manifest and the player page into ``output``."""
    check_new_file(output, force, "my-routine.zip")
    name = slug(source.stem)
    rendered = render_current(source, options, render_to / f"{name}.mp3")
    routine = customize(load_routine(source), options.choices)
    args = options.choices.as_args()
    derived = f"{source.name} with {' '.join(args)}" if args else source.name
    sheet = json.loads(rendered.sheet.read_text(encoding="utf-8"))
    files = {
        f"{name}.mp3": rendered.audio,
        f"{name}.cues.json": rendered.sheet,
        f"{name}.vtt": rendered.transcript,
    }
    links = [("Transcript", f"{name}.vtt"), ("Routine", f"{name}.yaml"),
             ("Cue sheet", f"{name}.cues.json")]
    manifest = {
        "format": "voiceguide-bundle", "version": BUNDLE_FORMAT,
        "voiceguide": voiceguide_version(), "title": routine.title,
        "routine": f"{name}.yaml", "audio": f"{name}.mp3", "cues": f"{name}.cues.json",
        "transcript": f"{name}.vtt", "duration": sheet.get("duration"),
        "source": source.name, "options": args,
        "engine": choose_engine(options.engine, routine.language, options.voice).name,
        "voice": options.voice, "rate": options.rate,
        "render_key": rendered.key,
    }
    with tempfile.TemporaryDirectory(prefix="voiceguide-bundle-") as staging:
        variant = write_variant(source, routine, Path(staging) / f"{name}.yaml", derived)
        texts = {
            "index.html": player_page(sheet, f"{name}.mp3", routine, links),
            "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
            f"{name}.yaml": variant.read_text(encoding="utf-8"),
        }
        with atomic_path(output) as tmp, zipfile.ZipFile(tmp, "w") as archive:
            for member, text in texts.items():
                archive.writestr(member, text, compress_type=zipfile.ZIP_DEFLATED)
            for member, path in files.items():
                packed = zipfile.ZIP_STORED if member.endswith(".mp3") else zipfile.ZIP_DEFLATED
                archive.write(path, member, compress_type=packed)
    return Bundled(output, rendered, routine, tuple(sorted([*texts, *files])))


