# The ETA chain's kernels (included by _kernels.pyx): ``route_etas`` and its core
# ``_chain`` on C arrays (``_Etas``), ``remaining_work`` and ``first_unreachable`` with
# their cores, which the compiled tick (_kernels_tick.pxi) calls without Python objects
# in between. The same arithmetic as the Python references, operation for operation.


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
        vx, vy = v.x, v.y
        tt = kernel._leg_minutes(x, y, vx, vy, t, incidents, &dist)
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
        out.low[i], out.eta[i], out.high[i], out.p_late[i] = (
            low if low > now else now), eta, high, p_late
        i += 1
        if wait > 0:
            var = carried * carried if carried > 0.0 else 0.0
        est = (<dict>estimates).get(v.visit_id) if plain else get(v.visit_id)
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
    cdef double sigma = est.log_sigma, p50 = est.p50, a, b, x, tail, median, p10, p90, rest
    if elapsed <= 0 or sigma <= 0:
        a, b = p50 - elapsed, 0.15 * p50
        rest_out[0], sd_out[0] = (b if b > a else a), est.sd
        return 0
    x = (log(elapsed) - log(p50)) / sigma
    tail = 0.5 * <double>_py_erfc(x / sqrt(2.0))
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
        vid = v.visit_id
        if vid == skip or vid.startswith(DEPOT_PREFIX):  # a depot stop is judged by its visit
            continue
        low = lows[i]
        if low - now > lead_min:
            return -1  # the chain only gets later from here
        ws = v.window_start
        end = (ws if ws > low else low) + <double>v.duration_min
        if end > max_end:
            return i
        vx, vy = v.x, v.y
        if end + kernel._leg_minutes(vx, vy, home_x, home_y, end, None, &dist) > max_end:
            return i
    return -1
