"""Benchmark: the planner's effect in the simulated world (issue 4 quality bar).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_effect_planner.py [--seeds 20]
        [--workers 2] [--optimise-s 5] [--scenario data/scenarios/default.toml]

Arms on the default scenario, every arm on the same seeds 1..N (common random numbers):

* ``baseline``: cheapest insertion at booking, no replanning (the reference);
* ``optimised``: PowerOpt offers, insertion and daily optimisation, no live repair;
* ``optimised_brain``: the same plus the streaming brain repairing live with PowerOpt;
* ``brain``: baseline bookings plus the brain repairing live (separates the two effects).

Prints, per KPI, each arm's mean with its 95 % CI and the paired difference to the
baseline (:mod:`twin.stats`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from twin.compare import arm_scenario, default_executor
from twin.config import Scenario, load_scenario
from twin.kpi import KPI_SPECS, Kpis
from twin.stats import format_difference, format_estimate, summarise

ROOT = Path(__file__).resolve().parents[1]
ARMS = ("baseline", "optimised", "optimised_brain", "brain")
SHOWN = (
    "punctuality",
    "lateness_mean_min",
    "travel_km",
    "overtime_hours",
    "customer_satisfaction",
    "visits_missed",
    "visits_rejected",
    "visits_attended",
    "rating_mean",
    "cost_total_eur",
)


def run_one(scenario_json: str, seed: int) -> tuple[Kpis, float]:
    """KPIs and wall seconds of one run (in a worker process)."""
    from twin.config import validate
    from twin.runner import run_scenario

    logging.basicConfig(level=logging.WARNING)
    result = run_scenario(validate(json.loads(scenario_json)), seed, report=False)
    return result.kpis, result.wall_s


def run_arms(
    arms: Mapping[str, Scenario], seeds: Sequence[int], workers: int
) -> tuple[dict[str, dict[int, Kpis]], dict[str, list[float]]]:
    """Every arm on every seed; KPIs and wall times by arm."""
    pool = default_executor(workers)
    futures = {
        (arm, seed): pool.submit(run_one, scn.model_dump_json(), seed)
        for seed in seeds
        for arm, scn in arms.items()
    }
    kpis: dict[str, dict[int, Kpis]] = {a: {} for a in arms}
    walls: dict[str, list[float]] = {a: [] for a in arms}
    try:
        for (arm, seed), fut in futures.items():
            k, wall = fut.result()
            kpis[arm][seed] = k
            walls[arm].append(wall)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return kpis, walls


def print_table(by_arm: Mapping[str, Mapping[int, Kpis]]) -> None:
    specs = [s for s in KPI_SPECS if s.name in SHOWN]
    arms = list(by_arm)
    head = ["KPI", *(f"{a} (mean ± 95 % CI)" for a in arms)]
    head += [f"{a} − baseline" for a in arms[1:]]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in summarise(by_arm, specs):
        cells = [row.spec.label]
        cells += [format_estimate(row.spec, e) for e in row.estimates]
        cells += [format_difference(row.spec, d) for d in row.differences[1:] if d is not None]
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--optimise-s", type=float, default=5.0)
    parser.add_argument("--scenario", type=Path, default=ROOT / "data/scenarios/default.toml")
    args = parser.parse_args()
    base = load_scenario(args.scenario)
    arms = {
        name: arm_scenario(
            base, {"policy.dispatcher": name, "policy.optimise_time_s": args.optimise_s}
        )
        for name in ARMS
    }
    seeds = list(range(1, args.seeds + 1))
    started = time.perf_counter()
    by_arm, walls = run_arms(arms, seeds, args.workers)
    wall = time.perf_counter() - started
    print(
        f"{len(ARMS)} arms x {len(seeds)} seeds, {args.scenario.name}, optimise_time_s "
        f"{args.optimise_s:g}, {args.workers} workers: {wall:.0f} s"
    )
    print(
        "mean wall per run: " + ", ".join(f"{a} {sum(w) / len(w):.1f} s" for a, w in walls.items())
    )
    print()
    print_table(by_arm)


if __name__ == "__main__":
    main()
