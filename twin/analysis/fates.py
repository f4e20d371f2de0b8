"""How each visit requested in a day's log ended that day: the period's bookkeeping.

A period (:mod:`twin.app.period`) carries over what a day did not finish. It reads each
day's log once and asks, per visit requested that day, what became of it:

* ``fixed`` / ``follow_up`` / ``unfinished``: the visit was made (``follow_up``: not fixed
  first time; ``unfinished``: stopped at the legal end of the day; both need a new visit);
  ``customer_absent``: the technician came and nobody was home;
* ``cancelled``: by the customer (final);
* ``moved``: cancelled by the company for today (a deferral, an emergency's room);
* ``rejected``: no slot today, with the desk's reason;
* ``not_reached``: booked but never started (the day ran out); ``interrupted``: started,
  never finished (the technician fell ill on site, the day ended).

Every fate but ``fixed``, ``follow_up`` and ``cancelled`` asks for a later day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from twin.events import (
    Event,
    VisitBooked,
    VisitCancelled,
    VisitRejected,
    VisitRequested,
    WorkFinished,
    WorkStarted,
)

FateKind = Literal[
    "fixed",
    "follow_up",
    "unfinished",
    "customer_absent",
    "cancelled",
    "moved",
    "rejected",
    "not_reached",
    "interrupted",
]
DONE: frozenset[str] = frozenset({"fixed", "follow_up", "unfinished"})
FINAL: frozenset[str] = frozenset({"fixed", "follow_up", "unfinished", "cancelled"})


@dataclass(frozen=True, slots=True)
class Fate:
    visit_id: str
    kind: FateKind
    reason: str = ""
    technician_id: str | None = None  # who did the work, for a done visit

    @property
    def carries_over(self) -> bool:
        return self.kind not in FINAL


def visit_fates(events: Iterable[Event]) -> dict[str, Fate]:
    """The fate of every visit requested in ``events`` (one day's log), by visit id."""
    requested: list[str] = []
    booked: set[str] = set()
    started: set[str] = set()
    ended: dict[str, Fate] = {}
    for e in events:
        if isinstance(e, VisitRequested):
            if e.visit_id not in booked and e.visit_id not in ended:
                requested.append(e.visit_id)
        elif isinstance(e, VisitBooked):
            booked.add(e.visit_id)
        elif isinstance(e, WorkStarted):
            started.add(e.visit_id)
        elif isinstance(e, WorkFinished):
            ended.setdefault(e.visit_id, Fate(e.visit_id, e.outcome, "", e.technician_id))
        elif isinstance(e, VisitCancelled):
            kind: FateKind = "cancelled" if e.by == "customer" else "moved"
            ended.setdefault(e.visit_id, Fate(e.visit_id, kind, e.reason))
        elif isinstance(e, VisitRejected):
            ended.setdefault(e.visit_id, Fate(e.visit_id, "rejected", e.reason))
    out: dict[str, Fate] = {}
    for vid in dict.fromkeys(requested):
        if (fate := ended.get(vid)) is not None:
            out[vid] = fate
        elif vid in started:
            out[vid] = Fate(vid, "interrupted", "work not finished by the end of the day")
        else:
            out[vid] = Fate(vid, "not_reached", "not reached by the end of the day")
    return out
