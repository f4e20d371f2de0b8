"""Benchmark: the cockpit in Chromium at 1440x900: page loads and Day slider steps.

    .venv/bin/python bench/bench_cockpit.py [--repeat 3] [--steps 8]

The store holds one default-scenario day (50 technicians, the brain), a 2-arm x 3-seed
comparison and a 6-arm x 3-seed sweep of the small scenario. Each page is opened
``--repeat`` times in a fresh browser context, timed from ``goto`` to its main figure drawn
(Compare: the verdict chart; Trade-off: the sweep's points; Day and Model: their figures;
Runs: the runs table). Then the Day page's slider is stepped ``--steps`` times by five
minutes with the keyboard, each timed until the map's title shows the new time, with the
CPU time this process (the cockpit's server runs in it, in threads) spent on the step and
the time the page's main thread was busy (Chrome's TaskDuration) next to the wall time,
since the machine's load varies. Prints Markdown tables with the load
average.
"""

from __future__ import annotations

import logging
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from twin.app.arms import Arm, sweep_arms
from twin.app.compare import run_comparison
from twin.app.run import run_scenario
from twin.app.store import RunStore
from twin.config import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]  # fmt: skip


def fill(store: RunStore) -> dict[str, str]:
    """The store's contents; the ids the pages are opened on."""
    scenario = load_scenario(ROOT / "data/scenarios/default.toml")
    day = run_scenario(scenario, 1, None, report=False)
    run = store.add_run(
        scenario=scenario, seed=1, kpis=day.kpis, wall_s=day.wall_s,
        log_lines=day.encoded_log(),
    )  # fmt: skip
    small = load_scenario(ROOT / "data/scenarios/small.toml")
    arms = [Arm("A: base"), Arm("B: technicians 10", {"workforce.technicians": 10})]
    comparison = run_comparison(small, arms, [1, 2, 3], store).comparison_id
    grid = {"workforce.technicians": [6, 8, 10], "policy.same_day_acceptance": [True, False]}
    sweep = run_comparison(small, sweep_arms(grid), [1, 2, 3], store, kind="sweep")
    return {"run": run, "comparison": comparison, "sweep": sweep.comparison_id}


PAGES = {
    "Compare (stored comparison)": ("/?comparison={comparison}", "#compare-chart .main-svg"),
    "Trade-off (stored 6-arm sweep)": (
        "/tradeoff?comparison={sweep}",
        "#tradeoff-graph .scatterlayer .trace:last-child path.point",
    ),
    "Day (50 technicians)": ("/day?run={run}&at=10:00", "#day-gantt .main-svg"),
    "Model (50 technicians)": ("/model?run={run}", "#model-eta .main-svg"),
    "Runs": ("/runs", "#runs-runs tbody tr"),
}


def _tab_busy(cdp) -> float:  # type: ignore[no-untyped-def]
    """Seconds the page's main thread has spent on tasks so far (Chrome's TaskDuration):
    the browser's own work on a step, whatever the machine's load."""
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "TaskDuration"))


def measure(url: str, ids: dict[str, str], repeat: int, steps: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        print("| page | load s (each of the repeats) | median s | load avg |")
        print("|---|---|---|---|")
        for name, (path, selector) in PAGES.items():
            times = []
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                page = context.new_page()
                page.set_default_timeout(120_000)
                started = time.perf_counter()
                page.goto(url + path.format(**ids))
                page.wait_for_selector(selector)
                times.append(time.perf_counter() - started)
                context.close()
            shown = ", ".join(f"{t:.2f}" for t in times)
            print(f"| {name} | {shown} | {statistics.median(times):.2f} "
                  f"| {os.getloadavg()[0]:.1f} |", flush=True)  # fmt: skip
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(120_000)
        page.goto(f"{url}/day?run={ids['run']}&at=10:00")
        page.wait_for_function(
            "() => (document.querySelector('#day-map .gtitle') || {}).textContent"
            "?.includes('10:00')"
        )
        page.locator("#day-minute [role='slider']").first.focus()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        steps_s, cpu_s, tab_s = [], [], []
        load = os.getloadavg()[0]
        for k in range(1, steps + 1):
            minute = 600 + 5 * k
            started, cpu, tab = time.perf_counter(), time.process_time(), _tab_busy(cdp)
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "m => document.querySelector('#day-map .gtitle').textContent.includes(m)"
                " && [undefined, m].includes(document.querySelector('#day-feed').dataset.at)",
                arg=f"{minute // 60:02d}:{minute % 60:02d}",
            )
            steps_s.append(time.perf_counter() - started)
            cpu_s.append(time.process_time() - cpu)
            tab_s.append(_tab_busy(cdp) - tab)
        print(f"\nDay slider, {steps} steps of 5 min at 50 technicians (map and feed drawn): "
              f"wall {', '.join(f'{t:.3f}' for t in steps_s)} s, median "
              f"{statistics.median(steps_s):.3f} s; server CPU "
              f"{', '.join(f'{t:.3f}' for t in cpu_s)} s, median "
              f"{statistics.median(cpu_s):.3f} s; browser tab busy "
              f"{', '.join(f'{t:.3f}' for t in tab_s)} s, median "
              f"{statistics.median(tab_s):.3f} s; load avg {load:.1f} -> "
              f"{os.getloadavg()[0]:.1f}")  # fmt: skip
        browser.close()


def main() -> None:
    import argparse

    from werkzeug.serving import make_server

    from twin.ui.app import create_app

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp) / "bench.duckdb")
        ids = fill(store)
        app = create_app(store.path, scenarios_dir=ROOT / "data" / "scenarios", workers=1)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = make_server("127.0.0.1", port, app.server, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            measure(f"http://127.0.0.1:{port}", ids, args.repeat, args.steps)
        finally:
            server.shutdown()
            thread.join()


if __name__ == "__main__":
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    main()
