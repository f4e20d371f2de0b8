"""The ETA refresh of one technician: the chain of visits ahead, when it is worth
recomputing, and what a refresh publishes.

On every ``Tick`` the technician step refreshes the chain when something changed; every
``eta_every_min`` it checks whether the chain has drifted (:func:`stale_anchor`) and
refreshes it if so. A refresh emits ``EtaUpdated`` when an ETA moved by more than the
hysteresis, ``DelayDetected`` (and ``ReplanRequested``, and a delay warning to the
customer) as the delay rule decides (:mod:`twin.models.decisions.delay`), and
``VisitDeferred`` when a visit ahead no longer fits the technician's day even at the
early end of its ETA (:mod:`twin.models.decisions.dayend`): better an apology now than a
promised arrival nobody keeps.

The functions here are the reference. Where the compiled module is built, the technician
step runs a tick in its compiled twin (:func:`tick_config`, ``TickConfig`` in
:mod:`twin.models._kernels`): the same numbers and the same events in the same order,
calling back into this module for what is rare (a biased estimate not yet memoised, a
visit moved to another day, the delay rule for a visit alerted or at risk).
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from typing import Any

from twin import events as ev
from twin.events.fast import eta_updated
from twin.models.decisions.dayend import first_unreachable
from twin.models.decisions.delay import judge_delay, replan_due
from twin.models.duration.model import Z90
from twin.models.eta.chain import (
    REMAINING_TAIL_MIN,
    DurationEstimate,
    Position,
    VisitEta,
    on_site,
    remaining_work,
    route_etas,
)
from twin.models.routing.kit import DEPOT_PREFIX
from twin.models.routing.plan import VisitTask
from twin.models.routing.travel import KERNELS
from twin.stream.messages import Tick, TickDone
from twin.stream.params import BrainParams
from twin.stream.techstate import TechState, biased_estimate, next_id, notify

# the compiled twins (the same bits), where the build has them
_REMAINING = getattr(KERNELS, "remaining_work", None)
_UNREACHABLE = getattr(KERNELS, "first_unreachable", None)
# the compiled tick (``TickConfig``: the chain ahead, its ETAs and what they publish)
_TICK_KERNELS = KERNELS if hasattr(KERNELS, "TickConfig") else None
_last_config: tuple[object, Any] = (None, None)  # the last brain's, with its brain


def tick_config(params: BrainParams) -> Any:
    """The compiled tick of ``params``'s brain (``TickConfig``: ``tick(state, tick)`` is
    ``_on_tick``, ``batch(state, items, step)`` is ``tech_batch``), or ``None`` where the
    tick runs in Python: no compiled module, or a travel model without its compiled twin.
    Made once per brain (the last one is kept)."""
    global _last_config
    kernels = _TICK_KERNELS
    if kernels is None:
        return None
    brain, config = _last_config
    if brain is params:  # asked for every technician's batch: the usual answer first
        return config
    if params.travel.kernel is None:
        return None
    config = kernels.TickConfig(
        params,
        biased_estimate=biased_estimate,
        judged=_judged,
        deferred=_defer,
        tick_done=TickDone,
        eta_updated=eta_updated,
        eta_cls=ev.EtaUpdated,
        visit_eta=VisitEta,
        tick_cls=Tick,
        position_cls=ev.Position,
        traffic_cls=ev.TrafficChanged,
        depot_prefix=DEPOT_PREFIX,
        z90=Z90,
        tail_min=REMAINING_TAIL_MIN,
        # TickDone's two slots may be set directly while it is the plain record it is
        fast_done=[f.name for f in dataclasses.fields(TickDone)] == ["minute", "key"]
        and hasattr(TickDone, "__slots__")
        and not hasattr(TickDone, "__post_init__"),
    )
    _last_config = (params, config)
    return config


def _remaining(est: DurationEstimate, elapsed: float) -> tuple[float, float]:
    """``remaining_work``, in its compiled twin where that is built."""
    if _REMAINING is None:
        return remaining_work(est, elapsed)
    return _REMAINING(est, elapsed, Z90, REMAINING_TAIL_MIN)


def chain_ahead(
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
        est = biased_estimate(state, state.current.visit_id, state.current, params)
        rest, sd = _remaining(est, minute - state.since)
        return Position(x, y, minute + rest, sd, taken, minute), chain
    if state.activity == "idle" and state.current is not None:
        # on site, waiting for the window to open: the work (or the absent customer's
        # short visit) is still ahead
        est = biased_estimate(state, state.current.visit_id, state.current, params)
        begin = max(minute, state.current.window_start)
        work, sd = on_site(est, params.eta_calibration)
        return Position(x, y, begin + work, sd, taken, minute), chain
    if state.activity == "break":
        end = max(minute, state.since + params.brk.length_min)
        return Position(x, y, end, 0.0, True, minute), chain
    start = max(minute, spec.shift_start) if state.activity == "off" else minute
    return Position(x, y, start, 0.0, taken, minute), chain


def anchor_of(
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
    """Whether a visit ahead is alerted and its replan cooldown ran out (as in ``refresh``)."""
    alerted, replan_at, rule = state.alerted, state.replan_at, params.delay_rule
    if not alerted:  # only an alerted visit asks for a replan (most technicians: none)
        return False
    current = state.current.visit_id if state.current is not None else None
    return any(
        replan_due(
            rule,
            alerted.get(v.visit_id, False),
            v.visit_id == current,
            minute,
            replan_at.get(v.visit_id, -math.inf),
        )
        for v in chain
    )


def stale_anchor(
    state: TechState,
    minute: float,
    start: Position,
    chain: tuple[VisitTask, ...],
    params: BrainParams,
) -> tuple[float, float] | None:
    """Whether a due refresh (no event since the last one) can change anything: the new
    anchor (see :func:`anchor_of`) if so, else ``None``.

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
    arrive, sd = anchor = anchor_of(state, start, chain, params)
    if minute - state.refreshed_at >= params.eta_max_age_min or (
        _replan_due(state, minute, chain, params)
    ):
        return anchor
    ref_arrive, ref_sd = state.anchor
    drift = params.eta_drift_min
    if abs(arrive - ref_arrive) < drift and abs(sd - ref_sd) < drift:
        return None
    return anchor


def refresh(
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
            biased_estimate(
                state, v.visit_id, v, params
            )  # fills state.biased for every visit ahead
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
    now = tick.time
    current = state.current.visit_id if state.current is not None else None
    out: list[ev.Event] = []
    if params.defer_unreachable:
        kernel = params.travel.kernel  # the compiled twin where the travel model has one
        k = (
            first_unreachable(
                chain, etas, spec, params.travel, current, minute, params.defer_lead_min
            )
            if kernel is None or _UNREACHABLE is None
            else _UNREACHABLE(chain, etas, spec, kernel, current, minute, params.defer_lead_min)
        )
        if k is not None:
            # the ETAs from there on counted the visit that will not happen: the next
            # tick refreshes the chain without it
            out.append(_defer(state, now, chain[k]))
            chain, etas = chain[:k], etas[:k]
            state.dirty = True
    out.extend(_publish(state, params, tick, chain, etas, current))
    return out


def _publish(
    state: TechState,
    params: BrainParams,
    tick: Tick,
    chain: tuple[VisitTask, ...],
    etas: list[VisitEta],
    current: str | None,
) -> list[ev.Event]:
    """ETA updates past the hysteresis, delay alerts (with the customer's warning) and
    replan requests, as the delay rule (:mod:`twin.models.decisions.delay`) decides."""
    now, at, tid = tick.time, params.clock.at, state.tid
    hysteresis, threshold = params.eta_hysteresis_min, params.delay_rule.threshold
    last_eta, alerted_by = state.last_eta, state.alerted
    out: list[ev.Event] = []
    for v, e in zip(chain, etas, strict=True):
        vid = v.visit_id
        # a planned depot stop (kit.is_stop, inlined: once per visit ahead per refresh)
        if vid.startswith(DEPOT_PREFIX):  # it times the chain, nobody is told
            continue
        last = last_eta.get(vid)
        if last is None or abs(e.eta - last) >= hysteresis:
            last_eta[vid] = e.eta
            out.append(eta_updated(next_id(state), now, vid, tid, at(e.low), at(e.eta), at(e.high)))
        was = alerted_by.get(vid, False) if alerted_by else False
        if not was and e.p_late < threshold:
            continue  # the rule's quiet case: no alert, no replan, nothing to remember
        out.extend(_judged(state, params, tick, v, e, was, current))
    return out


def _judged(
    state: TechState,
    params: BrainParams,
    tick: Tick,
    v: VisitTask,
    e: VisitEta,
    was: bool,
    current: str | None,
) -> list[ev.Event]:
    """The delay rule for one visit that is alerted or at risk (``was``: alerted before):
    its alert with the customer's warning, and its replan request."""
    minute, now, at, vid = tick.minute, tick.time, params.clock.at, v.visit_id
    rule, alerted_by, replan_at = params.delay_rule, state.alerted, state.replan_at
    out: list[ev.Event] = []
    last_replan = replan_at.get(vid, -math.inf)
    d = judge_delay(rule, e.p_late, was, vid == current, minute, last_replan)
    if d.alerted != was:
        alerted_by[vid] = d.alerted
    if d.alert:
        out.append(
            ev.DelayDetected(
                id=next_id(state),
                time=now,
                visit_id=vid,
                technician_id=state.tid,
                probability=round(e.p_late, 4),
                eta=at(e.eta),
                window_end=at(v.window_end),
            )
        )
        if minute <= v.window_end:
            out.extend(notify(state, params, now, vid, "delay", e))
    if d.replan:
        replan_at[vid] = minute
        out.append(
            ev.ReplanRequested(
                id=next_id(state),
                time=now,
                reason=f"delay risk {e.p_late:.2f} for {vid}",
                visit_id=vid,
                technician_id=state.tid,
            )
        )
    return out


def _defer(state: TechState, now: datetime, visit: VisitTask) -> ev.Event:
    """Move ``visit`` to another day: it no longer fits the technician's day (the world
    cancels it for today, and the fleet step tells the customer when that comes back)."""
    state.deferred.add(visit.visit_id)
    return ev.VisitDeferred(
        id=next_id(state),
        time=now,
        visit_id=visit.visit_id,
        technician_id=state.tid,
        reason="moved to another day: no longer fits the technician's day",
    )
