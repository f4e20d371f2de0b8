"""What the brain knows of one technician: the state the technician step keeps per key.

What they are doing (driving, working, on a break, idle) and since when, where they are,
the visit under way and the route ahead with duration estimates, the traffic they meet,
an online correction of the duration model (a multiplicative bias in log space, learned
from this technician's finished visits), and the memory of what was published (last
ETAs, alerts, replan requests, customer contacts). Helpers here give the state's next
decision id, a visit's corrected estimate, and a customer message when the notification
policy allows one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from twin import events as ev
from twin.events.fast import customer_notified
from twin.models.decisions.notify import VisitContact, decide
from twin.models.eta.chain import (
    DurationEstimate,
    VisitEta,
)
from twin.models.routing.kit import is_stop
from twin.models.routing.mirror import Customer
from twin.models.routing.plan import VisitTask
from twin.stream.params import BrainParams

NO_CONTACT = VisitContact()  # a visit whose customer was told nothing yet (immutable: shared)


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
    id_prefix: str = field(init=False, repr=False, compare=False)  # of the decision ids

    def __post_init__(self) -> None:
        self.id_prefix = f"b{self.tid}-"


def new_tech(tid: str, params: BrainParams) -> TechState:
    spec = params.roster[tid]
    bias, seen = params.learned.get(tid, (0.0, 0))
    return TechState(tid=tid, x=spec.home_x, y=spec.home_y, log_bias=bias, finished=seen)


def learn_bias(
    log_bias: float, finished: int, actual_min: float, p50_min: float, memory: float
) -> tuple[float, int]:
    """Online correction: the log-bias moved toward this visit's log(actual / predicted),
    shrunk toward 0 until a few visits are seen (the model is unbiased on average)."""
    ratio = math.log(max(1.0, actual_min) / max(1.0, p50_min))
    finished += 1
    target = ratio * finished / (finished + 2)
    return max(-1.0, min(1.0, (1 - memory) * log_bias + memory * target)), finished


def next_id(state: TechState) -> str:
    """The state's next decision id: its prefix and a sequence number of at least six
    digits (``str.zfill`` writes what ``f"{seq:06d}"`` does for seq >= 0, in a third of
    the time)."""
    state.seq = seq = state.seq + 1
    return state.id_prefix + str(seq).zfill(6)


def biased_estimate(
    state: TechState, vid: str, task: VisitTask, params: BrainParams
) -> DurationEstimate:
    """The visit's duration estimate with the technician's online bias applied (memoised
    until the bias or the route's estimates change)."""
    cached = state.biased.get(vid)
    if cached is not None:
        return cached
    base = state.estimates.get(vid) or params.estimate(state.tid, task.job_type, task.duration_min)
    if state.log_bias != 0.0 and not is_stop(vid):  # a depot stop takes its minutes
        f = math.exp(state.log_bias)
        base = DurationEstimate(base.p10 * f, base.p50 * f, base.p90 * f, base.mean * f)
    state.biased[vid] = base
    return base


def notify(
    state: TechState,
    params: BrainParams,
    now: datetime,
    vid: str,
    kind: str,
    eta: VisitEta | None,
) -> list[ev.Event]:
    customer = state.customers.get(vid)
    if customer is None:
        return []
    contact = state.contacts.get(vid, NO_CONTACT)
    triple = (eta.low, eta.eta, eta.high) if eta is not None else None
    contact, msg = decide(
        params.notify,
        contact,
        kind,
        customer.language,
        visit_id=vid,
        eta=triple,
        link=params.link(vid),
    )
    state.contacts[vid] = contact
    if msg is None:
        return []
    return [
        customer_notified(
            next_id(state),
            now,
            vid,
            customer.customer_id,
            customer.notify_channel,  # type: ignore[arg-type]
            kind,  # type: ignore[arg-type]
            customer.language,  # type: ignore[arg-type]
            msg.text,
        )
    ]
