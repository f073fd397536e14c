"""Long work the page starts and follows (render, bundle, site): a job with its progress."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import VoiceguideError

Report = Callable[[float, str], None]
MAX_JOBS = 50


@dataclass
class Job:
    """One piece of work: ``progress`` from 0 to 1, ``stage`` what it is doing, then
    ``result`` (state ``done``) or ``error`` (state ``failed``)."""

    kind: str
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    state: str = "running"
    progress: float = 0.0
    stage: str = "starting"
    result: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "state": self.state,
                "progress": round(self.progress, 3), "stage": self.stage,
                "result": self.result, "error": self.error}


@dataclass
class Jobs:
    """The jobs of this studio, newest last (the oldest finished ones are forgotten)."""

    jobs: dict[str, Job] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, kind: str, work: Callable[[Report], dict[str, Any]]) -> Job:
        """Run ``work(report)`` on a thread of its own; its return value is the job's result."""
        job = Job(kind)

        def report(progress: float, stage: str) -> None:
            job.progress = max(job.progress, min(progress, 1.0))
            job.stage = stage

        def run() -> None:
            try:
                job.result = work(report)
                job.progress, job.stage, job.state = 1.0, "done", "done"
            except VoiceguideError as error:
                job.error, job.state = str(error), "failed"
            except Exception as error:  # shown on the page instead of lost in a thread
                job.error, job.state = f"{type(error).__name__}: {error}", "failed"

        with self.lock:
            finished = [k for k, j in self.jobs.items() if j.state != "running"]
            for key in finished[: max(0, len(self.jobs) - MAX_JOBS)]:
                del self.jobs[key]
            self.jobs[job.id] = job
        threading.Thread(target=run, name=f"voiceguide-{kind}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)


def watch_encode(output: Path, expected_bytes: float, report: Report, done: threading.Event,
                 start: float = 0.3) -> None:
    """Report an encode's progress from the size of its hidden ``.<name>.*.part`` file (the
    encoder's draft of the render's own draft: ``..<name>.X.part.Y.part``) against
    ``expected_bytes``, from ``start`` up to 0.99, until ``done`` is set."""
    pattern = f"*.{output.name}.*.part"
    while not done.wait(0.2):
        sizes = [p.stat().st_size for p in output.parent.glob(pattern) if p.is_file()]
        if sizes and expected_bytes > 0:
            report(start + (0.99 - start) * min(1.0, max(sizes) / expected_bytes), "encoding")
