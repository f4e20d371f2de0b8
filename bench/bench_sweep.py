"""Benchmark: a 100-run trade-off sweep on local Dask clusters of 1, 2, 3 and 4 worker processes.

    .venv/bin/python bench/bench_sweep.py [--scenario data/scenarios/small.toml]
        [--seeds 10] [--workers 1 2 3 4]

The sweep is what the Trade-off page starts: technicians 6..10 x same-day acceptance on/off
(10 arms) on seeds 1..N, through :func:`twin.app.compare.run_comparison` with the store
written as each run finishes. Per cluster size: wall time (cluster start-up included), time
to the first stored run (what the page can show first), CPU of this process and its reaped
children (the workers), the 1-minute load average before and after, and whether the KPIs
equal those of the first size. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from twin.app.arms import sweep_arms
from twin.app.cluster import dask_executor
from twin.app.compare import run_comparison
from twin.app.store import RunStore
from twin.config import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def sweep(scenario: Path, seeds: int, workers: int, folder: Path) -> dict[str, object]:
    base = load_scenario(scenario)
    arms = sweep_arms(
        {"workforce.technicians": [6, 7, 8, 9, 10], "policy.same_day_acceptance": [True, False]}
    )
    store = RunStore(folder / f"sweep-{workers}.duckdb")
    first: list[float] = []
    load0, cpu0, t0 = os.getloadavg()[0], _cpu(), time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done == 1:
            first.append(time.perf_counter() - t0)

    result = run_comparison(
        base,
        arms,
        list(range(1, seeds + 1)),
        store,
        kind="sweep",
        workers=workers,
        progress=progress,
        executor=lambda n: dask_executor(n),
    )
    wall = time.perf_counter() - t0
    return {
        "runs": len(arms) * seeds,
        "wall": wall,
        "first": first[0] if first else float("nan"),
        "cpu": _cpu() - cpu0,
        "load": (load0, os.getloadavg()[0]),
        "kpis": store.kpis_by_arm(result.comparison_id),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=ROOT / "data/scenarios/small.toml")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3, 4])
    args = parser.parse_args()
    print(f"sweep of 10 arms x {args.seeds} seeds, {args.scenario.name}, cpus {os.cpu_count()}")
    print("| Dask worker processes | runs | wall s | s per run | first run s | CPU s "
          "| load avg before → after | KPIs = first row |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.workers:
            m = sweep(args.scenario, args.seeds, n, Path(tmp))
            reference = reference or m["kpis"]
            wall, (l0, l1) = float(m["wall"]), m["load"]  # type: ignore[arg-type,misc]
            print(
                f"| {n} | {m['runs']} | {wall:.1f} | {wall / int(m['runs']):.2f} "  # type: ignore[call-overload]
                f"| {float(m['first']):.1f} | {float(m['cpu']):.1f} | {l0:.1f} → {l1:.1f} "  # type: ignore[arg-type]
                f"| {'yes' if m['kpis'] == reference else 'NO'} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
