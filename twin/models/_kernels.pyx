# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled twins of the hottest loops: legs, ETA chains, insertion pricing, timelines.

* ``LegKernel``: the travel model's ``leg``, ``minutes_for`` and ``travel_min``
  (:class:`twin.models.travel.TravelModel`);
* ``route_etas``: :func:`twin.models.eta.route_etas`;
* ``priced_positions``: the insertion's push-forward pricing
  (``_priced_positions`` in :mod:`twin.models.routing.insertion`), and ``best_search``,
  the whole search over the candidates (``_searched`` there), which reads each candidate's
  compact row of ``CandidateRows`` (the compiled timeline cache);
* ``route_timeline``: :func:`twin.models.plan.route_timeline`;
* ``remaining_work``: :func:`twin.models.eta.chain.remaining_work`;
* ``first_unreachable``: :func:`twin.models.decisions.dayend.first_unreachable`;
* ``TickConfig``: the technician step's tick (``_on_tick`` of :mod:`twin.stream.technician`
  with the refresh of :mod:`twin.stream.refresh`), calling back into Python for what is rare.

The ETA chain's kernels are in ``_kernels_eta.pxi``, the tick in ``_kernels_tick.pxi``,
``PointGrid`` (the nearest points' ball, :mod:`twin.models.routing.nearest`) in
``_kernels_grid.pxi``, the candidates' rows in ``_kernels_rows.pxi`` and
``_kernels_candidates.pxi``, the insertion search in ``_kernels_search.pxi`` (included here:
one extension module).

Each does the same arithmetic as its pure-Python reference, operation for operation, so
that both give the same bits (tested on random inputs): distances and the distance to the
centre come from CPython's own ``math.hypot`` and the normal tail from its ``math.erfc``
(the C library's ``hypot`` differs in the last bit for about 0.5 % of legs), the hour of
a departure is Python's float floor division, and nothing is reassociated (the extension
is built with ``-ffp-contract=off``). Only the per-call cost differs: no Python frames,
no leg cache to look up, C doubles for the arithmetic. ``twin.models.routing.travel`` falls back
to the Python references, with a warning, when this module is missing or older than its
source.
"""

from bisect import bisect_right as _bisect_right
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport INFINITY, exp, fabs, floor, fmod, log, round as c_round, sqrt

try:  # what NormalDist().inv_cdf computes, without its Python frame (CPython's C helper)
    from _statistics import _normal_dist_inv_cdf as _c_inv_cdf

    def _inv_cdf(double p):
        return _c_inv_cdf(p, 0.0, 1.0)
except ImportError:  # another interpreter: the public method
    from statistics import NormalDist as _NormalDist

    _inv_cdf = _NormalDist().inv_cdf

DEF MAX_ZONES = 32
# hour segments a leg may span (twin.models.routing.travel.MAX_LEG_HOURS, tested equal)
cdef long _MAX_LEG_HOURS = 366 * 24
# a chain's depot stops: twin.models.routing.kit.DEPOT_PREFIX (tests hold them equal)
DEPOT_PREFIX = "depot:"
MAX_LEG_HOURS = _MAX_LEG_HOURS


def _leg_refused(name, value, allowed):
    return f"travel leg refused: {name} must be {allowed}, got {value!r}"


def _too_long(distance_km, depart_min, factor):
    return (
        f"travel leg refused: {distance_km!r} km from minute {depart_min!r} at speed factor "
        f"{factor!r} takes more than {_MAX_LEG_HOURS} hours"
    )


cdef inline double _hypot(double x, double y) noexcept nogil:
    return _hypot2(x, y)  # CPython's math.hypot, ported (_kernels_eta.pxi)


def hypot(double x, double y):
    """``_hypot``, for the tests that hold it equal to ``math.hypot``."""
    return _hypot(x, y)


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

    cdef double _minutes(self, double dist, double depart, double factor) except? -1:
        # refused before the loop, as in the reference: no value makes it endless
        if not dist < INFINITY:
            raise ValueError(_leg_refused("distance_km", dist, "a finite number of km"))
        if dist <= 0:
            return 0.0
        if not 0.0 < factor < INFINITY:
            raise ValueError(_leg_refused("factor", factor, "a finite number > 0"))
        if not -INFINITY < depart < INFINITY:
            raise ValueError(_leg_refused("depart_min", depart, "a finite minute"))
        cdef double t = depart, left = dist, kmh, to_boundary, reach, mod, div, whole
        cdef long hour, segment
        for segment in range(_MAX_LEG_HOURS):
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
        raise ValueError(_too_long(dist, depart, factor))

    cdef inline double _factor(self, int za, int zb, object incidents):
        cdef double f = 0.5 * (self.factors[za] + self.factors[zb])
        if incidents:
            return f * min(incidents.get(self.names[za], 1.0), incidents.get(self.names[zb], 1.0))
        return f

    cdef inline double _leg_minutes(
        self, double ax, double ay, double bx, double by, double t, object incidents,
        double* dist,
    ) except? -1:
        """Minutes from a to b leaving at ``t``; the leg's distance goes to ``dist``."""
        cdef int za = self._zone(ax, ay), zb = self._zone(bx, by)
        dist[0] = _hypot(ax - bx, ay - by) * self.detour
        return self._minutes(dist[0], t, self._factor(za, zb, incidents))

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
        cdef double dist
        return self._leg_minutes(ax, ay, bx, by, depart_min, incidents, &dist)


# A timeline's stops packed as C doubles (``Timeline.packed``), PACK slots per stop: what
# the insertion's pricing reads of a route, in one contiguous buffer instead of a visit
# looked up in the plan and two objects per stop (a larger company's plan is a larger
# working set: each object read missed the cache more often).
DEF PACK = 10
DEF P_X = 0
DEF P_Y = 1
DEF P_WS = 2
DEF P_WE = 3
DEF P_ARRIVE = 4
DEF P_START = 5
DEF P_END = 6
DEF P_TRAVEL = 7
DEF P_ZONE = 8
DEF P_DUR = 9  # the visit's own duration (an exact re-timing's, whatever the stop took)
PACKED_SLOTS = PACK


cdef inline double _leg_z(
    LegKernel kernel, int za, double ax, double ay, int zb, double bx, double by, double t,
    object incidents, double* dist,
) except? -1:
    """``_leg_minutes`` with the zones of both ends known: the same arithmetic."""
    dist[0] = _hypot(ax - bx, ay - by) * kernel.detour
    return kernel._minutes(dist[0], t, kernel._factor(za, zb, incidents))


cdef bytes _packed_of(LegKernel kernel, stops, rv):
    """The packed stops of a timeline built without them (by the Python reference)."""
    cdef Py_ssize_t n = len(stops), i
    cdef bytes packed = PyBytes_FromStringAndSize(NULL, n * PACK * sizeof(double))
    cdef double* p = <double*>PyBytes_AS_STRING(packed)
    for i in range(n):
        s, v = stops[i], rv[i]
        p[P_X], p[P_Y], p[P_WS], p[P_WE] = v.x, v.y, v.window_start, v.window_end
        p[P_ARRIVE], p[P_START], p[P_END], p[P_TRAVEL] = s.arrive, s.start, s.end, s.travel_min
        p[P_ZONE], p[P_DUR] = kernel._zone(p[P_X], p[P_Y]), v.duration_min
        p += PACK
    return packed


cdef struct _Walked:  # a walked route's totals (``Timeline``'s numbers)
    double end
    double distance_km
    double travel_min
    double late_min
    double overtime_min
    long n_late
    bint feasible


cdef int _walk(
    LegKernel kernel, tech, state, route, visits, double brk_len, double brk_after,
    object incidents, durations, double* p, list stops, stop_type, _Walked* w,
) except -1:
    """``route_timeline``'s walk: the packed stops to ``p`` (``len(route)`` of them), the
    totals to ``w``, and the stops as ``stop_type`` to ``stops`` unless it is None."""
    cdef double t = state.free_at, x = state.x, y = state.y
    cdef bint break_due = not state.break_taken and brk_len > 0
    cdef double break_at = tech.shift_start + brk_after
    cdef double dist_total = 0.0, travel_total = 0.0, late = 0.0
    cdef double vx, vy, ws, we, dist, tt, arrive, start, dur, own, end, home, t_home, over
    cdef long n_late = 0
    cdef int z = kernel._zone(x, y), zv
    for vid in route:
        v = visits[vid]
        if break_due and t >= break_at:
            t += brk_len
            break_due = False
        vx, vy = v.x, v.y
        zv = kernel._zone(vx, vy)
        tt = _leg_z(kernel, z, x, y, zv, vx, vy, t, incidents, &dist)
        arrive = t + tt
        ws, we = v.window_start, v.window_end
        start = ws if ws > arrive else arrive
        own = v.duration_min
        dur = durations[vid] if durations is not None and vid in durations else own
        end = start + dur
        if start > we:
            late += start - we
            n_late += 1
        if stops is not None:
            stops.append(tuple.__new__(stop_type, (vid, arrive, start, end, tt, dist)))
        p[P_X], p[P_Y], p[P_WS], p[P_WE] = vx, vy, ws, we
        p[P_ARRIVE], p[P_START], p[P_END], p[P_TRAVEL], p[P_ZONE] = arrive, start, end, tt, zv
        p[P_DUR] = own
        p += PACK
        dist_total += dist
        travel_total += tt
        t, x, y, z = end, vx, vy, zv
    if break_due and t > break_at:
        t += brk_len
    t_home = _leg_z(kernel, z, x, y, kernel._zone(tech.home_x, tech.home_y), tech.home_x,
                    tech.home_y, t, None, &home)
    end = t + t_home
    over = end - tech.shift_end
    w.end = end
    w.distance_km = dist_total + home
    w.travel_min = travel_total + t_home
    w.late_min = late
    w.n_late = n_late
    w.overtime_min = over if over > 0.0 else 0.0
    w.feasible = end <= tech.max_end and all(visits[v].skill in tech.skills for v in route)
    return 0


def route_timeline(
    tech,
    state,
    route,
    visits,
    LegKernel kernel,
    brk,
    incidents,
    durations,
    stop_type,
    timeline_type,
):
    """See :func:`twin.models.plan.route_timeline` (``stop_type``, a named tuple class, and
    ``timeline_type`` build the results); also packs the stops (``Timeline.packed``)."""
    cdef bytes packed = PyBytes_FromStringAndSize(NULL, len(route) * PACK * sizeof(double))
    cdef list stops = []
    cdef _Walked w
    _walk(
        kernel, tech, state, route, visits, brk.length_min, brk.after_min, incidents,
        durations, <double*>PyBytes_AS_STRING(packed), stops, stop_type, &w,
    )
    return timeline_type(
        stops=tuple(stops),
        end=w.end,
        distance_km=w.distance_km,
        travel_min=w.travel_min,
        late_min=w.late_min,
        n_late=w.n_late,
        overtime_min=w.overtime_min,
        feasible=w.feasible,
        packed=packed,
    )


include "_kernels_eta.pxi"
include "_kernels_tick.pxi"
include "_kernels_grid.pxi"
include "_kernels_rows.pxi"
include "_kernels_candidates.pxi"
include "_kernels_search.pxi"


# the exact re-timings of _kernels_search.pxi, for the tests that hold them equal to
# route_timeline of the new route
def retimed(spec, st, route, known, visit, Py_ssize_t pos, LegKernel kernel, brk, incidents):
    """What ``_retime`` gives (end, travel_min, late_min, overtime_min, n_late, feasible):
    for the tests that hold it equal to ``route_timeline`` of the new route."""
    cdef double res[5]
    cdef long n_late = _retime(
        kernel, spec, st, route, known, visit, pos, brk.length_min, brk.after_min, incidents, res
    )
    return res[0], res[1], res[2], res[3], n_late, res[4] != 0.0


def retimed_packed(spec, st, before, route, known, visit, Py_ssize_t pos, LegKernel kernel, brk,
                   incidents):
    """``retimed`` from ``before``'s packed stops (a visit new to the plan): the same six."""
    cdef double res[5]
    cdef _Row r
    if len(before.packed) != len(before.stops) * PACK * sizeof(double):
        raise ValueError("retimed_packed: before must carry its packed stops")
    packed = _row_of(kernel, spec, st, before, None, &r)
    cdef long n_late = _retime_packed(
        kernel, &r, visit, pos, brk.length_min, brk.after_min, incidents, res
    )
    ok = res[4] != 0.0 and _route_skills_ok(&r, route, known, visit)
    return res[0], res[1], res[2], res[3], n_late, ok
