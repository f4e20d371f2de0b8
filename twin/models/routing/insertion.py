"""Cheapest insertion of one visit into existing routes, fast enough for booking in real time.

For each candidate technician the current route is evaluated once with
:func:`route_timeline`; every insertion position is then priced by *push-forward*
(Solomon 1987): the new visit delays the following stops by a shift that shrinks by each
stop's waiting slack, so propagation stops as soon as the shift is absorbed. Travel
between stops after the insertion keeps its previous duration in this estimate; the best
few positions are then re-checked exactly with ``route_timeline`` (time-dependent travel,
the break), and the first one that passes wins.

With the compiled kernels, each technician's current timeline is kept between bookings as
one compact C row (``CandidateRows``, :func:`timeline_cache`), which :func:`look_up` finds
from the ranking and the search reads: a candidate costs a few cache lines, not the dozen
Python objects its state, spec and timeline are (at 10,000 technicians each is cold).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from twin.models.routing.candidates import CandidateIndex
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    StatusAt,
    Timeline,
    VisitTask,
    route_timeline,
)
from twin.models.routing.travel import KERNELS, TravelModel

EXACT_CHECKS = 6

TimelineCache = dict[str, tuple[tuple[object, ...], Timeline]] | Any
"""Per technician, the key (state, route, incidents) and timeline of the last route priced:
97 % of a day's hits were on a technician's latest key, and one entry per technician keeps
the cache the size of the company (a shared dict of 50,000 keys, cleared when full, lost
more hits the larger the company). A dict for the Python reference; with the compiled
kernels a ``CandidateRows`` (:func:`timeline_cache`), the same rule held in C rows."""

Befores = Sequence[tuple[str, Timeline]] | Any
"""The candidates of one visit with their current timelines: (id, timeline) pairs from the
reference (:func:`candidate_timelines`), ``Candidates`` rows with the compiled kernels."""


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


def timeline_cache(travel: TravelModel, brk: BreakRule) -> TimelineCache:
    """An empty cache of the candidates' timelines, for :func:`look_up` with ``travel``
    and ``brk``: the compiled rows when the kernels are loaded, else a dict."""
    if travel.kernel is None:
        return {}
    return KERNELS.CandidateRows(travel.kernel, brk)


def look_up(
    state: PlanState,
    visit: VisitTask,
    travel: TravelModel,
    brk: BreakRule,
    candidates: int = 8,
    index: CandidateIndex | None = None,
    timelines: TimelineCache | None = None,
) -> Befores:
    """What :func:`candidate_timelines` finds, in the form the search reads: with the
    compiled kernels, the candidates' rows of ``timelines`` (a cache from
    :func:`timeline_cache` of the same ``travel`` and ``brk``; a new one when it is not:
    each row is then walked anew)."""
    if travel.kernel is None:
        return candidate_timelines(state, visit, travel, brk, candidates, index, timelines)
    if index is None or not index.valid_for(state):
        index = CandidateIndex.for_state(state)
    rows: Any = timelines
    if not isinstance(rows, KERNELS.CandidateRows):
        rows = KERNELS.CandidateRows(travel.kernel, brk)
    status = state.status
    # a StatusAt's states are made on each look-up: a row held from the same base state
    # at the same free time holds without it
    base, now = (status.base, status.now) if type(status) is StatusAt else (None, 0.0)
    return rows.pick(state, index, index.ranking(visit), candidates, base, now)


def same_candidates(held: Befores, found: Befores) -> bool:
    """The same technicians with the very same timelines (none walked anew in between)."""
    if isinstance(held, list | tuple):
        return len(held) == len(found) and all(
            t == u and a is b for (t, a), (u, b) in zip(held, found, strict=True)
        )
    rows: Any = held
    return bool(rows.same(found))


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
    befores: Befores | None = None,
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
    (:func:`look_up` of this ``state`` and the visit's place and skill).
    """
    if befores is None:
        befores = look_up(state, visit, travel, brk, candidates, index, timelines)
    if travel.kernel is None:
        return _searched(
            state, visit, befores, travel, brk, weights, allow_late, allow_overtime, fallback
        )
    found = KERNELS.best_search(
        state, visit, befores, weights, allow_late, allow_overtime, fallback, EXACT_CHECKS
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
