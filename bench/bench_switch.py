"""Benchmark: one on/off policy switch in the world, per dispatcher, on common seeds.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_switch.py [--switch emergency_displacement]
        [--seeds 20] [--workers 2] [--dispatchers baseline brain]
        [--scenario data/scenarios/default.toml]

For each dispatcher, two arms on the same seeds 1..N (common random numbers): the switch
(a boolean field of ``policy``) off and on. Switches measured so far:

* ``emergency_displacement``: an emergency that fits nobody's day is refused (off), or a
  visit of lower priority gives way (on: booked again today if it fits, else moved);
* ``defer_unreachable``: a visit its technician can no longer reach today is missed (off),
  or the brain moves it to another day with an apology (on; brain dispatchers only).

Prints each arm's mean with its 95 % CI and the paired difference "on − off".
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import arms_parser, paired_table, run_arms

from twin.app.arms import arm_scenario
from twin.config import load_scenario, named_policy

SHOWN = (
    "emergencies",
    "emergencies_refused",
    "emergency_within_target",
    "emergency_response_mean_min",
    "visits_attended",
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
    parser = arms_parser(__doc__)
    parser.add_argument("--switch", default="emergency_displacement", help="a policy bool")
    parser.add_argument("--dispatchers", nargs="+", default=["baseline", "brain"])
    args = parser.parse_args()
    base = load_scenario(args.scenario)
    if not isinstance(getattr(base.policy, args.switch, None), bool):
        parser.error(f"--switch: {args.switch!r} is not an on/off field of policy")
    seeds = list(range(1, args.seeds + 1))
    for dispatcher in args.dispatchers:
        arms = {
            f"{dispatcher}, {args.switch} {label}": arm_scenario(
                base, {**named_policy(dispatcher), f"policy.{args.switch}": on}
            )
            for label, on in (("off", False), ("on", True))
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
