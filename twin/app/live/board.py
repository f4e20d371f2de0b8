"""What a customer's info link shows: each visit's status, technician, window, ETA and
delay warning, and where each technician is, folded from the served day's log.

Statuses: ``booked`` → ``on_the_way`` (the technician set off to it) → ``on_site``
(arrived, working) → ``done``; or ``cancelled`` / ``rejected``. Only events are read, so
the board of a served day and of a replayed log are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from twin import events as ev


@dataclass(frozen=True, slots=True)
class VisitView:
    visit_id: str
    customer_id: str
    x: float
    y: float
    status: str = "requested"
    window: tuple[datetime, datetime] | None = None
    technician_id: str | None = None
    eta: tuple[datetime, datetime, datetime] | None = None  # low, central, high
    delayed_eta: datetime | None = None  # the brain's ETA when it last saw a delay
    warning: str | None = None  # the last delay message the customer was sent
    finished: datetime | None = None
    outcome: str | None = None
    rated: int | None = None


@dataclass(frozen=True, slots=True)
class Spot:
    x: float
    y: float
    time: datetime


class VisitBoard:
    """The live view of every visit and technician of the day (updated per event)."""

    def __init__(self) -> None:
        self.visits: dict[str, VisitView] = {}
        self.where: dict[str, Spot] = {}
        self.absences: list[ev.TechnicianUnavailable] = []  # in the order they came
        self.emergencies: list[str] = []  # visit ids, in the order they were requested
        self.ahead: dict[str, ev.VisitBookedAhead] = {}  # booked for a later day, by visit id

    def _update(self, vid: str, **changes: object) -> None:
        view = self.visits.get(vid)
        if view is not None:
            self.visits[vid] = replace(view, **changes)  # type: ignore[arg-type]

    def apply(self, events: Iterable[ev.Event]) -> None:
        for e in events:
            self._apply(e)

    def _apply(self, e: ev.Event) -> None:
        if isinstance(e, ev.Position | ev.Arrived | ev.ShiftStarted | ev.ShiftEnded):
            self.where[e.technician_id] = Spot(e.x, e.y, e.time)
        if isinstance(e, ev.VisitRequested):
            self.visits[e.visit_id] = VisitView(e.visit_id, e.customer_id, e.x, e.y)
            if e.job_type == "emergency":
                self.emergencies.append(e.visit_id)
        elif isinstance(e, ev.VisitBookedAhead):
            self.ahead[e.visit_id] = e
        elif isinstance(e, ev.TechnicianUnavailable):
            self.absences.append(e)
        elif isinstance(e, ev.VisitBooked):
            self._update(
                e.visit_id,
                status="booked",
                window=(e.window_start, e.window_end),
                technician_id=e.technician_id,
                eta=None,
                delayed_eta=None,
                warning=None,
            )
        elif isinstance(e, ev.VisitRejected):
            self._update(e.visit_id, status="rejected")
        elif isinstance(e, ev.VisitCancelled):
            self._update(e.visit_id, status="cancelled")
        elif isinstance(e, ev.PlanPublished):
            for route in e.routes:
                for vid in route.visit_ids:
                    self._update(vid, technician_id=route.technician_id)
        elif isinstance(e, ev.TravelStarted) and e.visit_id is not None:
            self._update(e.visit_id, status="on_the_way", technician_id=e.technician_id)
        elif isinstance(e, ev.Arrived) and e.visit_id is not None:
            self._update(e.visit_id, status="on_site")
        elif isinstance(e, ev.WorkFinished):
            self._update(e.visit_id, status="done", finished=e.time, outcome=e.outcome)
        elif isinstance(e, ev.EtaUpdated):
            self._update(e.visit_id, eta=(e.eta_low, e.eta, e.eta_high))
        elif isinstance(e, ev.DelayDetected):
            self._update(e.visit_id, delayed_eta=e.eta)
        elif isinstance(e, ev.CustomerNotified) and e.kind == "delay":
            self._update(e.visit_id, warning=e.text)
        elif isinstance(e, ev.FeedbackGiven):
            self._update(e.visit_id, rated=e.rating)
