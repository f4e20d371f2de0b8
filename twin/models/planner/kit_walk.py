"""Timing and pricing a route with tools, parts and depot stops (the kit planner's walk).

One function, :func:`walk_cost`, times a route the way
:func:`twin.models.routing.plan.route_timeline` does (time-dependent travel, waiting for a
window, the statutory break before the first stop after it is due) and, along the way,
tracks the technician's tools and van stock (see :mod:`twin.models.routing.kit`: tools
picked up at a depot stop are kept, parts are refilled there and used up visit by visit).
A route is infeasible when a visit lacks its skill, a tool or a part, starts after its
window's close, or the technician is home after the effective max end
(``min(max_end, shift_end + overtime_allowed_min)``); windows are hard here.

The cost, in the planner's minute-equivalents, is ``travel`` per minute driven,
``overtime`` per minute past the shift end and, for a company paying by the hour,
``paid_time`` per minute from the departure to the return; a technician at home leaves as
late as the waits and the windows' closes allow (Savelsbergh's forward slack, as in
:mod:`twin.models.planner.paid`; exact without a break).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from twin.models.planner.params import PlannerParams
from twin.models.routing.kit import Depot, depot_of, segment_needs
from twin.models.routing.plan import BreakRule, PlanState, TechnicianSpec
from twin.models.routing.travel import TravelModel

EPS = 1e-9  # minutes of float noise forgiven on a window's close and the max end


@dataclass(slots=True)
class KitContext:
    """What every walk needs; caches legs (mutable, one per planning call)."""

    state: PlanState
    depots: Mapping[str, Depot]
    travel: TravelModel
    brk: BreakRule
    params: PlannerParams
    legs: dict[tuple[float, float, float, float], tuple[float, float]] = field(default_factory=dict)

    def max_end(self, spec: TechnicianSpec) -> float:
        return min(spec.max_end, spec.shift_end + self.params.overtime_allowed_min)

    def minutes(self, ax: float, ay: float, bx: float, by: float, depart: float) -> float:
        key = (ax, ay, bx, by)
        leg = self.legs.get(key)
        if leg is None:
            leg = self.travel.leg(ax, ay, bx, by, self.state.incidents)
            self.legs[key] = leg
        return self.travel.minutes_for(leg[0], depart, leg[1])


def walk_cost(ctx: KitContext, tid: str, route: tuple[str, ...]) -> float | None:
    """The route's cost, or ``None`` if it breaks a rule (see the module docstring)."""
    spec, st = ctx.state.technicians[tid], ctx.state.status[tid]
    visits = ctx.state.visits
    tools: frozenset[str] = spec.tools
    stock: dict[str, int] | None = None  # copied on first use: most routes need no parts
    t, x, y = st.free_at, st.x, st.y
    brk = ctx.brk
    break_due = not st.break_taken and brk.length_min > 0
    break_at = spec.shift_start + brk.after_min
    driven = waited = 0.0
    slack = float("inf")
    for i, entry in enumerate(route):
        if break_due and t >= break_at:
            t += brk.length_min
            break_due = False
        dep_id = depot_of(entry)
        if dep_id is not None:
            dep = ctx.depots[dep_id]
            tt = ctx.minutes(x, y, dep.x, dep.y, t)
            driven += tt
            t += tt + dep.service_min
            x, y = dep.x, dep.y
            tools = tools | dep.tools
            if dep.parts:
                stock = dict(spec.stock) if stock is None else stock
                ahead = segment_needs(
                    route[i + 1 :], {v: visits[v].parts for v in route[i + 1 :] if v in visits}
                )
                for part in dep.parts:
                    stock[part] = max(
                        stock.get(part, 0), spec.stock.get(part, 0), ahead.get(part, 0)
                    )
            continue
        v = visits[entry]
        if v.skill not in spec.skills or not v.tools <= tools:
            return None
        if v.parts:
            stock = dict(spec.stock) if stock is None else stock
            for part, n in v.parts.items():
                left = stock.get(part, 0) - n
                if left < 0:
                    return None
                stock[part] = left
        tt = ctx.minutes(x, y, v.x, v.y, t)
        driven += tt
        start = max(t + tt, v.window_start)
        if start > v.window_end + EPS:
            return None
        waited += start - (t + tt)
        slack = min(slack, waited + v.window_end - start)
        t = start + v.duration_min
        x, y = v.x, v.y
    if break_due and t > break_at:
        t += brk.length_min
    tt = ctx.minutes(x, y, spec.home_x, spec.home_y, t)
    end = t + tt
    if end > ctx.max_end(spec) + EPS:
        return None
    p = ctx.params
    cost = p.travel * (driven + tt) + p.overtime * max(0.0, end - spec.shift_end)
    if p.pay == "hour":
        at_home = (st.x, st.y) == (spec.home_x, spec.home_y)
        cost += p.paid_time * (end - st.free_at - (min(waited, slack) if at_home else 0.0))
    return cost
