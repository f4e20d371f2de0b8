"""Comparisons on Dask: a real scheduler and worker processes give the serial path's bits."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.app.arms import Arm
from twin.app.cluster import DaskCluster
from twin.app.compare import default_executor, run_comparison
from twin.app.store import RunStore
from twin.config import Scenario


def _logs(store: RunStore, cid: str) -> dict[tuple[str | None, int], list[str]]:
    return {(r.arm, r.seed): store.log_lines(r.id) for r in store.runs(cid)}


@pytest.mark.slow
def test_a_scheduler_of_worker_processes_gives_the_serial_bits(
    small: Scenario, tmp_path: Path
) -> None:
    from distributed import LocalCluster

    arms = [Arm("A"), Arm("B", {"workforce.technicians": 10, "policy.brain": True})]
    serial = RunStore(tmp_path / "serial.duckdb")
    one = run_comparison(small, arms, [1, 2], serial, workers=1)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        distributed = RunStore(tmp_path / "dask.duckdb")
        seen: list[int] = []
        two = run_comparison(
            small,
            arms,
            [1, 2],
            distributed,
            executor=lambda n: default_executor(n, address),
            progress=lambda done, n: seen.append(done),
        )
        assert len(cluster.scheduler.workers) == 2  # the cluster outlives the comparison
    assert seen == [0, 1, 2, 3, 4]
    assert distributed.kpis_by_arm(two.comparison_id) == serial.kpis_by_arm(one.comparison_id)
    assert _logs(distributed, two.comparison_id) == _logs(serial, one.comparison_id)


def test_a_cluster_refuses_what_it_cannot_be() -> None:
    with pytest.raises(ValueError, match="at least 1 worker process, got 0"):
        DaskCluster(0)
    with pytest.raises(ValueError, match="tcp://HOST:PORT, got 'localhost'"):
        DaskCluster(2, "localhost")
    assert "local, 2 worker" in repr(DaskCluster(2))  # nothing started until used
