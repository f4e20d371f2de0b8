"""The event schema: one frozen dataclass per event type, the world's and the brain's.

Every happening in the field (simulated or real) and every decision of the brain is one
frozen dataclass below. An event has an ``id`` (consumers are idempotent on it) and a
timezone-aware UTC ``time``. Coordinates are kilometres on the city's own plane (no map
projection). Their JSON form is :mod:`twin.events.codec`.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, Literal

SCHEMA_VERSION = 1

JobType = Literal["maintenance", "repair", "installation", "inspection", "emergency"]
JOB_TYPES: tuple[str, ...] = typing.get_args(JobType)
Channel = Literal["planned", "call_centre", "portal", "device"]
CHANNELS: tuple[str, ...] = typing.get_args(Channel)
NotifyChannel = Literal["sms", "email", "app", "phone"]
NOTIFY_CHANNELS: tuple[str, ...] = typing.get_args(NotifyChannel)
Language = Literal["de", "en"]
# "unfinished": work stopped at the legal end of the working day, a follow-up is needed
Outcome = Literal["fixed", "follow_up", "customer_absent", "unfinished"]
CancelledBy = Literal["customer", "company"]
# "rebooked": a period moved the visit to a later day and tells the customer the new date;
# "message": a dispatcher's own words to the customer (the trainee's desk)
NotificationKind = Literal[
    "confirmation", "on_the_way", "delay", "arrival", "feedback", "moved", "rebooked", "message"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of all events: an id and a timezone-aware UTC time."""

    TYPE: ClassVar[str] = ""
    id: str
    time: datetime

    def __post_init__(self) -> None:
        tz = self.time.tzinfo
        if tz is UTC:  # the clock's own times: the common case, checked by identity
            return
        if tz is None or self.time.utcoffset() != UTC.utcoffset(None):
            msg = f"{type(self).__name__}.time must be timezone-aware UTC, got {self.time!r}"
            raise ValueError(msg)


# ---------------------------------------------------------------- world: demand and booking
@dataclass(frozen=True, slots=True, kw_only=True)
class VisitRequested(Event):
    """A customer asks for a visit (call centre, portal, connected device, or planned earlier)."""

    TYPE: ClassVar[str] = "visit_requested"
    visit_id: str
    customer_id: str
    job_type: JobType
    skill: str
    priority: int
    channel: Channel
    x: float
    y: float
    available_from: datetime
    available_until: datetime
    notify_channel: NotifyChannel
    language: Language
    response_due: datetime | None = None
    # an outside request's id (the booking API's Idempotency-Key, or the served day's own
    # number): left out of the JSON when None, so simulated logs stay as they were
    request_id: str | None = None

    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"request_id"})


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitBooked(Event):
    """A promised window was agreed with the customer; ``technician_id`` is the planned one."""

    TYPE: ClassVar[str] = "visit_booked"
    visit_id: str
    window_start: datetime
    window_end: datetime
    technician_id: str | None
    expected_duration_min: float
    # an outside reschedule's request id and channel (the booking API's); left out of the
    # JSON when None (a booking by the world's own desk), so simulated logs stay as they were
    request_id: str | None = None
    channel: Channel | None = None

    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"request_id", "channel"})


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitBookedAhead(Event):
    """A visit booked for a later working day (``date``), in a window of that day, by the
    booking desk of the day it was asked on. It is not today's work (no route, no KPI of
    today); it carries the whole request, so the day it names can pick it up."""

    TYPE: ClassVar[str] = "visit_booked_ahead"
    visit_id: str
    customer_id: str
    job_type: JobType
    skill: str
    priority: int
    channel: Channel
    x: float
    y: float
    date: str  # the day booked, ISO (YYYY-MM-DD)
    window_start: datetime
    window_end: datetime
    # the technician of the tentative plan (not `technician_id`: no technician of today is
    # concerned); that day's planning decides
    tentative_technician_id: str | None
    expected_duration_min: float
    notify_channel: NotifyChannel
    language: Language
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitRejected(Event):
    """No window could be offered (no skill, no capacity); the reason says which."""

    TYPE: ClassVar[str] = "visit_rejected"
    visit_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitCancelled(Event):
    """A booked visit will not happen today: the customer cancelled it, or the company
    moved it to another day (``by="company"``, e.g. to make room for an emergency)."""

    TYPE: ClassVar[str] = "visit_cancelled"
    visit_id: str
    reason: str
    by: CancelledBy = "customer"
    # an outside cancellation's request id and channel (the booking API's, the info
    # link's); left out of the JSON when None, as on VisitBooked
    request_id: str | None = None
    channel: Channel | None = None

    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"request_id", "channel"})


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceAlert(Event):
    """A connected product reports a fault; a proactive visit request follows."""

    TYPE: ClassVar[str] = "device_alert"
    device_id: str
    customer_id: str
    fault_code: str


# ---------------------------------------------------------------- world: technicians
@dataclass(frozen=True, slots=True, kw_only=True)
class ShiftStarted(Event):
    TYPE: ClassVar[str] = "shift_started"
    technician_id: str
    x: float
    y: float
    planned_end: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ShiftEnded(Event):
    TYPE: ClassVar[str] = "shift_ended"
    technician_id: str
    x: float
    y: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Position(Event):
    """GPS ping."""

    TYPE: ClassVar[str] = "position"
    technician_id: str
    x: float
    y: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TravelStarted(Event):
    TYPE: ClassVar[str] = "travel_started"
    technician_id: str
    visit_id: str | None
    from_x: float
    from_y: float
    to_x: float
    to_y: float
    distance_km: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Arrived(Event):
    TYPE: ClassVar[str] = "arrived"
    technician_id: str
    visit_id: str | None
    x: float
    y: float


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkStarted(Event):
    TYPE: ClassVar[str] = "work_started"
    technician_id: str
    visit_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkFinished(Event):
    TYPE: ClassVar[str] = "work_finished"
    technician_id: str
    visit_id: str
    outcome: Outcome


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakStarted(Event):
    TYPE: ClassVar[str] = "break_started"
    technician_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakEnded(Event):
    TYPE: ClassVar[str] = "break_ended"
    technician_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TechnicianUnavailable(Event):
    """Sick call or breakdown: the technician does no further visits today."""

    TYPE: ClassVar[str] = "technician_unavailable"
    technician_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrafficChanged(Event):
    """Speeds in ``zone`` are multiplied by ``factor`` until ``until`` (1.0 = cleared)."""

    TYPE: ClassVar[str] = "traffic_changed"
    zone: str
    factor: float
    until: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackGiven(Event):
    TYPE: ClassVar[str] = "feedback_given"
    visit_id: str
    customer_id: str
    technician_id: str
    rating: int


# ---------------------------------------------------------------- brain: decisions
@dataclass(frozen=True, slots=True, kw_only=True)
class DepotStop:
    """A planned stop at a depot (tools picked up, parts refilled) just before the visit
    ``before``: where it is and how long the stop takes, so that a reader of the log alone
    (the brain's ETAs) can time the detour."""

    depot_id: str
    before: str
    x: float
    y: float
    service_min: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One technician's ordered visits in a published plan, and, for a company that pays by
    the hour, when the technician leaves home for them (``None``: as soon as free).

    ``depart_at`` came later: it is left out of the JSON when ``None`` (``OMIT_IF_NONE``),
    so older logs read unchanged and logs without late departures are byte-identical. So
    did ``stops``, the planned depot stops of a company with spare parts (``None``: the
    plan says nothing about them, as every plan without a ``[parts]`` section).
    """

    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"depart_at", "stops"})
    technician_id: str
    visit_ids: tuple[str, ...]
    depart_at: datetime | None = None
    stops: tuple[DepotStop, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanPublished(Event):
    """A new plan: technicians follow their route from their next free moment on."""

    TYPE: ClassVar[str] = "plan_published"
    version: int
    reason: str
    routes: tuple[Route, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class EtaUpdated(Event):
    TYPE: ClassVar[str] = "eta_updated"
    visit_id: str
    technician_id: str
    eta_low: datetime
    eta: datetime
    eta_high: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DelayDetected(Event):
    TYPE: ClassVar[str] = "delay_detected"
    visit_id: str
    technician_id: str
    probability: float
    eta: datetime
    window_end: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplanRequested(Event):
    TYPE: ClassVar[str] = "replan_requested"
    reason: str
    visit_id: str | None
    technician_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitDeferred(Event):
    """The brain moves a visit to another day (it no longer fits its technician's day);
    the world carries it out as a ``VisitCancelled`` with ``by="company"``."""

    TYPE: ClassVar[str] = "visit_deferred"
    visit_id: str
    technician_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerNotified(Event):
    TYPE: ClassVar[str] = "customer_notified"
    visit_id: str
    customer_id: str
    channel: NotifyChannel
    kind: NotificationKind
    language: Language
    text: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        VisitRequested,
        VisitBooked,
        VisitBookedAhead,
        VisitRejected,
        VisitCancelled,
        DeviceAlert,
        ShiftStarted,
        ShiftEnded,
        Position,
        TravelStarted,
        Arrived,
        WorkStarted,
        WorkFinished,
        BreakStarted,
        BreakEnded,
        TechnicianUnavailable,
        TrafficChanged,
        FeedbackGiven,
        PlanPublished,
        EtaUpdated,
        DelayDetected,
        ReplanRequested,
        VisitDeferred,
        CustomerNotified,
    )
}
WORLD_EVENT_TYPES = frozenset(
    t
    for t in EVENT_TYPES
    if t
    not in {
        "plan_published",
        "eta_updated",
        "delay_detected",
        "replan_requested",
        "visit_deferred",
        "customer_notified",
    }
)
