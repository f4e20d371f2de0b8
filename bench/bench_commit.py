"""Ticks and bookings of a served day sharing its lock and the disk (issue 15): how long a
tick takes (waiting for the lock included) while bookers book at once, how long a booking
takes to its answer (its ``fsync`` included), and how many ``fsync`` rounds the bookings
cost (group commit: one round covers every booking written before it began).

In-process, no HTTP: the default scenario with ``--technicians`` technicians (brain in
the loop) served to ``--at``; then ``--bookers`` threads book ``--each`` jobs apiece
(planner's best window) while the main thread runs ticks back to back. The state folder
is on ``--dir``'s file system (``fsync`` costs what that disk costs). Reported: tick and
booking wall ms p50 / p95 / max, CPU of the process, ``fsync`` rounds when the tree counts
them, and the 1-minute load average. Another tree: ``PYTHONPATH=<tree>``.

``OMP_NUM_THREADS=1 PYTHONPATH=<tree> .venv/bin/python bench/bench_commit.py``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from twin.app.live import LiveDay
from twin.config import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _job(k: int, i: int, size: float) -> dict[str, Any]:
    return {"customer_id": f"C-{k}-{i}", "job_type": "repair", "x": (k * 7 + i * 3) % size,
            "y": (k * 5 + i * 11) % size, "available_from": 0.0,
            "available_until": 1440.0}  # fmt: skip


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--technicians", type=int, default=200)
    ap.add_argument("--at", type=float, default=8.5 * 60, help="minutes after midnight")
    ap.add_argument("--bookers", type=int, default=20)
    ap.add_argument("--each", type=int, default=10)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = ap.parse_args()
    scenario = load_scenario(ROOT / "data/scenarios/default.toml")
    scenario = scenario.with_overrides(**{"workforce.technicians": args.technicians})
    size = scenario.city.size_km
    with tempfile.TemporaryDirectory(prefix="bench-commit-", dir=args.dir) as tmp:
        day = LiveDay(scenario, 1, Path(tmp), pace=None)
        while day.now < args.at and day.tick():
            pass
        booked: list[float] = []
        ticks: list[float] = []

        def booker(k: int) -> None:
            for i in range(args.each):
                record = {"kind": "book", "channel": "portal", "job": _job(k, i, size)}
                t0 = time.perf_counter()
                day.request({**record, "window": None})
                booked.append((time.perf_counter() - t0) * 1000)

        threads = [threading.Thread(target=booker, args=(k,)) for k in range(args.bookers)]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            t0 = time.perf_counter()
            day.tick()
            ticks.append((time.perf_counter() - t0) * 1000)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        rounds = getattr(getattr(day, "commit", None), "rounds", None)
        day.close()
    print(f"{os.environ.get('PYTHONPATH', ROOT)}: {len(booked)} bookings by {args.bookers} "
          f"threads, {len(ticks)} ticks in {wall:.1f} s wall, {cpu:.1f} s CPU; tick ms p50 "
          f"{_pct(ticks, 0.5):.1f} / p95 {_pct(ticks, 0.95):.1f} / max {max(ticks):.1f}; "
          f"booking ms p50 {_pct(booked, 0.5):.1f} / p95 {_pct(booked, 0.95):.1f} / max "
          f"{max(booked):.1f}; fsync rounds {rounds if rounds is not None else 'not counted'}; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
