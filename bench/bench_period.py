"""A week against a day: what running working days in a row costs over running one.

Measures, in one process and one run, the simulated day of a scenario (``run_scenario``,
no outputs) and a period of ``--days`` working days of the same scenario (``run_period``,
no outputs), each with the policy's brain in the loop, and prints CPU time
(``time.process_time``), wall time and load average, the week over the day, and the
visits each simulated (a period's day books what fits, not a fixed quota, so the work per
day differs; the per-visit ratio is printed too). Bar (issue 18): a 5-day week at 1,000
technicians with the brain costs at most 5.5 times one day.

    .venv/bin/python bench/bench_period.py --scenario large --days 5 --brain
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import scenario as load

from twin.app.period import run_period
from twin.app.run import run_scenario


def timed(fn: Any) -> tuple[Any, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - cpu, time.perf_counter() - wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="large")
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--brain", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()
    sc = load(args.scenario, **{"policy.brain": args.brain, "period.days": args.days})
    load0 = os.getloadavg()[0]
    day, day_cpu, day_wall = timed(lambda: run_scenario(sc, args.seed, None, report=False))
    week, week_cpu, week_wall = timed(lambda: run_period(sc, args.seed, None, report=False))
    day_visits = day.kpis.visits_attended
    week_visits = sum(int(d["visits_attended"]) for d in week.days)
    ratio = week_cpu / day_cpu
    per_visit = (week_cpu / max(1, week_visits)) / (day_cpu / max(1, day_visits))
    print(
        f"{args.scenario}.toml, brain={args.brain}, seed {args.seed}, "
        f"load {load0:.1f} → {os.getloadavg()[0]:.1f}"
    )
    print(f"one day      : {day_cpu:8.1f} s CPU {day_wall:8.1f} s wall, {day_visits:,d} visits")
    print(
        f"{args.days} days     : {week_cpu:8.1f} s CPU {week_wall:8.1f} s wall, "
        f"{week_visits:,d} visits"
    )
    print(f"week / day   : {ratio:.2f}× CPU (bar ≤ 5.5×), {per_visit:.2f}× CPU per visit")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
