"""Travel times on the city's plane: distance, detour factor, and time-of-day speeds by zone.

The city is a square with its centre at ``(size/2, size/2)``; zones are rings around the
centre. A leg's speed is the hour's base speed times the mean speed factor of the two end
zones, times the worst active incident factor of those zones. Travel time integrates that
speed across hour boundaries, so a leg that starts just before the evening peak slows down
when the peak begins (time-dependent travel, FIFO: leaving later never arrives earlier).

This is the *expected* travel time; the world adds its own hidden noise to each leg.

The hot methods (``leg``, ``minutes_for``, ``travel_min``: about 1.3 million calls in a
day at 1,000 technicians) have a compiled twin in :mod:`twin.models._kernels`, built by
the package's installation (``scripts/setup.sh``); a ``TravelModel`` binds them per
instance and keeps the compiled ``LegKernel`` for other kernels (the ETA chain). The
Python methods below are the reference: the twin gives the same bits (tested), and is
skipped with a warning when it is missing or older than its source.
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from math import floor
from pathlib import Path
from typing import Any

from twin.config import City, Traffic

NO_INCIDENTS: Mapping[str, float] = {}
KERNEL_SOURCE = Path(__file__).parents[1] / "_kernels.pyx"  # twin/models/, not routing/
# the files it includes (one extension module): a build older than any of them is stale
KERNEL_INCLUDES = (
    "_kernels_eta.pxi",
    "_kernels_tick.pxi",
    "_kernels_grid.pxi",
    "_kernels_rows.pxi",
    "_kernels_candidates.pxi",
    "_kernels_search.pxi",
)
INF = math.inf
MAX_LEG_HOURS = 366 * 24  # hour segments a leg may span: a year (the compiled twin's too)


def _leg_refused(name: str, value: float, allowed: str) -> str:
    return f"travel leg refused: {name} must be {allowed}, got {value!r}"


def _too_long(distance_km: float, depart_min: float, factor: float) -> str:
    return (
        f"travel leg refused: {distance_km!r} km from minute {depart_min!r} at speed factor "
        f"{factor!r} takes more than {MAX_LEG_HOURS} hours"
    )


def _load_kernels() -> Any:
    """The compiled module :mod:`twin.models._kernels`, or ``None`` (with a warning) if it
    is missing or was built before its source last changed."""
    try:
        kernel = importlib.import_module("twin.models._kernels")
    except ImportError:
        warnings.warn(
            "twin.models._kernels is not built: the hot loops use their slower Python "
            "references (run scripts/setup.sh)",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    built = Path(kernel.__file__ or "")
    sources = [KERNEL_SOURCE, *(KERNEL_SOURCE.with_name(name) for name in KERNEL_INCLUDES)]
    newer = [s for s in sources if s.exists() and s.stat().st_mtime > built.stat().st_mtime]
    if newer:
        warnings.warn(
            f"{built.name} is older than {newer[0].name}: the hot loops use their "
            "slower Python references until it is rebuilt (run scripts/setup.sh)",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return kernel


KERNELS = _load_kernels()


@dataclass(frozen=True)
class TravelModel:
    """Expected travel between two points at a departure time (minutes after midnight)."""

    city: City
    traffic: Traffic
    _zone_cache: dict[tuple[float, float], int] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # per leg (end points): distance, incident-free speed factor, the two zone names
    _leg_cache: dict[tuple[float, float, float, float], tuple[float, float, str, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # the hourly speeds as a tuple (the hot path reads them ~2 million times a day)
    _speeds: tuple[float, ...] = field(default=(), init=False, repr=False, compare=False)
    # the compiled twin (twin.models._kernels.LegKernel), None where it is not used
    kernel: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_speeds", tuple(self.traffic.speed_kmh_by_hour))
        if KERNELS is not None and type(self) is TravelModel:  # subclasses keep theirs
            zones = self.city.zones
            kernel = KERNELS.LegKernel(
                self.city.size_km / 2,
                self.city.detour_factor,
                [z.outer_radius_km for z in zones],
                [z.speed_factor for z in zones],
                [z.name for z in zones],
                self._speeds,
            )
            object.__setattr__(self, "kernel", kernel)
            for name in ("leg", "minutes_for", "travel_min"):
                object.__setattr__(self, name, getattr(kernel, name))

    @property
    def compiled(self) -> bool:
        """Whether this instance's hot methods are the compiled twins."""
        return self.kernel is not None

    def __reduce__(self) -> tuple[type[TravelModel], tuple[City, Traffic]]:
        # rebuilt on unpickling: caches and the compiled twins stay behind
        return (type(self), (self.city, self.traffic))

    @property
    def centre(self) -> tuple[float, float]:
        half = self.city.size_km / 2
        return (half, half)

    def zone_index(self, x: float, y: float) -> int:
        key = (x, y)
        cached = self._zone_cache.get(key)
        if cached is not None:
            return cached
        half = self.city.size_km / 2
        r = math.hypot(x - half, y - half)
        index = len(self.city.zones) - 1
        for i, zone in enumerate(self.city.zones):
            if r <= zone.outer_radius_km:
                index = i
                break
        if len(self._zone_cache) < 1_000_000:  # GPS points are many; bound the memory
            self._zone_cache[key] = index
        return index

    def zone_name(self, x: float, y: float) -> str:
        return self.city.zones[self.zone_index(x, y)].name

    def distance_km(self, ax: float, ay: float, bx: float, by: float) -> float:
        return math.hypot(ax - bx, ay - by) * self.city.detour_factor

    def leg_factor(
        self,
        ax: float,
        ay: float,
        bx: float,
        by: float,
        incidents: Mapping[str, float] = NO_INCIDENTS,
    ) -> float:
        """Speed multiplier of a leg: zone factors, and the worst incident on either end."""
        return self.leg(ax, ay, bx, by, incidents)[1]

    def minutes_for(self, distance_km: float, depart_min: float, factor: float) -> float:
        """Integrate the hourly speed profile over ``distance_km`` from ``depart_min``.

        Bounded by construction: a leg that is not finite, or driven at a factor that is
        not a positive number, is refused before it starts, and one that would take more
        than ``MAX_LEG_HOURS`` hour segments is refused when it gets there (ValueError).
        """
        if not distance_km < INF:  # NaN or infinite
            raise ValueError(_leg_refused("distance_km", distance_km, "a finite number of km"))
        if distance_km <= 0:
            return 0.0
        if not 0.0 < factor < INF:
            raise ValueError(_leg_refused("factor", factor, "a finite number > 0"))
        if not -INF < depart_min < INF:
            raise ValueError(_leg_refused("depart_min", depart_min, "a finite minute"))
        speeds = self._speeds
        t = depart_min
        left = distance_km
        for _ in range(MAX_LEG_HOURS):
            hour = int(t // 60) % 24
            kmh = speeds[hour] * factor
            to_boundary = 60.0 * (floor(t / 60) + 1) - t
            reach = kmh * to_boundary / 60.0
            if reach >= left:
                return t + left / kmh * 60.0 - depart_min
            left -= reach
            t += to_boundary
        raise ValueError(_too_long(distance_km, depart_min, factor))

    def _leg(self, ax: float, ay: float, bx: float, by: float) -> tuple[float, float, str, str]:
        """Distance, incident-free speed factor and the two zone names of a leg (cached)."""
        leg = self._leg_cache.get((ax, ay, bx, by))
        if leg is None:
            zones = self.city.zones
            za, zb = zones[self.zone_index(ax, ay)], zones[self.zone_index(bx, by)]
            leg = (
                self.distance_km(ax, ay, bx, by),
                0.5 * (za.speed_factor + zb.speed_factor),
                za.name,
                zb.name,
            )
            if len(self._leg_cache) >= 2_000_000:  # legs from GPS points are many
                self._leg_cache.clear()
            self._leg_cache[(ax, ay, bx, by)] = leg
        return leg

    def leg(
        self,
        ax: float,
        ay: float,
        bx: float,
        by: float,
        incidents: Mapping[str, float] = NO_INCIDENTS,
    ) -> tuple[float, float]:
        """The leg's distance (km) and speed factor: ``distance_km`` and ``leg_factor`` in
        one cached look-up."""
        leg = self._leg_cache.get((ax, ay, bx, by)) or self._leg(ax, ay, bx, by)
        if incidents:
            return leg[0], leg[1] * min(incidents.get(leg[2], 1.0), incidents.get(leg[3], 1.0))
        return leg[0], leg[1]

    def travel_min(
        self,
        ax: float,
        ay: float,
        bx: float,
        by: float,
        depart_min: float,
        incidents: Mapping[str, float] = NO_INCIDENTS,
    ) -> float:
        """Expected minutes from a to b leaving at ``depart_min`` (what ``leg_factor`` and
        ``minutes_for`` give; the leg's distance and zones are computed once per leg)."""
        dist, factor = self.leg(ax, ay, bx, by, incidents)
        return self.minutes_for(dist, depart_min, factor)
