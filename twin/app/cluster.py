"""Sweeps on dask.distributed: an embedded local cluster of worker processes, or a scheduler.

A what-if sweep is many independent simulated days. :class:`DaskCluster` connects a
``distributed.Client`` either to a scheduler that already runs (``address``, e.g.
``tcp://10.0.0.5:8786``, a real cluster) or to a :class:`distributed.LocalCluster` it starts
on this machine: ``workers`` processes with one thread each (a day is pure Python and holds
the GIL, so threads would not run in parallel) and no dashboard. Worker processes live as
long as the cluster, so they import the project once, not per run; Dask's nanny starts them
with ``OMP_NUM_THREADS=1``, which the duration model needs (see ``shared/STACK.md``).

:meth:`DaskCluster.executor` hands out a :class:`concurrent.futures.Executor`, the seam of
:func:`twin.app.compare.run_comparison`; shutting that executor down cancels what it
submitted and leaves the cluster up for the next comparison. :func:`dask_executor` is the
one-off form: its shutdown also closes the cluster. Tasks and results are plain picklable
values, and a run's result depends on its task alone, so any cluster gives the bits the
serial path gives.

``distributed`` is imported when a cluster is made: ``twin run`` never pays for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

log = logging.getLogger(__name__)


class _Borrowed(Executor):
    """An executor on a shared client; shutting it down cancels its own futures only."""

    def __init__(self, client: Any, on_shutdown: Callable[[], None] | None = None) -> None:
        self._inner = client.get_executor(pure=False)
        self._futures: list[Future[Any]] = []
        self._on_shutdown = on_shutdown

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = self._inner.submit(fn, *args, **kwargs)
        self._futures.append(future)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            for f in self._futures:
                f.cancel()
        self._inner.shutdown(wait=wait and not cancel_futures)
        if self._on_shutdown is not None:
            self._on_shutdown()


class DaskCluster:
    """A Dask client on a local cluster of ``workers`` processes, or on ``address``.

    Started lazily by the first :meth:`executor`, closed by :meth:`close`.
    """

    def __init__(self, workers: int = 1, address: str | None = None) -> None:
        if address is None and (not isinstance(workers, int) or workers < 1):
            msg = f"workers: a local cluster needs at least 1 worker process, got {workers!r}"
            raise ValueError(msg)
        if address is not None and not (isinstance(address, str) and "://" in address):
            msg = f"scheduler: expected an address like tcp://HOST:PORT, got {address!r}"
            raise ValueError(msg)
        self.workers = workers
        self.address = address
        self._lock = threading.Lock()
        self._client: Any = None
        self._local: Any = None

    def __repr__(self) -> str:
        where = self.address or f"local, {self.workers} worker process(es)"
        return f"DaskCluster({where})"

    def client(self) -> Any:
        """The ``distributed.Client``, started on first use."""
        with self._lock:
            if self._client is None:
                from distributed import Client, LocalCluster

                if self.address is None:
                    self._local = LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        scheduler_port=0,
                        silence_logs=logging.WARNING,
                    )
                    self._client = Client(self._local)
                else:
                    self._client = Client(self.address)
                log.info("dask: %s at %s", self, self._client.scheduler.address)
            return self._client

    def executor(self) -> Executor:
        """An executor on this cluster (its shutdown leaves the cluster up)."""
        return _Borrowed(self.client())

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            if self._local is not None:
                self._local.close()
            self._client = self._local = None


def dask_executor(workers: int, address: str | None = None) -> Executor:
    """A one-off executor on its own cluster (local, or ``address``); its shutdown closes
    the client and any local cluster."""
    cluster = DaskCluster(workers, address)
    return _Borrowed(cluster.client(), on_shutdown=cluster.close)
