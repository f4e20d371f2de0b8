"""World speed benchmark (issue 2): one simulated day of the world alone, no brain.

The target is ``large.toml`` (1,000 technicians, ~8,000 requests, one-minute GPS pings) with
``policy.planner = "insertion"``, ``policy.brain = false`` (cheapest insertion at booking,
no live replanning). The
dispatcher object is wrapped in timers (:class:`_common.TimedDispatcher`: the world calls
``world.dispatcher.offers/insert/repair``), which splits the wall time into

* construction: ``World(...)`` — demand, workforce and the pre-day booking of planned
  visits, of which dispatcher time (insertions and offers);
* the day: ``world.run()``, of which dispatcher time (same-day bookings, emergencies,
  re-homing a sick colleague's visits) and world-only time (SimPy, technicians, pings,
  recorder, the world's own bookkeeping such as building the dispatcher's ``PlanState``).

Baselines measured in the same run, interleaved with the target in every repeat: the same
world with pings every 10 minutes (``ping_interval_min = 10``: what the one-minute pings
cost) and the small scenario (8 technicians: a machine-speed reference). Events per second
are log events (what the recorder emits) and SimPy events scheduled, per second of the day.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_world.py [--technicians N] [--repeats R]``
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from dataclasses import dataclass

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import TimedDispatcher, md_table, median, scenario, spread, timed

from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World

AIM_S = 2.0  # issue 2: the world alone under 2 s per simulated day


@dataclass(frozen=True, slots=True)
class WorldTiming:
    build_s: float
    build_dispatcher_s: float
    day_s: float
    day_dispatcher_s: float
    day_calls: dict[str, tuple[float, int]]
    log_events: int
    simpy_events: int
    technicians: int
    visits: int

    @property
    def world_only_s(self) -> float:
        return self.day_s - self.day_dispatcher_s

    @property
    def build_world_s(self) -> float:
        return self.build_s - self.build_dispatcher_s


def measure(sc: Scenario, seed: int) -> WorldTiming:
    gc.collect()
    t0 = time.perf_counter()
    world = World(sc, timed(BaselineDispatcher), seed)
    t1 = time.perf_counter()
    disp = world.dispatcher
    assert isinstance(disp, TimedDispatcher)
    before = disp.snapshot()
    build_disp = disp.total()
    logged = len(world.recorder.events)
    events = world.run()
    t2 = time.perf_counter()
    after = disp.snapshot()
    calls = {m: (after[m][0] - before[m][0], after[m][1] - before[m][1]) for m in after}
    # SimPy numbers every scheduled event from one counter; reading it after the day
    # consumes one id, which no longer matters.
    simpy_events = next(world.env._eid)
    return WorldTiming(
        build_s=t1 - t0,
        build_dispatcher_s=build_disp,
        day_s=t2 - t1,
        day_dispatcher_s=disp.total() - build_disp,
        day_calls=calls,
        log_events=len(events) - logged,
        simpy_events=simpy_events,
        technicians=len(world.specs),
        visits=len(world.visit_specs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--technicians", type=int, default=None, help="override large.toml")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")

    over: dict[str, object] = {"policy.brain": False}
    if args.technicians is not None:
        over["workforce.technicians"] = args.technicians
    cases = {
        "target: large, pings 1 min": scenario("large", **over),
        "baseline: large, pings 10 min": scenario("large", ping_interval_min=10.0, **over),
        "reference: small (8 technicians)": scenario("small", **{"policy.brain": False}),
    }
    runs: dict[str, list[WorldTiming]] = {k: [] for k in cases}
    for rep in range(args.repeats):
        for label, sc in cases.items():  # interleaved: load drifts hit every case alike
            m = measure(sc, args.seed)
            runs[label].append(m)
            print(
                f"repeat {rep + 1}/{args.repeats} {label}: build {m.build_s:.2f} s "
                f"(dispatcher {m.build_dispatcher_s:.2f}), day {m.day_s:.2f} s "
                f"(dispatcher {m.day_dispatcher_s:.2f}, world {m.world_only_s:.2f}), "
                f"{m.log_events:,d} log events",
                flush=True,
            )

    print(
        f"\nseed {args.seed}, {args.repeats} repeat(s), cpus {os.cpu_count()}, load average "
        f"{os.getloadavg()[0]:.1f} at the end; seconds: median (min–max) over repeats\n"
    )
    rows = []
    for label, ms in runs.items():
        m = ms[0]
        rows.append(
            [
                label,
                f"{m.technicians:,d} / {m.visits:,d}",
                spread([x.build_s for x in ms]),
                spread([x.build_dispatcher_s for x in ms]),
                spread([x.day_s for x in ms]),
                spread([x.day_dispatcher_s for x in ms]),
                spread([x.world_only_s for x in ms]),
                f"{m.log_events:,d}",
                f"{median([x.log_events / x.day_s for x in ms]) / 1e3:,.0f} k",
                f"{m.simpy_events:,d}",
                f"{median([x.simpy_events / x.day_s for x in ms]) / 1e3:,.1f} k",
            ]
        )
    headers = [
        "case",
        "technicians / visits",
        "construction s",
        "of which dispatcher",
        "day s",
        "of which dispatcher",
        "world only",
        "log events",
        "log events/s",
        "SimPy events",
        "SimPy events/s",
    ]
    print(md_table(headers, rows))

    target, base, small = (runs[k] for k in cases)
    print("\nDispatcher calls during the target day (median seconds, calls):")
    for method in ("offers", "insert", "repair"):
        secs = median([x.day_calls[method][0] for x in target])
        calls = target[0].day_calls[method][1]
        print(f"  {method}: {secs:.2f} s in {calls:,d} calls")

    def ratio(a: list[WorldTiming], b: list[WorldTiming], key: str) -> float:
        return median([getattr(x, key) / getattr(y, key) for x, y in zip(a, b, strict=True)])

    print("\nRatios, per repeat then median (target / baseline measured in the same repeat):")
    for key, name in (
        ("day_s", "day"),
        ("world_only_s", "world-only day"),
        ("build_s", "construction"),
    ):
        print(
            f"  {name}: target / pings-10 = {ratio(target, base, key):.2f}; "
            f"target / small = {ratio(target, small, key):.0f}"
        )
    per_tech = median(
        [
            (x.world_only_s / x.technicians) / (y.world_only_s / y.technicians)
            for x, y in zip(target, small, strict=True)
        ]
    )
    print(f"  world-only seconds per technician-day: target / small = {per_tech:.2f}")

    day = median([x.day_s for x in target])
    world_only = median([x.world_only_s for x in target])
    whole = median([x.build_world_s + x.world_only_s for x in target])
    print(f"\nAim: the world alone under {AIM_S:.0f} s per simulated day.")
    for name, value in (
        ("day, world only (dispatcher excluded)", world_only),
        ("day incl. baseline dispatcher", day),
        ("construction + day, world only", whole),
    ):
        verdict = "met" if value < AIM_S else "NOT met"
        print(f"  {name}: {value:.2f} s -> {verdict} ({value / AIM_S:.1f}x the aim)")


if __name__ == "__main__":
    main()
