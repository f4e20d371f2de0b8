"""What the info link shows of one visit, in the customer's local time: the served day's
visit live, a visit booked for a later working day as its date and window until its day
is served."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from twin import events as ev
from twin.app.live import LiveDay
from twin.clock import DayClock, hhmm
from twin.models.booking.windows import windows_within

OPEN = ("booked",)  # a customer can still move or cancel the visit
ARRIVING_MIN = 10.0  # "on the way" turns "arriving" this close to the expected arrival


def track_view(day: LiveDay, visit_id: str) -> dict[str, Any]:
    found = day.view(visit_id)
    if found is None:
        ahead = day.booked_ahead(visit_id)
        assert ahead is not None  # the caller checked the visit
        return ahead_view(day, ahead)
    view, spot = found
    clock = day.clock

    def local(t: datetime | None) -> str | None:
        return None if t is None else clock.local(t).strftime("%H:%M")

    now = day.now  # read without the day's lock: see LiveDay.view
    windows = windows_within(day.world.company.windows, (0.0, 24 * 60.0), now=now)
    eta = None
    status = view.status
    if view.eta is not None and view.status in ("booked", "on_the_way"):
        low, central, high = view.eta
        eta = {"low": local(low), "eta": local(central), "high": local(high)}
        if status == "on_the_way" and clock.minutes(central) - now <= ARRIVING_MIN:
            status = "arriving"
    return {
        "visit_id": view.visit_id,
        "status": status,
        "now": hhmm(now),
        "window": None
        if view.window is None
        else {"start": local(view.window[0]), "end": local(view.window[1])},
        "eta": eta,
        "warning": view.warning if view.status in ("booked", "on_the_way") else None,
        "site": {"x": view.x, "y": view.y},
        "technician": None
        if spot is None or view.status not in ("on_the_way", "on_site")
        else {"x": spot.x, "y": spot.y, "seen": local(spot.time)},
        "city_km": day.scenario.city.size_km,
        "can_change": view.status in OPEN,
        "windows": [f"{hhmm(a)}–{hhmm(b)}" for a, b in windows] if view.status in OPEN else [],
        "can_rate": view.status == "done" and view.rated is None,
        "rated": view.rated,
    }


def ahead_view(day: LiveDay, e: ev.VisitBookedAhead) -> dict[str, Any]:
    """A visit booked for a later working day: its local date and window, nothing live."""
    date = dt.date.fromisoformat(e.date)
    clock = DayClock(date, day.scenario.time_zone)
    now = day.now  # without the day's lock: see LiveDay.view
    return {
        "visit_id": e.visit_id,
        "status": "booked_ahead",
        "now": hhmm(now),
        "date": e.date,
        "booked_for": f"{date:%a} {date.day} {date:%b %Y}",  # e.g. Tue 24 Nov 2026
        "window": {
            "start": clock.local(e.window_start).strftime("%H:%M"),
            "end": clock.local(e.window_end).strftime("%H:%M"),
        },
        "eta": None,
        "warning": None,
        "site": {"x": e.x, "y": e.y},
        "technician": None,
        "city_km": day.scenario.city.size_km,
        "can_change": False,
        "windows": [],
        "can_rate": False,
        "rated": None,
    }
