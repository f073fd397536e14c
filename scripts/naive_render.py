"""The naive reference for scripts/bench.py: a session rendered the way a user would write it
without voiceguide.

One pyttsx3 ``save_to_file`` + ``runAndWait`` per utterance, the clips and the pauses joined with
pydub's ``+=``, then pydub's ``export()`` to MP3. It follows the same schedule as voiceguide (a
timeline written by ``voiceguide preview --json``), so both produce the same length of audio::

    voiceguide preview back-strengthening --json > timeline.json
    python scripts/naive_render.py timeline.json naive.mp3 [BITRATE]   # default 96k
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pyttsx3
from pydub import AudioSegment

RATE = 22050


def main(timeline_file: str, output: str, bitrate: str = "96k") -> int:
    timeline = json.loads(Path(timeline_file).read_text(encoding="utf-8"))
    engine = pyttsx3.init()
    track = AudioSegment.silent(duration=0, frame_rate=RATE)
    with tempfile.TemporaryDirectory() as scratch:
        wav = str(Path(scratch) / "utterance.wav")
        for segment in timeline["segments"]:
            ms = round((segment["end"] - segment["start"]) * 1000)
            if segment["kind"] == "speech":
                engine.save_to_file(segment["text"], wav)
                engine.runAndWait()
                clip = AudioSegment.from_wav(wav)[:ms]
                track += clip
                if len(clip) < ms:
                    track += AudioSegment.silent(duration=ms - len(clip), frame_rate=RATE)
            else:
                track += AudioSegment.silent(duration=ms, frame_rate=RATE)
    track.export(output, format="mp3", bitrate=bitrate)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
