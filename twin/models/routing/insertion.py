"""Cheapest insertion of one visit into existing routes, fast enough for booking in real time.

For each candidate technician the current route is evaluated once with
:func:`route_timeline`; every insertion position is then priced by *push-forward*
(Solomon 1987): the new visit delays the following stops by a shift that shrinks by each
stop's waiting slack, so propagation stops as soon as the shift is absorbed. Travel
between stops after the insertion keeps its previous duration in this estimate; the best
few positions are then re-checked exactly with ``route_timeline`` (time-dependent travel,
the break), and the first one that passes wins.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from twin.models.routing.nearest import NearestPoints
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    StatusAt,
    TechnicianSpec,
    Timeline,
    VisitTask,
    route_timeline,
)
from twin.models.routing.travel import KERNELS, TravelModel

EXACT_CHECKS = 6
ORDER_CACHE = 5_000  # places whose candidate order is kept, at least
ORDER_CACHE_PER_TECHNICIAN = 5  # and per technician: a company's places grow with it
SHARED_INDEXES = 4  # technician mappings whose index is kept (worlds alive at once)

TimelineCache = dict[str, tuple[tuple[object, ...], Timeline]]
"""Per technician, the key (state, route, incidents) and timeline of the last route priced:
97 % of a day's hits were on a technician's latest key, and one entry per technician keeps
the cache the size of the company (a shared dict of 50,000 keys, cleared when full, lost
more hits the larger the company)."""


@dataclass(frozen=True, slots=True)
class InsertionWeights:
    travel: float = 1.0
    late: float = 5.0
    overtime: float = 2.0


@dataclass(frozen=True, slots=True)
class Insertion:
    technician_id: str
    position: int
    cost: float
    route: tuple[str, ...]


class CandidateIndex:
    """Technicians by skill, their home bases in KD-trees: nearest-k look-ups in O(log n).

    The order is exactly that of a full scan (``np.hypot`` to every home base, stable
    argsort over the technicians of the skill sorted by id), ties included: see
    :class:`~twin.models.routing.nearest.NearestPoints`.
    """

    def __init__(self, state: PlanState) -> None:
        self._key = id(state.technicians)
        by_skill: dict[str, list[str]] = {}
        for tid, spec in state.technicians.items():
            for skill in spec.skills:
                by_skill.setdefault(skill, []).append(tid)
        self._tids = {s: sorted(t) for s, t in by_skill.items()}
        techs = state.technicians
        self._points = {
            s: NearestPoints([techs[t].home_x for t in tids], [techs[t].home_y for t in tids])
            for s, tids in self._tids.items()
        }
        self._order: dict[tuple[str, float, float], _Ranking] = {}
        # the places asked for grow with the company (its visits): so does the cache, or a
        # larger company would find fewer of its places in it
        self._order_cap = max(ORDER_CACHE, ORDER_CACHE_PER_TECHNICIAN * len(techs))

    @classmethod
    def for_state(cls, state: PlanState) -> CandidateIndex:
        """The index of ``state.technicians``, shared by everyone who asks about the same
        technicians (the same mapping object: a world's, or a brain's mirror's), so that a
        look-up never pays for building one."""
        techs = state.technicians
        for held, size, index in _SHARED:
            if held is techs and size == len(techs):
                return index
        index = cls(state)
        _SHARED.append((techs, len(techs), index))
        del _SHARED[:-SHARED_INDEXES]
        return index

    def valid_for(self, state: PlanState) -> bool:
        return self._key == id(state.technicians)

    def nearest(self, state: PlanState, visit: VisitTask, k: int) -> list[str]:
        """Up to ``k`` available technicians with the skill, nearest by home base first."""
        key = (visit.skill, visit.x, visit.y)
        order = self._order.get(key)  # the same place is asked for again and again
        if order is None:
            points = self._points.get(visit.skill)
            if points is None:
                return []
            order = _Ranking(self._tids[visit.skill], points.batches(visit.x, visit.y))
            if len(self._order) >= self._order_cap:
                self._order.clear()
            self._order[key] = order
        out = []
        status = state.status
        if type(status) is StatusAt:  # availability is the base's: no adjusted state
            status = status.base
        for tid in order:
            if status[tid].available:
                out.append(tid)
                if len(out) == k:
                    break
        return out


class _Ranking:
    """Technicians of one skill nearest first from one place, fetched as far as needed."""

    __slots__ = ("_batches", "_done", "_tids")

    def __init__(self, tids: list[str], batches: Iterator[list[int]]) -> None:
        self._tids = tids
        self._batches: Iterator[list[int]] | None = batches
        self._done: list[str] = []

    def __iter__(self) -> Iterator[str]:
        done = self._done
        i = 0
        while True:
            while i < len(done):
                yield done[i]
                i += 1
            if self._batches is None:
                return
            batch = next(self._batches, None)
            if batch is None:
                self._batches = None
                return
            tids = self._tids
            done.extend(tids[j] for j in batch)


_SHARED: list[tuple[Mapping[str, TechnicianSpec], int, CandidateIndex]] = []
"""The indexes of the last few technician mappings (a strong reference keeps a mapping's
id from being reused while it is held here)."""


def _priced_positions(
    state: PlanState,
    tid: str,
    visit: VisitTask,
    before: Timeline,
    travel: TravelModel,
    weights: InsertionWeights,
    allow_late: bool,
    end_limit: float,
    strict_limit: float,
) -> list[tuple[float, int, bool]]:
    """(estimated cost, position, strict) of every position worth an exact check; strict:
    nobody planned late and the day ends by ``strict_limit``. The reference of the compiled
    twin in :mod:`twin.models._kernels`, used with a compiled travel model (same bits)."""
    spec, st = state.technicians[tid], state.status[tid]
    route = state.routes.get(tid, ())
    stops = before.stops
    rv = [state.visits[v] for v in route]
    n = len(rv)
    inc = state.incidents
    travel_min = travel.travel_min
    vx, vy, ws, we, dur = visit.x, visit.y, visit.window_start, visit.window_end, visit.duration_min
    w_travel, w_late, w_over = weights.travel, weights.late, weights.overtime
    out = []
    for pos in range(n + 1):
        if pos:
            prev = rv[pos - 1]
            t, px, py = stops[pos - 1].end, prev.x, prev.y
        else:
            t, px, py = st.free_at, st.x, st.y
        if not allow_late and t > we:
            break  # all later positions start even later
        tt_in = travel_min(px, py, vx, vy, t, inc)
        start = max(t + tt_in, ws)
        late = start - we if start > we else 0.0
        if late and not allow_late:
            continue
        end = start + dur
        extra_late = 0.0
        if pos < n:
            nxt = rv[pos]
            tt_out = travel_min(vx, vy, nxt.x, nxt.y, end, inc)
            d_travel = tt_in + tt_out - stops[pos].travel_min
            shift = end + tt_out - stops[pos].arrive
            ok = True
            for k in range(pos, n):
                if shift <= 0:
                    break
                s = stops[k]
                v_end = rv[k].window_end
                new_start = max(s.arrive + shift, rv[k].window_start)
                old_late = s.start - v_end if s.start > v_end else 0.0
                new_late = new_start - v_end if new_start > v_end else 0.0
                if new_late > old_late:
                    if not allow_late:
                        ok = False
                        break
                    extra_late += new_late - old_late
                shift = new_start - s.start
            if not ok:
                continue
            new_end = before.end + (shift if shift > 0.0 else 0.0)
        else:
            back_old = before.end - (stops[-1].end if stops else st.free_at)
            back_new = travel_min(vx, vy, spec.home_x, spec.home_y, end)
            d_travel = tt_in + back_new - back_old
            new_end = end + back_new
        if new_end > end_limit:
            continue
        over = new_end - spec.shift_end
        d_over = (over if over > 0.0 else 0.0) - before.overtime_min
        cost = w_travel * d_travel + w_late * (late + extra_late) + w_over * d_over
        out.append((cost, pos, not late and not extra_late and new_end <= strict_limit))
    return out


def candidate_timelines(
    state: PlanState,
    visit: VisitTask,
    travel: TravelModel,
    brk: BreakRule,
    candidates: int = 8,
    index: CandidateIndex | None = None,
    timelines: TimelineCache | None = None,
) -> list[tuple[str, Timeline]]:
    """The ``candidates`` nearest available technicians with ``visit``'s skill, each with
    the timeline of their current route: all that pricing ``visit`` needs of them, in any
    window (the offers for one request price every window on the same ones).
    ``timelines`` caches each technician's latest timeline between calls (with its key: the
    route, the technician's state and the incidents, so a stale entry is never hit)."""
    if index is None or not index.valid_for(state):
        index = CandidateIndex.for_state(state)
    incidents = tuple(sorted(state.incidents.items()))
    out = []
    for tid in index.nearest(state, visit, candidates):
        st = state.status[tid]
        route = state.routes.get(tid, ())
        key = (st, route, incidents)
        held = timelines.get(tid) if timelines is not None else None
        if held is not None and held[0] == key:
            before = held[1]
        else:
            spec = state.technicians[tid]
            before = route_timeline(spec, st, route, state.visits, travel, brk, state.incidents)
            if timelines is not None:
                timelines[tid] = (key, before)
        out.append((tid, before))
    return out


def best_insertion(
    state: PlanState,
    visit: VisitTask,
    travel: TravelModel,
    brk: BreakRule,
    weights: InsertionWeights = InsertionWeights(),
    candidates: int = 8,
    allow_late: bool = False,
    allow_overtime: bool = True,
    index: CandidateIndex | None = None,
    timelines: TimelineCache | None = None,
    fallback: bool = False,
    befores: Sequence[tuple[str, Timeline]] | None = None,
) -> Insertion | None:
    """Cheapest feasible position over the ``candidates`` nearest skilled technicians.

    Feasible: the technician's day ends by their ``max_end`` (by ``shift_end`` unless
    ``allow_overtime``) and (unless ``allow_late``) neither the new visit nor any visit
    already on the route is planned late.
    With ``fallback``, the strict search (no lateness, no overtime) comes first and the
    lenient one (lateness and overtime allowed) only if it finds nothing: the answer of
    two calls, from one pricing pass (``allow_late`` and ``allow_overtime`` are then
    ignored).
    ``timelines`` caches the current routes' timelines between calls (see
    :func:`candidate_timelines`).
    ``befores``: the candidates and their timelines, when the caller looked them up
    (:func:`candidate_timelines` of this ``state`` and the visit's place and skill).
    """
    if befores is None:
        befores = candidate_timelines(state, visit, travel, brk, candidates, index, timelines)
    if travel.kernel is None:
        return _searched(
            state, visit, befores, travel, brk, weights, allow_late, allow_overtime, fallback
        )
    found = KERNELS.best_search(
        state,
        visit,
        befores,
        travel.kernel,
        weights,
        brk,
        allow_late,
        allow_overtime,
        fallback,
        EXACT_CHECKS,
    )
    if found is None:
        return None
    tid, pos, cost = found
    route = state.routes.get(tid, ())
    return Insertion(tid, pos, cost, (*route[:pos], visit.visit_id, *route[pos:]))


def _searched(
    state: PlanState,
    visit: VisitTask,
    befores: Sequence[tuple[str, Timeline]],
    travel: TravelModel,
    brk: BreakRule,
    weights: InsertionWeights,
    allow_late: bool,
    allow_overtime: bool,
    fallback: bool,
) -> Insertion | None:
    """The search of :func:`best_insertion` over ``befores``: every position priced, sorted
    by (cost, technician id, position), the first ``EXACT_CHECKS`` re-timed exactly. The
    reference of the compiled ``best_search`` in :mod:`twin.models._kernels` (same bits
    with a compiled travel model, tested), used as it is without one."""
    if fallback:
        allow_late = allow_overtime = True
    priced: list[tuple[float, str, int, bool, Timeline]] = []
    for tid, before in befores:
        spec = state.technicians[tid]
        limit = spec.max_end if allow_overtime else spec.shift_end
        for cost, pos, strict in _priced_positions(
            state, tid, visit, before, travel, weights, allow_late, limit, spec.shift_end
        ):
            priced.append((cost, tid, pos, strict, before))
    priced.sort(key=lambda p: (p[0], p[1], p[2]))
    if fallback:
        on_time = [p for p in priced if p[3]]
        found = _exact(state, visit, on_time, travel, brk, weights, False, False)
        if found is not None:
            return found
    return _exact(state, visit, priced, travel, brk, weights, allow_late, allow_overtime)


def _exact(
    state: PlanState,
    visit: VisitTask,
    priced: list[tuple[float, str, int, bool, Timeline]],
    travel: TravelModel,
    brk: BreakRule,
    weights: InsertionWeights,
    allow_late: bool,
    allow_overtime: bool,
) -> Insertion | None:
    """The first of the cheapest priced positions that passes an exact re-timing (the
    visits it reads are the route's and the new one, in a small dict: a lookup chained
    over the whole plan's visits cost more than the re-timing's own work)."""
    known = state.visits
    for _, tid, pos, _strict, before in priced[:EXACT_CHECKS]:
        spec, st = state.technicians[tid], state.status[tid]
        route = state.routes.get(tid, ())
        new_route = (*route[:pos], visit.visit_id, *route[pos:])
        visits = {v: known[v] for v in route}
        visits[visit.visit_id] = visit  # the new visit wins, as over the plan's
        after = route_timeline(spec, st, new_route, visits, travel, brk, state.incidents)
        if not after.feasible or (not allow_late and after.n_late > before.n_late):
            continue
        if not allow_overtime and after.end > spec.shift_end:
            continue
        cost = (
            weights.travel * (after.travel_min - before.travel_min)
            + weights.late * (after.late_min - before.late_min)
            + weights.overtime * (after.overtime_min - before.overtime_min)
        )
        return Insertion(tid, pos, cost, new_route)
    return None
