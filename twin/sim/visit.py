"""A requested visit as the world knows it, and where customers live.

:class:`VisitSpec` holds everything drawn before the day about one visit (the site, the
job, the customer's windows and channel, and the uniform and normal draws behind its true
duration, travel noise, fix, absence, cancellation and rating), so that every policy meets
the same visit (common random numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from twin.config import City
from twin.models.routing.roads import on_roads


@dataclass(frozen=True, slots=True)
class VisitSpec:
    visit_id: str
    customer_id: str
    job_type: str
    skill: str
    priority: int
    x: float
    y: float
    channel: str
    request_min: float | None  # None: booked before the day
    preferred: tuple[float, float]
    available: tuple[float, float]
    notify_channel: str
    language: str
    customer_trait: tuple[float, float]
    site_factor: float
    z_duration: float
    z_travel: float
    u_fix: float
    u_home: float
    u_feedback: float
    z_rating: float
    cancel_min: float | None
    request_id: str | None = None  # an outside request's id (the booking API's), else None


def customer_site(rng: np.random.Generator, size: float) -> tuple[float, float]:
    """Customers cluster towards the centre (denser housing): a Gaussian blend with uniform."""
    c = size / 2
    if rng.random() < 0.6:
        x, y = rng.normal(c, size / 5, size=2)
    else:
        x, y = rng.uniform(0, size, size=2)
    return (
        round(float(np.clip(x, 0.2, size - 0.2)), 3),
        round(float(np.clip(y, 0.2, size - 0.2)), 3),
    )


def sites_on_roads(city: City, visits: Sequence[VisitSpec]) -> tuple[VisitSpec, ...]:
    """``visits`` with their sites moved onto ``city.roads`` (the same without roads)."""
    if city.roads is None:
        return tuple(visits)
    out = []
    for v in visits:
        x, y = on_roads(city, v.x, v.y)
        out.append(replace(v, x=x, y=y))
    return tuple(out)
