"""Benchmark: voiceguide's render against the floor (ffmpeg encoding the same audio), a naive
script and a simple peer script, its peak memory, and how its time grows with the session's
length; the chapters encoded in parts, the levels from the cache, the start-up.

    python scripts/bench.py              # everything, medians of 3 runs (about 20 minutes)
    python scripts/bench.py --runs 5
    python scripts/bench.py --break-even # when worker processes start paying for themselves
    python scripts/bench.py --engine piper   # the same figures with another engine
    python scripts/bench.py --intelligibility  # word error rate per voice (intelligibility.py)

Every render runs in its own child process (the ``voiceguide`` command line), so times include
start-up and peak memory (max RSS) is that render's alone. The phrase cache is a scratch folder:
the user's own cache is never touched. This is not a test: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from voiceguide.audio.encode import codec_options
from voiceguide.audio.synthesize import CHANNELS, SAMPLE_RATE

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "templates" / "back-strengthening.yaml"
LENGTHS = (15, 30, 60, 120)  # minutes of the generated routines

CHILD = """\
import atexit, resource, sys
def report():
    self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"\\nBENCH-RSS-KB {self} {kids}\\n")
atexit.register(report)
from voiceguide.cli import main
sys.argv = ["voiceguide", *sys.argv[1:]]
main()
"""


def run_voiceguide(args: list[str], cache: Path) -> tuple[float, float]:
    """Run ``voiceguide ARGS`` in a child process: (seconds, peak RSS of that process in MB)."""
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"voiceguide {' '.join(args)} failed:\n{done.stderr}")
    rss = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("BENCH-RSS")]
    return seconds, int(rss[-1]) / 1024 if rss else float("nan")


def timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def clips_in(cache: Path) -> int:
    return sum(1 for _ in cache.glob("*/*.wav"))


def parts_in(cache: Path) -> int:
    return sum(1 for _ in (cache / "parts").glob("*/*.mp3"))


def startup(say: Callable[[str], None]) -> None:
    """Wall time and imports of the light commands (``python -X importtime``)."""
    for args in (["--help"], ["validate", "back-strengthening"]):
        seconds = median([timed([sys.executable, "-c", CHILD, *args]) for _ in range(3)])
        log = subprocess.run([sys.executable, "-X", "importtime", "-c", CHILD, *args],
                             capture_output=True, text=True).stderr
        rows = [line.split("|") for line in log.splitlines() if line.startswith("import time:")]
        modules = {row[2].strip() for row in rows if len(row) == 3}
        total = sum(int(row[0].split(":")[1]) for row in rows if len(row) == 3
                    and row[0].split(":")[1].strip().isdigit())
        heavy = sorted(name for name in ("numpy", "pydub", "pyttsx3", "piper")
                       if name in modules)
        say(f"  voiceguide {' '.join(args):<30} {seconds:6.2f} s  imports {total / 1e6:5.2f} s "
            f"of self time, heavy modules: {', '.join(heavy) or 'none'}  (target: none)")


def levels_from_cache(cache: Path, say: Callable[[str], None]) -> None:
    """Planning the seed's levels: the exact plan, the grid plan with an empty profile store,
    and with the profiles of the cache (in-process)."""
    import voiceguide
    from voiceguide import Options
    from voiceguide.audio.levels import Clips, plan
    from voiceguide.audio.master import CEILING, ENCODER_LOSS, GAIN_STEP, placements
    from voiceguide.audio.mix import total_frames
    from voiceguide.audio.profiles import ProfileStore, levels_folder, plan_levels

    prepared = voiceguide.prepare("back-strengthening", Options(cache_dir=cache))
    sources, placed = placements(prepared.timeline, prepared.clips, SAMPLE_RATE)
    clips = Clips(sources, placed, total_frames(prepared.timeline, SAMPLE_RATE), SAMPLE_RATE,
                  CHANNELS)
    start = time.perf_counter()
    plan(clips, -19.0, CEILING, ENCODER_LOSS["mp3"])
    exact = time.perf_counter() - start
    start = time.perf_counter()
    plan_levels(clips, -19.0, CEILING, ENCODER_LOSS["mp3"], GAIN_STEP, ProfileStore(None))
    fresh = time.perf_counter() - start
    start = time.perf_counter()
    plan_levels(clips, -19.0, CEILING, ENCODER_LOSS["mp3"], GAIN_STEP,
                ProfileStore(levels_folder(cache)))
    cached = time.perf_counter() - start
    say(f"  levels of the seed: exact plan {exact:5.2f} s, on the grid without profiles "
        f"{fresh:5.2f} s, from the cached profiles {cached:5.2f} s")


def peer_comparison(scratch: Path, runs: int, say: Callable[[str], None]) -> None:
    """voiceguide against scripts/peer_render.py on generated workouts of about 10, 15 and 20
    minutes: cold (nothing cached) and warm (one exercise's reps changed), realtime factors."""
    say("\nAgainst a simple peer script (scripts/peer_render.py: one espeak-ng call per distinct "
        "sentence, clips kept by text, pydub join, one export)")
    totals = {"vg cold": 0.0, "vg warm": 0.0, "peer cold": 0.0, "peer warm": 0.0}
    audio = {"cold": 0.0, "warm": 0.0}
    for minutes in (10, 15, 20):
        folder = scratch / f"peer-{minutes}"
        folder.mkdir()
        path, length = generated_routine(minutes, folder, folder / "preview-cache")
        first = yaml.safe_load(path.read_text(encoding="utf-8"))["exercises"][0]
        change = ["--reps", f"{first['id']}={first['reps'] + 2}"]
        timelines = {}
        for name, extra in (("cold", []), ("warm", change)):
            shown = subprocess.run([sys.executable, "-c", CHILD, "preview", str(path), "--json",
                                    *extra], check=True, capture_output=True, text=True,
                                   env={**os.environ,
                                        "VOICEGUIDE_CACHE_DIR": str(folder / "preview-cache")})
            timelines[name] = folder / f"{name}.json"
            timelines[name].write_text(shown.stdout, encoding="utf-8")
            audio[name] += json.loads(shown.stdout)["duration"]
        row: dict[str, list[float]] = {key: [] for key in totals}
        for run in range(runs):
            cache, clips = folder / f"vg-{run}", folder / f"peer-{run}"
            out = str(folder / "vg.mp3")
            row["vg cold"].append(run_voiceguide(["render", str(path), "-o", out], cache)[0])
            row["vg warm"].append(run_voiceguide(["render", str(path), "-o", out, *change],
                                                 cache)[0])
            for name in ("cold", "warm"):
                row[f"peer {name}"].append(timed([
                    sys.executable, str(ROOT / "scripts" / "peer_render.py"),
                    str(timelines[name]), str(folder / "peer.mp3"), str(clips)]))
        medians = {key: median(values) for key, values in row.items()}
        for key in totals:
            totals[key] += medians[key]
        say(f"  {minutes} min ({length / 60:4.1f} min of audio): voiceguide cold "
            f"{medians['vg cold']:5.2f} s, warm {medians['vg warm']:5.2f} s; peer cold "
            f"{medians['peer cold']:5.2f} s, warm {medians['peer warm']:5.2f} s")
    factor = {key: audio[key.split()[-1]] / seconds for key, seconds in totals.items()}
    say(f"  realtime factors over all three: voiceguide cold {factor['vg cold']:5.0f}x, warm "
        f"{factor['vg warm']:5.0f}x; peer cold {factor['peer cold']:5.0f}x, warm "
        f"{factor['peer warm']:5.0f}x")
    say(f"  voiceguide / peer: cold {factor['vg cold'] / factor['peer cold']:4.2f}x "
        f"(target >= 1.5x), warm {factor['vg warm'] / factor['peer warm']:4.2f}x "
        "(target >= 4x)")


def floor_seconds(wav: Path, scratch: Path, runs: int) -> float:
    """ffmpeg encoding ``wav`` to MP3 with encode.py's settings."""
    command = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(wav),
               *codec_options("mp3", SAMPLE_RATE, CHANNELS), "-f", "mp3",
               str(scratch / "floor.mp3")]
    return median([timed(command) for _ in range(runs)])


def generated_routine(minutes: int, folder: Path, cache: Path) -> tuple[Path, float]:
    """A routine of about ``minutes``: the seed's exercises over and over (each its own id),
    the last one's reps adjusted to land near the length. Returns (file, seconds)."""
    import voiceguide
    from voiceguide import Options

    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    exercises = seed["exercises"]
    path = folder / f"generated-{minutes}-min.yaml"

    def build(count: int, last_reps: int | None) -> float:
        chosen = []
        for index in range(count):
            exercise = copy.deepcopy(exercises[index % len(exercises)])  # no YAML aliases
            exercise["id"] = f"{exercise['id']}-{index + 1}"
            if last_reps is not None and index == count - 1:
                exercise["reps"] = last_reps
            chosen.append(exercise)
        routine = {**seed, "title": f"Generated {minutes}-minute session", "exercises": chosen}
        path.write_text(yaml.safe_dump(routine, sort_keys=False), encoding="utf-8")
        return voiceguide.preview(path, Options(cache_dir=cache, jobs=None)).duration

    target = minutes * 60
    count = 1
    while build(count + 1, None) <= target:
        count += 1
    best = (abs(build(count, None) - target), None)
    for reps in range(1, 60):  # one more exercise with only as many reps as fit
        length = build(count + 1, reps)
        best = min(best, (abs(length - target), reps), key=lambda pair: pair[0])
        if length > target:
            break
    if best[1] is None:
        return path, build(count, None)
    return path, build(count + 1, best[1])


def profile_warm_render(cache: Path, output: Path) -> dict[str, float]:
    """Where a warm render's time goes (cProfile, cumulative seconds of the main stages)."""
    os.environ["VOICEGUIDE_CACHE_DIR"] = str(cache)
    import voiceguide

    profiler = cProfile.Profile()
    profiler.enable()
    voiceguide.render("back-strengthening", output)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    wanted = {"synthesize": "synthesize.py", "compile_timeline": "compile.py",
              "plan_levels": "profiles.py", "measure": "loudness.py",
              "encode_parts": "parts.py", "write_joined": "parts.py", "render": "pipeline.py"}
    found: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        if name in wanted and filename.endswith(wanted[name]):
            found[name] = found.get(name, 0.0) + cumulative
    return found


def break_even(scratch: Path) -> None:
    """Synthesis of N new phrases in this process alone, and with 2 and 3 worker processes."""
    from voiceguide.audio.synthesize import synthesize
    from voiceguide.engines import get_engine

    engine = get_engine("pyttsx3")
    engine.synthesize("Warm up.", None, None)
    print("new phrases   this process   +2 workers   +3 workers   (seconds, median of 3)")
    for count in (10, 20, 30, 40, 60, 110, 160):
        row = []
        for jobs in (1, 3, 4):
            times = []
            for run in range(3):
                texts = [f"Phrase {n} of {count}, run {run}, {jobs} jobs." for n in range(count)]
                start = time.perf_counter()
                synthesize(texts, engine, engine_name="pyttsx3", jobs=jobs)
                times.append(time.perf_counter() - start)
            row.append(median(times))
        print(f"{count:>11}   {row[0]:>12.2f}   {row[1]:>10.2f}   {row[2]:>10.2f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--lengths", default=",".join(map(str, LENGTHS)),
                        help="minutes of the generated routines, the first and last compared")
    parser.add_argument("--break-even", action="store_true",
                        help="only measure when worker processes pay for themselves")
    parser.add_argument("--engine", default="pyttsx3",
                        help="the speech engine of every render (default: pyttsx3, espeak-ng)")
    parser.add_argument("--intelligibility", nargs=argparse.REMAINDER, default=None,
                        metavar="ARGS", help="only measure the word error rate of each voice "
                        "(scripts/intelligibility.py, with these arguments)")
    parser.add_argument("--no-peer", action="store_true", help="leave out the peer comparison")
    args = parser.parse_args()
    if args.intelligibility is not None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import intelligibility

        return intelligibility.main(args.intelligibility)
    os.environ["VOICEGUIDE_ENGINE"] = args.engine  # read by every render, here and in children
    runs = max(1, args.runs)
    lengths_wanted = [int(value) for value in args.lengths.split(",")]
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as name:
        scratch = Path(name)
        os.environ["VOICEGUIDE_CACHE_DIR"] = str(scratch / "preview-cache")
        if args.break_even:
            break_even(scratch)
            return 0
        say: Callable[[str], None] = lambda text: print(text, flush=True)  # noqa: E731
        say(f"voiceguide benchmark: {args.engine} engine, {os.cpu_count()} cores, Python "
            f"{sys.version.split()[0]}, "
            f"medians of {runs} runs, renders in child processes, load average "
            f"{os.getloadavg()[0]:.1f} at the start")
        seed_out = str(scratch / "seed.mp3")

        # Cold: an empty cache each run. Warm: the cache filled, then the reps changed.
        cold, cold_rss = [], []
        for run in range(runs):
            seconds, rss = run_voiceguide(["render", "back-strengthening", "-o", seed_out],
                                          scratch / f"cold-{run}")
            cold.append(seconds)
            cold_rss.append(rss)
        warm_cache = scratch / "cold-0"
        cold_parts = parts_in(warm_cache)
        warm, new_phrases, new_parts = [], [], []
        for run in range(runs):
            before, parts_before = clips_in(warm_cache), parts_in(warm_cache)
            seconds, _ = run_voiceguide(["render", "back-strengthening", "-o", seed_out,
                                         "--reps", f"general-back-stretch={10 + run}"],
                                        warm_cache)
            warm.append(seconds)
            new_phrases.append(clips_in(warm_cache) - before)
            new_parts.append(parts_in(warm_cache) - parts_before)

        # The floor: ffmpeg alone encoding the same audio (the seed rendered as WAV) to MP3.
        wav = scratch / "seed.wav"
        run_voiceguide(["render", "back-strengthening", "-o", str(wav), "--format", "wav",
                        "--no-cue-files"], warm_cache)
        floor = floor_seconds(wav, scratch, runs)
        length = voiceguide_duration(wav)
        say(f"\nSeed template back-strengthening ({length / 60:.1f} min of audio)")
        say(f"  floor (ffmpeg: WAV -> MP3, encode.py's settings) {floor:7.2f} s")
        say(f"  voiceguide cold (empty cache)                   {median(cold):7.2f} s  "
            f"{median(cold) / floor:5.2f}x floor   (target <= 1.2x; {cold_parts} chapters "
            "encoded side by side)")
        say(f"  voiceguide warm (cache filled, reps changed)    {median(warm):7.2f} s  "
            f"{median(warm) / floor:5.2f}x floor   (target <= 0.35x; "
            f"{max(new_phrases)} new phrases spoken, {max(new_parts)} of {cold_parts} "
            "chapters encoded)")

        if args.naive_runs > 0:
            timeline = scratch / "timeline.json"
            shown = subprocess.run([sys.executable, "-c", CHILD, "preview", "back-strengthening",
                                    "--json"], check=True, capture_output=True, text=True,
                                   env={**os.environ, "VOICEGUIDE_CACHE_DIR": str(warm_cache)})
            timeline.write_text(shown.stdout, encoding="utf-8")
            codec = codec_options("mp3", SAMPLE_RATE, CHANNELS)
            bitrate = codec[codec.index("-b:a") + 1]
            naive = median([timed([sys.executable, str(ROOT / "scripts" / "naive_render.py"),
                                   str(timeline), str(scratch / "naive.mp3"), bitrate])
                            for _ in range(args.naive_runs)])
            say(f"  naive script (pyttsx3 per utterance, pydub +=) {naive:7.2f} s  "
                f"{naive / median(cold):5.2f}x voiceguide cold   (target >= 10x)")

        say("\nLevels from the cache (in-process)")
        levels_from_cache(warm_cache, say)
        say("\nStart-up of the light commands (child processes, medians of 3)")
        startup(say)
        if not args.no_peer:
            peer_comparison(scratch, runs, say)

        say("\nGenerated routines (the seed's exercises repeated), cold cache, child processes")
        times: dict[int, float] = {}
        lengths: dict[int, float] = {}
        peak: dict[int, float] = {}
        for minutes in lengths_wanted:
            path, lengths[minutes] = generated_routine(minutes, scratch, scratch / "gen-cache")
            measured, rss = [], []
            for run in range(runs):
                seconds, used = run_voiceguide(
                    ["render", str(path), "-o", str(scratch / "gen.mp3")],
                    scratch / f"gen-{minutes}-{run}")
                measured.append(seconds)
                rss.append(used)
            times[minutes], peak[minutes] = median(measured), max(rss)
            say(f"  {minutes:>3} min ({lengths[minutes] / 60:6.1f} min of audio)  "
                f"{times[minutes]:7.2f} s  peak RSS {peak[minutes]:6.1f} MB")
        first, last = lengths_wanted[0], lengths_wanted[-1]
        say(f"  {last}-min time / {first}-min time: {times[last] / times[first]:.2f}  "
            f"(lengths {lengths[last] / lengths[first]:.2f}x; target <= 8.8 for 120/15)")

        # Several routines: one call (encoded side by side) against one call per routine.
        first_path = scratch / f"generated-{first}-min.yaml"
        copies = [scratch / "batch" / f"{name}.yaml" for name in ("one", "two")]
        copies[0].parent.mkdir()
        for copy in copies:
            copy.write_text(first_path.read_text(encoding="utf-8"), encoding="utf-8")
        batch_cache = scratch / f"gen-{first}-0"  # warm: the phrases are all there
        apart = median([sum(run_voiceguide(["render", str(copy), "-o",
                                            str(scratch / f"{copy.stem}.mp3")], batch_cache)[0]
                            for copy in copies) for _ in range(runs)])
        together = median([run_voiceguide(["render", *map(str, copies), "--output-dir",
                                           str(scratch / "batch-out")], batch_cache)[0]
                           for _ in range(runs)])
        say(f"\nTwo {first}-min routines, warm cache: one call each {apart:6.2f} s, "
            f"one call for both {together:6.2f} s ({apart / together:.2f}x faster)")

        say("\nPeak memory (max RSS of the rendering process)")
        seed_rss = max(cold_rss)
        say(f"  seed      {seed_rss:6.1f} MB")
        say(f"  {last} min   {peak[last]:6.1f} MB  {peak[last] / seed_rss:.2f}x the seed's  "
            "(target for 120 min: <= 1.5x and < 200 MB)")

        stages = profile_warm_render(warm_cache, scratch / "profiled.mp3")
        total = stages.get("render", float("nan"))
        say(f"\nWhere a warm seed render's {total:.2f} s go (cProfile, in-process):")
        for stage in ("synthesize", "compile_timeline", "plan_levels", "measure", "encode_parts",
                      "write_joined"):
            if stage in stages:
                say(f"  {stage:<17} {stages[stage]:6.2f} s")
        say(f"\nLoad average at the end: {os.getloadavg()[0]:.1f} (other work on the machine "
            "slows every figure; the ratios are taken within this one run)")
    return 0


def voiceguide_duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format",
                          str(path)], check=True, capture_output=True, text=True).stdout
    return float(json.loads(out)["format"]["duration"])


if __name__ == "__main__":
    sys.exit(main())
