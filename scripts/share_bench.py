"""Measure bundles: making one of the seed (rendered, then reused), importing it, and refusing a
zip bomb, with the time of each and the process's peak memory.

    python scripts/share_bench.py            # in a temporary folder, with a private phrase cache
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from voiceguide import InputError, Options
from voiceguide.format.load import templates_dir
from voiceguide.share.archive import import_bundle
from voiceguide.share.bundle import bundle


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (ru_maxrss is KB on Linux, B on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def timed(label: str, action: object) -> object:
    start = time.perf_counter()
    result = action() if callable(action) else None
    print(f"{label:<44} {time.perf_counter() - start:7.2f} s   peak {peak_mb():6.0f} MB")
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        os.environ.setdefault("VOICEGUIDE_CACHE_DIR", str(root / "cache"))
        seed = templates_dir() / "back-strengthening.yaml"
        timed("bundle the seed (render)",
              lambda: bundle(seed, Options(), root / "seed.zip", root / "renders"))
        timed("bundle the seed again (render reused)",
              lambda: bundle(seed, Options(), root / "seed2.zip", root / "renders"))
        size = (root / "seed.zip").stat().st_size
        print(f"{'bundle size':<44} {size / 1e6:7.1f} MB")
        timed("import the seed bundle", lambda: import_bundle(root / "seed.zip", root / "in"))
        with zipfile.ZipFile(root / "seed.zip") as source, \
                zipfile.ZipFile(root / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as bomb:
            for name in source.namelist():
                data = source.read(name)
                bomb.writestr(name, b"WEBVTT\n" + b" " * 45_000_000 if name.endswith(".vtt")
                              else data)

        def refuse() -> None:
            try:
                import_bundle(root / "bomb.zip", root / "bombed")
            except InputError as exc:
                print(f"  refused: {str(exc).splitlines()[0][:90]}")

        packed = (root / "bomb.zip").stat().st_size - size
        timed(f"refuse a zip bomb (45 MB in {packed / 1e3:.0f} kB more)", refuse)
        print(f"{'nothing written for the bomb':<44} {not (root / 'bombed').exists()}")


if __name__ == "__main__":
    main()
