"""Synthetic planning days drawn from a scenario's defaults, for tests and benchmarks.

A day is ``n_technicians`` technicians (skill sets, homes, shifts from
:class:`twin.config.Workforce`) and ``n_visits`` booked visits (job types, skills,
priorities, durations and window types from :class:`twin.config.Demand`), all drawn from
one explicit :class:`numpy.random.Generator`. Routes start empty: the day still has to be
planned.
"""

from __future__ import annotations

import numpy as np

from twin.config import Scenario
from twin.models.plan import BreakRule, PlanState, TechnicianSpec, TechnicianState, VisitTask
from twin.models.travel import TravelModel


def _pick(rng: np.random.Generator, shares: dict[str, float]) -> str:
    keys = sorted(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def synthetic_window(scn: Scenario, rng: np.random.Generator) -> tuple[float, float]:
    """A promised window of the scenario's window mix (2 h, 4 h AM/PM, all day)."""
    w = scn.demand.windows
    kind = _pick(rng, {"two": w.two_hour, "four": w.four_hour, "day": w.all_day})
    if kind == "day":
        return (w.day_start_min, w.day_end_min)
    width = 120.0 if kind == "two" else 240.0
    starts = np.arange(w.day_start_min, w.day_end_min - width + 1, width)
    start = float(starts[int(rng.integers(len(starts)))])
    return (start, start + width)


def synthetic_technicians(
    scn: Scenario, n: int, rng: np.random.Generator
) -> dict[str, TechnicianSpec]:
    wf = scn.workforce
    size = scn.city.size_km
    techs = {}
    for i in range(n):
        tid = f"T{i:04d}"
        skills = frozenset(_pick(rng, wf.skill_sets).split(","))
        hx, hy = (float(v) for v in rng.uniform(0, size, 2))
        start = wf.shift_start_min
        techs[tid] = TechnicianSpec(
            tid,
            hx,
            hy,
            skills,
            start,
            start + wf.shift_length_min,
            start + wf.max_work_min + wf.break_min,
        )
    return techs


def synthetic_visit(
    scn: Scenario, vid: str, rng: np.random.Generator, window: tuple[float, float] | None = None
) -> VisitTask:
    jobs = scn.demand.jobs
    job = _pick(rng, {k: v.share for k, v in jobs.items()})
    spec = jobs[job]
    ws, we = synthetic_window(scn, rng) if window is None else window
    size = scn.city.size_km
    x, y = (float(v) for v in rng.uniform(0, size, 2))
    return VisitTask(
        vid,
        f"C{vid}",
        x,
        y,
        job,
        spec.skill,
        spec.priority,
        ws,
        we,
        spec.mean_min,  # the planner plans with expected durations
    )


def synthetic_day(
    scn: Scenario, n_technicians: int, n_visits: int, rng: np.random.Generator
) -> tuple[PlanState, TravelModel, BreakRule]:
    """An unplanned day: technicians at home at shift start, visits booked, routes empty."""
    techs = synthetic_technicians(scn, n_technicians, rng)
    visits = {f"V{i:05d}": synthetic_visit(scn, f"V{i:05d}", rng) for i in range(n_visits)}
    status = {
        tid: TechnicianState(tid, s.home_x, s.home_y, s.shift_start) for tid, s in techs.items()
    }
    state = PlanState(
        now=scn.workforce.shift_start_min,
        technicians=techs,
        status=status,
        visits=visits,
        routes={tid: () for tid in techs},
    )
    travel = TravelModel(scn.city, scn.traffic)
    brk = BreakRule(scn.workforce.break_min, scn.workforce.break_after_work_min)
    return state, travel, brk
