"""Background comparisons for the cockpit: one thread per job, polled by the pages.

A job runs :func:`twin.compare.run_comparison` in a daemon thread; that thread hands the
runs to the executor (worker processes) and is the cockpit's only writer to the store. The
pages poll :meth:`Jobs.status` from a ``dcc.Interval``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from twin.app.arms import Arm
from twin.app.compare import run_comparison
from twin.app.store import RunStore, new_id
from twin.config import ConfigError, Scenario
from twin.ui.guard import MAX_RUNNING_JOBS, check_job_size

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobStatus:
    comparison_id: str
    done: int
    total: int
    finished: bool
    error: str | None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class Jobs:
    """Starts comparisons in the background and reports their progress."""

    def __init__(self, store: RunStore, workers: int = 1) -> None:
        self.store = store
        self.workers = workers
        self._lock = threading.Lock()
        self._status: dict[str, JobStatus] = {}
        self._threads: dict[str, threading.Thread] = {}

    def start(
        self,
        base: Scenario,
        arms: Sequence[Arm],
        seeds: Sequence[int],
        *,
        kind: str = "compare",
        label: str = "",
    ) -> str:
        """Start a comparison; returns its id (the comparison id in the store). ConfigError
        when it is beyond the cockpit's budget or too many jobs run (:mod:`twin.ui.guard`)."""
        check_job_size(base, arms, len(seeds))
        cid = new_id("c")
        total = len(arms) * len(seeds)
        with self._lock:
            running = sum(not s.finished for s in self._status.values())
            if running >= MAX_RUNNING_JOBS:
                msg = f"{running} comparisons are running; start another when one has finished"
                raise ConfigError(msg)
            self._status[cid] = JobStatus(cid, 0, total, False, None)

        def progress(done: int, n: int) -> None:
            self._set(JobStatus(cid, done, n, False, None))

        def work() -> None:
            try:
                run_comparison(
                    base,
                    arms,
                    seeds,
                    self.store,
                    label=label,
                    kind=kind,
                    workers=self.workers,
                    progress=progress,
                    comparison_id=cid,
                )
            except Exception as exc:
                log.exception("comparison %s failed", cid)
                self._set(JobStatus(cid, 0, total, True, f"{type(exc).__name__}: {exc}"))
            else:
                self._set(JobStatus(cid, total, total, True, None))

        thread = threading.Thread(target=work, name=f"compare-{cid}", daemon=True)
        with self._lock:
            self._threads[cid] = thread
        thread.start()
        return cid

    def status(self, job_id: str) -> JobStatus | None:
        with self._lock:
            return self._status.get(job_id)

    def running(self, comparison_id: str) -> bool:
        """Whether the comparison's job is still running here."""
        status = self.status(comparison_id)
        return status is not None and not status.finished

    def join(self, timeout: float | None = None) -> None:
        """Wait for every job (tests, shutdown)."""
        with self._lock:
            threads = list(self._threads.values())
        for t in threads:
            t.join(timeout)

    def _set(self, status: JobStatus) -> None:
        with self._lock:
            self._status[status.comparison_id] = status
