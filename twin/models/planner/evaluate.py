"""Route evaluation for the planner: the objective, and fast incremental re-timing.

The planner's one objective, per technician route, in minute-equivalents of travel::

    travel·travel_min + lateness·late_min + late_visit·n_late + overtime·overtime_min
    + HARD·(minutes past the effective max_end) + balance·(span_h)² + paid_time·paid_min
    − best_match·Σ chemistry bonus(customer, technician) + HARD_SKILL·(visits without skill)

where the effective max end is ``min(max_end, shift_end + overtime_allowed_min)`` and the
span is the technician's end minus ``free_at``. The squared span is convex, so moving work
from a long day to a short one lowers the sum (workload balance). ``paid_min`` counts only
when the company pays by the hour: from the departure :mod:`twin.models.planner.paid`
chooses to the end.

Times follow :func:`twin.models.plan.route_timeline` exactly (time-dependent travel, waiting,
the statutory break, home leg without incidents); ``tests`` check the equality. A
:class:`Walk` keeps the state *before* each stop, so a changed route is re-timed from its
first changed stop and stops as soon as the times converge back onto the old route
(the push-forward is absorbed by waiting): most insertions touch two or three legs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from twin.models.planner.paid import departure
from twin.models.planner.params import PlannerParams
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    TechnicianSpec,
    TechnicianState,
    VisitTask,
)
from twin.models.routing.travel import NO_INCIDENTS, TravelModel

HARD = 1_000.0  # per minute past the effective max end
HARD_SKILL = 1e7  # per visit on a technician without its skill (or unavailable)

Bonus = Callable[[str, str], float]  # (customer_id, technician_id) -> chemistry points


@dataclass(frozen=True, slots=True)
class Cargo:
    """Optional load dimension: demand per visit, capacity per technician (benchmarks)."""

    demand: Mapping[str, int] = field(default_factory=dict)
    capacity: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Walk:
    """A timed route: the state before each stop, and the totals."""

    route: tuple[str, ...]
    before_t: tuple[float, ...]  # clock before leaving for stop i
    before_break: tuple[bool, ...]  # break still due before stop i
    cum_travel: tuple[float, ...]
    cum_late: tuple[float, ...]
    cum_n_late: tuple[int, ...]
    starts: tuple[float, ...]
    end: float
    travel_min: float
    late_min: float
    n_late: int
    cost: float


class Evaluator:
    """Times and prices routes of one :class:`PlanState`; caches legs and walks.

    Mutable by design (caches only): create one per decision, or keep one per unchanged
    state. Every result is a pure function of the state and the route.
    """

    def __init__(
        self,
        state: PlanState,
        travel: TravelModel,
        brk: BreakRule,
        params: PlannerParams,
        visits: Mapping[str, VisitTask] | None = None,
        bonus: Bonus | None = None,
        cargo: Cargo | None = None,
    ) -> None:
        self.state = state
        self.travel = travel
        self.brk = brk
        self.params = params
        self.visits = state.visits if visits is None else visits
        self.bonus = bonus
        self.cargo = cargo
        self._legs: dict[tuple[float, float, float, float, bool], tuple[float, float]] = {}
        # cached walks stay valid while the technician's state is the same object value
        self._walks: dict[tuple[str, tuple[str, ...]], tuple[TechnicianState, Walk]] = {}

    def rebind(self, state: PlanState, visits: Mapping[str, VisitTask] | None = None) -> None:
        """Point at a newer state, keeping caches that are still valid.

        Walks are keyed by technician, route and the technician's state; visits are
        assumed immutable per id (a changed visit must get a new id, or call ``clear``).
        """
        if state.incidents != self.state.incidents or len(self._walks) > 200_000:
            self.clear()
        self.state = state
        self.visits = state.visits if visits is None else visits

    def clear(self) -> None:
        self._legs.clear()
        self._walks.clear()

    # -- legs -------------------------------------------------------------------------------
    def _leg(
        self, ax: float, ay: float, bx: float, by: float, depart: float, incidents: bool
    ) -> tuple[float, float]:
        key = (ax, ay, bx, by, incidents)
        got = self._legs.get(key)
        if got is None:
            inc = self.state.incidents if incidents else NO_INCIDENTS
            got = self._legs[key] = self.travel.leg(ax, ay, bx, by, inc)
        dist, factor = got
        return dist, self.travel.minutes_for(dist, depart, factor)

    # -- walking ------------------------------------------------------------------------------
    def max_end(self, spec: TechnicianSpec) -> float:
        return min(spec.max_end, spec.shift_end + self.params.overtime_allowed_min)

    def walk(self, tid: str, route: Sequence[str]) -> Walk:
        """Time ``route`` for technician ``tid`` from scratch (cached)."""
        key = (tid, tuple(route))
        st = self.state.status[tid]
        hit = self._walks.get(key)
        if hit is not None and hit[0] == st:
            return hit[1]
        bd = not st.break_taken and self.brk.length_min > 0
        got = self._walk_from(tid, key[1], 0, st.free_at, st.x, st.y, bd, 0.0, 0.0, 0, None)
        self._walks[key] = (st, got)
        return got

    def rewalk(self, tid: str, old: Walk, new_route: Sequence[str]) -> Walk:
        """Time ``new_route`` reusing ``old``'s common prefix and converging suffix."""
        new = tuple(new_route)
        key = (tid, new)
        st = self.state.status[tid]
        hit = self._walks.get(key)
        if hit is not None and hit[0] == st:
            return hit[1]
        o = old.route
        k = 0
        lim = min(len(o), len(new))
        while k < lim and o[k] == new[k]:
            k += 1
        if k == 0:
            x, y = st.x, st.y
        else:
            v = self.visits[new[k - 1]]
            x, y = v.x, v.y
        got = self._walk_from(
            tid,
            new,
            k,
            old.before_t[k],
            x,
            y,
            old.before_break[k],
            old.cum_travel[k],
            old.cum_late[k],
            old.cum_n_late[k],
            old,
        )
        self._walks[key] = (st, got)
        return got

    def _walk_from(
        self,
        tid: str,
        route: tuple[str, ...],
        k: int,
        t: float,
        x: float,
        y: float,
        bd: bool,
        travel_sum: float,
        late: float,
        n_late: int,
        old: Walk | None,
    ) -> Walk:
        spec = self.state.technicians[tid]
        brk = self.brk
        break_at = spec.shift_start + brk.after_min
        n = len(route)
        before_t, before_break, cum_travel, cum_late, cum_n_late, starts = _prefix(old, k)
        shift, suffix_from = _common_suffix(old, route, k)
        visits = self.visits
        i = k
        while i < n:
            if old is not None and i > suffix_from and bd == old.before_break[i + shift]:
                j = i + shift
                if t == old.before_t[j]:  # converged: the rest of the old route is unchanged
                    dt = travel_sum - old.cum_travel[j]
                    dl = late - old.cum_late[j]
                    dn = n_late - old.cum_n_late[j]
                    before_t.extend(old.before_t[j:])
                    before_break.extend(old.before_break[j:])
                    cum_travel.extend(c + dt for c in old.cum_travel[j:])
                    cum_late.extend(c + dl for c in old.cum_late[j:])
                    cum_n_late.extend(c + dn for c in old.cum_n_late[j:])
                    starts.extend(old.starts[j:])
                    lists = (before_t, before_break, cum_travel, cum_late, cum_n_late, starts)
                    totals = (old.travel_min + dt, old.late_min + dl, old.n_late + dn)
                    return self._finish(tid, route, *lists, old.end, *totals)
            before_t.append(t)
            before_break.append(bd)
            cum_travel.append(travel_sum)
            cum_late.append(late)
            cum_n_late.append(n_late)
            v = visits[route[i]]
            if bd and t >= break_at:
                t += brk.length_min
                bd = False
            _, tt = self._leg(x, y, v.x, v.y, t, True)
            arrive = t + tt
            start = arrive if arrive > v.window_start else v.window_start
            starts.append(start)
            if start > v.window_end:
                late += start - v.window_end
                n_late += 1
            travel_sum += tt
            t = start + v.duration_min
            x, y = v.x, v.y
            i += 1
        # the state before the home leg sits at index n
        before_t.append(t)
        before_break.append(bd)
        cum_travel.append(travel_sum)
        cum_late.append(late)
        cum_n_late.append(n_late)
        if bd and t > break_at:
            t += brk.length_min
        _, t_home = self._leg(x, y, spec.home_x, spec.home_y, t, False)
        lists = (before_t, before_break, cum_travel, cum_late, cum_n_late, starts)
        return self._finish(tid, route, *lists, t + t_home, travel_sum + t_home, late, n_late)

    def _finish(
        self,
        tid: str,
        route: tuple[str, ...],
        before_t: list[float],
        before_break: list[bool],
        cum_travel: list[float],
        cum_late: list[float],
        cum_n_late: list[int],
        starts: list[float],
        end: float,
        travel_min: float,
        late_min: float,
        n_late: int,
    ) -> Walk:
        cost = self._cost(tid, route, end, travel_min, late_min, n_late)
        walk = Walk(
            route,
            tuple(before_t),
            tuple(before_break),
            tuple(cum_travel),
            tuple(cum_late),
            tuple(cum_n_late),
            tuple(starts),
            end,
            travel_min,
            late_min,
            n_late,
            cost,
        )
        if self.params.pay == "hour" and self.params.paid_time and route:
            paid = end - self.departure(tid, walk)
            walk = replace(walk, cost=cost + self.params.paid_time * paid)
        return walk

    def departure(self, tid: str, w: Walk) -> float:
        """When ``tid`` leaves for ``w`` if paid by the hour (see :mod:`.paid`)."""
        spec, st = self.state.technicians[tid], self.state.status[tid]
        return departure(spec, st, self.visits, w, self.brk.length_min)

    def _cost(
        self,
        tid: str,
        route: tuple[str, ...],
        end: float,
        travel_min: float,
        late_min: float,
        n_late: int,
    ) -> float:
        p = self.params
        spec = self.state.technicians[tid]
        st = self.state.status[tid]
        span_h = (end - st.free_at) / 60.0
        cost = (
            p.travel * travel_min
            + p.lateness * late_min
            + p.late_visit * n_late
            + p.overtime * max(0.0, end - spec.shift_end)
            + HARD * max(0.0, end - self.max_end(spec))
            + p.balance * span_h * span_h
        )
        if route:
            visits = self.visits
            bad = sum(1 for vid in route if visits[vid].skill not in spec.skills)
            if not st.available:
                bad = len(route)
            cost += HARD_SKILL * bad
            if self.cargo is not None:
                load = sum(self.cargo.demand.get(v, 0) for v in route)
                cost += HARD_SKILL * max(0, load - self.cargo.capacity.get(tid, 0))
            if self.bonus is not None and p.best_match:
                cost -= p.best_match * sum(self.bonus(visits[v].customer_id, tid) for v in route)
        return cost

    def plan_cost(self, routes: Mapping[str, Sequence[str]], unplanned: int = 0) -> float:
        """The objective of a whole plan: every technician's route plus missed visits."""
        total = self.params.missed * unplanned
        for tid in self.state.technicians:
            total += self.walk(tid, routes.get(tid, ())).cost
        return total

    def feasible(self, tid: str, w: Walk) -> bool:
        """Hard constraints: skills, availability and the effective max end."""
        spec = self.state.technicians[tid]
        if w.route and not self.state.status[tid].available:
            return False
        if w.end > self.max_end(spec) + 1e-9:
            return False
        if self.cargo is not None:
            load = sum(self.cargo.demand.get(v, 0) for v in w.route)
            if load > self.cargo.capacity.get(tid, 0):
                return False
        return all(self.visits[v].skill in spec.skills for v in w.route)


def technician_state_at(spec: TechnicianSpec, free_at: float) -> TechnicianState:
    """A technician at home, free at ``free_at`` (start of the day)."""
    return TechnicianState(spec.technician_id, spec.home_x, spec.home_y, free_at)


def _prefix(
    old: Walk | None, k: int
) -> tuple[list[float], list[bool], list[float], list[float], list[int], list[float]]:
    """The first ``k`` stops of an earlier walk, kept as they were (empty without one)."""
    if old is None:
        return [], [], [], [], [], []
    return (
        list(old.before_t[:k]),
        list(old.before_break[:k]),
        list(old.cum_travel[:k]),
        list(old.cum_late[:k]),
        list(old.cum_n_late[:k]),
        list(old.starts[:k]),
    )


def _common_suffix(old: Walk | None, route: tuple[str, ...], k: int) -> tuple[int, int]:
    """Where ``route`` ends as the earlier walk's route did: the index shift between the
    two (old index = new index + shift) and the first index of the common tail after
    ``k`` (past the end: none, or no earlier walk)."""
    n = len(route)
    if old is None:
        return 0, n + 1
    shift = len(old.route) - n
    suffix_from = n
    o = old.route
    while suffix_from > k and suffix_from - 1 + shift >= 0:
        j = suffix_from - 1 + shift
        if j < k or o[j] != route[suffix_from - 1]:
            break
        suffix_from -= 1
    return shift, suffix_from
