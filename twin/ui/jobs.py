"""Background comparisons for the cockpit: one thread per job, polled by the pages.

A job runs :func:`twin.compare.run_comparison` in a daemon thread; that thread hands the
runs to the cockpit's Dask cluster (:class:`twin.app.cluster.DaskCluster`: worker processes
started with the first job and kept for the next, or an existing cluster's scheduler) and is
the cockpit's only writer to the store. No day is simulated in the cockpit's own process,
which keeps serving pages meanwhile (``workers=0`` does simulate here, for tests of the job
logic alone). The pages poll :meth:`Jobs.status` from a ``dcc.Interval``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from twin.app.arms import Arm
from twin.app.cluster import DaskCluster
from twin.app.compare import InlineExecutor, run_comparison
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
    cancelled: bool = False
    days_per_run: int = 1  # working days of each run (a period, ``twin compare --days``)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class Jobs:
    """Starts comparisons in the background and reports their progress."""

    def __init__(self, store: RunStore, workers: int = 1, scheduler: str | None = None) -> None:
        self.store = store
        self.workers = workers
        self.cluster = DaskCluster(max(workers, 1), scheduler) if workers or scheduler else None
        self._lock = threading.Lock()
        self._status: dict[str, JobStatus] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._keys: dict[str, str] = {}  # job id -> what it runs (base, arms, seeds, kind)
        self._kinds: dict[str, str] = {}
        self._cancels: dict[str, threading.Event] = {}

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
        days = base.period.days
        key = repr((base.model_dump_json(), [a.to_dict() for a in arms], list(seeds), kind))
        with self._lock:
            running = [j for j, s in self._status.items() if not s.finished]
            twin = next((j for j in running if self._keys.get(j) == key), None)
            if twin is not None:  # a double click, or the same form in two tabs
                msg = f"the same comparison is already running ({twin}); wait for its result"
                raise ConfigError(msg)
            if len(running) >= MAX_RUNNING_JOBS:
                msg = f"{len(running)} comparisons are running; start another when one has finished"
                raise ConfigError(msg)
            self._status[cid] = JobStatus(cid, 0, total, False, None, days_per_run=days)
            self._keys[cid], self._kinds[cid] = key, kind
            cancel = self._cancels[cid] = threading.Event()

        def progress(done: int, n: int) -> None:
            self._set(JobStatus(cid, done, n, False, None, days_per_run=days))

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
                    executor=self._executor,
                    comparison_id=cid,
                    cancel=cancel,
                )
            except Exception as exc:
                log.exception("comparison %s failed", cid)
                error = f"{type(exc).__name__}: {exc}"
                self._set(JobStatus(cid, 0, total, True, error, days_per_run=days))
            else:
                done = self.status(cid)
                if cancel.is_set() and done is not None and done.done < total:
                    stopped = JobStatus(cid, done.done, total, True, None, True, days)
                    self._set(stopped)
                else:
                    self._set(JobStatus(cid, total, total, True, None, days_per_run=days))

        thread = threading.Thread(target=work, name=f"compare-{cid}", daemon=True)
        with self._lock:
            self._threads[cid] = thread
        thread.start()
        return cid

    def _executor(self, workers: int) -> Executor:
        return InlineExecutor() if self.cluster is None else self.cluster.executor()

    def close(self) -> None:
        """Stop the cluster's worker processes (after :meth:`join`)."""
        if self.cluster is not None:
            self.cluster.close()

    def cancel(self, job_id: str) -> bool:
        """Ask a running job to stop: its pending runs are cancelled on the cluster, the
        stored ones stay. False when no such job runs here."""
        with self._lock:
            event = self._cancels.get(job_id)
            status = self._status.get(job_id)
        if event is None or status is None or status.finished:
            return False
        event.set()
        return True

    def status(self, job_id: str) -> JobStatus | None:
        with self._lock:
            return self._status.get(job_id)

    def running(self, comparison_id: str) -> bool:
        """Whether the comparison's job is still running here."""
        status = self.status(comparison_id)
        return status is not None and not status.finished

    def latest_running(self, kind: str | None = None) -> str | None:
        """The newest job still running (of ``kind``), or None."""
        with self._lock:
            ids = [j for j, s in self._status.items() if not s.finished]
            ids = [j for j in ids if kind is None or self._kinds[j] == kind]
        return max(ids, default=None)

    def join(self, timeout: float | None = None) -> None:
        """Wait for every job (tests, shutdown)."""
        with self._lock:
            threads = list(self._threads.values())
        for t in threads:
            t.join(timeout)

    def _set(self, status: JobStatus) -> None:
        with self._lock:
            self._status[status.comparison_id] = status
