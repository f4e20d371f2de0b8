"""Tools, parts and restocking on technician days: what depot stops buy, and what the kit
planner costs.

Each day is ``bench/fixtures/kitday.py`` on a Solomon instance (25 technicians with homes,
skills, tools and van stock; visits needing a tool or parts; two depots holding
everything). Arms, all paid by the hour (``paid_params``):

* ``no depots`` — :func:`twin.models.planner.kit.plan_with_kit` without depots: visits
  that no van can serve are refused (with their reason);
* ``depots`` — the same with the two depots: depot stops inserted where they pay;
* ``depots + PyVRP`` — the visits needing nothing planned first by the daily optimisation
  (``--time-limit`` s), the rest inserted.

Every plan is judged by :func:`twin.models.routing.check.check_routes` (independent of the
planner: windows, skills, tools, parts with restocking, shifts, nothing dropped silently),
which also gives the paid minutes (best departure).

Run: ``OMP_NUM_THREADS=1 FIELDTWIN_SOLOMON_DIR=/work/shared/bench/solomon
.venv/bin/python bench/bench_kit.py [--instances R201,RC101] [--seeds 0,1] [--time-limit 2]``
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import md_table
from bench_paid import find
from fixtures.kitday import kit_day
from fixtures.techday import paid_params

from twin.models.planner.kit import plan_with_kit
from twin.models.routing.check import check_routes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--instances", default="R201,RC101")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--time-limit", type=float, default=2.0)
    args = ap.parse_args()
    rows = []
    load0 = os.getloadavg()[0]
    for name in args.instances.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            day, depots = kit_day(find(name), seed=seed)
            st = day.state
            needy = sum(1 for v in st.visits.values() if v.tools or v.parts)
            arms = {
                "no depots": ({}, None),
                "depots": (depots, None),
                "depots + PyVRP": (depots, args.time_limit),
            }
            for arm, (deps, limit) in arms.items():
                cpu, wall = time.process_time(), time.perf_counter()
                got = plan_with_kit(
                    st, deps, day.travel, day.brk, paid_params(), time_limit_s=limit
                )
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                check = check_routes(
                    got.routes, st.technicians, st.status, st.visits, day.travel.distance_km,
                    deps, refused=got.refused,
                )  # fmt: skip
                rows.append(
                    [
                        f"{day.name} ({needy} need kit)",
                        arm,
                        len(st.visits) - len(got.refused),
                        len(got.refused),
                        check.depot_stops,
                        f"{check.paid_min:,.1f}",
                        len(check.problems),
                        f"{cpu:.1f}",
                        f"{wall:.1f}",
                    ]
                )
    print(f"load average {load0:.1f} / {os.getloadavg()[0]:.1f}")
    head = ["day", "arm", "planned", "refused", "depot stops", "paid min", "broken rules"]
    print(md_table([*head, "CPU s", "wall s"], rows))


if __name__ == "__main__":
    main()
