"""Paid time: when a technician paid by the hour leaves home, and how long they are paid.

A technician paid by the hour (``PlannerParams.pay = "hour"``) who is still at home is
paid from the moment they leave to their return. The planner chooses that moment: as late
as the route allows without delaying its end or making any visit later than its window, so
that waiting for a window before the first visits becomes unpaid time at home.

With a route timed from the earliest departure (a :class:`~twin.models.planner.evaluate.Walk`),
let ``w_i`` be the wait before visit ``i`` and ``slack_i`` how long its start may slip before
its window closes. Leaving ``δ`` later pushes the start of visit ``i`` by
``max(0, δ − (w_1 + … + w_i))``, and the return by ``max(0, δ − W)`` with ``W`` the total
wait. The best delay is therefore ``δ* = min(W, min_i (w_1 + … + w_i + slack_i))``: the
return does not move and no visit gets later than its window (Savelsbergh's forward time
slack). With static travel (the benchmarks) this is exact; with time-dependent travel and
the statutory break it is an estimate from the earliest-departure timing (the later legs
run at other times of day, and the break may fall elsewhere).

A technician who is not at home (on the road, at a customer's) is already being paid, and
an empty route means no departure: neither is delayed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from twin.models.routing.plan import TechnicianSpec, TechnicianState, VisitTask


class Walk(Protocol):
    """What is read of a timed route (:class:`twin.models.planner.evaluate.Walk` is one)."""

    @property
    def route(self) -> Sequence[str]: ...
    @property
    def before_t(self) -> Sequence[float]: ...
    @property
    def before_break(self) -> Sequence[bool]: ...
    @property
    def cum_travel(self) -> Sequence[float]: ...
    @property
    def starts(self) -> Sequence[float]: ...


NOISE = 1e-9  # minutes: waits shorter than this are rounding in the walk's sums


def at_home(spec: TechnicianSpec, st: TechnicianState) -> bool:
    """Whether the technician is at home (off the clock for a company paying by the hour)."""
    return st.x == spec.home_x and st.y == spec.home_y


def departure(
    spec: TechnicianSpec,
    st: TechnicianState,
    visits: Mapping[str, VisitTask],
    walk: Walk,
    break_min: float,
) -> float:
    """When the technician leaves for ``walk``: ``free_at + δ*`` from home, else ``free_at``."""
    if not walk.route or not at_home(spec, st):
        return st.free_at
    return st.free_at + departure_delay(walk, visits, break_min)


def departure_delay(walk: Walk, visits: Mapping[str, VisitTask], break_min: float) -> float:
    """``δ*``: how much later than the walk's departure the technician can leave home.

    Uses the walk's clock before each leg, whether the break was still due (it is taken
    before the leg where that turns false, ``break_min`` long), the cumulative travel and
    the start of each visit.
    """
    before_t, before_break, cum = walk.before_t, walk.before_break, walk.cum_travel
    waited = 0.0
    best = float("inf")
    for i, vid in enumerate(walk.route):
        pause = break_min if before_break[i] and not before_break[i + 1] else 0.0
        arrive = before_t[i] + pause + cum[i + 1] - cum[i]
        wait = walk.starts[i] - arrive  # arrival rebuilt from sums: noise, not waiting
        waited += wait if wait > NOISE else 0.0
        best = min(best, waited + max(0.0, visits[vid].window_end - walk.starts[i]))
    return max(0.0, min(waited, best))
