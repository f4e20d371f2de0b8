"""The period's book: every request, the visits booked for each coming day, and the rules
by which they are booked, rebooked and followed up.

A request for a later day is booked on the first day from the one it asks for that has
room (:mod:`twin.models.booking.horizon`); when the desk levels the days
(``period.later_windows = "levelled"``), a customer who takes the best-ranked offer gets
the emptiest window of the width they wished (:mod:`twin.models.booking.levelling`). After
each day, :meth:`Book.settle` closes what was done, rebooks what was not (the customer
keeps the window) and books the follow-up of a failed first-time fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from twin.analysis.fates import DONE, Fate
from twin.analysis.period import Request
from twin.config import Scenario
from twin.models.booking.horizon import Horizon, NoRoom
from twin.models.booking.levelling import DayLoads
from twin.models.booking.windows import offered_windows, windows_within
from twin.sim.arrivals import Arrival, follow_up, rebooked
from twin.sim.rng import keyed
from twin.sim.visit import VisitSpec


@dataclass(slots=True)
class Book:
    """The period's book: requests, the visits booked for each day, the horizon's room."""

    scenario: Scenario
    seed: int
    horizon: Horizon
    requests: dict[str, Request] = field(default_factory=dict)
    visits: dict[int, list[VisitSpec]] = field(default_factory=dict)
    notices: list[dict[str, Any]] = field(default_factory=list)
    loads: DayLoads | None = None  # the later days' slots, when the desk levels them

    def place(self, spec: VisitSpec, today: int, wish: int, rebooking: bool = False) -> int | None:
        """Book ``spec`` on the first day from ``wish`` with room; None: refused. A new
        request's customer may take the desk's levelled window (a rebooked visit keeps its
        window: its notice names it)."""
        req = self.requests[spec.visit_id]
        day = self.horizon.book(today, wish, rebooking)
        if isinstance(day, NoRoom):
            req.state, req.booked_day = "refused", None
            req.reasons.append(day.reason)
            return None
        req.booked_day = day
        if self.loads is not None:
            if not rebooking and self._takes_offer(spec.visit_id):
                options = windows_within(offered_windows(self.scenario), spec.available)
                spec = replace(spec, preferred=self.loads.best(day, spec.preferred, options))
            self.loads.add(day, spec.preferred)
        self.visits.setdefault(day, []).append(spec)
        return day

    def _takes_offer(self, vid: str) -> bool:
        u = keyed(self.seed, "choice", f"later/{vid}").random()
        return bool(u < self.scenario.demand.offer_acceptance)

    def arrive(self, a: Arrival) -> bool:
        """Take a new request; True when it is a call for today."""
        s, wish = a.spec, a.day + a.lead_days
        if wish < 0:
            return False  # asked for a day before the period: served before it began
        today = a.day if a.lead_days == 0 else None
        self.requests[s.visit_id] = Request(s.visit_id, s.job_type, a.day, "new", wish, today)
        if a.lead_days > 0:
            self.place(s, a.day, a.day + a.lead_days)
        return a.lead_days == 0

    def settle(self, k: int, fates: dict[str, Fate], specs: dict[str, VisitSpec]) -> None:
        """After day ``k``: close what ended, rebook what did not, book follow-ups."""
        p = self.scenario.period
        for vid, fate in fates.items():
            req = self.requests[vid]
            if fate.kind in DONE:
                req.state, req.done_day, req.outcome = "done", k, fate.kind
                if fate.kind in ("follow_up", "unfinished"):
                    nxt = follow_up(specs[vid], self.scenario, self.seed)
                    self.requests[nxt.visit_id] = Request(
                        nxt.visit_id, nxt.job_type, k, "follow_up", k + p.follow_up_days
                    )
                    self.place(nxt, k, k + p.follow_up_days, rebooking=True)
            elif fate.kind == "cancelled":
                req.state = "cancelled"
            else:
                req.rebooked += 1
                req.reasons.append(f"{fate.kind}: {fate.reason}")
                spec = rebooked(specs[vid], self.scenario, self.seed, req.rebooked)
                day = self.place(spec, k, k + 1, rebooking=True)
                self.notices.append(
                    {"day": k, "visit_id": vid, "new_day": day, "reason": req.reasons[-1]}
                )

    def overdue(self, k: int) -> int:
        """Requests still pending after day ``k`` although they asked for day ``k`` or
        earlier: the backlog (a request booked for its wish day later is not)."""
        return sum(1 for r in self.requests.values() if r.state == "pending" and r.wish_day <= k)
