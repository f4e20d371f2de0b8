"""Slot offers: which promised windows can a booking request get, best first?

For each candidate window the request is tried at every position of the routes of the
``params.candidates`` skilled technicians whose routes pass closest to the customer. A
position is feasible when the visit starts inside the window, no visit already planned
becomes late, the technician ends by the effective max end, and the window lies within the
customer's availability. Windows with the same start time share one timing (the visit's
start is ``max(arrival, window start)``), so each (technician, position, start) is timed
once, incrementally (:meth:`Evaluator.rewalk`), and positions that would make the next
visit late are skipped before timing.

An offer's cost is the marginal plan cost (travel, overtime, balance, chemistry bonus),
plus ``window_width`` per promised hour, plus ``late_visit`` × the *lateness risk*: the
probability that the visit starts after the window end, from a normal approximation of
the uncertain durations before it (variances of lognormal durations given their p50 and
p90, summed since the technician was free; waiting is ignored, so the risk is an upper
estimate). Impossible requests give a :class:`NoOffer` naming the reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from twin.models.planner.evaluate import Evaluator
from twin.models.planner.repair import nearest_technicians
from twin.models.routing.dispatch import NoOffer, SlotOffer
from twin.models.routing.plan import PlanState, VisitTask

Quantiles = Mapping[str, tuple[float, float]] | Callable[[VisitTask], tuple[float, float]]

Z90 = 1.2815515655446004
DEFAULT_CV = 0.5


def duration_variance(visit: VisitTask, quantiles: Quantiles | None) -> float:
    """Variance of a visit's duration (lognormal from its p50 and p90)."""
    if quantiles is None:
        return (DEFAULT_CV * visit.duration_min) ** 2
    if callable(quantiles):
        p50, p90 = quantiles(visit)
    else:
        got = quantiles.get(visit.visit_id)
        if got is None:
            return (DEFAULT_CV * visit.duration_min) ** 2
        p50, p90 = got
    if p50 <= 0 or p90 < p50:
        msg = f"quantiles of {visit.visit_id!r} must satisfy 0 < p50 <= p90, got {(p50, p90)}"
        raise ValueError(msg)
    sigma = math.log(p90 / p50) / Z90
    mean = p50 * math.exp(sigma * sigma / 2)
    return mean * mean * math.expm1(sigma * sigma)


def late_risk(slack_min: float, variance: float) -> float:
    """P(start > window end) for a normal start time with ``slack`` to the window end."""
    if variance <= 0:
        return 0.0 if slack_min >= 0 else 1.0
    return 0.5 * math.erfc(slack_min / math.sqrt(2 * variance))


def _refuse(
    state: PlanState,
    ev: Evaluator,
    request: VisitTask,
    windows: Sequence[tuple[float, float]],
    availability: Sequence[tuple[float, float]] | None,
) -> NoOffer | list[tuple[float, float]]:
    techs = state.technicians.values()
    if not any(request.skill in t.skills for t in techs):
        return NoOffer(f"no technician has skill {request.skill!r}")
    if not any(
        request.skill in t.skills and state.status[t.technician_id].available for t in techs
    ):
        return NoOffer(f"no available technician has skill {request.skill!r} today")
    day_start = min((t.shift_start for t in techs), default=0.0)
    if not ev.params.same_day_acceptance and state.now > day_start:
        return NoOffer("same-day requests are not accepted (policy same_day_acceptance off)")
    if not windows:
        return NoOffer("no candidate windows given")
    left = [(ws, we) for ws, we in windows if we > state.now and we > ws]
    if not left:
        return NoOffer(f"no window left today (all candidate windows end by {state.now:.0f})")
    if availability is not None:
        left = [(ws, we) for ws, we in left if any(a <= ws and we <= b for a, b in availability)]
        if not left:
            return NoOffer("no candidate window lies within the customer's availability")
    if request.due_min is not None:
        left = [(ws, we) for ws, we in left if ws <= request.due_min]
        if not left:
            return NoOffer(f"no candidate window opens before the due time {request.due_min:.0f}")
    return left


def slot_offers(
    ev: Evaluator,
    request: VisitTask,
    windows: Sequence[tuple[float, float]],
    *,
    availability: Sequence[tuple[float, float]] | None = None,
    quantiles: Quantiles | None = None,
) -> list[SlotOffer] | NoOffer:
    """Feasible windows for ``request`` ranked by cost (cheapest first), or why none.

    ``ev`` is an :class:`Evaluator` bound to the current state (reuse one across requests:
    it caches route timings). ``request.window_start/end`` are ignored; ``availability``
    lists the intervals the customer is available (default: any time); an urgent request
    sets ``due_min`` and only windows opening by then are offered.
    """
    state = ev.state
    left = _refuse(state, ev, request, windows, availability)
    if isinstance(left, NoOffer):
        return left
    params = ev.params
    routes = state.routes
    by_start: dict[float, list[tuple[float, float]]] = {}
    for ws, we in left:
        by_start.setdefault(max(ws, state.now), []).append((ws, we))
    temp = {
        s: replace(
            request, visit_id=f"{request.visit_id}@{s:g}", window_start=s, window_end=math.inf
        )
        for s in by_start
    }
    base_visits = state.visits
    ev.visits = {**base_visits, **{t.visit_id: t for t in temp.values()}}
    best: dict[tuple[float, float], SlotOffer] = {}
    try:
        cands = nearest_technicians(
            ev, routes, request.x, request.y, request.skill, params.candidates
        )
        for tid in cands:
            _price_on(ev, tid, request, by_start, temp, best, quantiles)
    finally:
        ev.visits = base_visits
    if not best:
        return NoOffer(f"no feasible window left today for skill {request.skill!r}")
    return sorted(
        best.values(), key=lambda o: (o.cost, o.window_start, o.window_end - o.window_start)
    )


def _price_on(
    ev: Evaluator,
    tid: str,
    request: VisitTask,
    by_start: dict[float, list[tuple[float, float]]],
    temp: dict[float, VisitTask],
    best: dict[tuple[float, float], SlotOffer],
    quantiles: Quantiles | None,
) -> None:
    """Price every window on technician ``tid``'s route, at every position it can take,
    keeping in ``best`` the cheapest offer per window."""
    state, params, base_visits = ev.state, ev.params, ev.state.visits
    routes = state.routes
    route = tuple(routes.get(tid, ()))
    old = ev.walk(tid, route)
    spec = state.technicians[tid]
    var = [0.0]
    for vid in route:
        var.append(var[-1] + duration_variance(base_visits[vid], quantiles))
    for s, group in by_start.items():
        task = temp[s]
        latest_end = max(we for _, we in group)
        for pos in range(len(route) + 1):
            if old.before_t[pos] > latest_end:
                break  # later positions only start later
            if pos < len(route):
                nxt = base_visits[route[pos]]
                if s + request.duration_min > nxt.window_end and old.starts[pos] <= nxt.window_end:
                    continue  # the next visit would become late
            new = ev.rewalk(tid, old, (*route[:pos], task.visit_id, *route[pos:]))
            if new.n_late > old.n_late or not ev.feasible(tid, new):
                continue
            start = new.starts[pos]
            delta = new.cost - old.cost
            for ws, we in group:
                if start > we:
                    continue
                risk = late_risk(we - start, var[pos])
                cost = delta + params.window_width * (we - ws) / 60.0 + params.late_visit * risk
                got = best.get((ws, we))
                if got is None or cost < got.cost:
                    best[(ws, we)] = SlotOffer(ws, we, spec.technician_id, cost, risk)
