"""Several routines in one call: ``voiceguide render a.yaml b.yaml folder/``.

Routines are prepared one after the other in this process (the speech engine is one per process,
and each routine finds the phrases the previous ones put in the cache), while the finished plans
are encoded by ffmpeg side by side, one encoder per core. Every routine is loaded and checked
before anything is rendered, so a typo in the last file costs no time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .model import Routine
from .pipeline import (
    Options,
    Plan,
    Result,
    check_render_output,
    load_routine,
    prepare,
    render_plan,
    resolve,
)

ROUTINE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Job:
    """One routine to render and the file it goes to."""

    source: Path
    routine: Routine
    output: Path


def routine_files(arguments: Sequence[str | Path]) -> list[Path]:
    """The routine files named by ``arguments``: files, bundled template names, or folders (their
    ``*.yaml``/``*.yml`` files, sorted); each file once."""
    found: list[Path] = []
    for argument in arguments:
        path = resolve(argument)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.suffix.lower() in ROUTINE_SUFFIXES and p.is_file())
            if not inside:
                raise InputError(f"{path}: this folder has no routine files (*.yaml).\n"
                                 "  Fix: name routine files, or a folder that holds some")
            found += inside
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def plan_jobs(arguments: Sequence[str | Path], output_dir: Path, fmt: str) -> list[Job]:
    """Load every routine (stopping at the first invalid one) and name its output
    ``<output_dir>/<file name>.<fmt>``; two routines may not share an output."""
    jobs: list[Job] = []
    taken: dict[str, Path] = {}
    for source in routine_files(arguments):
        output = output_dir / f"{source.stem}.{fmt}"
        other = taken.get(output.name.lower())
        if other is not None:
            raise InputError(f"{other} and {source} would both be written to {output}.\n"
                             "  Fix: rename one of them, or render them in separate calls")
        taken[output.name.lower()] = source
        check_render_output(output, fmt, (source,))
        jobs.append(Job(source, load_routine(source), output))
    return jobs


def encoders() -> int:
    """How many routines to encode at once: one per core (ffmpeg's MP3 encoder uses one)."""
    return max(1, os.cpu_count() or 1)


def render_jobs(
    jobs: Sequence[Job],
    options: Options,
    fmt: str = "mp3",
    *,
    cue_files: bool = True,
    on_plan: Callable[[Job, Plan], None] | None = None,
    parallel: int | None = None,
) -> list[Result]:
    """Render every job; results in the order of ``jobs``. ``parallel`` caps the encoders
    (default: one per core); the first failure stops the batch and is raised."""
    width = parallel or encoders()
    slots = threading.BoundedSemaphore(width)

    def encode(plan: Plan, output: Path) -> Result:
        try:
            return render_plan(plan, output, fmt, cue_files)
        finally:
            slots.release()

    futures: list[Future[Result]] = []
    with ThreadPoolExecutor(width, thread_name_prefix="voiceguide-encode") as pool:
        try:
            for job in jobs:
                slots.acquire()  # at most ``width`` plans (and their clips) in memory
                failed = [f for f in futures if f.done() and f.exception() is not None]
                if failed:
                    slots.release()
                    break
                try:
                    plan = prepare(job.routine, options)
                except BaseException:
                    slots.release()
                    raise
                if on_plan is not None:
                    on_plan(job, plan)
                futures.append(pool.submit(encode, plan, job.output))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [future.result() for future in futures]
