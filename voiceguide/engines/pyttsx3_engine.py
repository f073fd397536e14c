"""The default engine: pyttsx3, which drives espeak-ng on Linux, SAPI5 on Windows, NSSS on macOS."""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from pydub import AudioSegment

from ..errors import EngineError
from . import Voice

INSTALL_HINT = {
    "linux": "install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng)",
    "darwin": "macOS ships its voices; reinstall pyttsx3: pip install --force-reinstall pyttsx3",
    "win32": "Windows ships SAPI5 voices; install pywin32 with: pip install pywin32",
}
DEFAULT_RATE = 200  # words per minute, pyttsx3's own default
ATTEMPTS = 3
RATE_ATTEMPTS = 20
IDLE_WAIT = 10.0  # seconds: longest wait for espeak-ng's thread to finish a phrase
# Part of the cache key: 2 since the engine waits for espeak-ng to finish each phrase (clips made
# before could be cut short or follow a cancelled phrase).
REVISION = 2
WAV_HEADER_BYTES = 44
VARIANT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")  # an espeak-ng voice variant's name


class Pyttsx3Engine:
    """Offline speech through pyttsx3; one ``runAndWait`` per file (pyttsx3 writes only the last
    file when several saves share one)."""

    id = "pyttsx3"

    def __init__(self) -> None:
        self._engine: Any = None
        self._voices: list[Voice] | None = None

    def _driver(self) -> Any:
        if self._engine is None:
            try:
                import pyttsx3

                with contextlib.redirect_stdout(io.StringIO()):
                    self._engine = pyttsx3.init()
                _silence_driver(self._engine)
                if not hasattr(self._engine, "_voiceguide_default_voice"):
                    self._engine._voiceguide_default_voice = self._engine.getProperty("voice")
            except Exception as exc:  # pyttsx3 raises OSError, RuntimeError, ImportError…
                hint = INSTALL_HINT.get(sys.platform, INSTALL_HINT["linux"])
                raise EngineError(f"no working speech engine ({exc}).\n  Fix: {hint}") from None
        return self._engine

    def version(self) -> str:
        try:
            library = package_version("pyttsx3")
        except PackageNotFoundError:
            library = "unknown"
        driver = getattr(self._driver().proxy._driver, "__module__", "driver")
        return f"pyttsx3-{library}-{driver}-{_espeak_version()}-r{REVISION}"

    def voices(self) -> list[Voice]:
        if self._voices is None:
            found = []
            for voice in self._driver().getProperty("voices"):
                languages = tuple(
                    lang.decode("ascii", "replace") if isinstance(lang, bytes) else str(lang)
                    for lang in (voice.languages or ()))
                found.append(Voice(str(voice.id), str(voice.name), languages))
            self._voices = found
        return self._voices

    def find_voice(self, wanted: str) -> Voice:
        """A voice by id, name or language (``gmw/en-us``, ``English (America)``, ``en-us``);
        on espeak-ng a ``+variant`` may follow (``gmw/de+m3``: a voice variant of espeak-ng's
        ``voices/!v`` folder)."""
        base, plus, variant = wanted.partition("+")
        if plus and sys.platform.startswith("linux") and VARIANT.match(variant):
            found = self.find_voice(base)
            return Voice(f"{found.id}+{variant}", f"{found.name} ({variant})", found.languages)
        voices = self.voices()
        lowered = wanted.lower()
        for test in (
            lambda v: v.id.lower() == lowered,
            lambda v: v.name.lower() == lowered,
            lambda v: lowered in (lang.lower() for lang in v.languages),
            lambda v: v.id.lower().rsplit("/", 1)[-1] == lowered,
        ):
            for voice in voices:
                if test(voice):
                    return voice
        raise EngineError(f"no voice {wanted!r} in the pyttsx3 engine.\n  Fix: run "
                          "'voiceguide voices' to list the voices of this machine")

    def synthesize(self, text: str, voice: str | None, rate: int | None) -> AudioSegment:
        if not text.strip():
            raise EngineError("cannot synthesize empty text")
        engine = self._driver()
        # pyttsx3 shares one driver between all engine objects of a process: read what it is set
        # to now instead of remembering what this object last set.
        wanted = self.find_voice(voice).id if voice else engine._voiceguide_default_voice
        if wanted and engine.getProperty("voice") != wanted:
            engine.setProperty("voice", wanted)
        _set_rate(engine, int(rate) if rate else DEFAULT_RATE)
        try:
            handle, name = tempfile.mkstemp(prefix="voiceguide-", suffix=".wav")
        except OSError as exc:
            raise EngineError(f"cannot write a temporary file in {tempfile.gettempdir()}: "
                              f"{exc.strerror or exc}\n  Fix: free some disk space there, or "
                              "point TMPDIR (Windows: TEMP) at a folder you can write to") from None
        os.close(handle)
        path = Path(name)
        try:
            # Saying a phrase again is left for a driver that returns no audio at all (espeak-ng
            # seemed to, about one phrase in a hundred, before _wait_until_idle).
            for _attempt in range(ATTEMPTS):
                _wait_until_idle(engine)
                with contextlib.redirect_stdout(io.StringIO()):
                    engine.save_to_file(text, str(path))
                    engine.runAndWait()
                _wait_until_idle(engine)
                if path.stat().st_size > WAV_HEADER_BYTES:
                    return AudioSegment.from_wav(str(path))
            raise EngineError(f"the speech engine produced no audio for {text!r}")
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"the speech engine failed on {text!r}: {exc}") from None
        except BaseException:  # Ctrl-C or SIGTERM in the middle of the phrase
            _abandon(engine)
            raise
        finally:
            path.unlink(missing_ok=True)


def _abandon(engine: Any) -> None:
    """Stop a phrase mid-synthesis: espeak-ng goes on in its own thread and would write the
    phrase's file after it was removed. Its callbacks ignore the rest once ``_speaking`` is off."""
    with contextlib.suppress(Exception):
        driver = engine.proxy._driver
        driver._speaking = False
        if type(driver).__module__.endswith(".espeak"):
            from pyttsx3.drivers import _espeak

            _espeak.Cancel()


def _wait_until_idle(engine: Any) -> None:
    """Wait (at most ``IDLE_WAIT`` seconds) until espeak-ng's thread has finished its phrase.

    pyttsx3 2.99's espeak driver writes the WAV file in the callback that gets espeak-ng's
    "message terminated" event, on espeak-ng's thread; ``runAndWait`` only waits for it from the
    second call of a process on (the first loop ends at once), and espeak-ng's thread is still
    busy with that callback when ``runAndWait`` returns. So the engine read an empty or partly
    written file now and then, said the phrase twice, and the next ``runAndWait``, which begins
    by stopping the driver, cancelled the next phrase while espeak-ng still looked busy; a
    phrase espeak-ng made in part changes what it says after (its noise and pauses carry
    over). Under load (40 phrases in 12 fresh processes, 3 at a time, beside 3 busy loops on
    2 cores) the same phrase came out up to 25 ms longer or shorter; waiting here, to the
    sample the same."""
    with contextlib.suppress(Exception):
        if not type(engine.proxy._driver).__module__.endswith(".espeak"):
            return
        from pyttsx3.drivers import _espeak

        deadline = time.monotonic() + IDLE_WAIT
        while _espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.001)


def _set_rate(engine: Any, rate: int) -> None:
    """Set the speaking rate and check it took: espeak-ng (1.51) now and then drops a rate set
    right after an utterance, which would speak (and cache) the phrase at the old rate."""
    for _attempt in range(RATE_ATTEMPTS):
        with contextlib.suppress(Exception):
            if round(float(engine.getProperty("rate"))) == rate:
                return
        engine.setProperty("rate", rate)


def _espeak_version() -> str:
    """The espeak-ng library version where there is one (it changes the sound)."""
    if not sys.platform.startswith("linux"):
        return sys.platform
    try:
        from pyttsx3.drivers import _espeak

        info = _espeak.Info()
        return str(info.decode() if isinstance(info, bytes) else info)
    except Exception:
        return "espeak"


def _silence_driver(engine: Any) -> None:
    """Keep the espeak driver from printing "Audio saved to …" on our stdout.

    pyttsx3 2.99's espeak driver prints it from espeak-ng's synthesis thread, which may run after
    ``runAndWait`` has returned and a ``redirect_stdout`` around it has ended (seen under load: the
    line appeared in ``render``'s output). A ``print`` in the driver module's namespace shadows the
    built-in one for that module alone."""
    module = sys.modules.get(type(getattr(getattr(engine, "proxy", None), "_driver", None))
                             .__module__)
    if module is not None and module.__name__.endswith("drivers.espeak"):
        module.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]
