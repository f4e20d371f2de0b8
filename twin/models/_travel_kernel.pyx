# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled leg times for :class:`twin.models.travel.TravelModel`.

The same arithmetic as the pure-Python methods of ``TravelModel`` (``leg``,
``minutes_for``, ``travel_min``), operation for operation, so that both give the same
bits (tested on random legs, departures across hour boundaries and incidents): distances
and the distance to the centre come from CPython's own ``math.hypot`` (the C library's
``hypot`` differs in the last bit for about 0.5 % of legs), the hour of a departure is
Python's float floor division, and nothing is reassociated (the extension is built with
``-ffp-contract=off``). Only the per-call cost differs: no Python frames, no leg cache
to look up, no tuples for the arithmetic. ``twin.models.travel`` falls back to the Python
methods, with a warning, when this module is missing or older than its source.
"""

from libc.math cimport floor, fmod
from math import hypot as _py_hypot

DEF MAX_ZONES = 32


cdef inline double _hypot(double x, double y):
    return _py_hypot(x, y)


cdef class LegKernel:
    """Ring zones, detour factor and hourly speeds of one city, as C arrays."""

    cdef double half, detour
    cdef int n_zones
    cdef double radii[MAX_ZONES]
    cdef double factors[MAX_ZONES]
    cdef double speeds[24]
    cdef tuple names

    def __init__(self, double half, double detour, radii, factors, names, speeds):
        if not 1 <= len(radii) <= MAX_ZONES or len(factors) != len(radii) or len(names) != len(radii):
            raise ValueError(f"LegKernel: 1 to {MAX_ZONES} zones with a radius, factor and name each")
        if len(speeds) != 24:
            raise ValueError(f"LegKernel: need 24 hourly speeds, got {len(speeds)}")
        self.half = half
        self.detour = detour
        self.n_zones = len(radii)
        for i in range(self.n_zones):
            self.radii[i] = radii[i]
            self.factors[i] = factors[i]
        for i in range(24):
            self.speeds[i] = speeds[i]
        self.names = tuple(names)

    cdef inline int _zone(self, double x, double y):
        cdef double r = _hypot(x - self.half, y - self.half)
        cdef int i
        for i in range(self.n_zones):
            if r <= self.radii[i]:
                return i
        return self.n_zones - 1

    cdef double _minutes(self, double dist, double depart, double factor):
        if dist <= 0:
            return 0.0
        cdef double t = depart, left = dist, kmh, to_boundary, reach, mod, div, whole
        cdef long hour
        while True:
            # int(t // 60) % 24, with Python's float floor division
            mod = fmod(t, 60.0)
            div = (t - mod) / 60.0
            if mod != 0.0 and mod < 0.0:
                div -= 1.0
            whole = floor(div)
            if div - whole > 0.5:
                whole += 1.0
            hour = (<long>whole) % 24
            if hour < 0:
                hour += 24
            kmh = self.speeds[hour] * factor
            to_boundary = 60.0 * (floor(t / 60) + 1) - t
            reach = kmh * to_boundary / 60.0
            if reach >= left:
                return t + left / kmh * 60.0 - depart
            left -= reach
            t += to_boundary

    cdef inline double _factor(self, int za, int zb, object incidents):
        cdef double f = 0.5 * (self.factors[za] + self.factors[zb])
        if incidents:
            return f * min(incidents.get(self.names[za], 1.0), incidents.get(self.names[zb], 1.0))
        return f

    cpdef double minutes_for(self, double distance_km, double depart_min, double factor):
        """See ``TravelModel.minutes_for``."""
        return self._minutes(distance_km, depart_min, factor)

    cpdef tuple leg(self, double ax, double ay, double bx, double by, object incidents=None):
        """See ``TravelModel.leg``."""
        cdef int za = self._zone(ax, ay), zb = self._zone(bx, by)
        return _hypot(ax - bx, ay - by) * self.detour, self._factor(za, zb, incidents)

    cpdef double travel_min(
        self, double ax, double ay, double bx, double by, double depart_min, object incidents=None
    ):
        """See ``TravelModel.travel_min``."""
        cdef int za = self._zone(ax, ay), zb = self._zone(bx, by)
        cdef double dist = _hypot(ax - bx, ay - by) * self.detour
        return self._minutes(dist, depart_min, self._factor(za, zb, incidents))
