"""Measure how well the rendered audio keeps the timeline's timing (not a test; prints figures).

    python scripts/measure_timing.py              # the seed at default, --tempo 1.5, --rate 220
    python scripts/measure_timing.py --templates  # every bundled template (espeak-ng), with
                                                  # what is heard at its first rest

For each render: the worst onset error over every spoken segment (onsets found by analysing the
decoded samples, as tests/test_timing.py does), the loudest silence 20 ms away from a transition,
and the difference between the file's length and the timeline's.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import voiceguide  # noqa: E402
from voiceguide import Customization, Options, Result  # noqa: E402
from voiceguide.format.load import list_templates  # noqa: E402
from voiceguide.script.cues import clock  # noqa: E402

from audio_checks import RATE, dbfs, decode, envelope, measured_onset, silent_until  # noqa: E402

EDGE = 0.020
SETTINGS = {
    "default": Options(),
    "--tempo 1.5": Options(choices=Customization(tempo=1.5)),
    "--rate 220": Options(rate=220),
}


def measure(label: str, result: Result) -> None:
    samples = decode(result.path)
    env = envelope(samples)
    worst, previous_end = 0.0, -1.0
    for segment in result.timeline.speech:
        onset = measured_onset(env, segment.start, previous_end + EDGE)
        error = float("inf") if onset is None else abs(onset - segment.start)
        worst = max(worst, error)
        previous_end = segment.end
    loudest = float("-inf")
    for segment in result.timeline.segments:
        end = silent_until(segment, result.timeline.sounds)
        if segment.kind == "silence" and end - segment.start > 2 * EDGE + 0.001:
            inner = samples[round((segment.start + EDGE) * RATE):round((end - EDGE) * RATE)]
            loudest = max(loudest, dbfs(inner))
    length_error = samples.size / RATE - result.timeline.duration
    print(f"{label:<18} {len(result.timeline.speech):>4} spoken segments, worst onset "
          f"error {worst * 1000:.1f} ms; loudest silence {loudest:.1f} dBFS; length "
          f"{clock(result.timeline.duration)} ({result.timeline.duration:.3f} s), file "
          f"{length_error * 1000:+.1f} ms")


def transition(result: Result) -> str:
    """What is heard from the end of the first exercise through its rest into the next one."""
    timeline = result.timeline
    rest = next((s for s in timeline.spans if s.kind == "rest"), None)
    if rest is None:
        return ""
    heard = [s for s in timeline.speech if rest.start - 4 <= s.start <= rest.end + 2]
    return "\n".join(f"    {clock(s.start)}  {s.text}" for s in heard)


def templates() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for path in list_templates():
            result = voiceguide.render(path.stem, Path(scratch) / f"{path.stem}.mp3",
                                       Options(engine="pyttsx3"))
            measure(path.stem, result)
            print(transition(result))


def main() -> None:
    if "--templates" in sys.argv:
        templates()
        return
    with tempfile.TemporaryDirectory() as scratch:
        for label, options in SETTINGS.items():
            result = voiceguide.render("back-strengthening", Path(scratch) / "seed.mp3", options)
            measure(label, result)


if __name__ == "__main__":
    main()
