"""Measure how well the rendered audio keeps the timeline's timing (not a test; prints figures).

    python scripts/measure_timing.py            # the seed at default, --tempo 1.5, --rate 220

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
from voiceguide import Customization, Options  # noqa: E402

from audio_checks import RATE, dbfs, decode, envelope, measured_onset, silent_until  # noqa: E402

EDGE = 0.020
SETTINGS = {
    "default": Options(),
    "--tempo 1.5": Options(choices=Customization(tempo=1.5)),
    "--rate 220": Options(rate=220),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for label, options in SETTINGS.items():
            result = voiceguide.render("back-strengthening", Path(scratch) / "seed.mp3", options)
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
                    inner = samples[round((segment.start + EDGE) * RATE):
                                    round((end - EDGE) * RATE)]
                    loudest = max(loudest, dbfs(inner))
            length_error = samples.size / RATE - result.timeline.duration
            print(f"{label:<12} {len(result.timeline.speech):>4} spoken segments, worst onset "
                  f"error {worst * 1000:.1f} ms; loudest silence {loudest:.1f} dBFS; length "
                  f"{result.timeline.duration:.3f} s, file {length_error * 1000:+.1f} ms")


if __name__ == "__main__":
    main()
