"""The peer for scripts/bench.py: a session rendered the way a simple published script does it.

One pyttsx3 (espeak-ng) call per distinct sentence, each clip kept in a folder named by a hash of
its text (so a second run speaks only new sentences), the clips and pauses joined with pydub
(linearly: the raw data joined once, not ``+=`` in a loop), then one pydub ``export()`` to MP3.
No loudness work, no chapters, no tags. It follows the same schedule as voiceguide (a timeline
written by ``voiceguide preview --json``), so both produce the same length of audio::

    voiceguide preview back-strengthening --json > timeline.json
    python scripts/peer_render.py timeline.json peer.mp3 CLIP_FOLDER [BITRATE]   # default 96k
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pyttsx3
from pydub import AudioSegment

RATE = 22050


def clip_for(text: str, folder: Path, engine: pyttsx3.Engine) -> AudioSegment:
    """The sentence's clip from the folder, spoken (once) if it is not there yet."""
    path = folder / f"{hashlib.sha256(text.encode()).hexdigest()}.wav"
    if not path.exists():
        engine.save_to_file(text, str(path))
        engine.runAndWait()
    clip: AudioSegment = AudioSegment.from_wav(path)
    return clip.set_frame_rate(RATE).set_channels(1).set_sample_width(2)


def main(timeline_file: str, output: str, clips: str, bitrate: str = "96k") -> int:
    timeline = json.loads(Path(timeline_file).read_text(encoding="utf-8"))
    folder = Path(clips)
    folder.mkdir(parents=True, exist_ok=True)
    engine = pyttsx3.init()
    spoken = {text: clip_for(text, folder, engine)
              for text in dict.fromkeys(s["text"] for s in timeline["segments"]
                                        if s["kind"] == "speech")}
    pieces = []
    for segment in timeline["segments"]:
        ms = round((segment["end"] - segment["start"]) * 1000)
        piece = spoken[segment["text"]][:ms] if segment["kind"] == "speech" \
            else AudioSegment.empty()
        pieces.append(piece.raw_data)
        if len(piece) < ms:
            pieces.append(AudioSegment.silent(duration=ms - len(piece), frame_rate=RATE).raw_data)
    track = AudioSegment(data=b"".join(pieces), sample_width=2, frame_rate=RATE, channels=1)
    track.export(output, format="mp3", bitrate=bitrate)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
