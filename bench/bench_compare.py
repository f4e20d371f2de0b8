"""Benchmark: a 2-arm x 10-seed comparison on the default scenario, in this process
(serial), on an embedded Dask cluster of 1 and of 2 worker processes, and on the old
process pool (2 forkserver processes, for reference); then the cockpit's first page load.

    .venv/bin/python bench/bench_compare.py [--seeds 10] [--scenario ...] [--no-page]

Arms: the scenario as is (A) and with two more technicians for the same demand (B).
Per executor: wall time, CPU time of this process and its children (the workers, reaped
when the cluster closes; cluster start-up included), the 1-minute load average before and
after, and whether the KPIs equal the serial path's. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import socket
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from concurrent.futures import Executor, ProcessPoolExecutor

from twin.app.arms import Arm
from twin.app.cluster import dask_executor
from twin.app.compare import InlineExecutor, run_comparison
from twin.app.store import RunStore
from twin.config import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def old_pool(workers: int) -> Executor:
    """The process pool that Dask replaced (issue 17), kept here only to compare against."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))


EXECUTORS = {
    "serial (in this process)": (1, lambda n: InlineExecutor()),
    "Dask, 1 worker process": (1, dask_executor),
    "Dask, 2 worker processes": (2, dask_executor),
    "old process pool, 2 processes": (2, old_pool),
}


def _cpu() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def comparison(scenario_path: Path, seeds: int, name: str, folder: Path) -> dict[str, object]:
    base = load_scenario(scenario_path)
    extra = {"workforce.technicians": base.workforce.technicians + 2}
    arms = [Arm("A: base"), Arm("B: +2 technicians", extra)]
    store = RunStore(folder / f"bench-{len(os.listdir(folder))}.duckdb")
    workers, factory = EXECUTORS[name]
    load_before, cpu, started = os.getloadavg()[0], _cpu(), time.perf_counter()
    result = run_comparison(
        base, arms, list(range(1, seeds + 1)), store, workers=workers, executor=factory
    )
    wall = time.perf_counter() - started
    return {
        "wall": wall,
        "cpu": _cpu() - cpu,
        "load": (load_before, os.getloadavg()[0]),
        "kpis": store.kpis_by_arm(result.comparison_id),
        "store": store.path,
    }


def first_page_load(store_path: Path) -> float:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from twin.ui.app import create_app

    app = create_app(store_path, scenarios_dir=ROOT / "data" / "scenarios")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run"]  # fmt: skip
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#compare-start")
            elapsed = time.perf_counter() - started
            browser.close()
    finally:
        server.shutdown()
        thread.join()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--scenario", type=Path, default=ROOT / "data/scenarios/default.toml")
    parser.add_argument("--no-page", action="store_true", help="skip the page load")
    args = parser.parse_args()
    runs = 2 * args.seeds
    print(f"2 arms x {args.seeds} seeds ({runs} runs), {args.scenario.name}, cpus {os.cpu_count()}")
    print("| executor | wall s | s per run | CPU s | load avg before → after | = serial |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        serial = None
        for name in EXECUTORS:
            m = comparison(args.scenario, args.seeds, name, folder)
            serial = serial or m["kpis"]
            wall, cpu, (l0, l1) = m["wall"], m["cpu"], m["load"]  # type: ignore[misc]
            # the pool's processes are the forkserver's children, not ours: not counted
            cpu_text = "–" if name.startswith("old") else f"{cpu:.1f}"
            print(
                f"| {name} | {wall:.1f} | {wall / runs:.2f} | {cpu_text} | {l0:.1f} → {l1:.1f} "
                f"| {'yes' if m['kpis'] == serial else 'NO'} |",
                flush=True,
            )
        if not args.no_page:
            load = first_page_load(Path(str(m["store"])))
            print(f"first page load (Compare, store with {runs} runs): {load:.2f} s")


if __name__ == "__main__":
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    main()
