"""The fleet step: one global view that routes events to technician keys.

It keeps a :class:`FleetMirror`, sends each technician the events about them, a
``RouteUpdate`` (visits with duration estimates and customer contact details) whenever
their route changes, traffic changes, and a ``Tick`` at the end of every minute while they
are on shift. It confirms bookings to customers, forwards what the planner needs, and
tells the collector how many technicians must answer each tick.

The step runs on one worker for the whole company, so its cost per event is what caps a
brain's throughput: a batch's payloads are written straight into one list per key (no
(key, payload) pair per payload), a minute's ``Tick`` goes to those whose refresh fell due
in it (buckets of due minutes, not a scan of everyone), and what a route update repeats
(a visit's duration estimate, its customer) is kept instead of built again.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from datetime import datetime

from twin import events as ev
from twin.models.decisions.notify import VisitContact, day_label, decide
from twin.models.duration.model import DurationEstimate
from twin.models.routing.kit import is_stop, with_stops
from twin.models.routing.mirror import Customer, FleetMirror
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
Groups = dict[str, list[object]]  # key -> its payloads, keys in order of first appearance
_NOT_PLANS = tuple(t for t in DECISION_TYPES if t is not ev.PlanPublished)


@dataclass
class FleetState:
    # The fleet never hands out a plan state: its mirror keeps routes, tasks, stops and
    # customers; GPS pings only move the mirror's technician positions, so they skip it.
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
    # technicians by the minute they are to be looked at again (whenever ``due`` is set or
    # they come on shift), and those minutes as a heap: a Tick looks at what fell due and
    # what was touched, not at everyone on shift (stale entries are checked against
    # ``due`` and ``active`` when taken out)
    wake: dict[float, list[str]] = field(default_factory=dict)
    wake_at: list[float] = field(default_factory=list)
    # memos of what route updates repeat: equal values, built once (the technician step
    # then also sees the same estimate object and skips comparing it)
    estimates: dict[tuple[str, str, float], DurationEstimate] = field(default_factory=dict)
    customers: dict[str, tuple[ev.VisitRequested, Customer]] = field(default_factory=dict)
    day_labels: dict[tuple[datetime, str], str] = field(default_factory=dict)


def new_fleet(params: BrainParams) -> FleetState:
    return FleetState(FleetMirror(params.roster, params.clock, params.brk.length_min))


def _wake(state: FleetState, minute: float) -> list[str]:
    """The bucket of technicians to look at again at ``minute`` (made if new)."""
    bucket = state.wake.get(minute)
    if bucket is None:
        bucket = state.wake[minute] = []
        heapq.heappush(state.wake_at, minute)
    return bucket


def _customer(state: FleetState, vid: str) -> Customer | None:
    """``mirror.customer(vid)``, made once per request."""
    req = state.mirror.requests.get(vid)
    if req is None:
        return None
    kept = state.customers.get(vid)
    if kept is None or kept[0] is not req:
        kept = state.customers[vid] = (
            req,
            Customer(req.customer_id, req.notify_channel, req.language),
        )
    return kept[1]


def _route_update(state: FleetState, params: BrainParams, tid: str) -> RouteUpdate:
    m = state.mirror
    tasks, memo, contacts_of = m.tasks, state.estimates, state.contacts
    visits = tuple(tasks[v] for v in m.routes[tid] if v in tasks)
    estimates: dict[str, DurationEstimate] = {}
    customers: dict[str, Customer] = {}
    contacts: dict[str, VisitContact] = {}
    for v in visits:
        vid = v.visit_id
        key = (tid, v.job_type, v.duration_min)
        est = memo.get(key)
        if est is None:
            est = memo[key] = params.estimate(tid, v.job_type, v.duration_min)
        estimates[vid] = est
        if (c := _customer(state, vid)) is not None:
            customers[vid] = c
        if (contact := contacts_of.get(vid)) is not None:
            contacts[vid] = contact
    if stops := m.stops.get(tid):  # planned depot stops: links of the chain (issue 20)
        visits = with_stops(
            visits, [(s.depot_id, s.before, s.x, s.y, s.service_min) for s in stops]
        )
        for v in visits:
            if is_stop(v.visit_id):  # exactly its minutes at the depot
                estimates[v.visit_id] = DurationEstimate(*(v.duration_min,) * 4)
    return RouteUpdate(visits, estimates, customers, contacts)


def _day(state: FleetState, params: BrainParams, t: datetime, language: str) -> str:
    """``day_label`` of ``t``'s local date, once per time and language (windows repeat)."""
    label = state.day_labels.get((t, language))
    if label is None:
        label = state.day_labels[(t, language)] = day_label(params.clock.local(t).date(), language)
    return label


def _tell(
    state: FleetState,
    params: BrainParams,
    e: ev.VisitBooked | ev.VisitCancelled,
    kind: ev.NotificationKind,
) -> ev.Event | None:
    """The customer's confirmation of a booking, or the apology for a visit the company
    moved to another day (:func:`twin.models.notify.decide` says whether it goes out)."""
    customer = _customer(state, e.visit_id)
    if customer is None:
        return None
    contact = state.contacts.get(e.visit_id, VisitContact())
    if isinstance(e, ev.VisitBooked):
        window = (params.clock.minutes(e.window_start), params.clock.minutes(e.window_end))
        day = _day(state, params, e.window_start, customer.language)
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
    wake, wake_at, due, active, touched = (
        state.wake,
        state.wake_at,
        state.due,
        state.active,
        state.touched,
    )
    candidates = set(touched)
    while wake_at and wake_at[0] <= minute:
        candidates.update(wake.pop(heapq.heappop(wake_at)))
    return sorted(
        t for t in candidates if t in active and (t in touched or minute >= due.get(t, -math.inf))
    )


def _put(groups: Groups, key: str, payload: object) -> None:
    found = groups.get(key)
    if found is None:
        groups[key] = [payload]
    else:
        found.append(payload)


def _on_tick(state: FleetState, tick: Tick, params: BrainParams, groups: Groups) -> None:
    """Close a minute: the Tick (with the latest ping) to everyone it is for, the barrier
    to those reached off shift, and the count to the collector."""
    minute = tick.minute
    keys = _ticked(state, minute)
    pings = state.last_ping
    for key in keys:
        ping = pings.pop(key, None)
        found = groups.get(key)
        if found is None:
            groups[key] = [tick] if ping is None else [ping, tick]
        else:
            if ping is not None:
                found.append(ping)
            found.append(tick)
    if keys:
        again = minute + params.eta_every_min
        state.due.update(dict.fromkeys(keys, again))
        _wake(state, again).extend(keys)
    flushed = sorted(state.touched - state.active)  # reached, but off shift: no Tick
    for key in flushed:
        _put(groups, key, TickFlush(minute))
    state.touched.clear()
    _put(groups, PLANNER, tick)
    _put(groups, PLANNER, TickSent(minute, len(keys) + len(flushed)))


def _on_event(state: FleetState, item: ev.Event, params: BrainParams, groups: Groups) -> None:
    """Fold a world event in: the mirror, who is on shift, what goes to whom."""
    if isinstance(item, _NOT_PLANS):
        return  # earlier decisions in a replayed log: this brain makes its own
    m = state.mirror
    m.apply(item)
    tid = getattr(item, "technician_id", None)
    if isinstance(item, ev.ShiftStarted):
        state.active.add(item.technician_id)
        _wake(state, state.due.get(item.technician_id, -math.inf)).append(item.technician_id)
    elif isinstance(item, ev.ShiftEnded):
        state.active.discard(item.technician_id)
    elif isinstance(item, ev.FeedbackGiven):  # the repairs' planner learns the rating
        learn = getattr(params.dispatcher, "learn", None)
        if callable(learn):
            learn(item.customer_id, item.technician_id, item.rating)
    touched = state.touched
    if isinstance(item, ev.TrafficChanged):
        for t in sorted(state.active):
            _put(groups, t, item)
            touched.add(t)
    elif tid is not None and tid in params.roster and not isinstance(item, ev.VisitBooked):
        _put(groups, tid, item)
        touched.add(tid)
    told = None
    if isinstance(item, ev.VisitBooked):
        told = _tell(state, params, item, "confirmation")
    elif isinstance(item, ev.VisitCancelled) and item.by == "company":
        told = _tell(state, params, item, "moved")
    if told is not None:
        _put(groups, PLANNER, told)
    # routes that changed (plans, cancellations, departures) go to their technicians
    if m.changed:
        for t in sorted(m.changed):
            route = (m.routes[t], m.stops.get(t, ()))
            if state.last_routes.get(t) != route:
                state.last_routes[t] = route
                _put(groups, t, _route_update(state, params, t))
                touched.add(t)
        m.changed.clear()
    _put(groups, PLANNER, Observed(item))


def _fold_in(state: FleetState, item: object, params: BrainParams, groups: Groups) -> None:
    if type(item) is ev.Position:  # the most frequent item: only the last ping is kept
        if item.technician_id in state.active:
            state.last_ping[item.technician_id] = item
    elif isinstance(item, Tick):
        _on_tick(state, item, params, groups)
    elif isinstance(item, DeadLetter):
        _put(groups, PLANNER, item)
    else:
        assert isinstance(item, ev.Event)
        _on_event(state, item, params, groups)


def fleet_step(state: FleetState, item: object, params: BrainParams) -> list[Routed]:
    """Fold one item in; returns (key, payload) pairs, each key's in the order they must
    be seen (keys in order of first appearance)."""
    groups: Groups = {}
    _fold_in(state, item, params, groups)
    return [(key, payload) for key, payloads in groups.items() for payload in payloads]


def fleet_batch(
    state: FleetState, items: list[object], params: BrainParams
) -> list[tuple[str, list[object]]]:
    """``fleet_step`` over a batch, grouped by key: one (key, payloads) pair per key that
    got anything, each key's payloads in the order ``fleet_step`` produced them. The
    dataflow then pays its per-item cost once per key and batch, not once per event."""
    groups: Groups = {}
    active, pings = state.active, state.last_ping
    position = ev.Position
    for item in items:
        if type(item) is position:  # inline: most items of a day are pings
            if item.technician_id in active:
                pings[item.technician_id] = item
        else:
            _fold_in(state, item, params, groups)
    return list(groups.items())
