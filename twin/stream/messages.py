"""Messages that flow between the brain's steps (besides the events of ``twin.events``).

All frozen: a step never mutates what it receives. ``Tick`` closes a minute of simulated
(or log) time; every technician key answers it with ``TickDone``, which is how the closed
loop knows that all decisions of a tick have been made (the barrier).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twin import events as ev
from twin.models.decisions.notify import VisitContact
from twin.models.duration.model import DurationEstimate
from twin.models.routing.mirror import Customer
from twin.models.routing.plan import VisitTask


@dataclass(frozen=True, slots=True)
class Tick:
    minute: float
    time: datetime


@dataclass(frozen=True, slots=True)
class Observed:
    """A world event forwarded to the collector (as opposed to a decision to emit)."""

    event: ev.Event


@dataclass(frozen=True, slots=True)
class TickFlush:
    """The barrier without the tick's work, for a technician who got something in the minute
    but no ``Tick`` (off shift, or their shift ended in it). They answer ``TickDone``, so the
    collector closes the minute only after their decisions too, whatever order the dataflow
    serves the keys in (a feedback message sent just before the shift ended once joined
    the next minute or not, depending on that order)."""

    minute: float


@dataclass(frozen=True, slots=True)
class TickSent:
    """The fleet step sent ``Tick(minute)`` or ``TickFlush(minute)`` to ``keys`` technicians."""

    minute: float
    keys: int


@dataclass(frozen=True, slots=True)
class TickDone:
    minute: float
    key: str


@dataclass(frozen=True, slots=True)
class TickClosed:
    """All decisions of ``minute`` have been emitted (what the closed loop waits for)."""

    minute: float


@dataclass(frozen=True, slots=True)
class RouteUpdate:
    """A technician's remaining visits, with everything the technician step needs."""

    visits: tuple[VisitTask, ...]
    estimates: Mapping[str, DurationEstimate]
    customers: Mapping[str, Customer]
    contacts: Mapping[str, VisitContact]  # what customers were told at booking (one cap)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    reason: str
    raw: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class OpsWindow:
    """Operational KPIs of one tumbling window of simulated time."""

    window_start: datetime
    window_end: datetime
    arrivals: int
    on_time: int
    punctuality_so_far: float
    open_alerts: int
    technicians_working: int
    technicians_on_shift: int

    @property
    def utilisation(self) -> float:
        return (
            self.technicians_working / self.technicians_on_shift
            if self.technicians_on_shift
            else 0.0
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "window_start": ev.format_time(self.window_start),
            "window_end": ev.format_time(self.window_end),
            "arrivals": self.arrivals,
            "on_time": self.on_time,
            "punctuality_so_far": self.punctuality_so_far,
            "open_alerts": self.open_alerts,
            "utilisation": self.utilisation,
        }


Decision = (
    ev.PlanPublished
    | ev.EtaUpdated
    | ev.DelayDetected
    | ev.ReplanRequested
    | ev.VisitDeferred
    | ev.CustomerNotified
)
DECISION_TYPES = (
    ev.PlanPublished,
    ev.EtaUpdated,
    ev.DelayDetected,
    ev.ReplanRequested,
    ev.VisitDeferred,
    ev.CustomerNotified,
)
