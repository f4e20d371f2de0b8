"""Benchmark: emergencies making room (``policy.emergency_displacement``) in the world.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_displacement.py [--seeds 20]
        [--workers 2] [--dispatchers baseline brain] [--scenario data/scenarios/default.toml]

For each dispatcher, two arms on the same seeds 1..N (common random numbers): without
making room (an emergency that fits nobody's day is refused) and with it (a visit of lower
priority gives way: booked again today if it fits its window, else moved to another day).
Prints each arm's mean with its 95 % CI and the paired difference "on − off".
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import ROOT, paired_table, run_arms

from twin.compare import arm_scenario
from twin.config import load_scenario

SHOWN = (
    "emergencies",
    "emergencies_refused",
    "emergency_within_target",
    "emergency_response_mean_min",
    "visits_deferred",
    "visits_missed",
    "visits_late",
    "punctuality",
    "overtime_hours",
    "customer_satisfaction",
    "employee_satisfaction",
    "cost_total_eur",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dispatchers", nargs="+", default=["baseline", "brain"])
    parser.add_argument("--scenario", type=Path, default=ROOT / "data/scenarios/default.toml")
    args = parser.parse_args()
    base = load_scenario(args.scenario)
    seeds = list(range(1, args.seeds + 1))
    for dispatcher in args.dispatchers:
        arms = {
            f"{dispatcher}, {label}": arm_scenario(
                base,
                {"policy.dispatcher": dispatcher, "policy.emergency_displacement": on},
            )
            for label, on in (("refuse", False), ("make room", True))
        }
        started = time.perf_counter()
        by_arm, walls = run_arms(arms, seeds, args.workers)
        wall = time.perf_counter() - started
        print(
            f"\n#### {dispatcher}: {len(seeds)} seeds, {args.scenario.name}, "
            f"{args.workers} workers, {wall:.0f} s ("
            + ", ".join(f"{a} {sum(w) / len(w):.2f} s a run" for a, w in walls.items())
            + ")\n"
        )
        print(paired_table(by_arm, SHOWN), flush=True)


if __name__ == "__main__":
    main()
