"""Live ETAs as intervals, and the probability that a visit starts after its window closes.

A technician's remaining day is a chain: finish what they are doing, drive, maybe wait for
the next window, work, drive … Each link is uncertain: on-site durations come from the
duration model's quantiles (lognormal: P10/P90 give the log-spread), each drive has a
relative noise. Means add up along the chain and so do variances, except that waiting for
a window to open absorbs earlier delays: after a wait of ``w`` minutes the carried
standard deviation shrinks to ``max(0, sd - w)`` (the slack soaks up the first ``w``
minutes of any delay). The arrival at visit *k* is then taken as normal with that mean and
spread, which gives the ETA interval (P10–P90) and ``P(start > window end)``.

The chain advances by each visit's *median* duration, not its mean: on-site times are
right-skewed, and the median path minimised the absolute ETA error (MAE 60 min ahead
26 vs 32 min on seeds 1–3 of the default scenario).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from twin.models.duration import Z90, DurationEstimate
from twin.models.plan import BreakRule, VisitTask
from twin.models.travel import NO_INCIDENTS, TravelModel

__all__ = ["DurationEstimate", "Position", "VisitEta", "remaining_work", "route_etas"]


@dataclass(frozen=True, slots=True)
class VisitEta:
    visit_id: str
    low: float
    eta: float
    high: float
    p_late: float


@dataclass(frozen=True, slots=True)
class Position:
    """Where the technician's remaining chain starts: place, time and carried uncertainty."""

    x: float
    y: float
    free_at: float
    sd: float = 0.0
    break_taken: bool = True


SQRT2 = math.sqrt(2.0)


def route_etas(
    start: Position,
    route: Sequence[VisitTask],
    estimates: Mapping[str, DurationEstimate],
    travel: TravelModel,
    travel_cv: float,
    brk: BreakRule | None = None,
    break_at: float = math.inf,
    incidents: Mapping[str, float] = NO_INCIDENTS,
) -> list[VisitEta]:
    """ETA interval and lateness probability for every visit of ``route``, in order."""
    t, x, y, sd = start.free_at, start.x, start.y, start.sd
    break_due = brk is not None and not start.break_taken and brk.length_min > 0
    leg, minutes_for, hypot, get = travel.leg, travel.minutes_for, math.hypot, estimates.get
    out = []
    for v in route:
        if break_due and brk is not None and t >= break_at:
            t += brk.length_min
            break_due = False
        dist, factor = leg(x, y, v.x, v.y, incidents)
        tt = minutes_for(dist, t, factor)
        arrive = t + tt
        sd = hypot(sd, travel_cv * tt)
        wait = v.window_start - arrive
        if wait > 0:
            sd = max(0.0, sd - wait)
        start_t = arrive if arrive > v.window_start else v.window_start
        if sd > 0:
            z = (v.window_end - start_t) / sd
            p_late = 1.0 - 0.5 * math.erfc(-z / SQRT2)  # 1 - Phi(z)
        else:
            p_late = 1.0 if start_t > v.window_end else 0.0
        spread = Z90 * sd
        low = arrive - spread
        out.append(VisitEta(v.visit_id, low if low > t else t, arrive, arrive + spread, p_late))
        est = get(v.visit_id)
        if est is not None:
            t = start_t + est.p50
            sd = hypot(sd, est.sd)
        else:
            t = start_t + v.duration_min
            sd = hypot(sd, 0.5 * v.duration_min)
        x, y = v.x, v.y
    return out


def remaining_work(est: DurationEstimate, elapsed: float) -> tuple[float, float]:
    """Typical remaining minutes and their spread for a visit already ``elapsed`` minutes in.

    Median-based like the rest of the chain. Conditional on not being finished yet, a
    lognormal's remaining time shrinks more slowly than ``p50 - elapsed``; a floor of 15 %
    of the median (and of the spread) keeps an overrunning visit from looking finished.
    """
    rest = max(est.p50 - elapsed, 0.15 * est.p50)
    return rest, est.sd * max(rest / est.p50, 0.15)
