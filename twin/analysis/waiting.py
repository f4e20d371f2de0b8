"""Where a day waits: technician time on shift that is neither driving, working nor a break.

A technician on shift who is not driving, at work or on a break is waiting: for a window
to open at the next site, or for work. Summed by local hour of the day, it shows the hole
a window grid can leave in a day (every technician early for the afternoon windows that
all open at 12:00) next to the slack at the day's ends. The period's KPIs carry it over
all days (``waiting_hours_by_hour``) and its report draws it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from twin.analysis.daylog import DayRead

Span = tuple[datetime, datetime]


def _gaps(shift: Span, busy: list[Span]) -> list[Span]:
    """The stretches of ``shift`` that no ``busy`` span covers."""
    out, t = [], shift[0]
    for a, b in sorted(busy):
        if a > t:
            out.append((t, min(a, shift[1])))
        t = max(t, b)
        if t >= shift[1]:
            break
    if t < shift[1]:
        out.append((t, shift[1]))
    return [(a, b) for a, b in out if b > a]


def _by_hour(span: Span, zone: ZoneInfo, into: dict[int, float]) -> None:
    a, b = span
    while a < b:
        local = a.astimezone(zone)
        top = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        cut = min(b, top.astimezone(a.tzinfo))
        into[local.hour] = into.get(local.hour, 0.0) + (cut - a).total_seconds() / 3600
        a = cut


def waiting_by_hour(day: DayRead, time_zone: str) -> dict[int, float]:
    """Technician-hours spent waiting in each local hour of the day (hours with none left
    out)."""
    zone = ZoneInfo(time_zone)
    busy: dict[str, list[Span]] = {}
    for act in day.activities:
        busy.setdefault(act.technician_id, []).append((act.start, act.end))
    out: dict[int, float] = {}
    ix = day.index
    for tech, started in ix.shifts.items():
        end = ix.shift_end.get(tech) or ix.last_seen.get(tech, started.time)
        for gap in _gaps((started.time, end), busy.get(tech, [])):
            _by_hour(gap, zone, out)
    return dict(sorted(out.items()))
