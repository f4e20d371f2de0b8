"""The technician step: per-technician state, live ETAs, delay alerts, customer messages.

One state per technician key. It follows what the technician is doing (driving, working,
on a break, idle), their remaining route, the traffic, and an online correction of the
duration model (a multiplicative bias in log space, learned from this technician's
finished visits). On every ``Tick`` it refreshes the ETA chain when something changed; every
``eta_every_min`` it checks whether the chain has drifted (see :func:`_stale`) and refreshes
it if so. A refresh emits ``EtaUpdated`` when an ETA moved by more than the hysteresis,
``DelayDetected`` (and ``ReplanRequested``, and a delay warning to the customer) when the
probability of missing a window crosses the threshold, and ``VisitDeferred`` when a visit
ahead no longer fits the technician's day even at the early end of its ETA
(:mod:`twin.models.decisions.dayend`): better an apology now than a promised arrival nobody keeps.
Every tick is answered with ``TickDone``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from twin import events as ev
from twin.models.decisions.dayend import first_unreachable
from twin.models.decisions.delay import judge_delay
from twin.models.decisions.notify import VisitContact, decide
from twin.models.eta.chain import (
    DurationEstimate,
    Position,
    VisitEta,
    on_site,
    remaining_work,
    route_etas,
)
from twin.models.routing.mirror import Customer
from twin.models.routing.plan import VisitTask
from twin.stream.messages import RouteUpdate, Tick, TickDone
from twin.stream.params import BrainParams


@dataclass
class TechState:
    tid: str
    activity: str = "off"  # off | idle | travel | work | break | ended
    since: float = 0.0
    x: float = 0.0
    y: float = 0.0
    current: VisitTask | None = None
    route: tuple[VisitTask, ...] = ()
    estimates: dict[str, DurationEstimate] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    incidents: dict[str, float] = field(default_factory=dict)
    log_bias: float = 0.0
    biased: dict[str, DurationEstimate] = field(default_factory=dict)  # see _estimate
    finished: int = 0
    break_taken: bool = False
    dirty: bool = True
    last_eta_at: float = -math.inf
    # the last full refresh: when, and the expected arrival at the next stop and its spread
    refreshed_at: float = -math.inf
    anchor: tuple[float, float] = (math.nan, math.nan)
    last_eta: dict[str, float] = field(default_factory=dict)
    alerted: dict[str, bool] = field(default_factory=dict)
    replan_at: dict[str, float] = field(default_factory=dict)
    contacts: dict[str, VisitContact] = field(default_factory=dict)
    deferred: set[str] = field(default_factory=set)  # moved to another day by this brain
    seq: int = 0


def new_tech(tid: str, params: BrainParams) -> TechState:
    spec = params.roster[tid]
    return TechState(tid=tid, x=spec.home_x, y=spec.home_y)


def _id(state: TechState) -> str:
    state.seq += 1
    return f"b{state.tid}-{state.seq:06d}"


def _estimate(state: TechState, vid: str, task: VisitTask, params: BrainParams) -> DurationEstimate:
    """The visit's duration estimate with the technician's online bias applied (memoised
    until the bias or the route's estimates change)."""
    cached = state.biased.get(vid)
    if cached is not None:
        return cached
    base = state.estimates.get(vid) or params.estimate(state.tid, task.job_type, task.duration_min)
    if state.log_bias != 0.0:
        f = math.exp(state.log_bias)
        base = DurationEstimate(base.p10 * f, base.p50 * f, base.p90 * f, base.mean * f)
    state.biased[vid] = base
    return base


def _notify(
    state: TechState,
    params: BrainParams,
    now: ev.datetime,
    vid: str,
    kind: str,
    eta: VisitEta | None,
) -> list[ev.Event]:
    customer = state.customers.get(vid)
    if customer is None:
        return []
    contact = state.contacts.get(vid, VisitContact())
    triple = (eta.low, eta.eta, eta.high) if eta is not None else None
    contact, msg = decide(params.notify, contact, kind, customer.language, visit_id=vid, eta=triple)
    state.contacts[vid] = contact
    if msg is None:
        return []
    return [
        ev.CustomerNotified(
            id=_id(state),
            time=now,
            visit_id=vid,
            customer_id=customer.customer_id,
            channel=customer.notify_channel,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            language=customer.language,  # type: ignore[arg-type]
            text=msg.text,
        )
    ]


def _chain(
    state: TechState, minute: float, params: BrainParams
) -> tuple[Position, tuple[VisitTask, ...]]:
    """Where the remaining day starts, and the visits still ahead (current one first)."""
    spec = params.roster[state.tid]
    chain = state.route
    if state.deferred:  # until the world's echo takes them off the route (never, in replay)
        chain = tuple(v for v in chain if v.visit_id not in state.deferred)
    x, y, taken = state.x, state.y, state.break_taken
    if state.activity == "travel" and state.current is not None:
        return Position(x, y, minute, 0.0, taken, minute), (state.current, *chain)
    if state.activity == "work" and state.current is not None:
        # conditional on not being finished after the minutes already worked
        est = _estimate(state, state.current.visit_id, state.current, params)
        rest, sd = remaining_work(est, minute - state.since)
        return Position(x, y, minute + rest, sd, taken, minute), chain
    if state.activity == "idle" and state.current is not None:
        # on site, waiting for the window to open: the work (or the absent customer's
        # short visit) is still ahead
        est = _estimate(state, state.current.visit_id, state.current, params)
        begin = max(minute, state.current.window_start)
        work, sd = on_site(est, params.eta_calibration)
        return Position(x, y, begin + work, sd, taken, minute), chain
    if state.activity == "break":
        end = max(minute, state.since + params.brk.length_min)
        return Position(x, y, end, 0.0, True, minute), chain
    start = max(minute, spec.shift_start) if state.activity == "off" else minute
    return Position(x, y, start, 0.0, taken, minute), chain


def _anchor(
    state: TechState, start: Position, chain: tuple[VisitTask, ...], params: BrainParams
) -> tuple[float, float]:
    """Expected arrival at the next stop, and the spread the chain starts with: the ETAs
    of the chain move with them (the rest of the chain is fixed between events)."""
    v = chain[0]
    t = start.free_at
    return t + params.travel.travel_min(start.x, start.y, v.x, v.y, t, state.incidents), start.sd


def _replan_due(
    state: TechState, minute: float, chain: tuple[VisitTask, ...], params: BrainParams
) -> bool:
    """Whether a visit ahead is alerted and its replan cooldown ran out (as in ``_refresh``)."""
    current = state.current.visit_id if state.current is not None else None
    alerted, replan_at, cooldown = state.alerted, state.replan_at, params.replan_cooldown_min
    for v in chain:
        vid = v.visit_id
        if (
            alerted.get(vid)
            and vid != current
            and minute - replan_at.get(vid, -math.inf) >= cooldown
        ):
            return True
    return False


def _stale(
    state: TechState,
    minute: float,
    start: Position,
    chain: tuple[VisitTask, ...],
    params: BrainParams,
) -> tuple[float, float] | None:
    """Whether a due refresh (no event since the last one) can change anything: the new
    anchor (see :func:`_anchor`) if so, else ``None``.

    Between events the chain only moves with time: a job that overruns pushes everything
    behind it, a van that is slower than expected arrives later, lead buckets of the
    calibration change and intervals are clipped at "now". The first two move the
    expected arrival at the next stop (or the spread): a refresh is due when that moved
    by ``eta_drift_min``. The last two are slow: a refresh is due at the latest
    ``eta_max_age_min`` after the previous one. A replan request whose cooldown ran out
    is due at once. What is on show thus differs from a fresh computation by about
    ``eta_drift_min`` more than the hysteresis allows (waits and time-dependent speeds make
    the bound approximate), and is never older than ``eta_max_age_min``; on the benchmark
    days ETA accuracy, alerts and effect did not move (bench/RESULTS.md, session 3).
    """
    arrive, sd = anchor = _anchor(state, start, chain, params)
    if minute - state.refreshed_at >= params.eta_max_age_min or (
        params.replanning and _replan_due(state, minute, chain, params)
    ):
        return anchor
    ref_arrive, ref_sd = state.anchor
    drift = params.eta_drift_min
    if abs(arrive - ref_arrive) < drift and abs(sd - ref_sd) < drift:
        return None
    return anchor


def _refresh(
    state: TechState,
    tick: Tick,
    params: BrainParams,
    start: Position,
    chain: tuple[VisitTask, ...],
    anchor: tuple[float, float],
) -> list[ev.Event]:
    minute = tick.minute
    state.refreshed_at, state.anchor = minute, anchor
    biased = state.biased
    for v in chain:
        if v.visit_id not in biased:
            _estimate(state, v.visit_id, v, params)  # fills state.biased for every visit ahead
    spec = params.roster[state.tid]
    etas = route_etas(
        start,
        chain,
        biased,
        params.travel,
        params.travel_cv,
        params.brk,
        spec.shift_start + params.brk.after_min,
        state.incidents,
        params.eta_calibration,
    )
    at, now, tid = params.clock.at, tick.time, state.tid
    hysteresis, rule = params.eta_hysteresis_min, params.delay_rule
    last_eta, alerted_by, replan_at = state.last_eta, state.alerted, state.replan_at
    current = state.current.visit_id if state.current is not None else None
    out: list[ev.Event] = []
    if params.defer_unreachable:
        k = first_unreachable(
            chain, etas, spec, params.travel, current, minute, params.defer_lead_min
        )
        if k is not None:
            # the ETAs from there on counted the visit that will not happen: the next
            # tick refreshes the chain without it
            out.append(_defer(state, now, chain[k]))
            chain, etas = chain[:k], etas[:k]
            state.dirty = True
    for v, e in zip(chain, etas, strict=True):
        vid = v.visit_id
        last = last_eta.get(vid)
        if last is None or abs(e.eta - last) >= hysteresis:
            last_eta[vid] = e.eta
            out.append(
                ev.EtaUpdated(
                    id=_id(state),
                    time=now,
                    visit_id=vid,
                    technician_id=tid,
                    eta_low=at(e.low),
                    eta=at(e.eta),
                    eta_high=at(e.high),
                )
            )
        was = alerted_by.get(vid, False)
        last_replan = replan_at.get(vid, -math.inf)
        d = judge_delay(rule, e.p_late, was, vid == current, minute, last_replan)
        if d.alerted != was:
            alerted_by[vid] = d.alerted
        if d.alert:
            out.append(
                ev.DelayDetected(
                    id=_id(state),
                    time=now,
                    visit_id=vid,
                    technician_id=tid,
                    probability=round(e.p_late, 4),
                    eta=at(e.eta),
                    window_end=at(v.window_end),
                )
            )
            if minute <= v.window_end:
                out.extend(_notify(state, params, now, vid, "delay", e))
        if d.replan:
            replan_at[vid] = minute
            out.append(
                ev.ReplanRequested(
                    id=_id(state),
                    time=now,
                    reason=f"delay risk {e.p_late:.2f} for {vid}",
                    visit_id=vid,
                    technician_id=tid,
                )
            )
    return out


def _defer(state: TechState, now: ev.datetime, visit: VisitTask) -> ev.Event:
    """Move ``visit`` to another day: it no longer fits the technician's day (the world
    cancels it for today, and the fleet step tells the customer when that comes back)."""
    state.deferred.add(visit.visit_id)
    return ev.VisitDeferred(
        id=_id(state),
        time=now,
        visit_id=visit.visit_id,
        technician_id=state.tid,
        reason="moved to another day: no longer fits the technician's day",
    )


def _finished(state: TechState, params: BrainParams, minute: float) -> None:
    """Online correction: move the log-bias toward this visit's log(actual / predicted)."""
    v = state.current
    if v is None or state.activity != "work":
        return
    base = state.estimates.get(v.visit_id) or params.estimate(state.tid, v.job_type, v.duration_min)
    actual = max(1.0, minute - state.since)
    ratio = math.log(actual / max(1.0, base.p50))
    w = params.bias_memory
    # shrink toward 0 until a few visits are seen (the model is unbiased on average)
    state.finished += 1
    target = ratio * state.finished / (state.finished + 2)
    state.log_bias = max(-1.0, min(1.0, (1 - w) * state.log_bias + w * target))
    state.biased.clear()


def tech_step(state: TechState, item: object, params: BrainParams) -> list[object]:
    if isinstance(item, Tick):
        out: list[object] = []
        minute = item.minute
        if state.dirty or minute - state.last_eta_at >= params.eta_every_min:
            if state.activity != "ended":
                start, chain = _chain(state, minute, params)
                if chain:
                    anchor = (
                        _anchor(state, start, chain, params)
                        if state.dirty
                        else _stale(state, minute, start, chain, params)
                    )
                    if anchor is not None:
                        out.extend(_refresh(state, item, params, start, chain, anchor))
            state.dirty = False
            state.last_eta_at = minute
        out.append(TickDone(item.minute, state.tid))
        return out
    if isinstance(item, RouteUpdate):
        state.route = item.visits
        if state.deferred:  # the world's cancellation took them off: nothing left to hide
            state.deferred &= {v.visit_id for v in item.visits}
        state.estimates.update(item.estimates)
        state.biased.clear()
        state.customers.update(item.customers)
        for vid, contact in item.contacts.items():
            state.contacts.setdefault(vid, contact)
        state.dirty = True
        return []
    assert isinstance(item, ev.Event)
    minute = params.clock.minutes(item.time)
    if isinstance(item, ev.Position):
        state.x, state.y = item.x, item.y
        return []
    state.dirty = True
    out = []
    if isinstance(item, ev.ShiftStarted):
        state.activity, state.since, state.x, state.y = "idle", minute, item.x, item.y
    elif isinstance(item, ev.TravelStarted):
        state.activity, state.since = "travel", minute
        if item.visit_id is not None:
            task = next((v for v in state.route if v.visit_id == item.visit_id), None)
            state.route = tuple(v for v in state.route if v.visit_id != item.visit_id)
            state.current = task
            if task is not None:
                start = Position(item.from_x, item.from_y, minute, 0.0, True)
                est = {task.visit_id: _estimate(state, task.visit_id, task, params)}
                (eta,) = route_etas(
                    start,
                    (task,),
                    est,
                    params.travel,
                    params.travel_cv,
                    incidents=state.incidents,
                    calibration=params.eta_calibration,
                )
                out.extend(_notify(state, params, item.time, task.visit_id, "on_the_way", eta))
        else:
            state.current = None
    elif isinstance(item, ev.Arrived):
        state.activity, state.since, state.x, state.y = "idle", minute, item.x, item.y
        if item.visit_id is not None:
            out.extend(_notify(state, params, item.time, item.visit_id, "arrival", None))
    elif isinstance(item, ev.WorkStarted):
        state.activity, state.since = "work", minute
    elif isinstance(item, ev.WorkFinished):
        _finished(state, params, minute)
        if item.outcome != "customer_absent":
            out.extend(_notify(state, params, item.time, item.visit_id, "feedback", None))
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
    out: list[object] = []
    for item in items:
        out.extend(tech_step(state, item, params))
    return out
