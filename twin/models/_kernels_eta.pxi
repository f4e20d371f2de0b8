# The ETA chain's kernels (included by _kernels.pyx): ``route_etas`` and its core
# ``_chain`` on C arrays (``_Etas``), ``remaining_work`` and ``first_unreachable`` with
# their cores, which the compiled tick (_kernels_tick.pxi) calls without Python objects
# in between. The same arithmetic as the Python references, operation for operation.
#
# Also CPython's own ``math.hypot`` of two numbers and ``math.erfc`` as C: the legs'
# distances and the chain's normal tails called them through Python (a float boxed in, a
# float boxed out, 5 % of the technician step); the ports below give the same bits.

from cpython.bytes cimport PyBytes_GET_SIZE
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.ref cimport PyObject
from libc.math cimport NAN, erfc as _c_erfc, frexp, ldexp

cdef double _T27 = 134217729.0  # 2**27 + 1: the Veltkamp-Dekker split of a double


cdef inline void _sum2(double* csum, double* frac, double x) noexcept nogil:
    """``vector_norm``'s compensated addition of ``x`` (``csum``, from 1.0, stays the larger)."""
    cdef double old = csum[0]
    csum[0] = old + x
    frac[0] += (old - csum[0]) + x


cdef inline double _hypot2(double a, double b) noexcept nogil:
    """CPython 3.11's ``math.hypot(a, b)`` (``math_hypot_impl`` and ``vector_norm`` of
    Modules/mathmodule.c, its two-argument case), operation for operation: the same bits
    (tested on millions of pairs). Not the C library's ``hypot``, which differs in the last
    bit for about 0.5 % of legs."""
    cdef double mx = 0.0, x, t, hi, lo, h, scale, csum = 1.0
    cdef double frac1 = 0.0, frac2 = 0.0, frac3 = 0.0
    cdef double vec[2]
    cdef int max_e, i
    a, b = fabs(a), fabs(b)
    vec[0], vec[1] = a, b
    if a > mx:
        mx = a
    if b > mx:
        mx = b
    if mx == INFINITY:
        return mx
    if a != a or b != b:
        return NAN
    if mx == 0.0:
        return mx
    frexp(mx, &max_e)
    if max_e < -1023:  # ldexp(1.0, -max_e) would overflow: divide by the largest instead
        for i in range(2):
            x = vec[i] / mx
            _sum2(&csum, &frac1, x * x)
        return mx * sqrt(csum - 1.0 + frac1)
    scale = ldexp(1.0, -max_e)
    for i in range(2):
        x = vec[i] * scale  # lossless scaling
        t = x * _T27
        hi = t - (t - x)
        lo = x - hi
        _sum2(&csum, &frac1, hi * hi)
        _sum2(&csum, &frac2, 2.0 * hi * lo)
        frac3 += lo * lo
    h = sqrt(csum - 1.0 + (frac1 + frac2 + frac3))
    t = h * _T27
    hi = t - (t - h)
    lo = h - hi
    _sum2(&csum, &frac1, -hi * hi)
    _sum2(&csum, &frac2, -2.0 * hi * lo)
    _sum2(&csum, &frac3, -lo * lo)
    x = csum - 1.0 + (frac1 + frac2 + frac3)
    return (h + x / (2.0 * h)) / scale


def hypot_all(bytes xs, bytes ys):
    """``_hypot2`` of each pair of the packed doubles ``xs`` and ``ys``, packed (tests)."""
    cdef Py_ssize_t i, n = PyBytes_GET_SIZE(xs) // sizeof(double)
    if PyBytes_GET_SIZE(ys) != n * sizeof(double):
        raise ValueError(f"hypot_all: {n} x but {PyBytes_GET_SIZE(ys) // sizeof(double)} y")
    cdef bytes out = PyBytes_FromStringAndSize(NULL, n * sizeof(double))
    cdef const double* x = <const double*>PyBytes_AS_STRING(xs)
    cdef const double* y = <const double*>PyBytes_AS_STRING(ys)
    cdef double* r = <double*>PyBytes_AS_STRING(out)
    for i in range(n):
        r[i] = _hypot2(x[i], y[i])
    return out


def erfc_all(bytes xs):
    """The C library's ``erfc`` of each packed double (tests: CPython 3.11's ``math.erfc``
    is that function, which the chain called through Python)."""
    cdef Py_ssize_t i, n = PyBytes_GET_SIZE(xs) // sizeof(double)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, n * sizeof(double))
    cdef const double* x = <const double*>PyBytes_AS_STRING(xs)
    cdef double* r = <double*>PyBytes_AS_STRING(out)
    for i in range(n):
        r[i] = _c_erfc(x[i])
    return out


# The slots of the visits and estimates the tick reads per visit per refresh, read where
# they sit in the object (and those of the events it makes, written there): an attribute
# read from C paid the type's lookup of the name each time (a fifth of the technician
# step's samples at 10,000 technicians).
cdef extern from "structmember.h":
    ctypedef struct PyMemberDef:
        int type
        Py_ssize_t offset
        int flags
    int T_OBJECT_EX, READONLY

cdef extern from "Python.h":
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member

from types import MemberDescriptorType as _MemberDescr


cdef class _Slots:
    """Where the named fields of a slotted class sit in its objects, learned from the
    first object of that class read; objects of other classes, and emptied slots, go
    through ``getattr``, so the answers are always ``getattr``'s (frozen dataclasses with
    ``slots=True``: nothing rebinds their fields' descriptors)."""

    cdef object cls  # the class learned, or None
    cdef set refused  # classes with a field that is not a plain slot
    cdef tuple names
    cdef Py_ssize_t offsets[8]

    def __cinit__(self, tuple names):
        if not 0 < len(names) <= 8:
            raise ValueError(f"_Slots: 1 to 8 field names, got {names!r}")
        self.names, self.cls, self.refused = names, None, set()

    cdef bint learn(self, cls) except -1:
        """Whether ``cls``'s fields are plain slots read by the generic protocol (then
        their offsets are kept)."""
        cdef Py_ssize_t found[8]
        cdef PyMemberDescrObject* m
        if cls in self.refused:
            return False
        ok = cls.__getattribute__ is object.__getattribute__
        for i, name in enumerate(self.names):
            if not ok:
                break
            d = None
            for base in cls.__mro__:  # the type's own lookup order
                d = base.__dict__.get(name)
                if d is not None:
                    break
            ok = type(d) is _MemberDescr
            if ok:
                m = <PyMemberDescrObject*>d
                ok = m.d_member.type == T_OBJECT_EX and not m.d_member.flags & READONLY
                found[i] = m.d_member.offset
        if not ok:
            self.refused.add(cls)
            return False
        for i in range(len(self.names)):
            self.offsets[i] = found[i]
        self.cls = cls
        return True


cdef inline PyObject* _slot(_Slots s, obj, int i) except? NULL:
    """Field ``i`` of ``obj`` if it is a filled slot of the class learned (borrowed)."""
    cls = type(obj)
    if cls is not s.cls and not s.learn(cls):
        return NULL
    return (<PyObject**>((<char*><PyObject*>obj) + s.offsets[i]))[0]


cdef inline object _get(_Slots s, obj, int i):
    """``getattr(obj, s.names[i])``."""
    cdef PyObject* p = _slot(s, obj, i)
    return getattr(obj, s.names[i]) if p is NULL else <object>p


cdef inline double _getd(_Slots s, obj, int i) except? -1.0:
    """``getattr(obj, s.names[i])`` as a C double, as ``cdef double d = obj.name`` takes it."""
    cdef PyObject* p = _slot(s, obj, i)
    if p is NULL:
        return getattr(obj, s.names[i])
    if PyFloat_CheckExact(<object>p):
        return PyFloat_AS_DOUBLE(<object>p)
    return <object>p


cdef enum:
    _ID, _X, _Y, _WS, _WE, _DUR  # VisitTask
    _P50 = 0, _SD, _MEAN, _SIGMA  # DurationEstimate

cdef _Slots _VISIT = _Slots(("visit_id", "x", "y", "window_start", "window_end", "duration_min"))
cdef _Slots _EST = _Slots(("p50", "sd", "mean", "log_sigma"))


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
    """See :func:`twin.models.eta.route_etas` (``visit_eta``, a named tuple class, holds
    each result)."""
    cdef double t = start.free_at
    cdef double now = t if start.now is None else start.now
    cdef bint break_due = brk is not None and not start.break_taken and brk.length_min > 0
    cdef _Etas etas = _Etas(len(route))
    _chain(
        etas, start.x, start.y, t, start.sd, now, break_due,
        brk.length_min if brk is not None else 0.0, break_at, route, estimates, kernel,
        travel_cv, incidents, calibration, z90,
    )
    return [
        # the named tuple's own ``__new__`` is a Python frame around ``tuple.__new__``
        tuple.__new__(visit_eta, (
            v.visit_id, etas.low[i], etas.eta[i], etas.high[i], etas.p_late[i]
        ))
        for i, v in enumerate(route)
    ]


cdef class _Etas:
    """The ETA chain's results as C arrays: low (clipped at now), central, high, p_late."""

    cdef double* low
    cdef double* eta
    cdef double* high
    cdef double* p_late
    cdef Py_ssize_t n

    def __cinit__(self, Py_ssize_t n):
        self.n = n
        self.low = <double*>PyMem_Malloc(4 * (n if n > 0 else 1) * sizeof(double))
        if self.low is NULL:
            raise MemoryError()
        self.eta, self.high, self.p_late = self.low + n, self.low + 2 * n, self.low + 3 * n

    def __dealloc__(self):
        PyMem_Free(self.low)


cdef int _chain(
    _Etas out,
    double x,
    double y,
    double t,
    double sd0,
    double now,
    bint break_due,
    double brk_len,
    double break_at,
    route,
    estimates,
    LegKernel kernel,
    double travel_cv,
    incidents,
    calibration,
    double z90,
) except -1:
    """The chain of :func:`route_etas` from a start given as numbers, into ``out``."""
    cdef double var = sd0 * sd0
    cdef double floor2 = 0.0, absent = 0.0, absent_min = 0.0, present
    cdef double sqrt2 = sqrt(2.0)
    cdef double vx, vy, dist, tt, arrive, noise, sd, ws, we, wait, start_t
    cdef double low, eta, high, s, carried, z, p_late, work, work_sd, mean, gap, d
    cdef Py_ssize_t i = 0
    edges = bands = ()
    if calibration is not None:
        edges, bands = calibration.lead_edges_min, calibration.bands
        floor2 = calibration.sd_floor_min * calibration.sd_floor_min
        absent, absent_min = calibration.absent_share, calibration.absent_min
    present = 1.0 - absent
    plain = type(estimates) is dict
    get = None if plain else estimates.get
    for v in route:
        if break_due and t >= break_at:
            t += brk_len
            break_due = False
        vx, vy = _getd(_VISIT, v, _X), _getd(_VISIT, v, _Y)
        tt = kernel._leg_minutes(x, y, vx, vy, t, incidents, &dist)
        arrive = t + tt
        noise = travel_cv * tt
        var += noise * noise
        sd = sqrt(var)
        ws, we = _getd(_VISIT, v, _WS), _getd(_VISIT, v, _WE)
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
            p_late = 1.0 - 0.5 * _c_erfc(-z / sqrt2)
        else:
            p_late = 1.0 if start_t > we else 0.0
        out.low[i], out.eta[i], out.high[i], out.p_late[i] = (
            low if low > now else now), eta, high, p_late
        i += 1
        if wait > 0:
            var = carried * carried if carried > 0.0 else 0.0
        vid = _get(_VISIT, v, _ID)
        est = (<dict>estimates).get(vid) if plain else get(vid)
        if est is not None:
            work, work_sd, mean = _getd(_EST, est, _P50), _getd(_EST, est, _SD), _getd(_EST, est, _MEAN)
        else:
            d = _getd(_VISIT, v, _DUR)
            work, work_sd, mean = d, 0.5 * d, d
        if absent > 0.0:
            gap = mean - absent_min
            work = present * work + absent * absent_min
            var += present * work_sd * work_sd + absent * present * gap * gap
        else:
            var += work_sd * work_sd
        t = start_t + work
        x, y = vx, vy
    return 0


def remaining_work(est, double elapsed, double z90, double tail_min):
    """See :func:`twin.models.eta.chain.remaining_work` (``z90`` and ``tail_min``: its
    ``Z90`` and ``REMAINING_TAIL_MIN``)."""
    cdef double rest, sd
    _remaining(est, elapsed, z90, tail_min, &rest, &sd)
    return rest, sd


cdef int _remaining(
    est, double elapsed, double z90, double tail_min, double* rest_out, double* sd_out
) except -1:
    """:func:`remaining_work` into ``rest_out`` and ``sd_out``."""
    cdef double sigma = _getd(_EST, est, _SIGMA), p50 = _getd(_EST, est, _P50)
    cdef double a, b, x, tail, median, p10, p90, rest
    if elapsed <= 0 or sigma <= 0:
        a, b = p50 - elapsed, 0.15 * p50
        rest_out[0], sd_out[0] = (b if b > a else a), _getd(_EST, est, _SD)
        return 0
    x = (log(elapsed) - log(p50)) / sigma
    tail = 0.5 * _c_erfc(x / sqrt(2.0))
    if tail < tail_min:
        tail = tail_min
    median = p50 * exp(-sigma * <double>_inv_cdf(tail * 0.5))
    p10 = p50 * exp(-sigma * <double>_inv_cdf(tail * 0.9))
    p90 = p50 * exp(-sigma * <double>_inv_cdf(tail * 0.1))
    rest = median - elapsed
    rest_out[0], sd_out[0] = (rest if rest > 0.0 else 0.0), (p90 - p10) / (2 * z90)
    return 0


def first_unreachable(
    chain, etas, spec, LegKernel kernel, skip=None, double now=-INFINITY,
    double lead_min=INFINITY,
):
    """See :func:`twin.models.decisions.dayend.first_unreachable`."""
    cdef Py_ssize_t i, n = len(chain)
    if len(etas) != n:
        raise ValueError(f"first_unreachable: {n} visits but {len(etas)} ETAs")
    cdef _Etas lows = _Etas(n)
    for i in range(n):
        lows.low[i] = etas[i].low
    i = _unreachable(chain, lows.low, n, spec, kernel, skip, now, lead_min)
    return None if i < 0 else i


cdef Py_ssize_t _unreachable(
    chain, double* lows, Py_ssize_t n, spec, LegKernel kernel, skip, double now,
    double lead_min,
) except -2:
    """:func:`first_unreachable` on the ETAs' early ends ``lows``: the index, or -1."""
    cdef Py_ssize_t i
    cdef double max_end = spec.max_end, home_x = spec.home_x, home_y = spec.home_y
    cdef double low, ws, end, vx, vy, dist
    for i in range(n):
        v = chain[i]
        vid = _get(_VISIT, v, _ID)
        if vid == skip or vid.startswith(DEPOT_PREFIX):  # a depot stop is judged by its visit
            continue
        low = lows[i]
        if low - now > lead_min:
            return -1  # the chain only gets later from here
        ws = _getd(_VISIT, v, _WS)
        end = (ws if ws > low else low) + _getd(_VISIT, v, _DUR)
        if end > max_end:
            return i
        vx, vy = _getd(_VISIT, v, _X), _getd(_VISIT, v, _Y)
        if end + kernel._leg_minutes(vx, vy, home_x, home_y, end, None, &dist) > max_end:
            return i
    return -1
