"""Benchmark: the effect of parts-aware planning in the world (issue 20, quality bar 3).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_parts_effect.py [--seeds 20]
        [--workers 2] [--scenario data/scenarios/parts.toml] [--days 1]
        [--compare planning | kit_daily] [--kit-iterations N] [--first-seed 1]

Two arms on the same seeds 1..N (common random numbers: the same demand, the same part
and tool needs, the same durations and traffic), differing only in ``parts.planning``:

* ``blind``: today's planner; nobody stops at a depot; a visit whose part or tool is not
  in the van is not fixed (the reference);
* ``aware``: the day planned with tools, parts and depot stops
  (:func:`twin.models.planner.kit.plan_with_kit`) and restocking during the day when it
  pays (:func:`twin.models.routing.restock.restock_stop`).

With ``--compare kit_daily`` both arms are parts-aware and differ only in the daily kit
plan: ``insertion`` (cheapest insertion with depot stops) against ``pyvrp`` (that plan
improved by PyVRP with tools and parts for ``parts.kit_iterations`` iterations).

Per seed, one day (``--days 1``) or a period of working days (``--days N``, follow-ups
booked for failed fixes). Measured: first-time fix (fixed / completed), repeat visits (the
visits not fixed: follow-ups, and unfinished work), paid time (shift hours, from each
technician's start to the end of their shift or later return), overtime, customer
satisfaction (the J.D. Power model of the KPIs) and depot stops; each arm's mean with its
95 % CI and the paired difference aware - blind with its paired-t 95 % CI
(:mod:`twin.analysis.stats`).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import SCENARIOS, arms_parser, md_table

from twin.analysis.stats import mean_ci, paired_difference
from twin.app.compare import default_executor
from twin.config import Scenario, load_scenario

COMPARISONS = {"planning": ("blind", "aware"), "kit_daily": ("insertion", "pyvrp")}
METRICS = (  # name, label, format
    ("first_time_fix", "First-time fix", "{:.1%}"),
    ("repeat_visits", "Repeat visits", "{:.2f}"),
    ("completed", "Visits completed", "{:.2f}"),
    ("paid_hours", "Paid time (h)", "{:.2f}"),
    ("overtime_hours", "Overtime (h)", "{:.2f}"),
    ("travel_km", "Travel (km)", "{:.1f}"),
    ("customer_satisfaction", "Customer satisfaction (/1000)", "{:.1f}"),
    ("punctuality", "Punctuality", "{:.1%}"),
    ("depot_stops", "Depot stops", "{:.2f}"),
)


def run_arm(scenario_json: str, seed: int, days: int) -> tuple[dict[str, float], float, float]:
    """One arm on one seed (in a worker process): the metrics, wall and CPU seconds."""
    from twin import events as ev
    from twin.app.period import run_period
    from twin.app.run import run_scenario
    from twin.config import validate

    logging.basicConfig(level=logging.WARNING)
    sc = validate(json.loads(scenario_json))
    assert sc.parts is not None
    depots = {(d.x, d.y) for d in sc.parts.depots}
    started, cpu = time.perf_counter(), time.process_time()
    if days == 1:
        res = run_scenario(sc, seed, report=False)
        log, k = list(res.events), res.kpis
    else:
        period = sc.with_overrides(**{"period.days": days})
        per = run_period(period, seed, report=False, keep_log=True)
        log, k = [ev.from_json(line) for line in per.log_lines], per.pooled
    outcome = {"fixed": 0, "follow_up": 0, "unfinished": 0}
    stops = 0
    for e in log:
        if isinstance(e, ev.WorkFinished) and e.outcome in outcome:
            outcome[e.outcome] += 1
        elif isinstance(e, ev.TravelStarted) and e.visit_id is None:
            stops += (e.to_x, e.to_y) in depots
    completed = outcome["fixed"] + outcome["follow_up"]
    got = {
        "first_time_fix": outcome["fixed"] / completed if completed else float("nan"),
        "repeat_visits": float(outcome["follow_up"] + outcome["unfinished"]),
        "completed": float(completed),
        "paid_hours": k.shift_hours,
        "overtime_hours": k.overtime_hours,
        "travel_km": k.travel_km,
        "customer_satisfaction": k.customer_satisfaction,
        "punctuality": k.punctuality,
        "depot_stops": float(stops),
    }
    return got, time.perf_counter() - started, time.process_time() - cpu


def arms(base: Scenario, compare: str, **extra: object) -> dict[str, Scenario]:
    if base.parts is None:
        msg = "--scenario: the scenario has no [parts] section; allowed: one with it"
        raise SystemExit(msg)
    if compare == "kit_daily":
        extra = {"parts.planning": "aware", **extra}
    return {
        a: base.with_overrides(**{f"parts.{compare}": a, **extra}) for a in COMPARISONS[compare]
    }


def table(by_arm: dict[str, dict[int, dict[str, float]]]) -> str:
    old, new = by_arm
    rows = []
    for name, label, fmt in METRICS:
        cells = [label]
        vals = {a: {s: m[name] for s, m in by_arm[a].items()} for a in by_arm}
        for a in by_arm:
            est = mean_ci([vals[a][s] for s in sorted(vals[a])])
            cells.append(f"{fmt.format(est.mean)} ± {fmt.format(est.high - est.mean)}")
        d = paired_difference(vals[old], vals[new])
        sig = "" if d.significant else " (n.s.)"
        cells.append(f"{fmt.format(d.mean)} [{fmt.format(d.low)}, {fmt.format(d.high)}]{sig}")
        rows.append(cells)
    head = ["Metric", *(f"{a} (mean ± 95 % CI)" for a in by_arm), f"{new} − {old}"]
    return md_table(head, rows)


def main() -> None:
    parser = arms_parser(__doc__)
    parser.set_defaults(scenario=SCENARIOS / "parts.toml")
    parser.add_argument("--days", type=int, default=1, help="working days per seed")
    parser.add_argument("--compare", choices=sorted(COMPARISONS), default="planning")
    parser.add_argument("--kit-iterations", type=int, default=None)
    parser.add_argument("--first-seed", type=int, default=1, help="seeds first..first+N-1")
    args = parser.parse_args()
    extra = {} if args.kit_iterations is None else {"parts.kit_iterations": args.kit_iterations}
    scns = arms(load_scenario(args.scenario), args.compare, **extra)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    load = os.getloadavg()[0]
    started, cpu0 = time.perf_counter(), time.process_time()
    pool = default_executor(args.workers)
    futures = {
        (a, s): pool.submit(run_arm, sc.model_dump_json(), s, args.days)
        for s in seeds
        for a, sc in scns.items()
    }
    by_arm: dict[str, dict[int, dict[str, float]]] = {a: {} for a in scns}
    walls: list[float] = []
    cpus: dict[str, list[float]] = {a: [] for a in scns}
    try:
        for (a, s), fut in futures.items():
            got, wall, cpu = fut.result()
            by_arm[a][s] = got
            walls.append(wall)
            cpus[a].append(cpu)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    wall = time.perf_counter() - started
    print(table(by_arm))
    print(
        f"\n{args.scenario.name}, {len(seeds)} paired seeds ({seeds[0]}..{seeds[-1]}) x "
        f"{args.days} day(s), "
        f"{args.workers} workers: wall {wall:.0f} s, runs {sum(walls):.0f} s of worker wall "
        f"time, CPU per run: "
        + ", ".join(f"{a} median {statistics.median(c):.2f} s" for a, c in cpus.items())
        + f" (this process {time.process_time() - cpu0:.1f} s CPU); load average at start "
        f"{load:.1f}, at the end {os.getloadavg()[0]:.1f}, on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
