"""The collector step: closes each tick, replans, and emits the tick's decisions in order.

Decisions from the technician keys (and booking confirmations from the fleet step) are
buffered by the minute they belong to. A minute is closed when the fleet has said how many
technicians got its ``Tick`` and all of them answered ``TickDone``. Then the collector
serves the tick's replan requests (local repair through the dispatcher, against its own
mirror of the fleet), emits all decisions sorted by (time, id) — so the output never
depends on how the dataflow interleaved keys or workers — an ``OpsWindow`` at window
boundaries, and finally ``TickClosed`` (what the closed loop waits for).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from operator import attrgetter

from twin import events as ev
from twin.models.decisions.replan import move_endangered
from twin.models.routing.mirror import FleetMirror
from twin.stream.messages import (
    DeadLetter,
    Observed,
    OpsWindow,
    Tick,
    TickClosed,
    TickDone,
    TickSent,
)
from twin.stream.params import BrainParams


@dataclass
class Ops:
    arrivals: int = 0
    on_time: int = 0
    arrived: set[str] = field(default_factory=set)
    open_alerts: set[str] = field(default_factory=set)
    working: set[str] = field(default_factory=set)
    on_shift: set[str] = field(default_factory=set)
    window_start: datetime | None = None


@dataclass
class CollectorState:
    mirror: FleetMirror
    buckets: dict[int, list[ev.Event]] = field(default_factory=lambda: defaultdict(list))
    observed: dict[int, list[ev.Event]] = field(default_factory=lambda: defaultdict(list))
    expected: dict[int, int] = field(default_factory=dict)
    done: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    tick_time: dict[int, datetime] = field(default_factory=dict)
    version: int = 10_000
    ops: Ops = field(default_factory=Ops)
    # the minute of the last time bucketed: a tick's decisions share their time
    last_time: datetime | None = None
    last_minute: int = 0


def new_collector(params: BrainParams) -> CollectorState:
    return CollectorState(FleetMirror(params.roster, params.clock, params.brk.length_min))


def _minute_of(t: datetime, params: BrainParams) -> int:
    return math.ceil(params.clock.minutes(t) - 1e-9)


def _observe(state: CollectorState, e: ev.Event) -> None:
    state.mirror.apply(e)
    ops = state.ops
    if isinstance(e, ev.Arrived) and e.visit_id and e.visit_id not in ops.arrived:
        task = state.mirror.tasks.get(e.visit_id)
        ops.arrived.add(e.visit_id)
        ops.open_alerts.discard(e.visit_id)
        if task is not None:
            ops.arrivals += 1
            ops.on_time += state.mirror.minutes(e.time) <= task.window_end
    elif isinstance(e, ev.WorkStarted):
        ops.working.add(e.technician_id)
    elif isinstance(e, ev.WorkFinished):
        ops.working.discard(e.technician_id)
    elif isinstance(e, ev.ShiftStarted):
        ops.on_shift.add(e.technician_id)
    elif isinstance(e, ev.ShiftEnded | ev.TechnicianUnavailable):
        ops.on_shift.discard(e.technician_id)
        ops.working.discard(e.technician_id)


def _replan(
    state: CollectorState, minute: int, requests: list[ev.ReplanRequested], params: BrainParams
) -> list[ev.Event]:
    out: list[ev.Event] = []
    plan_state = None  # built once per tick; a published plan changes only its routes
    for req in sorted(requests, key=lambda r: (r.visit_id or "", r.id)):
        if req.visit_id is None or req.technician_id is None:
            continue
        if plan_state is None:
            plan_state = state.mirror.plan_state(float(minute))
        routes = move_endangered(
            plan_state,
            req.visit_id,
            req.technician_id,
            params.dispatcher,
            params.travel,
            params.brk,
            params.replan_min_gain_min,
        )
        if not routes:
            continue
        state.version += 1
        plan = ev.PlanPublished(
            id=f"bplan{state.version:06d}",
            time=state.tick_time[minute],
            version=state.version,
            reason=f"repair: {req.reason}",
            routes=tuple(ev.Route(technician_id=t, visit_ids=r) for t, r in sorted(routes.items())),
        )
        state.mirror.apply(plan)
        plan_state = replace(plan_state, routes=state.mirror.routes_view())
        out.append(plan)
    return out


_BY_ID, _BY_TIME = attrgetter("id"), attrgetter("time")


def _ordered(decisions: list[ev.Event]) -> list[ev.Event]:
    """``decisions`` sorted by (time, id): by id, then stably by time (the same order as one
    sort by the pair, without a tuple per decision and tuple comparisons: 3x faster)."""
    decisions.sort(key=_BY_ID)
    decisions.sort(key=_BY_TIME)
    return decisions


def _close(state: CollectorState, minute: int, params: BrainParams) -> list[object]:
    # world events first, then decisions: both only up to this minute, so the result does
    # not depend on how far ahead the input has been read (batching, partitions, workers)
    for k in sorted(k for k in state.observed if k <= minute):
        for e in state.observed.pop(k):
            _observe(state, e)
    due = sorted(k for k in state.buckets if k <= minute)  # earlier ones: before the first tick
    decisions = _ordered([d for k in due for d in state.buckets.pop(k)])
    arrived, open_alerts = state.ops.arrived, state.ops.open_alerts
    requests: list[ev.ReplanRequested] = []
    for d in decisions:
        if type(d) is ev.EtaUpdated:  # most of them
            continue
        if isinstance(d, ev.DelayDetected):
            if d.visit_id not in arrived:
                open_alerts.add(d.visit_id)
        elif isinstance(d, ev.ReplanRequested):
            requests.append(d)
    out: list[object] = list(decisions)
    if requests and params.replanning:
        out.extend(_replan(state, minute, requests, params))
    ops = state.ops
    time = state.tick_time.pop(minute)
    if ops.window_start is None:
        ops.window_start = time
    if minute % int(params.ops_window_min) == 0:
        out.append(
            OpsWindow(
                window_start=ops.window_start,
                window_end=time,
                arrivals=ops.arrivals,
                on_time=ops.on_time,
                punctuality_so_far=ops.on_time / ops.arrivals if ops.arrivals else 1.0,
                open_alerts=len(ops.open_alerts),
                technicians_working=len(ops.working),
                technicians_on_shift=len(ops.on_shift),
            )
        )
        ops.window_start = time
    state.expected.pop(minute, None)
    state.done.pop(minute, None)
    out.append(TickClosed(float(minute)))
    return out


def _minute(state: CollectorState, t: datetime, params: BrainParams) -> int:
    """``_minute_of(t)``, remembered for the last time asked (a tick's items share it)."""
    if t != state.last_time:
        state.last_time, state.last_minute = t, _minute_of(t, params)
    return state.last_minute


def _closing(state: CollectorState, params: BrainParams) -> list[object]:
    """Close minutes strictly in order: a minute is done only when all earlier ones are,
    so what a close sees never depends on how the dataflow interleaved its paths."""
    out: list[object] = []
    expected, done = state.expected, state.done
    while expected:
        first = min(expected)
        if done[first] < expected[first]:
            break
        out.extend(_close(state, first, params))
    return out


def collector_step(state: CollectorState, item: object, params: BrainParams) -> list[object]:
    """One item in; what it lets out (nothing, a dead letter, or closed minutes)."""
    return collector_batch(state, [item], params)


def collector_batch(
    state: CollectorState, items: list[object], params: BrainParams
) -> list[object]:
    """The items in order, all outputs in one list.

    Closing is looked at only when an answer or a count can complete the first open
    minute (the one ``_closing`` would start with); decisions go to their minute's bucket
    through the last bucket used while their times are the same object (a technician's
    decisions of a tick share the tick's time)."""
    out: list[object] = []
    buckets, done, expected = state.buckets, state.done, state.expected
    last_t: object = None  # the time of ``bucket``; None after a close (buckets popped)
    bucket: list[ev.Event] = []
    for item in items:
        if type(item) is TickDone:  # the frequent kinds first: an answer, a decision
            m = round(item.minute)
            n = done[m] = done[m] + 1
            if m in expected and n >= expected[m] and m == min(expected):
                out.extend(_closing(state, params))
                last_t = None
        elif isinstance(item, ev.Event):
            t = item.time
            if t is not last_t:
                bucket, last_t = buckets[_minute(state, t, params)], t
            bucket.append(item)
        elif isinstance(item, DeadLetter):
            out.append(item)
        elif isinstance(item, Observed):
            state.observed[_minute(state, item.event.time, params)].append(item.event)
        elif isinstance(item, Tick):
            state.tick_time[round(item.minute)] = item.time
        else:
            assert isinstance(item, TickSent)
            m = round(item.minute)
            expected[m] = item.keys
            if done[m] >= item.keys and m == min(expected):
                out.extend(_closing(state, params))
                last_t = None
    return out
