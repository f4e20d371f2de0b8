"""The technician step: one state per technician key, fed the technician's events.

It follows what the technician does (:mod:`twin.stream.techstate`), tells the customer
when the technician is on the way, has arrived, and asks for feedback, learns from each
finished visit, refreshes the ETA chain on ticks (:mod:`twin.stream.refresh`), and
answers every tick (and ``TickFlush``) with ``TickDone`` (the closed loop's barrier).
Where the compiled module is built, ticks and GPS positions take its twin of this step
(:func:`twin.stream.refresh.tick_config`); the Python code here is the reference.
"""

from __future__ import annotations

from twin import events as ev
from twin.models.eta.chain import (
    Position,
    route_etas,
)
from twin.stream.messages import RouteUpdate, Tick, TickDone, TickFlush
from twin.stream.params import BrainParams
from twin.stream.refresh import anchor_of, chain_ahead, refresh, stale_anchor, tick_config
from twin.stream.techstate import TechState, biased_estimate, learn_bias, new_tech, notify

__all__ = ["TechState", "new_tech", "tech_batch", "tech_step"]


def _finished(state: TechState, params: BrainParams, minute: float) -> None:
    """Online correction: move the log-bias toward this visit's log(actual / predicted)."""
    v = state.current
    if v is None or state.activity != "work":
        return
    base = state.estimates.get(v.visit_id) or params.estimate(state.tid, v.job_type, v.duration_min)
    bias = state.log_bias
    state.log_bias, state.finished = learn_bias(
        bias, state.finished, minute - state.since, base.p50, params.bias_memory
    )
    if state.log_bias != bias:
        state.biased.clear()


def tech_step(state: TechState, item: object, params: BrainParams) -> list[object]:
    """One item for this technician's key: a tick, a route update or an event."""
    if isinstance(item, Tick):
        return _on_tick(state, item, params)
    if isinstance(item, RouteUpdate):
        _on_route(state, item)
        return []
    if isinstance(item, TickFlush):
        return [TickDone(item.minute, state.tid)]
    assert isinstance(item, ev.Event)
    if isinstance(item, ev.Position):
        state.x, state.y = item.x, item.y
        return []
    state.dirty = True
    return list(_on_event(state, item, params, params.clock.minutes(item.time)))


def _on_tick(state: TechState, tick: Tick, params: BrainParams) -> list[object]:
    compiled = tick_config(params)
    if compiled is not None:  # the same decisions, compiled (twin.models._kernels)
        return compiled.tick(state, tick)
    out: list[object] = []
    minute = tick.minute
    if state.dirty or minute - state.last_eta_at >= params.eta_every_min:
        if state.activity != "ended":
            start, chain = chain_ahead(state, minute, params)
            if chain:
                anchor = (
                    anchor_of(state, start, chain, params)
                    if state.dirty
                    else stale_anchor(state, minute, start, chain, params)
                )
                if anchor is not None:
                    out.extend(refresh(state, tick, params, start, chain, anchor))
        state.dirty = False
        state.last_eta_at = minute
    out.append(TickDone(tick.minute, state.tid))
    return out


def _on_route(state: TechState, item: RouteUpdate) -> None:
    state.route = item.visits
    if state.deferred:  # the world's cancellation took them off: nothing left to hide
        state.deferred &= {v.visit_id for v in item.visits}
    # a visit's corrected estimate stays valid while its estimate keeps its value (most
    # route updates repeat them): only the changed ones are corrected again
    estimates, biased = state.estimates, state.biased
    for vid, est in item.estimates.items():
        old = estimates.get(vid)
        if old is not est:
            estimates[vid] = est
            if old != est:
                biased.pop(vid, None)
    state.customers.update(item.customers)
    for vid, contact in item.contacts.items():
        state.contacts.setdefault(vid, contact)
    state.dirty = True


def _on_travel(
    state: TechState, item: ev.TravelStarted, params: BrainParams, minute: float
) -> list[ev.Event]:
    """The technician sets off: to a visit (the customer hears "on the way") or home."""
    state.activity, state.since = "travel", minute
    if item.visit_id is None:
        state.current = None
        return []
    task = next((v for v in state.route if v.visit_id == item.visit_id), None)
    state.route = tuple(v for v in state.route if v.visit_id != item.visit_id)
    state.current = task
    if task is None:
        return []
    start = Position(item.from_x, item.from_y, minute, 0.0, True)
    est = {task.visit_id: biased_estimate(state, task.visit_id, task, params)}
    (eta,) = route_etas(
        start,
        (task,),
        est,
        params.travel,
        params.travel_cv,
        incidents=state.incidents,
        calibration=params.eta_calibration,
    )
    return notify(state, params, item.time, task.visit_id, "on_the_way", eta)


def _on_event(
    state: TechState, item: ev.Event, params: BrainParams, minute: float
) -> list[ev.Event]:
    out: list[ev.Event] = []
    if isinstance(item, ev.ShiftStarted):
        state.activity, state.since, state.x, state.y = "idle", minute, item.x, item.y
    elif isinstance(item, ev.TravelStarted):
        out = _on_travel(state, item, params, minute)
    elif isinstance(item, ev.Arrived):
        state.activity, state.since, state.x, state.y = "idle", minute, item.x, item.y
        if item.visit_id is not None:
            out = notify(state, params, item.time, item.visit_id, "arrival", None)
    elif isinstance(item, ev.WorkStarted):
        state.activity, state.since = "work", minute
    elif isinstance(item, ev.WorkFinished):
        _finished(state, params, minute)
        if item.outcome != "customer_absent":
            out = notify(state, params, item.time, item.visit_id, "feedback", None)
        state.activity, state.since, state.current = "idle", minute, None
    elif isinstance(item, ev.BreakStarted):
        state.activity, state.since, state.break_taken = "break", minute, True
    elif isinstance(item, ev.BreakEnded):
        state.activity, state.since = "idle", minute
    elif isinstance(item, ev.ShiftEnded | ev.TechnicianUnavailable):
        if isinstance(item, ev.ShiftEnded) or state.activity in ("off", "idle"):
            state.activity = "ended"
    elif isinstance(item, ev.TrafficChanged):
        if item.factor >= 1.0:
            state.incidents.pop(item.zone, None)
        else:
            state.incidents[item.zone] = item.factor
    return out


def tech_batch(state: TechState, items: list[object], params: BrainParams) -> list[object]:
    """``tech_step`` over one key's payloads, in order; all outputs in one list."""
    compiled = tick_config(params)
    if compiled is not None:  # ticks and positions compiled, the rest through tech_step
        return compiled.batch(state, items, tech_step)
    out: list[object] = []
    for item in items:
        out.extend(tech_step(state, item, params))
    return out
