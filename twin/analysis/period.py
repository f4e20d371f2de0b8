"""A period's bookkeeping and its KPIs: every request from its call to its end.

The period runner (:mod:`twin.app.period`) keeps one :class:`Request` per visit request
(new requests and the company's follow-up visits) and marks how it ended: ``done`` (the
work was carried out: fixed, or not fixed and a follow-up was booked), ``cancelled`` by the
customer, ``refused`` with a reason, or still ``pending`` when the period ends (booked for
a later day: the backlog). Nothing is lost: requests = done + cancelled + refused + pending
(:func:`period_kpis` checks it and says so in ``accounted``).

Terms: a *working day* is a day of ``period.working_days``; *time to service* is the
number of working days from the day of the request to the day the work was done (0: the
same day); a *fault* is a ``repair`` or ``emergency`` request; *fixed within one working
day*: a fault whose work was done with outcome ``fixed`` at most one working day after the
request. Day KPIs (:mod:`twin.analysis.kpi`) are summed over the days where they count and
re-derived where they are shares (punctuality over all attended visits of the period).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

RequestState = Literal["pending", "done", "cancelled", "refused"]
FAULTS = ("repair", "emergency")
# the period's headline KPIs as people read them: key, label, format
PERIOD_ROWS: tuple[tuple[str, str, str], ...] = (
    ("requests_in_period", "Requests in the period", "{:,d}"),
    ("done", "Done (all requests)", "{:,d}"),
    ("cancelled", "Cancelled by the customer", "{:,d}"),
    ("refused", "Refused (no room in the horizon)", "{:,d}"),
    ("pending", "Pending at the end (booked later)", "{:,d}"),
    ("overdue_end", "Overdue at the end (past their wish day)", "{:,d}"),
    ("rebooked", "Rebookings", "{:,d}"),
    ("follow_ups", "Follow-up visits booked", "{:,d}"),
    ("time_to_service_mean_days", "Time to service (working days, mean)", "{:.2f}"),
    ("time_to_service_p90_days", "Time to service (p90)", "{}"),
    ("faults_fixed_within_1_day", "Faults fixed within one working day", "{:.1%}"),
    ("punctuality", "On time (attended visits)", "{:.1%}"),
    ("early_share", "Begun early, the customer agreeing", "{:.1%}"),
    ("late_share", "Late (attended visits)", "{:.1%}"),
    ("missed_share", "Missed (booked visits)", "{:.1%}"),
    ("moved_share", "Moved by the company, with notice", "{:.1%}"),
    ("visits_per_technician_day", "Visits per technician-day", "{:.2f}"),
    ("driving_share", "Share of the shift driving", "{:.1%}"),
    ("waiting_share", "Share of the shift waiting (for a window or for work)", "{:.1%}"),
    ("work_hours_average_max", "Highest average working day (h)", "{:.2f}"),
    ("technicians_over_average", "Technicians over the 8-hour average", "{:,d}"),
    ("shifts_over_10h", "Shifts over 10 hours", "{:,d}"),
    ("work_hours_per_werktag_max", "Highest average per Werktag, Mon-Sat (h)", "{:.2f}"),
    ("cost_total_eur", "Total cost (EUR)", "{:,.0f}"),
)


@dataclass(slots=True)
class Request:
    visit_id: str
    job_type: str
    made_day: int  # period day of the call (negative: before the period)
    kind: Literal["new", "follow_up"]
    wish_day: int  # the day the customer asked for
    booked_day: int | None = None  # the day it is booked for now
    state: RequestState = "pending"
    done_day: int | None = None
    outcome: str = ""  # of the work, when done
    rebooked: int = 0  # times moved to a later day
    reasons: list[str] = field(default_factory=list)  # why it was moved or refused

    def to_dict(self) -> dict[str, Any]:
        return {
            "visit_id": self.visit_id,
            "job_type": self.job_type,
            "made_day": self.made_day,
            "kind": self.kind,
            "wish_day": self.wish_day,
            "booked_day": self.booked_day,
            "state": self.state,
            "done_day": self.done_day,
            "outcome": self.outcome,
            "rebooked": self.rebooked,
            "reasons": list(self.reasons),
        }


def _share(hits: float, n: float) -> float:
    return hits / n if n else 0.0


_SUMMED = (
    "visits_attended",
    "visits_late",
    "visits_booked_today",
    "visits_missed",
    "visits_deferred",
    "visits_completed",
    "travel_hours",
    "shift_hours",
    "overtime_hours",
    "work_hours",
    "travel_km",
    "cost_total_eur",
)


def _pooled(days: Sequence[Mapping[str, float]], break_hours: float) -> dict[str, float]:
    """The day KPIs of the whole period: counts and hours summed, shares re-derived."""
    tot: dict[str, float] = dict.fromkeys(_SUMMED, 0.0)
    for d in days:
        for k in _SUMMED:
            tot[k] += d.get(k, 0.0)

    def mean(k: str) -> float:
        return statistics.fmean(d.get(k, 0.0) for d in days) if days else 0.0

    early = sum(d.get("early_share", 0.0) * d.get("visits_attended", 0.0) for d in days)
    return {
        "punctuality": _share(
            tot["visits_attended"] - tot["visits_late"] - early, tot["visits_attended"]
        ),
        "early_share": _share(early, tot["visits_attended"]),
        "late_share": _share(tot["visits_late"], tot["visits_attended"]),
        "missed_share": _share(tot["visits_missed"], tot["visits_booked_today"]),
        "moved_share": _share(tot["visits_deferred"], tot["visits_booked_today"]),
        "driving_share": _share(tot["travel_hours"], tot["shift_hours"]),
        "utilisation": _share(tot["work_hours"], tot["shift_hours"]),
        # neither driving, working nor on a break: waiting for a window, or idle
        "waiting_share": _share(
            max(0.0, tot["shift_hours"] - tot["travel_hours"] - tot["work_hours"] - break_hours),
            tot["shift_hours"],
        ),
        "visits_completed": int(tot["visits_completed"]),
        "travel_km": tot["travel_km"],
        "overtime_hours": tot["overtime_hours"],
        "cost_total_eur": tot["cost_total_eur"],
        "customer_satisfaction_mean": mean("customer_satisfaction"),
        "employee_satisfaction_mean": mean("employee_satisfaction"),
        "days": len(days),
    }


def period_kpis(
    requests: Mapping[str, Request],
    days: Sequence[Mapping[str, float]],
    technician_days: int,
    work_minutes: Mapping[str, Sequence[float]],
    average_limit_min: float,
    backlog: Sequence[int],
    break_min: float = 0.0,
    werktage: int | None = None,
) -> dict[str, Any]:
    """The period's KPIs from its requests, its days' KPIs and its working time.

    ``work_minutes``: per technician, minutes worked on each day they worked;
    ``technician_days``: shifts worked in all (each with a break of ``break_min``);
    ``backlog``: requests overdue at each day's end (pending although the day they asked
    for has come); ``werktage``: the Working Hours Act's working days (Monday to Saturday)
    of the weeks the period covers (:func:`werktage`; default: the period's days).
    """
    reqs = list(requests.values())
    in_period = [r for r in reqs if r.made_day >= 0 and r.kind == "new"]
    states = Counter(r.state for r in reqs)
    done = [r for r in in_period if r.state == "done" and r.done_day is not None]
    tts = sorted(r.done_day - r.made_day for r in done if r.done_day is not None)
    faults = [r for r in in_period if r.job_type in FAULTS]
    fixed_fast = [
        r
        for r in faults
        if r.state == "done" and r.outcome == "fixed" and (r.done_day or 0) - r.made_day <= 1
    ]
    refused = Counter(r.reasons[-1] if r.reasons else "" for r in reqs if r.state == "refused")
    averages = {t: statistics.fmean(m) for t, m in work_minutes.items() if m}
    pooled = _pooled(days, technician_days * break_min / 60)
    out: dict[str, Any] = {
        "requests": len(reqs),
        "requests_in_period": len(in_period),
        "follow_ups": sum(1 for r in reqs if r.kind == "follow_up"),
        "done": states["done"],
        "cancelled": states["cancelled"],
        "refused": states["refused"],
        "pending": states["pending"],
        "accounted": states["done"] + states["cancelled"] + states["refused"] + states["pending"]
        == len(reqs),
        "refused_by_reason": dict(sorted(refused.items())),
        "rebooked": sum(r.rebooked for r in reqs),
        "requests_rebooked": sum(1 for r in reqs if r.rebooked),
        "time_to_service_mean_days": statistics.fmean(tts) if tts else 0.0,
        "time_to_service_p90_days": tts[int(0.9 * (len(tts) - 1))] if tts else 0,
        "faults_fixed_within_1_day": _share(len(fixed_fast), len(faults)),
        "overdue_end": backlog[-1] if backlog else 0,
        "overdue_by_day": list(backlog),
        "visits_per_technician_day": _share(pooled["visits_completed"], technician_days),
        "technician_days": technician_days,
        "work_hours_average_max": max(averages.values(), default=0.0) / 60,
        "technicians_over_average": sum(1 for a in averages.values() if a > average_limit_min),
        "shifts_over_10h": sum(1 for m in work_minutes.values() for x in m if x > 600),
        # ArbZG § 3: on average at most 8 hours per Werktag (Monday to Saturday)
        "work_hours_per_werktag_max": max((sum(m) for m in work_minutes.values()), default=0.0)
        / 60
        / (werktage or len(days) or 1),
    }
    out.update(pooled)
    return out


def werktage(first: dt.date, last: dt.date) -> int:
    """The Working Hours Act's working days (Monday to Saturday) from ``first`` to the
    Saturday that ends the week of ``last``: the weeks a period covers, whole."""
    end = last + dt.timedelta(days=(5 - last.weekday()) % 7)
    days = (end - first).days + 1
    return sum(1 for i in range(days) if (first + dt.timedelta(days=i)).weekday() < 6)
