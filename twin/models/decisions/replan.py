"""Local repair for a visit at risk: move it to where it will be late the least.

The endangered visit leaves its route and the dispatcher re-inserts it (possibly on the
same technician, possibly elsewhere). The move is kept only if it cuts the expected late
minutes of the routes it touches by at least ``min_gain_min``; otherwise the plan stays
as it is (moving visits around costs trust and travel).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from twin.models.routing.dispatch import Dispatcher, Routes
from twin.models.routing.plan import BreakRule, PlanState, RoutesWith, route_timeline
from twin.models.routing.travel import TravelModel


def _late(
    state: PlanState,
    routes: Mapping[str, tuple[str, ...]],
    travel: TravelModel,
    brk: BreakRule,
    known: tuple[str, tuple[str, ...], float] | None = None,
) -> float:
    """The routes' late minutes plus 3x their minutes past ``max_end``, summed in order;
    ``known``: (technician, route, that route's term) already worked out (the same term,
    added at the same place: the same sum to the last bit)."""
    total = 0.0
    for tid, route in routes.items():
        if known is not None and tid == known[0] and route == known[1]:
            total += known[2]
            continue
        tl = route_timeline(
            state.technicians[tid],
            state.status[tid],
            route,
            state.visits,
            travel,
            brk,
            state.incidents,
        )
        total += tl.late_min + 3.0 * max(0.0, tl.end - state.technicians[tid].max_end)
    return total


def move_endangered(
    state: PlanState,
    visit_id: str,
    technician_id: str,
    dispatcher: Dispatcher,
    travel: TravelModel,
    brk: BreakRule,
    min_gain_min: float = 10.0,
) -> Routes | None:
    """New routes for the technicians whose route changes, or ``None`` to keep the plan."""
    route = state.routes.get(technician_id, ())
    if visit_id not in route or visit_id not in state.visits:
        return None
    without = tuple(v for v in route if v != visit_id)
    # No move can gain more than taking the visit out of its route gains, because adding
    # a visit to a route does not make it less late (travel is FIFO, distances obey the
    # triangle inequality, waits only absorb delay). Below the bar, skip the search. The
    # exceptions are artefacts of the plan model (a break pushed into a slack, a detour
    # through faster zones) and no real gain; see tests/models/test_replan.py.
    own_before = _late(state, {technician_id: route}, travel, brk)
    own_without = _late(state, {technician_id: without}, travel, brk)
    if own_before - own_without < min_gain_min:
        return None
    reduced = replace(state, routes=RoutesWith(state.routes, {technician_id: without}))
    moved = dispatcher.repair(reduced, f"delay risk for {visit_id}", [visit_id])
    if not any(visit_id in r for r in moved.values()):
        return None
    changed: dict[str, tuple[str, ...]] = {technician_id: without, **moved}
    if all(state.routes.get(t, ()) == r for t, r in changed.items()):
        return None  # put back where it was: nothing gained
    others = {t: state.routes.get(t, ()) for t in changed if t != technician_id}
    before = own_before + _late(state, others, travel, brk)
    after = _late(state, changed, travel, brk, known=(technician_id, without, own_without))
    if before - after < min_gain_min:
        return None
    return changed
