"""The dispatcher's offers look up the candidate technicians and their routes' timelines
once per request and price every window on them: the same offers, to the bit, as pricing
each window on its own (one ``best_insertion`` per window, as before), on random requests
over a busy day's plan and an empty later day."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from twin.app.live import LiveDay
from twin.app.live.quotes import frozen_state
from twin.config import Scenario
from twin.models.booking.ahead import Ahead
from twin.models.booking.horizon import Horizon
from twin.models.booking.windows import windows_within
from twin.models.routing.dispatch import BaselineDispatcher, NoOffer, SlotOffer
from twin.models.routing.insertion import best_insertion
from twin.models.routing.plan import PlanState, VisitTask


def _one_window_at_a_time(
    d: BaselineDispatcher, state: PlanState, request: VisitTask, windows: list[tuple[float, float]]
) -> list[SlotOffer] | NoOffer:
    if not any(request.skill in s.skills for s in state.technicians.values()):
        return NoOffer(f"no technician has skill {request.skill!r}")
    found = []
    for ws, we in windows:
        if we <= state.now:
            continue
        cand = replace(request, window_start=ws, window_end=we)
        # in regular hours, nobody late: as bookings are priced
        ins = best_insertion(state, cand, d.travel, d.brk, d.weights, allow_overtime=False)
        if ins is not None:
            found.append(SlotOffer(ws, we, ins.technician_id, ins.cost))
    if not found:
        return NoOffer("no feasible window left today")
    found.sort(key=lambda o: (o.cost, o.window_start, o.window_end - o.window_start))
    return found


def test_offers_equal_pricing_each_window_alone(small: Scenario, tmp_path: Path) -> None:
    day = LiveDay(small, 5, tmp_path)
    while day.now < 10 * 60 and day.tick():
        pass
    world = day.world
    today = frozen_state(world.plan_state())
    later = Ahead(Horizon(lambda _: 8, per_technician=1.0, reserve=0.0, days=1), today.technicians)
    planner = BaselineDispatcher(world.travel, world.break_rule)
    grid = list(world.company.windows)
    jobs = sorted(small.demand.jobs)
    rng = np.random.default_rng(15)
    size = small.city.size_km
    outcomes = {True: 0, False: 0}
    for i in range(150):
        name = jobs[int(rng.integers(len(jobs)))]
        job, (x, y) = small.demand.jobs[name], rng.uniform(0, size, 2)
        lo = float(rng.choice([0.0, 8 * 60.0, 12 * 60.0]))
        request = VisitTask(
            f"Q{i}", f"C{i}", float(x), float(y), name, job.skill, job.priority,
            0.0, 0.0, job.mean_min,
        )  # fmt: skip
        for state in (today, later.plan(1)):
            windows = windows_within(grid, (lo, 24 * 60.0), now=state.now or None)
            offered = planner.offers(state, request, windows)
            assert offered == _one_window_at_a_time(planner, state, request, windows)
            outcomes[isinstance(offered, NoOffer)] += 1
    assert outcomes[True] > 0 and outcomes[False] > 0  # both answers were compared
