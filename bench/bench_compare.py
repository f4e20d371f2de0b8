"""Benchmark: a 2-arm x 10-seed comparison on the default scenario with 1 and 2 worker
processes, and the cockpit's first page load in Chromium.

    .venv/bin/python bench/bench_compare.py [--seeds 10] [--scenario data/scenarios/default.toml]

Arms: the scenario as is (A) and with two more technicians for the same
demand (B), dispatcher as in the scenario. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from twin.app.arms import Arm
from twin.app.compare import run_comparison
from twin.app.store import RunStore
from twin.config import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def comparison_wall(scenario_path: Path, seeds: int, workers: int, folder: Path) -> float:
    base = load_scenario(scenario_path)
    extra = {"workforce.technicians": base.workforce.technicians + 2}
    arms = [Arm("A: base"), Arm("B: +2 technicians", extra)]
    store = RunStore(folder / f"bench-{workers}.duckdb")
    started = time.perf_counter()
    run_comparison(base, arms, list(range(1, seeds + 1)), store, workers=workers)
    return time.perf_counter() - started


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        one = comparison_wall(args.scenario, args.seeds, 1, folder)
        two = comparison_wall(args.scenario, args.seeds, 2, folder)
        runs = 2 * args.seeds
        print(
            f"2 arms x {args.seeds} seeds ({runs} runs), {args.scenario.name}, "
            f"cpus {os.cpu_count()}"
        )
        print(f"1 worker : {one:6.1f} s ({one / runs:.2f} s/run)")
        print(f"2 workers: {two:6.1f} s ({two / runs:.2f} s/run)  speed-up x{one / two:.2f}")
        load = first_page_load(folder / "bench-2.duckdb")
        print(f"first page load (Compare, store with {runs} runs): {load:.2f} s")


if __name__ == "__main__":
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    main()
