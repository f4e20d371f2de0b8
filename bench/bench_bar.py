"""The quality bar of issue 20 on skills-only technician days: our planner against PyVRP
called directly, at equal time, with a paid-time objective, judged by the independent
checker.

Equal time is equal *CPU* time by default (``--budget cpu``): on this shared machine the
wall-clock share of a core swings with the load, so equal wall time (``--budget wall``,
PyVRP's ``MaxRuntime``) gives one arm several times the search of the other. A CPU budget
starts when an arm starts (ours pays its translation out of it; its re-timing and repair
come after and are in its CPU column).

Each instance is a Solomon instance turned into a technician day by
``bench/fixtures/techday.py`` (seeded: 25 technicians with their own homes, start and end
at home (multi-depot), one or two of 3 skills; every visit required with its window; the
depot's horizon as the shift). Two arms, each given the same time budget:

* ``ours`` — :func:`twin.models.planner.optimise_day` with ``pay = "hour"`` (paid time
  per minute the objective, windows and the day's end hard): translation, PyVRP search for
  the budget, then re-timing and repair;
* ``PyVRP`` — PyVRP on its own model of the day (``pyvrp_direct``: a vehicle type per
  technician with its home as depot, a profile per skill set, ``unit_duration_cost = 1``,
  free start), the same budget.

Each plan is judged by :func:`twin.models.routing.check.check_routes` (arrival times
recomputed from the travel function; windows, skills, shifts, every visit planned) and
its paid time (from the best departure) by the fixture's ``check_plan``; neither is the
planner's evaluator. Prints a Markdown table (gap per instance, mean), CPU and wall per arm
and the load average.

Run: ``OMP_NUM_THREADS=1 FIELDTWIN_SOLOMON_DIR=/work/shared/bench/solomon
.venv/bin/python bench/bench_bar.py [--instances R201,R101] [--seeds 0,1] [--time-limit 5]
[--budget cpu|wall]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import md_table
from bench_paid import find
from fixtures.solomon import SolomonDay
from fixtures.techday import check_plan, paid_params, pyvrp_direct, technician_day
from pyvrp.stop import MaxRuntime, StoppingCriterion

from twin.models.planner import optimise_day
from twin.models.routing.check import check_routes

Routes = dict[str, tuple[str, ...]]
DEFAULT = "R201,R101,R105,R109,C101,C105,RC101,RC105"


class MaxCpu:
    """Stop after ``seconds`` of this process's CPU time since construction."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.process_time()

    def __call__(self, best_cost: float) -> bool:
        return time.process_time() - self.start >= self.seconds


def timed(run: Callable[[], Routes]) -> tuple[Routes, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    routes = run()
    return routes, time.process_time() - cpu, time.perf_counter() - wall


def judge(day: SolomonDay, routes: Routes) -> tuple[float, int]:
    """Paid minutes (best departure) and the number of broken rules, both independent."""
    st = day.state
    check = check_routes(routes, st.technicians, st.status, st.visits, day.travel.distance_km)
    return check_plan(day, routes).paid_min, len(check.problems)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--instances", default=DEFAULT)
    ap.add_argument("--seeds", default="0,1", help="instance seeds (homes, skills)")
    ap.add_argument("--time-limit", type=float, default=5.0, help="seconds per arm")
    ap.add_argument("--budget", choices=("cpu", "wall"), default="cpu")
    args = ap.parse_args()
    t = args.time_limit

    def stop() -> StoppingCriterion:
        return MaxCpu(t) if args.budget == "cpu" else MaxRuntime(t)

    cap = 20 * t if args.budget == "cpu" else t  # wall-clock cap of ours
    load0 = os.getloadavg()[0]
    rows, gaps = [], []
    for name in args.instances.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            day = technician_day(find(name), seed=seed)
            ours, cpu_o, wall_o = timed(
                lambda d=day: optimise_day(
                    d.state, d.travel, d.brk, paid_params(), 0, cap, stop=stop()
                )
            )
            theirs, cpu_p, wall_p = timed(lambda d=day: pyvrp_direct(d, stop()))
            (paid_o, bad_o), (paid_p, bad_p) = judge(day, ours), judge(day, theirs)
            gap = 100 * (paid_o / paid_p - 1)
            if not bad_o and not bad_p:
                gaps.append(gap)
            rows.append(
                [
                    day.name,
                    f"{paid_o:,.1f}",
                    f"{paid_p:,.1f}",
                    f"{gap:+.2f} %",
                    f"{bad_o} / {bad_p}",
                    f"{cpu_o:.1f} / {cpu_p:.1f}",
                    f"{wall_o:.1f} / {wall_p:.1f}",
                ]
            )
    mean = statistics.fmean(gaps) if gaps else float("nan")
    rows.append(["mean (both feasible)", "", "", f"{mean:+.2f} %", "", "", ""])
    load1 = os.getloadavg()[0]
    print(f"{t:g} s of {args.budget} time per arm; load average {load0:.1f} / {load1:.1f}")
    head = ["day", "ours paid min", "PyVRP paid min", "ours − PyVRP", "broken rules ours / PyVRP"]
    print(md_table([*head, "CPU s ours / PyVRP", "wall s ours / PyVRP"], rows))


if __name__ == "__main__":
    main()
