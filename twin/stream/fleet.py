"""The fleet step: one global view that routes events to technician keys.

It keeps a :class:`FleetMirror`, sends each technician the events about them, a
``RouteUpdate`` (visits with duration estimates and customer contact details) whenever
their route changes, traffic changes, and a ``Tick`` at the end of every minute while they
are on shift. It confirms bookings to customers, forwards what the planner needs, and
tells the collector how many technicians must answer each tick.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from twin import events as ev
from twin.models.decisions.notify import VisitContact, day_label, decide
from twin.models.duration.model import DurationEstimate
from twin.models.routing.kit import is_stop, with_stops
from twin.models.routing.mirror import FleetMirror
from twin.stream.messages import (
    DECISION_TYPES,
    DeadLetter,
    Observed,
    RouteUpdate,
    Tick,
    TickFlush,
    TickSent,
)
from twin.stream.params import BrainParams

PLANNER = "~planner"  # sorts after every technician id
Routed = tuple[str, object]


@dataclass
class FleetState:
    mirror: FleetMirror
    active: set[str] = field(default_factory=set)
    last_routes: dict[str, tuple[tuple[str, ...], tuple[ev.DepotStop, ...]]] = field(
        default_factory=dict
    )
    contacts: dict[str, VisitContact] = field(default_factory=dict)
    seq: int = 0
    # per-minute traffic to technician keys is what the dataflow pays for: a technician
    # gets a Tick only when something reached them or their ETA refresh is due, and their
    # latest GPS ping travels with that Tick instead of every minute
    last_ping: dict[str, ev.Position] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    due: dict[str, float] = field(default_factory=dict)
    # (due minute, technician) pushed whenever ``due`` is set or a technician comes on
    # shift: a Tick looks at what fell due and what was touched, not at everyone on shift
    # (stale entries are checked against ``due`` and ``active`` when popped)
    wake: list[tuple[float, str]] = field(default_factory=list)


def new_fleet(params: BrainParams) -> FleetState:
    return FleetState(FleetMirror(params.roster, params.clock, params.brk.length_min))


def _route_update(state: FleetState, params: BrainParams, tid: str) -> RouteUpdate:
    m = state.mirror
    visits = tuple(m.tasks[v] for v in m.routes[tid] if v in m.tasks)
    estimates = {v.visit_id: params.estimate(tid, v.job_type, v.duration_min) for v in visits}
    customers = {v.visit_id: c for v in visits if (c := m.customer(v.visit_id)) is not None}
    contacts = {
        v.visit_id: state.contacts[v.visit_id] for v in visits if v.visit_id in state.contacts
    }
    if stops := m.stops.get(tid):  # planned depot stops: links of the chain (issue 20)
        visits = with_stops(
            visits, [(s.depot_id, s.before, s.x, s.y, s.service_min) for s in stops]
        )
        for v in visits:
            if is_stop(v.visit_id):  # exactly its minutes at the depot
                estimates[v.visit_id] = DurationEstimate(*(v.duration_min,) * 4)
    return RouteUpdate(visits, estimates, customers, contacts)


def _tell(
    state: FleetState,
    params: BrainParams,
    e: ev.VisitBooked | ev.VisitCancelled,
    kind: ev.NotificationKind,
) -> ev.Event | None:
    """The customer's confirmation of a booking, or the apology for a visit the company
    moved to another day (:func:`twin.models.notify.decide` says whether it goes out)."""
    customer = state.mirror.customer(e.visit_id)
    if customer is None:
        return None
    contact = state.contacts.get(e.visit_id, VisitContact())
    if isinstance(e, ev.VisitBooked):
        window = (params.clock.minutes(e.window_start), params.clock.minutes(e.window_end))
        day = day_label(params.clock.local(e.window_start).date(), customer.language)
    else:
        window, day = None, ""
    contact, msg = decide(
        params.notify,
        contact,
        kind,
        customer.language,
        visit_id=e.visit_id,
        day=day,
        window=window,
        link=params.link(e.visit_id),
    )
    state.contacts[e.visit_id] = contact
    if msg is None:
        return None
    state.seq += 1
    return ev.CustomerNotified(
        id=f"bf{state.seq:07d}",
        time=e.time,
        visit_id=e.visit_id,
        customer_id=customer.customer_id,
        channel=customer.notify_channel,  # type: ignore[arg-type]
        kind=kind,
        language=customer.language,  # type: ignore[arg-type]
        text=msg.text,
    )


def _ticked(state: FleetState, minute: float) -> list[str]:
    """The technicians on shift who get this minute's Tick, sorted: those reached in the
    minute and those whose ETA refresh is due (never ticked yet: due at once)."""
    wake, due, active, touched = state.wake, state.due, state.active, state.touched
    candidates = set(touched)
    while wake and wake[0][0] <= minute:
        candidates.add(heapq.heappop(wake)[1])
    return sorted(
        t for t in candidates if t in active and (t in touched or minute >= due.get(t, -math.inf))
    )


def fleet_step(state: FleetState, item: object, params: BrainParams) -> list[Routed]:
    """Fold one item in; returns (key, payload) pairs, in the order they must be seen."""
    out: list[Routed] = []
    if type(item) is ev.Position:  # the most frequent item: only the mirror and the last ping
        state.mirror.apply(item)
        if item.technician_id in state.active:
            state.last_ping[item.technician_id] = item
        return out
    if isinstance(item, DeadLetter):
        return [(PLANNER, item)]
    if isinstance(item, Tick):
        minute = item.minute
        keys = _ticked(state, minute)
        wake, due, every = state.wake, state.due, params.eta_every_min
        for key in keys:
            ping = state.last_ping.pop(key, None)
            if ping is not None:
                out.append((key, ping))
            out.append((key, item))
            due[key] = minute + every
            heapq.heappush(wake, (minute + every, key))
        flushed = sorted(state.touched - state.active)  # reached, but off shift: no Tick
        out.extend((key, TickFlush(minute)) for key in flushed)
        state.touched.clear()
        out.append((PLANNER, item))
        out.append((PLANNER, TickSent(item.minute, len(keys) + len(flushed))))
        return out
    assert isinstance(item, ev.Event)
    m = state.mirror
    if isinstance(item, DECISION_TYPES) and not isinstance(item, ev.PlanPublished):
        return out  # earlier decisions in a replayed log: this brain makes its own
    m.apply(item)
    tid = getattr(item, "technician_id", None)
    if isinstance(item, ev.ShiftStarted):
        state.active.add(item.technician_id)
        heapq.heappush(
            state.wake, (state.due.get(item.technician_id, -math.inf), item.technician_id)
        )
    elif isinstance(item, ev.ShiftEnded):
        state.active.discard(item.technician_id)
    elif isinstance(item, ev.FeedbackGiven):  # the repairs' planner learns the rating
        learn = getattr(params.dispatcher, "learn", None)
        if callable(learn):
            learn(item.customer_id, item.technician_id, item.rating)
    if isinstance(item, ev.TrafficChanged):
        out.extend((t, item) for t in sorted(state.active))
    elif tid is not None and tid in params.roster and not isinstance(item, ev.VisitBooked):
        out.append((tid, item))
    told = None
    if isinstance(item, ev.VisitBooked):
        told = _tell(state, params, item, "confirmation")
    elif isinstance(item, ev.VisitCancelled) and item.by == "company":
        told = _tell(state, params, item, "moved")
    if told is not None:
        out.append((PLANNER, told))
    # routes that changed (plans, cancellations, departures) go to their technicians
    if m.changed:
        for t in sorted(m.changed):
            route = (m.routes[t], m.stops.get(t, ()))
            if state.last_routes.get(t) != route:
                state.last_routes[t] = route
                out.append((t, _route_update(state, params, t)))
        m.changed.clear()
    state.touched.update(k for k, _ in out if k != PLANNER)
    if not isinstance(item, DECISION_TYPES) or isinstance(item, ev.PlanPublished):
        out.append((PLANNER, Observed(item)))
    return out


def fleet_batch(
    state: FleetState, items: list[object], params: BrainParams
) -> list[tuple[str, list[object]]]:
    """``fleet_step`` over a batch, grouped by key: one (key, payloads) pair per key that
    got anything, each key's payloads in the order ``fleet_step`` produced them. The
    dataflow then pays its per-item cost once per key and batch, not once per event."""
    groups: dict[str, list[object]] = {}
    for item in items:
        for key, payload in fleet_step(state, item, params):
            group = groups.get(key)
            if group is None:
                group = groups[key] = []
            group.append(payload)
    return list(groups.items())
