"""Real-time repair: insert orphans and improve the disturbed routes locally.

A disturbance (a technician called in sick, an emergency, a cancellation, a delay) breaks a
few routes; the rest of the plan is fine. Repair starts from the current plan and:

1. drops visits that no longer exist, hands the routes of unavailable technicians to the
   orphans, and inserts every orphan at its cheapest position over the ``candidates``
   nearest skilled technicians (highest priority and earliest window end first);
2. runs a first-improvement local search — relocate, exchange, or-opt (segments of 2–3),
   2-opt within a route and 2-opt* (tail exchange) between routes — restricted to the
   disturbed routes and their ``neighbours`` nearest routes, with granular neighbour lists
   (a visit only moves next to one of its nearest visits).

Everything is priced by :class:`~twin.models.planner.evaluate.Evaluator`: time-dependent
travel, lateness, overtime, workload balance and the chemistry bonus. Pinned visits stay on
their technician, in their relative order. A visit that no technician can take feasibly is
reported in ``unassigned``, never dropped silently. The budget is a count of route
evaluations (deterministic for a seed) with a wall-clock cap as a safety net.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from twin.models.planner.evaluate import Bonus, Cargo, Evaluator, Walk
from twin.models.planner.params import PlannerParams
from twin.models.routing.dispatch import Routes
from twin.models.routing.plan import BreakRule, PlanState, VisitTask
from twin.models.routing.travel import TravelModel

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RepairResult:
    """Routes that changed, visits nobody can take, and the plan cost around the change."""

    routes: Routes
    unassigned: tuple[str, ...]
    cost_before: float
    cost_after: float
    evaluations: int


def nearest_technicians(
    ev: Evaluator, routes: Mapping[str, Sequence[str]], x: float, y: float, skill: str, k: int
) -> list[str]:
    """The ``k`` available technicians with ``skill`` whose route passes closest to (x, y)."""
    state = ev.state
    scored = []
    for tid, spec in state.technicians.items():
        st = state.status[tid]
        if not st.available or skill not in spec.skills:
            continue
        best = (st.x - x) ** 2 + (st.y - y) ** 2
        visits = ev.visits
        for vid in routes.get(tid, ()):
            v = visits[vid]
            d = (v.x - x) ** 2 + (v.y - y) ** 2
            if d < best:
                best = d
        scored.append((best, tid))
    scored.sort()
    return [tid for _, tid in scored[:k]]


def cheapest_insertion(
    ev: Evaluator, routes: Mapping[str, Sequence[str]], vid: str, candidates: Sequence[str]
) -> tuple[float, str, Walk] | None:
    """Cheapest feasible (late allowed) position of ``vid`` over ``candidates``.

    Positions where the technician would only leave for the visit after its window closed
    are tried only if no on-time position is feasible (such a visit is late anyway).
    """
    window_end = ev.visits[vid].window_end
    best: tuple[float, str, Walk] | None = None
    for late_ok in (False, True):
        for tid in candidates:
            route = tuple(routes.get(tid, ()))
            old = ev.walk(tid, route)
            for pos in range(len(route) + 1):
                if (old.before_t[pos] > window_end) != late_ok:
                    continue
                new = ev.rewalk(tid, old, (*route[:pos], vid, *route[pos:]))
                delta = new.cost - old.cost
                if (best is None or delta < best[0]) and ev.feasible(tid, new):
                    best = (delta, tid, new)
        if best is not None:
            return best
    return best


class _Search:
    """Local search state over a region of routes (mutable, private to one repair)."""

    def __init__(
        self,
        ev: Evaluator,
        routes: dict[str, tuple[str, ...]],
        region: list[str],
        pinned: Collection[str],
        rng: np.random.Generator,
        max_evals: int,
        deadline: float,
    ) -> None:
        self.ev = ev
        self.routes = routes
        self.region = region
        self.pinned = pinned
        self.rng = rng
        self.max_evals = max_evals
        self.deadline = deadline
        self.evals = 0
        self.walks = {tid: ev.walk(tid, routes[tid]) for tid in region}
        self.where: dict[str, str] = {v: t for t in region for v in routes[t]}
        self.near = self._neighbours(8)

    def _neighbours(self, k: int) -> dict[str, list[str]]:
        vids = sorted(self.where)
        if len(vids) < 2:
            return {v: [] for v in vids}
        xy = np.array([(self.ev.visits[v].x, self.ev.visits[v].y) for v in vids])
        d = np.hypot(xy[:, 0, None] - xy[None, :, 0], xy[:, 1, None] - xy[None, :, 1])
        np.fill_diagonal(d, np.inf)
        # at most n - 1 neighbours: with fewer visits than k the visit itself (distance inf)
        # would otherwise end its own list and be "moved next to itself"
        order = np.argsort(d, axis=1)[:, : min(k, len(vids) - 1)]
        return {v: [vids[j] for j in order[i]] for i, v in enumerate(vids)}

    def out_of_budget(self) -> bool:
        return self.evals >= self.max_evals or time.perf_counter() > self.deadline

    def _try(self, changes: dict[str, tuple[str, ...]]) -> bool:
        """Apply ``changes`` (tid -> new route) if they lower the cost and stay feasible."""
        ev = self.ev
        new_walks = {}
        delta = 0.0
        for tid, route in changes.items():
            old = self.walks[tid]
            w = ev.rewalk(tid, old, route)
            self.evals += 1
            if not ev.feasible(tid, w) and ev.feasible(tid, old):
                return False
            new_walks[tid] = w
            delta += w.cost - old.cost
        if delta >= -1e-6:
            return False
        for tid, w in new_walks.items():
            self.walks[tid] = w
            self.routes[tid] = w.route
            for v in w.route:
                self.where[v] = tid
        return True

    def run(self) -> None:
        improved = True
        while improved and not self.out_of_budget():
            improved = False
            order = sorted(self.where)
            self.rng.shuffle(order)
            for u in order:
                if self.out_of_budget():
                    return
                if self._improve(u):
                    improved = True

    def _improve(self, u: str) -> bool:
        a = self.where[u]
        ra = self.routes[a]
        i = ra.index(u)
        movable = u not in self.pinned
        for w in self.near.get(u, ()):
            b = self.where.get(w)
            if b is None:
                continue
            rb = self.routes[b]
            j = rb.index(w)
            if a == b:
                if movable and self._intra(a, ra, i, j):
                    return True
                continue
            if movable and self._relocate(a, ra, i, b, rb, j, 1):
                return True
            if movable and self._relocate(a, ra, i, b, rb, j, 2):
                return True
            if movable and w not in self.pinned and self._exchange(a, ra, i, b, rb, j):
                return True
            if self._two_opt_star(a, ra, i, b, rb, j):
                return True
        return False

    def _free(self, seg: Sequence[str]) -> bool:
        return not any(v in self.pinned for v in seg)

    def _relocate(
        self, a: str, ra: tuple[str, ...], i: int, b: str, rb: tuple[str, ...], j: int, n: int
    ) -> bool:
        seg = ra[i : i + n]
        if len(seg) < n or not self._free(seg):
            return False
        skills = self.ev.state.technicians[b].skills
        if any(self.ev.visits[v].skill not in skills for v in seg):
            return False
        new_a = ra[:i] + ra[i + n :]
        return any(self._try({a: new_a, b: rb[:pos] + seg + rb[pos:]}) for pos in (j, j + 1))

    def _exchange(
        self, a: str, ra: tuple[str, ...], i: int, b: str, rb: tuple[str, ...], j: int
    ) -> bool:
        u, w = ra[i], rb[j]
        sa = self.ev.state.technicians[a].skills
        sb = self.ev.state.technicians[b].skills
        if self.ev.visits[u].skill not in sb or self.ev.visits[w].skill not in sa:
            return False
        return self._try({a: (*ra[:i], w, *ra[i + 1 :]), b: (*rb[:j], u, *rb[j + 1 :])})

    def _two_opt_star(
        self, a: str, ra: tuple[str, ...], i: int, b: str, rb: tuple[str, ...], j: int
    ) -> bool:
        tail_a, tail_b = ra[i + 1 :], rb[j + 1 :]
        if not (tail_a or tail_b) or not self._free(tail_a) or not self._free(tail_b):
            return False
        sa = self.ev.state.technicians[a].skills
        sb = self.ev.state.technicians[b].skills
        visits = self.ev.visits
        if any(visits[v].skill not in sa for v in tail_b) or any(
            visits[v].skill not in sb for v in tail_a
        ):
            return False
        return self._try({a: ra[: i + 1] + tail_b, b: rb[: j + 1] + tail_a})

    def _intra(self, a: str, ra: tuple[str, ...], i: int, j: int) -> bool:
        # relocate u next to its neighbour (both sides), then reverse the segment between
        rest = ra[:i] + ra[i + 1 :]
        u = ra[i]
        jj = rest.index(ra[j])
        for pos in (jj, jj + 1):
            cand = (*rest[:pos], u, *rest[pos:])
            if cand != ra and self._try({a: cand}):
                return True
        lo, hi = (i, j) if i < j else (j, i)
        if hi - lo >= 1 and self._free(ra[lo : hi + 1]):
            cand = ra[:lo] + ra[lo : hi + 1][::-1] + ra[hi + 1 :]
            if self._try({a: cand}):
                return True
        return False


def _region(
    ev: Evaluator, routes: Mapping[str, Sequence[str]], seeds: set[str], k: int
) -> list[str]:
    """The disturbed technicians and the ``k`` nearest routes (by centroid) of each."""
    state = ev.state
    tids = [t for t in state.technicians if state.status[t].available]
    if not seeds or not tids:
        return sorted(seeds & set(tids))
    cent = np.empty((len(tids), 2))
    for n, tid in enumerate(tids):
        route = routes.get(tid, ())
        if route:
            cent[n] = np.mean([(ev.visits[v].x, ev.visits[v].y) for v in route], axis=0)
        else:
            st = state.status[tid]
            cent[n] = (st.x, st.y)
    region: set[str] = set()
    index = {t: n for n, t in enumerate(tids)}
    for s in seeds:
        if s not in index:
            continue
        d = np.hypot(*(cent - cent[index[s]]).T)
        region.update(tids[m] for m in np.argsort(d)[: k + 1])
    return sorted(region)


def repair_plan(
    state: PlanState,
    travel: TravelModel,
    brk: BreakRule,
    params: PlannerParams,
    orphans: Sequence[str] = (),
    *,
    pinned: Collection[str] = frozenset(),
    disturbed: Collection[str] | None = None,
    seed: int = 0,
    bonus: Bonus | None = None,
    cargo: Cargo | None = None,
    evaluator: Evaluator | None = None,
    evaluations: int | None = None,
    budget_ms: float | None = None,
) -> RepairResult:
    """Repair ``state.routes`` around a disturbance; returns only the changed routes.

    ``disturbed`` names technicians whose routes changed outside the planner (a delay);
    ``None`` scans every route for lateness or a too-late end. Routes of unavailable
    technicians and visits missing from ``state.visits`` are always handled.
    ``evaluations`` and ``budget_ms`` override the params' search budget.
    """
    t0 = time.perf_counter()
    ev = evaluator or Evaluator(state, travel, brk, params, bonus=bonus, cargo=cargo)
    rng = np.random.default_rng(seed)
    original = {tid: tuple(state.routes.get(tid, ())) for tid in state.technicians}
    routes = dict(original)
    seeds: set[str] = set(disturbed or ())
    todo: list[str] = []
    orphan_set = set(orphans)
    for tid, route in original.items():
        kept = tuple(v for v in route if v in state.visits and v not in orphan_set)
        if not state.status[tid].available:
            todo.extend(kept)
            kept = ()
        if kept != route:
            routes[tid] = kept
            seeds.add(tid)
    todo.extend(v for v in dict.fromkeys(orphans) if v in state.visits)
    if disturbed is None:
        for tid, route in routes.items():
            if route and state.status[tid].available:
                w = ev.walk(tid, route)
                if w.n_late or not ev.feasible(tid, w):
                    seeds.add(tid)

    dropped = dict(routes)
    todo.sort(key=lambda v: (-state.visits[v].priority, state.visits[v].window_end, v))
    unassigned = _reinsert(ev, state.visits, routes, todo, params, seeds)

    region = _region(ev, routes, seeds, params.neighbours)
    before = params.missed * len(todo) + sum(ev.walk(t, dropped[t]).cost for t in region)
    search = _Search(
        ev,
        routes,
        region,
        set(pinned),
        rng,
        params.repair_evaluations if evaluations is None else evaluations,
        t0 + (params.repair_budget_ms if budget_ms is None else budget_ms) / 1000.0,
    )
    search.run()
    after = params.missed * len(unassigned) + sum(search.walks[t].cost for t in region)
    changed = {t: r for t, r in routes.items() if r != original.get(t, ())}
    return RepairResult(changed, tuple(unassigned), before, after, search.evals)


def _reinsert(
    ev: Evaluator,
    visits: Mapping[str, VisitTask],
    routes: dict[str, tuple[str, ...]],
    todo: Sequence[str],
    params: PlannerParams,
    seeds: set[str],
) -> list[str]:
    """Insert each visit of ``todo`` (in order) where it is cheapest among the nearest
    technicians (twice as many for a required priority); returns the visits left out.
    ``routes`` and ``seeds`` (the routes changed) are updated in place."""
    unassigned = []
    for vid in todo:
        v = visits[vid]
        cands = nearest_technicians(ev, routes, v.x, v.y, v.skill, params.candidates)
        found = cheapest_insertion(ev, routes, vid, cands)
        if found is None and cands and v.priority >= params.required_priority:
            wider = nearest_technicians(ev, routes, v.x, v.y, v.skill, 2 * params.candidates)
            found = cheapest_insertion(ev, routes, vid, wider[len(cands) :])  # still feasible?
        if found is None:
            unassigned.append(vid)
            # the caller decides what an unplaced visit means (reported in ``unassigned``)
            log.debug("repair: no feasible technician for visit %s", vid)
            continue
        _, tid, walk = found
        routes[tid] = walk.route
        seeds.add(tid)
    return unassigned
