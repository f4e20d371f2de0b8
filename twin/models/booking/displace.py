"""Making room for an emergency that no technician's day can take: a routine visit gives way.

Dispatch suites call this scheduling over lower-priority appointments. When an emergency
fits nobody's day (every nearby route is full up to the overtime limit), the dispatcher
takes a visit of lower priority out of a nearby route, plans the emergency, and then books
the visit that gave way again today if it still fits in its window in regular hours; if it
does not, the visit moves to another day (the company cancels it for today and tells the
customer) rather than being squeezed in late.

:func:`make_room` is a pure decision on a :class:`~twin.models.plan.PlanState`. It works
with any :class:`~twin.models.dispatch.Dispatcher`, because it only asks the dispatcher's
own ``repair`` to place the emergency in routes with one visit fewer; the world applies
what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from twin.models.routing.dispatch import Dispatcher, NoOffer, Routes
from twin.models.routing.insertion import CandidateIndex
from twin.models.routing.plan import BreakRule, PlanState, RoutesWith, route_timeline
from twin.models.routing.travel import TravelModel

DEFAULT_CANDIDATES = 4  # nearest skilled technicians whose routes may give way


@dataclass(frozen=True, slots=True)
class Displacement:
    """What making room decided: the routes that change and the visit that gave way."""

    routes: Routes  # every changed route, the emergency's included
    emergency_id: str
    technician_id: str  # who takes the emergency
    start_min: float  # when work on the emergency is expected to start
    gave_way: str  # the visit taken out to make room
    rehomed: bool  # it found another place today; else it moves to another day


def _start(
    state: PlanState,
    tid: str,
    route: tuple[str, ...],
    visit_id: str,
    travel: TravelModel,
    brk: BreakRule,
) -> float:
    timeline = route_timeline(
        state.technicians[tid], state.status[tid], route, state.visits, travel, brk, state.incidents
    )
    return next(s.start for s in timeline.stops if s.visit_id == visit_id)


def _give_way(
    state: PlanState,
    tid: str,
    vid: str,
    emergency_id: str,
    dispatcher: Dispatcher,
    travel: TravelModel,
    brk: BreakRule,
) -> Displacement | None:
    """``vid`` out of ``tid``'s route and the emergency placed by the dispatcher's
    ``repair`` (late or in overtime if need be); then ``vid`` goes back in today only where
    the dispatcher would book it (``insert``: in its window, in regular hours), else it
    moves to another day. ``None`` if the emergency still fits nowhere."""
    without = tuple(x for x in state.routes[tid] if x != vid)
    trial = replace(state, routes=RoutesWith(state.routes, {tid: without}))
    placed = dispatcher.repair(trial, "emergency", [emergency_id])
    if not any(emergency_id in r for r in placed.values()):
        return None
    routes: Routes = {tid: without, **placed}
    view = replace(state, routes=RoutesWith(state.routes, dict(routes)))  # a snapshot
    again = dispatcher.insert(view, state.visits[vid])
    rehomed = False
    if not isinstance(again, NoOffer) and any(vid in r for r in again.values()):
        routes.update(again)
        rehomed = True
    owner = next(t for t, r in sorted(routes.items()) if emergency_id in r)
    start = _start(state, owner, routes[owner], emergency_id, travel, brk)
    return Displacement(routes, emergency_id, owner, start, vid, rehomed)


def make_room(
    state: PlanState,
    emergency_id: str,
    dispatcher: Dispatcher,
    travel: TravelModel,
    brk: BreakRule,
    candidates: int = DEFAULT_CANDIDATES,
) -> Displacement | None:
    """Take one visit of lower priority out of a nearby route so that ``emergency_id`` fits.

    The uncommitted visits of lower priority in the routes of the ``candidates`` nearest
    skilled technicians are tried (:func:`_give_way`), lowest priority first, then in route
    order; a route stops at its first visit that lets the emergency start by its due time
    (a few searches per emergency, not one per visit). Of all that worked, the
    choice is the one that starts the emergency by its due time, then keeps the visit that
    gave way today, then gives way with the lowest priority, then starts the emergency
    earliest (ties by technician and visit id, never dictionary order). ``None`` when no
    single visit makes room: the emergency is refused.
    """
    em = state.visits[emergency_id]
    due = em.due_min if em.due_min is not None else em.window_end
    best: tuple[tuple[bool, bool, int, float, str, str], Displacement] | None = None
    # the nearest available skilled technicians by home base, as the dispatchers look
    for tid in CandidateIndex.for_state(state).nearest(state, em, candidates):
        route = state.routes.get(tid, ())
        movable = sorted(  # never an equal or more urgent visit
            (state.visits[vid].priority, i, vid)
            for i, vid in enumerate(route)
            if state.visits[vid].priority < em.priority
        )
        for priority, _, vid in movable:
            room = _give_way(state, tid, vid, emergency_id, dispatcher, travel, brk)
            if room is None:
                continue
            late = room.start_min > due
            key = (late, not room.rehomed, priority, room.start_min, tid, vid)
            if best is None or key < best[0]:
                best = (key, room)
            if not late:
                break  # this route's cheapest way to make room in time
    return None if best is None else best[1]
