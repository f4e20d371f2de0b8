"""Paid time on a technician-routing day: our planner against PyVRP called directly.

A Solomon instance becomes a field-service day (``bench/fixtures/techday.py``: 25
technicians with their own homes and skills; every visit required, windows and the day's
end hard). Three arms, the same budget for the search of each: a time limit, or (with
``--iterations``, reproducible and fair on a loaded machine) a count of PyVRP iterations
(ours then adds its re-timing and repair, inside its CPU time):

* ``ours, by hour`` — PowerOpt with ``pay = "hour"`` (paid time is the objective);
* ``ours, by shift`` — PowerOpt as it was for such a company (``pay = "shift"``, travel the
  objective, everyone leaving at the day's start);
* ``PyVRP`` — PyVRP on its own model of the same day: one vehicle type per technician
  (own home, a profile per skill set), ``unit_duration_cost = 1``, a free start.

Every plan is re-timed by the fixture's independent checker (not the planner's evaluator):
paid minutes from the best departure, feasibility. CPU and wall time are per arm.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_paid.py [--instances R201]
[--time-limit 10 | --iterations 3000] [--seeds 0] [--exact]``; instances are looked up in
``tests/models/planner/data`` and ``FIELDTWIN_SOLOMON_DIR``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import md_table
from fixtures.solomon import SolomonDay
from fixtures.techday import check_plan, paid_params, pyvrp_direct, technician_day
from pyvrp.stop import MaxIterations, MaxRuntime, StoppingCriterion

from twin.models.planner import optimise_day

ROOT = Path(__file__).resolve().parents[1]
Routes = dict[str, tuple[str, ...]]


def find(name: str) -> Path:
    for folder in (
        ROOT / "tests/models/planner/data",
        Path(os.environ.get("FIELDTWIN_SOLOMON_DIR", ".")),
    ):
        for path in (folder / f"{name}.vrp", folder / "vrplib" / f"{name}.vrp"):
            if path.is_file():
                return path
    msg = f"instance {name!r} not found in tests/models/planner/data or FIELDTWIN_SOLOMON_DIR"
    raise FileNotFoundError(msg)


def ours(day: SolomonDay, limit: float, pay: str, iterations: int | None = None) -> Routes:
    params = paid_params() if pay == "hour" else paid_params(pay="shift", travel=1.0, paid_time=0.0)
    return optimise_day(day.state, day.travel, day.brk, params, 0, limit, max_iterations=iterations)


def timed(run: Callable[[], Routes]) -> tuple[Routes, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    routes = run()
    return routes, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--instances", default="R201")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--seeds", default="0", help="instance seeds (homes, skills), comma-separated")
    ap.add_argument("--iterations", type=int, default=None, help="PyVRP iterations per arm")
    ap.add_argument("--exact", action="store_true", help="exact Euclidean travel (not DIMACS)")
    args = ap.parse_args()
    limit = args.time_limit if args.iterations is None else 3600.0
    budget = f"{args.time_limit:g} s" if args.iterations is None else f"{args.iterations} it."

    def stop() -> StoppingCriterion:
        if args.iterations is None:
            return MaxRuntime(args.time_limit)
        return MaxIterations(args.iterations)

    rows = []
    for name in args.instances.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            day = technician_day(find(name), seed=seed, exact=args.exact)
            arms = {
                "ours, by hour": lambda d=day: ours(d, limit, "hour", args.iterations),
                "ours, by shift": lambda d=day: ours(d, limit, "shift", args.iterations),
                "PyVRP": lambda d=day: pyvrp_direct(d, stop()),
            }
            paid = {}
            for arm, run in arms.items():
                routes, cpu, wall = timed(run)
                check = check_plan(day, routes)
                paid[arm] = check.paid_min
                used = sum(1 for r in routes.values() if r)
                rows.append(
                    [
                        day.name,
                        arm,
                        f"{check.paid_min:,.1f}",
                        f"{check.travel_min:,.1f}",
                        used,
                        "yes" if check.feasible else "; ".join(check.problems)[:60],
                        f"{cpu:.1f}",
                        f"{wall:.1f}",
                    ]
                )
            gap = 100 * (paid["ours, by hour"] / paid["PyVRP"] - 1)
            rows.append([day.name, "ours by hour vs PyVRP", f"{gap:+.2f} %", "", "", "", "", ""])
    load = os.getloadavg()[0]
    print(f"{budget} per arm; load average {load:.1f}")
    print(
        md_table(
            ["day", "arm", "paid min", "travel min", "technicians", "feasible", "CPU s", "wall s"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
