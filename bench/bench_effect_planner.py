"""Benchmark: the planner's effect in the simulated world (issue 4 quality bar).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_effect_planner.py [--seeds 20]
        [--workers 2] [--optimise-iterations 700] [--scenario data/scenarios/default.toml]

Arms on the default scenario, every arm on the same seeds 1..N (common random numbers):

* ``baseline``: cheapest insertion at booking, no replanning (the reference);
* ``optimised``: PowerOpt offers, insertion and daily optimisation, no live repair;
* ``optimised_brain``: the same plus the streaming brain repairing live with PowerOpt;
* ``brain``: baseline bookings plus the brain repairing live (separates the two effects).

Prints, per KPI, each arm's mean with its 95 % CI and the paired difference to the
baseline (:mod:`twin.analysis.stats`).
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import arms_parser, paired_table, run_arms

from twin.app.arms import arm_scenario
from twin.config import load_scenario, named_policy

ARMS = ("baseline", "optimised", "optimised_brain", "brain")
SHOWN = (
    "punctuality",
    "lateness_mean_min",
    "travel_km",
    "overtime_hours",
    "customer_satisfaction",
    "visits_missed",
    "visits_deferred",
    "emergency_within_target",
    "visits_rejected",
    "visits_attended",
    "rating_mean",
    "cost_total_eur",
)


def main() -> None:
    parser = arms_parser(__doc__)
    parser.add_argument(
        "--optimise-iterations", type=int, default=None, help="default: the scenario's policy"
    )
    args = parser.parse_args()
    base = load_scenario(args.scenario)
    budget = {}
    if args.optimise_iterations is not None:
        budget["policy.optimise_iterations"] = args.optimise_iterations
    arms = {name: arm_scenario(base, {**named_policy(name), **budget}) for name in ARMS}
    seeds = list(range(1, args.seeds + 1))
    started = time.perf_counter()
    by_arm, walls = run_arms(arms, seeds, args.workers)
    wall = time.perf_counter() - started
    print(
        f"{len(ARMS)} arms x {len(seeds)} seeds, {args.scenario.name}, optimise_iterations "
        f"{arms['optimised'].policy.optimise_iterations}, {args.workers} workers: {wall:.0f} s"
    )
    print(
        "mean wall per run: " + ", ".join(f"{a} {sum(w) / len(w):.1f} s" for a, w in walls.items())
    )
    print()
    print(paired_table(by_arm, SHOWN))


if __name__ == "__main__":
    main()
