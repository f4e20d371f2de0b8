"""Plans at each of the brain's replans, priced by the planner's one objective.

At the moment ``t`` of each ``plan_published`` of the brain, the fleet is rebuilt from the
world's events up to ``t`` (:class:`~twin.models.routing.mirror.FleetMirror`: where each
technician is, what is committed, which visits are still open). The *open visits* are
those still movable then (booked for today, not started, not done, not cancelled by
then), minus the ones the customer cancelled later (no plan could have done them). Three
plans for them are priced from that same state with
:meth:`~twin.models.planner.evaluate.Evaluator.plan_cost` (travel, lateness, late visits,
overtime, workload balance, and the ``missed`` weight per open visit no route holds):

* **brain**: production's plan at ``t`` with the brain's repaired routes in place (a visit
  the brain moves leaves its former route, as the world applies a plan);
* **production plan**: production's published plan at ``t`` (its last ``plan_published``
  per technician up to then);
* **production actual**: what production's technicians actually did for the rest of the
  day: per technician, the open visits they arrived at after ``t``, in arrival order.

Times are the planner's expectations (expected durations, time-dependent travel), so the
three are compared on the same footing; what the day would really have brought is the
counterfactual continuation, which this module does not do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from twin import events as ev
from twin.models.company import Company
from twin.models.planner.evaluate import Evaluator
from twin.models.planner.params import PlannerParams
from twin.models.routing.mirror import FleetMirror
from twin.models.routing.plan import PlanState

Routes = dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class PlanPrice:
    """One plan's objective and its main parts (minutes are planned, not observed)."""

    cost: float
    travel_min: float
    late_visits: int
    late_min: float
    overtime_min: float
    unplanned: int

    def to_dict(self) -> dict[str, object]:
        return {
            "cost": self.cost,
            "travel_min": self.travel_min,
            "late_visits": self.late_visits,
            "late_min": self.late_min,
            "overtime_min": self.overtime_min,
            "unplanned": self.unplanned,
        }


@dataclass(frozen=True, slots=True)
class ReplanScore:
    plan_id: str
    time: datetime
    reason: str
    technicians: tuple[str, ...]  # whose routes the brain's plan sets
    open_visits: int
    brain: PlanPrice
    production_plan: PlanPrice
    production_actual: PlanPrice

    def to_dict(self) -> dict[str, object]:
        return {
            "plan_id": self.plan_id,
            "time": ev.format_time(self.time),
            "reason": self.reason,
            "technicians": list(self.technicians),
            "open_visits": self.open_visits,
            "brain": self.brain.to_dict(),
            "production_plan": self.production_plan.to_dict(),
            "production_actual": self.production_actual.to_dict(),
        }


def price(
    state: PlanState, company: Company, params: PlannerParams, routes: Routes, open_: set[str]
) -> PlanPrice:
    """The objective of ``routes`` from ``state``; open visits on no route are unplanned."""
    evaluator = Evaluator(state, company.travel, company.break_rule, params)
    placed = {v for r in routes.values() for v in r}
    unplanned = len(open_ - placed)
    travel = late = overtime = 0.0
    n_late = 0
    for tid, spec in state.technicians.items():
        walk = evaluator.walk(tid, routes.get(tid, ()))
        travel += walk.travel_min
        late += walk.late_min
        n_late += walk.n_late
        overtime += max(0.0, walk.end - spec.shift_end)
    cost = evaluator.plan_cost(routes, unplanned)
    return PlanPrice(cost, travel, n_late, late, overtime, unplanned)


def with_repair(
    routes: Mapping[str, tuple[str, ...]], plan: ev.PlanPublished, open_: set[str]
) -> Routes:
    """``routes`` with the plan's routes in place; moved visits leave their former routes."""
    changed = {
        r.technician_id: tuple(v for v in r.visit_ids if v in open_)
        for r in plan.routes
        if r.technician_id in routes
    }
    moved = {v for r in changed.values() for v in r}
    return {
        tid: changed[tid] if tid in changed else tuple(v for v in route if v not in moved)
        for tid, route in routes.items()
    }


def actual_routes(
    arrivals: Sequence[ev.Arrived], technicians: Iterable[str], after: datetime, open_: set[str]
) -> Routes:
    """Per technician, the open visits first arrived at after ``after``, in arrival order."""
    out: dict[str, list[str]] = {tid: [] for tid in technicians}
    for a in arrivals:  # first arrival per visit, in time order
        if a.time > after and a.visit_id in open_ and a.technician_id in out:
            out[a.technician_id].append(a.visit_id)
    return {tid: tuple(vs) for tid, vs in out.items()}


def score_replans(
    world: Sequence[ev.Event],
    production: Iterable[ev.Event],
    brain: Iterable[ev.Event],
    company: Company,
    params: PlannerParams,
    today: set[str],
    cancelled_by_customer: set[str],
) -> list[ReplanScore]:
    """One score per ``plan_published`` in ``brain``, in time order; ``production``'s
    plans are folded in with the ``world`` events."""
    own = [d for d in production if isinstance(d, ev.PlanPublished)]
    events = sorted([*world, *own], key=attrgetter("time"))
    first: dict[str, ev.Arrived] = {}
    for e in events:
        if isinstance(e, ev.Arrived) and e.visit_id is not None:
            first.setdefault(e.visit_id, e)
    arrivals = sorted(first.values(), key=attrgetter("time"))
    plans = sorted((d for d in brain if isinstance(d, ev.PlanPublished)), key=attrgetter("time"))
    mirror = FleetMirror(company.roster, company.clock, company.break_rule.length_min)
    out: list[ReplanScore] = []
    i = 0
    for plan in plans:
        while i < len(events) and events[i].time <= plan.time:
            mirror.apply(events[i])
            i += 1
        open_ = {
            v
            for v in mirror.tasks
            if v in today and v not in cancelled_by_customer and mirror.movable(v)
        }
        state = mirror.plan_state(company.clock.minutes(plan.time))
        published = {tid: tuple(v for v in r if v in open_) for tid, r in mirror.routes.items()}
        brain_routes = with_repair(published, plan, open_)
        actual = actual_routes(arrivals, mirror.routes, plan.time, open_)
        out.append(
            ReplanScore(
                plan_id=plan.id,
                time=plan.time,
                reason=plan.reason,
                technicians=tuple(r.technician_id for r in plan.routes),
                open_visits=len(open_),
                brain=price(state, company, params, brain_routes, open_),
                production_plan=price(state, company, params, published, open_),
                production_actual=price(state, company, params, actual, open_),
            )
        )
    return out
