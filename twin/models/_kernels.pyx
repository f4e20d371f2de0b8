# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled twins of the two hottest loops: leg times and the ETA chain.

* ``LegKernel``: the travel model's ``leg``, ``minutes_for`` and ``travel_min``
  (:class:`twin.models.travel.TravelModel`);
* ``route_etas``: :func:`twin.models.eta.route_etas`.

Each does the same arithmetic as its pure-Python reference, operation for operation, so
that both give the same bits (tested on random inputs): distances and the distance to the
centre come from CPython's own ``math.hypot`` and the normal tail from its ``math.erfc``
(the C library's ``hypot`` differs in the last bit for about 0.5 % of legs), the hour of
a departure is Python's float floor division, and nothing is reassociated (the extension
is built with ``-ffp-contract=off``). Only the per-call cost differs: no Python frames,
no leg cache to look up, C doubles for the arithmetic. ``twin.models.travel`` falls back
to the Python references, with a warning, when this module is missing or older than its
source.
"""

from bisect import bisect_right as _bisect_right
from libc.math cimport floor, fmod, sqrt
from math import erfc as _py_erfc, hypot as _py_hypot

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


def route_etas(
    start,
    route,
    estimates,
    LegKernel kernel,
    double travel_cv,
    brk,
    double break_at,
    incidents,
    calibration,
    double z90,
    visit_eta,
):
    """See :func:`twin.models.eta.route_etas` (``visit_eta`` builds each result)."""
    cdef double t = start.free_at, x = start.x, y = start.y
    cdef double var = start.sd * start.sd
    cdef double now = t if start.now is None else start.now
    cdef bint break_due = brk is not None and not start.break_taken and brk.length_min > 0
    cdef double brk_len = brk.length_min if brk is not None else 0.0
    cdef double floor2 = 0.0, absent = 0.0, absent_min = 0.0, present
    cdef double sqrt2 = sqrt(2.0)
    cdef double vx, vy, dist, factor, tt, arrive, noise, sd, ws, we, wait, start_t
    cdef double low, eta, high, s, carried, z, p_late, work, work_sd, mean, gap, d
    cdef int za, zb
    edges = bands = ()
    if calibration is not None:
        edges, bands = calibration.lead_edges_min, calibration.bands
        floor2 = calibration.sd_floor_min * calibration.sd_floor_min
        absent, absent_min = calibration.absent_share, calibration.absent_min
    present = 1.0 - absent
    get = estimates.get
    out = []
    for v in route:
        if break_due and t >= break_at:
            t += brk_len
            break_due = False
        vx, vy = v.x, v.y
        za, zb = kernel._zone(x, y), kernel._zone(vx, vy)
        dist = _hypot(x - vx, y - vy) * kernel.detour
        factor = kernel._factor(za, zb, incidents)
        tt = kernel._minutes(dist, t, factor)
        arrive = t + tt
        noise = travel_cv * tt
        var += noise * noise
        sd = sqrt(var)
        ws, we = v.window_start, v.window_end
        wait = ws - arrive
        start_t = ws if wait > 0 else arrive
        if calibration is None:
            s = z90 * sd
            low, eta, high = arrive - s, arrive, arrive + s
        else:
            s = sqrt(var + floor2)
            q_low, q_mid, q_high = bands[_bisect_right(edges, arrive - now)]
            low, eta, high = arrive + q_low * s, arrive + q_mid * s, arrive + q_high * s
        carried = sd - wait if wait > 0 else sd
        if carried > 0:
            z = (we - start_t) / carried
            p_late = 1.0 - 0.5 * <double>_py_erfc(-z / sqrt2)
        else:
            p_late = 1.0 if start_t > we else 0.0
        out.append(visit_eta(v.visit_id, low if low > now else now, eta, high, p_late))
        if wait > 0:
            var = carried * carried if carried > 0.0 else 0.0
        est = get(v.visit_id)
        if est is not None:
            work, work_sd, mean = est.p50, est.sd, est.mean
        else:
            d = v.duration_min
            work, work_sd, mean = d, 0.5 * d, d
        if absent > 0.0:
            gap = mean - absent_min
            work = present * work + absent * absent_min
            var += present * work_sd * work_sd + absent * present * gap * gap
        else:
            var += work_sd * work_sd
        t = start_t + work
        x, y = vx, vy
    return out
