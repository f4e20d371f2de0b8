"""Static travel matrices for the solver, and a plain Euclidean travel model.

PyVRP needs one fixed integer matrix per routing profile; our :class:`TravelModel` is
time-dependent. The static matrix uses the *upper-quartile pace* (minutes per km) over the
departure times of the planning horizon, sampled every 15 minutes, divided by each leg's
zone/incident factor. The mean pace was tried first: it under-estimates the legs in the
rush hours (home legs at 16–18 h) and PyVRP's routes then overran the max end once
re-timed; the 75th percentile cut the re-timed plan cost by about a third on the
200-technician benchmark day. The planner then re-times the solver's routes with the true,
time-dependent model
(:mod:`twin.models.planner.evaluate`) and repairs what the static model got wrong.

:class:`EuclideanTravel` expresses the DIMACS convention of the Solomon benchmarks in the
same interface: distance = Euclidean distance truncated to one decimal, one distance unit
per minute, no zones, no time of day; with ``decimals=None`` the distance is exact
(untruncated). Its travel does not depend on the time of day, so the translation rounds
it conservatively (see :mod:`twin.models.planner.translate`) and a route the solver calls
on time is on time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from twin.config import City, Traffic
from twin.models.routing.roads import RoadTravelModel
from twin.models.routing.travel import NO_INCIDENTS, TravelModel


@dataclass(frozen=True, slots=True)
class EuclideanTravel(TravelModel):
    """Travel on a plain plane, one distance unit per minute: the Euclidean distance ``d``
    truncated to ``decimals`` (DIMACS: ``floor(10·d)/10``), or exact with ``None``."""

    city: City = field(default_factory=City)
    traffic: Traffic = field(default_factory=Traffic)
    decimals: int | None = 1

    def __post_init__(self) -> None:
        if self.decimals is not None and not 0 <= self.decimals <= 9:
            msg = f"EuclideanTravel.decimals must be None (exact) or 0-9, got {self.decimals!r}"
            raise ValueError(msg)
        TravelModel.__post_init__(self)  # slots: no zero-argument super()

    def __reduce__(self) -> Any:
        return (type(self), (self.city, self.traffic, self.decimals))

    def distance_km(self, ax: float, ay: float, bx: float, by: float) -> float:
        d = math.hypot(ax - bx, ay - by)
        if self.decimals is None:
            return d
        unit = 10.0**self.decimals
        return math.floor(unit * d) / unit

    def _leg(self, ax: float, ay: float, bx: float, by: float) -> tuple[float, float, str, str]:
        # ``TravelModel.leg`` and ``travel_min`` read this cache: without the override they
        # took the city's zone factors (legs up to 15 % faster than the solver's matrix)
        leg = self._leg_cache.get((ax, ay, bx, by))
        if leg is None:
            leg = (self.distance_km(ax, ay, bx, by), 1.0, "", "")
            self._leg_cache[(ax, ay, bx, by)] = leg
        return leg

    def leg_factor(
        self,
        ax: float,
        ay: float,
        bx: float,
        by: float,
        incidents: Mapping[str, float] = NO_INCIDENTS,
    ) -> float:
        return 1.0

    def minutes_for(self, distance_km: float, depart_min: float, factor: float) -> float:
        return distance_km / factor


def planning_pace(travel: TravelModel, start_min: float, end_min: float) -> float:
    """75th percentile of minutes per unit distance (factor 1) over departures in the horizon."""
    if end_min <= start_min:
        return travel.minutes_for(1.0, start_min, 1.0)
    times = np.arange(start_min, end_min + 1e-9, 15.0)
    return float(np.percentile([travel.minutes_for(1.0, float(t), 1.0) for t in times], 75))


def minutes_matrix(
    travel: TravelModel,
    xy: NDArray[np.float64],
    pace: float,
    incidents: Mapping[str, float] = NO_INCIDENTS,
) -> NDArray[np.float64]:
    """Static travel minutes between all points ``xy`` (n×2), vectorised.

    Mirrors ``travel.distance_km`` and ``travel.leg_factor``; a spot check against the
    scalar methods guards against the two drifting apart.
    """
    dx = xy[:, 0, None] - xy[None, :, 0]
    dy = xy[:, 1, None] - xy[None, :, 1]
    euclid = np.hypot(dx, dy)
    if isinstance(travel, EuclideanTravel):
        if travel.decimals is None:
            dist = euclid
        else:
            unit = 10.0**travel.decimals
            dist = np.floor(unit * euclid) / unit
        factor = np.ones_like(dist)
    elif isinstance(travel, RoadTravelModel):  # real roads: the legs themselves (cached)
        pts = [(float(x), float(y)) for x, y in xy]
        legs = np.array([[travel.leg(*a, *b, incidents) for b in pts] for a in pts])
        dist, factor = legs[..., 0].reshape(euclid.shape), legs[..., 1].reshape(euclid.shape)
    else:
        dist = euclid * travel.city.detour_factor
        zones = travel.city.zones
        zi = np.array([travel.zone_index(float(x), float(y)) for x, y in xy], dtype=int)
        sf = np.array([z.speed_factor for z in zones])[zi]
        inc = np.array([incidents.get(z.name, 1.0) for z in zones])[zi]
        factor = 0.5 * (sf[:, None] + sf[None, :]) * np.minimum(inc[:, None], inc[None, :])
    minutes = dist * pace / factor
    n = len(xy)
    for i, j in ((0, n - 1), (n // 2, n // 3), (n - 1, 0)):
        if n < 2:
            break
        ax, ay, bx, by = (float(v) for v in (*xy[i], *xy[j]))
        d = travel.distance_km(ax, ay, bx, by)
        f = travel.leg_factor(ax, ay, bx, by, incidents)
        if abs(d - dist[i, j]) > 1e-6 or abs(f - factor[i, j]) > 1e-9:
            msg = f"static matrix disagrees with {type(travel).__name__} at ({i}, {j})"
            raise RuntimeError(msg)
    return minutes
