"""The fleet as seen from the event log: a planner's ``PlanState`` rebuilt from events alone.

Production systems only see events (and the technician roster from master data); the
brain does the same, in every mode. ``FleetMirror.apply`` folds one event in;
``plan_state`` hands a read-only view to a dispatcher. Duplicate events are harmless
(every update is idempotent on the event's content).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from twin import events as ev
from twin.clock import DayClock
from twin.models.booking.desk import booked_task
from twin.models.routing.plan import PlanState, TechnicianSpec, TechnicianState, VisitTask


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    notify_channel: str
    language: str


@dataclass(slots=True)
class _Status:
    """Mutable inside the mirror; handed out as frozen ``TechnicianState``."""

    x: float
    y: float
    free_at: float
    available: bool = True
    break_taken: bool = False
    # its frozen state while busy or off shift (the same at any ``now``); None after a change
    made: TechnicianState | None = None


class _StatusView(Mapping[str, TechnicianState]):
    """Frozen ``TechnicianState``s of the mirror's technicians at ``now``, made on demand:
    nobody available is free before ``now``. The state of someone busy or off shift does
    not depend on ``now``: it is made once per change of their status, not once per view
    (a repair's search looks at the same technicians minute after minute)."""

    __slots__ = ("_made", "_now", "_status")

    def __init__(self, status: Mapping[str, _Status], now: float) -> None:
        self._status = status
        self._now = now
        self._made: dict[str, TechnicianState] = {}

    def __getitem__(self, tid: str) -> TechnicianState:
        made = self._made.get(tid)
        if made is None:
            s, now = self._status[tid], self._now
            if s.available and s.free_at < now:  # idle: free from now on
                made = TechnicianState(tid, s.x, s.y, now, True, s.break_taken)
            else:
                made = s.made
                if made is None:
                    made = s.made = TechnicianState(
                        tid, s.x, s.y, s.free_at, s.available, s.break_taken
                    )
            self._made[tid] = made
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._status)

    def __len__(self) -> int:
        return len(self._status)


class FleetMirror:
    def __init__(self, roster: Mapping[str, TechnicianSpec], clock: DayClock, break_min: float):
        self.roster = dict(roster)
        self.clock = clock
        self.break_min = break_min
        self.requests: dict[str, ev.VisitRequested] = {}
        self.tasks: dict[str, VisitTask] = {}
        self.routes: dict[str, tuple[str, ...]] = dict.fromkeys(roster, ())
        self.stops: dict[str, tuple[ev.DepotStop, ...]] = {}  # the plans' depot stops
        self.status: dict[str, _Status] = {
            t: _Status(s.home_x, s.home_y, s.shift_start) for t, s in roster.items()
        }
        self.committed: dict[str, str | None] = dict.fromkeys(roster)
        self._committed_visits: set[str] = set()  # the values of ``committed``, for look-ups
        self.assigned: dict[str, str] = {}
        self.done: set[str] = set()
        self.cancelled: set[str] = set()
        self.incidents: dict[str, float] = {}
        self.now = 0.0
        self.changed: set[str] = set()  # technicians whose route changed; readers clear it

    def minutes(self, t: datetime) -> float:
        return self.clock.minutes(t)

    def customer(self, visit_id: str) -> Customer | None:
        r = self.requests.get(visit_id)
        return None if r is None else Customer(r.customer_id, r.notify_channel, r.language)

    def _unroute(self, vid: str) -> None:
        tid = self.assigned.pop(vid, None)
        if tid is not None:
            self.routes[tid] = tuple(v for v in self.routes[tid] if v != vid)
            self.changed.add(tid)

    def _commit(self, tid: str, vid: str | None) -> None:
        old = self.committed.get(tid)
        if old is not None:
            self._committed_visits.discard(old)
        self.committed[tid] = vid
        if vid is not None:
            self._committed_visits.add(vid)

    def _set_status(self, tid: str, **changes: float | bool) -> None:
        st = self.status.get(tid)
        if st is not None:
            for k, v in changes.items():
                setattr(st, k, v)
            st.made = None

    def apply(self, e: ev.Event) -> None:
        now = self.minutes(e.time)
        if now > self.now:
            self.now = now
        if type(e) is ev.Position:
            if self.committed.get(e.technician_id) is None:
                st = self.status.get(e.technician_id)
                if st is not None:
                    st.x, st.y, st.made = e.x, e.y, None
        elif isinstance(e, ev.VisitRequested):
            self.requests[e.visit_id] = e
        elif isinstance(e, ev.VisitBooked):
            req = self.requests.get(e.visit_id)
            if req is None:
                return
            r = req
            self.tasks[e.visit_id] = booked_task(r, e, self.clock)
        elif isinstance(e, ev.VisitCancelled):
            self.cancelled.add(e.visit_id)
            self._unroute(e.visit_id)
        elif isinstance(e, ev.PlanPublished):
            for route in e.routes:
                tid = route.technician_id
                if tid not in self.routes:
                    continue
                for vid in self.routes[tid]:
                    self.assigned.pop(vid, None)
                keep = tuple(v for v in route.visit_ids if self.movable(v))
                for vid in keep:
                    self._unroute(vid)
                    self.assigned[vid] = tid
                self.routes[tid] = keep
                if route.stops is not None:  # None: a plan that says nothing about them
                    self.stops[tid] = route.stops
                self.changed.add(tid)
        elif isinstance(e, ev.TravelStarted):
            if e.visit_id is None:
                return
            self._unroute(e.visit_id)
            self._commit(e.technician_id, e.visit_id)
            task = self.tasks.get(e.visit_id)
            if task is not None:
                self._set_status(
                    e.technician_id, x=task.x, y=task.y, free_at=now + task.duration_min
                )
        elif isinstance(e, ev.WorkStarted):
            task = self.tasks.get(e.visit_id)
            if task is not None:
                self._set_status(e.technician_id, free_at=now + task.duration_min)
        elif isinstance(e, ev.WorkFinished):
            self.done.add(e.visit_id)
            if self.committed.get(e.technician_id) == e.visit_id:
                self._commit(e.technician_id, None)
            self._set_status(e.technician_id, free_at=now)
        elif isinstance(e, ev.Arrived) and e.visit_id is not None:
            if e.visit_id in self.cancelled:
                self._commit(e.technician_id, None)
                self.done.add(e.visit_id)
        elif isinstance(e, ev.BreakStarted):
            self._set_status(e.technician_id, free_at=now + self.break_min, break_taken=True)
        elif isinstance(e, ev.ShiftStarted):
            self._set_status(e.technician_id, x=e.x, y=e.y, free_at=now, available=True)
        elif isinstance(e, ev.ShiftEnded | ev.TechnicianUnavailable):
            self._set_status(e.technician_id, available=False)
        elif isinstance(e, ev.TrafficChanged):
            if e.factor >= 1.0:
                self.incidents.pop(e.zone, None)
            else:
                self.incidents[e.zone] = e.factor

    def movable(self, vid: str) -> bool:
        return (
            vid in self.tasks
            and vid not in self.done
            and vid not in self.cancelled
            and vid not in self._committed_visits
        )

    def plan_state(self, now: float) -> PlanState:
        """A view for a dispatcher at ``now``: valid until the next ``apply``.

        Technician states are built lazily, for the technicians the dispatcher looks at
        (a repair looks at a handful of 1,000).
        """
        return PlanState(
            now=now,
            technicians=self.roster,
            status=_StatusView(self.status, now),
            visits=MappingProxyType(self.tasks),
            routes=self.routes_view(),
            incidents=MappingProxyType(dict(self.incidents)),
        )

    def routes_view(self) -> Mapping[str, tuple[str, ...]]:
        """The routes, read-only and live, like the other parts of :meth:`plan_state` (a
        copy per published plan cost O(technicians): quadratic in the company's size)."""
        return MappingProxyType(self.routes)
