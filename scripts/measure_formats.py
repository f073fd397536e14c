"""Measure the back routine rendered in every format (not a test; prints figures).

    python scripts/measure_formats.py                 # the per-format table
    python scripts/measure_formats.py --opus 24,32,48 # also Opus at these kb/s against the WAV

Per format: the file's size, the largest chapter time error against the cue sheet (ffprobe's
chapters; Ogg chapters are starts only, the last one ends where the decoded audio ends), the
integrated loudness and true peak by ffmpeg's ebur128 filter, and for the WAV the largest step
from or to digital silence at a clip's edge. With ``--opus``, each bit rate's size and how far the
decoded speech is from the WAV in two bands (signal-to-error ratio, dB: higher is cleaner).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import voiceguide  # noqa: E402
from voiceguide import Options  # noqa: E402
from voiceguide.audio import encode  # noqa: E402

from audio_checks import RATE, decode, ebur128, edge_steps, probe  # noqa: E402

ROUTINE = "back-strengthening"
EDGE_SPAN = 0.003


def chapter_error(path: Path, fmt: str) -> float:
    """The largest difference (ms) between the file's chapter times and the cue sheet's."""
    sheet = json.loads(path.with_name(path.stem + ".cues.json").read_text(encoding="utf-8"))
    expected = sheet["chapters"]
    found = probe(path)["chapters"]
    assert [c["tags"]["title"] for c in found] == [c["title"] for c in expected]
    errors = [abs(float(a["start_time"]) - b["start"]) for a, b in zip(found, expected)]
    errors += [abs(float(a["end_time"]) - b["end"]) for a, b in zip(found[:-1], expected[:-1])]
    last = decode(path).size / RATE if fmt == "opus" else float(found[-1]["end_time"])
    errors.append(abs(last - expected[-1]["end"]))
    return 1000 * max(errors)


def largest_edge(path: Path, result: voiceguide.Result) -> tuple[float, int]:
    """The loudest step from or to digital silence at a clip's edge (dBFS), and how many."""
    timeline = result.timeline
    edges = np.array(sorted({t for s in timeline.speech for t in (s.start, s.end)}
                            | {t for s in timeline.sounds for t in (s.start, s.start + s.duration)}
                            ))
    steps = [level for t, level in edge_steps(decode(path))
             if np.min(np.abs(edges - t)) <= EDGE_SPAN]
    return max(steps), len(steps)


def band_snr(reference: np.ndarray, other: np.ndarray, low: float, high: float) -> float:
    """Signal-to-error ratio (dB) of ``other`` against ``reference`` between ``low`` and
    ``high`` Hz (short-time spectra, 1024-sample frames)."""
    size = min(reference.size, other.size) // 1024 * 1024
    window = np.hanning(1024)
    a = np.fft.rfft(reference[:size].reshape(-1, 1024) * window, axis=1)
    b = np.fft.rfft(other[:size].reshape(-1, 1024) * window, axis=1)
    freqs = np.fft.rfftfreq(1024, 1 / RATE)
    band = (freqs >= low) & (freqs < high)
    signal = float(np.sum(np.abs(a[:, band]) ** 2))
    error = float(np.sum(np.abs(a[:, band] - b[:, band]) ** 2))
    return 10 * float(np.log10(signal / error))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--opus", default="", help="Opus bit rates to compare, kb/s (24,32,48)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        print(f"{'format':<6} {'size':>8} {'chapters':>10} {'loudness':>10} {'true peak':>10}")
        rendered = {}
        for fmt in ("mp3", "m4a", "opus", "wav"):
            result = voiceguide.render(ROUTINE, folder / fmt / f"{ROUTINE}.{fmt}", Options(),
                                       fmt=fmt)
            rendered[fmt] = result
            size = result.path.stat().st_size / 1e6
            error = "-" if fmt == "wav" else f"{chapter_error(result.path, fmt):.1f} ms"
            loudness, peak = ebur128(result.path)
            print(f"{fmt:<6} {size:>6.1f} MB {error:>10} {loudness:>5.1f} LUFS {peak:>5.1f} dBTP")
        wav = rendered["wav"]
        worst, count = largest_edge(wav.path, wav)
        print(f"WAV clip edges: {count} steps from or to digital silence, the largest "
              f"{worst:.1f} dBFS")
        if args.opus:
            reference = decode(wav.path)
            for rate in args.opus.split(","):
                encode.OPUS_BITRATE[1] = f"{rate.strip()}k"
                path = folder / f"opus-{rate}.opus"
                voiceguide.render(ROUTINE, path, Options(), fmt="opus", cue_files=False)
                decoded = decode(path)
                print(f"Opus {rate:>3} kb/s mono: {path.stat().st_size / 1e6:.1f} MB; "
                      f"signal to error 100-4000 Hz {band_snr(reference, decoded, 100, 4000):.1f}"
                      f" dB, 4000-8000 Hz {band_snr(reference, decoded, 4000, 8000):.1f} dB")


if __name__ == "__main__":
    main()
