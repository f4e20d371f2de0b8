"""Benchmark: the world's daily kit plan, cheapest insertion against PyVRP (issue 20).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_kit_daily.py [--seeds 1-10]
        [--iterations 250,1000,3000] [--scenario data/scenarios/parts.toml]

For each seed, the day of ``data/scenarios/parts.toml`` as the parts-aware company plans
it in the morning (the visits booked before the day, with the tools and parts they are
known to need, the technicians' tools and van stock: :func:`twin.sim.kit_plan.kit_day`),
planned by :func:`twin.models.planner.kit.plan_with_kit`:

* ``insertion``: cheapest insertion with depot stops and relocation (``parts.kit_daily =
  "insertion"``);
* ``pyvrp N``: that plan improved by PyVRP with tools and parts for N iterations
  (``parts.kit_daily = "pyvrp"``, ``parts.kit_iterations = N``; the better plan is kept).

Per plan: visits planned and refused, depot stops, the planner's cost, travel and
overtime minutes and paid minutes (each technician's departure to return, leaving as late
as the waits allow), all measured by the kit planner's walk (time-dependent travel, the
break), and the CPU time of the plan (``time.process_time``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import SCENARIOS, md_table

from twin.app.wiring import build_world
from twin.config import load_scenario
from twin.models.planner.kit import KitPlan, plan_with_kit
from twin.models.planner.kit_walk import KitContext, walk_cost
from twin.models.planner.params import PlannerParams
from twin.models.routing.kit import depot_of
from twin.sim.kit_plan import kit_day


def measure(ctx: KitContext, plan: KitPlan) -> dict[str, float]:
    """Planned, refused, stops, cost, travel, overtime and paid minutes of ``plan``."""

    def total(params: PlannerParams) -> float:
        c = replace(ctx, params=params, legs=ctx.legs)
        return sum(walk_cost(c, t, r) or 0.0 for t, r in plan.routes.items() if r)

    p = ctx.params
    entries = [e for r in plan.routes.values() for e in r]
    zero = {"travel": 0.0, "overtime": 0.0, "paid_time": 0.0}
    return {
        "planned": float(sum(depot_of(e) is None for e in entries)),
        "refused": float(len(plan.refused)),
        "stops": float(sum(depot_of(e) is not None for e in entries)),
        "cost": total(p),
        "travel": total(replace(p, **{**zero, "travel": 1.0})),
        "overtime": total(replace(p, **{**zero, "overtime": 1.0})),
        "paid": total(replace(p, **{**zero, "paid_time": 1.0}, pay="hour")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="1-10", help="a-b or a,b,c")
    parser.add_argument("--iterations", default="250,1000,3000")
    parser.add_argument("--scenario", type=Path, default=SCENARIOS / "parts.toml")
    args = parser.parse_args()
    if "-" in args.seeds:
        a, b = map(int, args.seeds.split("-"))
        seeds = list(range(a, b + 1))
    else:
        seeds = [int(s) for s in args.seeds.split(",")]
    iters = [int(n) for n in args.iterations.split(",")]
    base = load_scenario(args.scenario).with_overrides(**{"parts.planning": "blind"})
    arms: list[tuple[str, int | None]] = [("insertion", None)]
    arms += [(f"pyvrp {n}", n) for n in iters]
    rows: dict[str, list[dict[str, float]]] = {a: [] for a, _ in arms}
    load0, started = os.getloadavg()[0], time.perf_counter()
    for seed in seeds:
        world = build_world(base, seed)  # blind: the routes are the policy's plan
        assert world.vans is not None
        state = kit_day(world.plan_state(), world.vans)
        params = PlannerParams.from_policy(base.policy)
        for name, n in arms:
            cpu = time.process_time()
            plan = plan_with_kit(
                state, world.vans.depots, world.travel, world.break_rule, params,
                seed=seed, iterations=n, time_limit_s=None if n is None else 600.0,
            )  # fmt: skip
            got = measure(KitContext(state, world.vans.depots, world.travel,
                                     world.break_rule, params), plan)  # fmt: skip
            got["cpu"] = time.process_time() - cpu
            rows[name].append(got)
    head = ["plan", "planned", "refused", "depot stops", "cost", "travel min", "overtime min",
            "paid min", "CPU s (median)", "better / worse than insertion (cost)"]  # fmt: skip
    out = []
    for name, _ in arms:
        r = rows[name]
        ins = rows["insertion"]
        better = sum(a["cost"] < b["cost"] - 1e-6 for a, b in zip(r, ins, strict=True))
        worse = sum(a["cost"] > b["cost"] + 1e-6 for a, b in zip(r, ins, strict=True))
        out.append(
            [name]
            + [f"{statistics.mean(x[k] for x in r):.2f}" for k in ("planned", "refused", "stops")]
            + [f"{statistics.mean(x[k] for x in r):.1f}" for k in ("cost", "travel", "overtime")]
            + [f"{statistics.mean(x['paid'] for x in r):.1f}"]
            + [f"{statistics.median(x['cpu'] for x in r):.2f}", f"{better} / {worse}"]
        )
    print(md_table(head, out))
    print(
        f"\n{args.scenario.name}, seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}), means per day; "
        f"wall {time.perf_counter() - started:.0f} s; load average {load0:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
