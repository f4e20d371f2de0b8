"""The day KPIs of a period pooled into one :class:`~twin.analysis.kpi.Kpis`.

A comparison of policies over a week (``twin compare --days N``, the cockpit) compares
arms by the same KPIs as a day, so a period's days are pooled into one set: counts,
hours, kilometres and costs are summed; a share or a mean is re-derived as the mean of the
days weighted by what it is a share or mean of (punctuality by attended visits, first-time
fix by completed visits, a rating by ratings, customer satisfaction by the day's visits,
employee satisfaction by shift hours); the 95th percentile of lateness is the largest of
the days' (a bound, as percentiles do not pool).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from twin.analysis.kpi import Kpis

# share or mean KPI -> the count or hours it is taken over
WEIGHTS: dict[str, str] = {
    "punctuality": "visits_attended",
    "late_share": "visits_attended",
    "early_share": "visits_attended",
    "lateness_mean_min": "visits_attended",
    "first_time_fix_rate": "visits_completed",
    "emergency_response_mean_min": "emergencies",
    "emergency_within_target": "emergencies",
    "utilisation": "shift_hours",
    "customer_satisfaction": "visits_booked_today",
    "rating_mean": "ratings",
    "employee_satisfaction": "shift_hours",
}
LARGEST = frozenset({"lateness_p95_min"})


def pool_kpis(days: Sequence[Kpis]) -> Kpis:
    """One set of KPIs for ``days`` (see the module's rules)."""
    if not days:
        raise ValueError("pool_kpis: a period needs at least one day")
    out: dict[str, float | int] = {}
    for f in fields(Kpis):
        values = [getattr(d, f.name) for d in days]
        if f.name in LARGEST:
            out[f.name] = max(values)
        elif f.name in WEIGHTS:
            weights = [float(getattr(d, WEIGHTS[f.name])) for d in days]
            total = sum(weights)
            out[f.name] = (
                sum(v * w for v, w in zip(values, weights, strict=True)) / total if total else 0.0
            )
        else:
            out[f.name] = sum(values)
    return Kpis(**out)  # type: ignore[arg-type]
