# Included by _kernels.pyx (one extension module), after _kernels_rows.pxi: the candidates
# one look-up of ``CandidateRows`` found (``Candidates``, what ``best_search`` reads), and
# the walk of a row's route with a booked visit put in, from the row's packed stops
# (``_walk_packed``, what ``CandidateRows`` does when the plan takes a noted insertion).


cdef int _walk_packed(
    LegKernel kernel, const _Row* r, visit, Py_ssize_t pos, double brk_len, double brk_after,
    object incidents, double* out, _Walked* w,
) except -1:
    """``_walk`` of the row's route with ``visit`` put in at ``pos`` (no durations given),
    the route's visits read from the row's packed stops: their places, windows and own
    durations are the numbers a walk reads of them. The new packed stops go to ``out``
    (unless it is NULL: an exact check's re-timing); ``w.feasible`` is only
    ``end <= max_end`` (the skills are the caller's)."""
    cdef const double* p = r.stops
    cdef Py_ssize_t n = r.n_stops, i
    cdef double t = r.free_at, x = r.x, y = r.y
    cdef bint break_due = not r.break_taken and brk_len > 0
    cdef double break_at = r.shift_start + brk_after
    cdef double travel_total = 0.0, late = 0.0, vx, vy, ws, we, dur, dist, tt, arrive, start
    cdef double end, t_home, home, over
    cdef double nx = visit.x, ny = visit.y, nws = visit.window_start, nwe = visit.window_end
    cdef double ndur = visit.duration_min
    cdef long n_late = 0
    cdef int z = kernel._zone(x, y), zv, nz = kernel._zone(nx, ny)
    cdef const double* q
    for i in range(n + 1):
        if i == pos:
            vx, vy, ws, we, dur, zv = nx, ny, nws, nwe, ndur, nz
        else:
            q = p + (i if i < pos else i - 1) * PACK
            vx, vy, ws, we, dur, zv = q[P_X], q[P_Y], q[P_WS], q[P_WE], q[P_DUR], <int>q[P_ZONE]
        if break_due and t >= break_at:
            t += brk_len
            break_due = False
        tt = _leg_z(kernel, z, x, y, zv, vx, vy, t, incidents, &dist)
        arrive = t + tt
        start = ws if ws > arrive else arrive
        end = start + dur
        if start > we:
            late += start - we
            n_late += 1
        if out != NULL:
            out[P_X], out[P_Y], out[P_WS], out[P_WE] = vx, vy, ws, we
            out[P_ARRIVE], out[P_START], out[P_END], out[P_TRAVEL] = arrive, start, end, tt
            out[P_ZONE], out[P_DUR] = zv, dur
            out += PACK
        travel_total += tt
        t, x, y, z = end, vx, vy, zv
    if break_due and t > break_at:
        t += brk_len
    t_home = _leg_z(kernel, z, x, y, r.z_home, r.home_x, r.home_y, t, None, &home)
    end = t + t_home
    over = end - r.shift_end
    w.end = end
    w.travel_min = travel_total + t_home
    w.late_min = late
    w.n_late = n_late
    w.overtime_min = over if over > 0.0 else 0.0
    w.feasible = end <= r.max_end
    return 0


cdef class Candidates:
    """The rows one look-up found: what ``best_search`` prices (in any window)."""

    cdef CandidateRows _rows
    cdef readonly list tids
    cdef Py_ssize_t n
    cdef _Cand* of

    def __cinit__(self):
        self.of = NULL
        self.n = 0
        self.tids = []

    def __dealloc__(self):
        PyMem_Free(self.of)

    cdef int _start(self, CandidateRows rows, Py_ssize_t k) except -1:
        self._rows = rows
        self.of = <_Cand*>PyMem_Malloc((k if k > 0 else 1) * sizeof(_Cand))
        if self.of == NULL:
            raise MemoryError()
        return 0

    cdef Candidates _ranked(self):
        """Each candidate's rank by id (the search's sort key), and self."""
        ranks = {t: r for r, t in enumerate(sorted(self.tids))}
        cdef Py_ssize_t i
        for i in range(self.n):
            self.of[i].rank = ranks[self.tids[i]]
        return self

    def __len__(self):
        return self.n

    def prime(self, state, tid, Py_ssize_t pos, visit, route):
        """``CandidateRows.prime`` of the rows these are of."""
        return self._rows.prime(state, self, tid, pos, visit, route)

    def same(self, Candidates other):
        """The same technicians with the very same rows (none walked anew in between)."""
        if other is None or other._rows is not self._rows or other.n != self.n:
            return False
        cdef Py_ssize_t i
        for i in range(self.n):
            if other.of[i].at != self.of[i].at or other.of[i].version != self.of[i].version:
                return False
        return True

    cdef _Row* row(self, Py_ssize_t i) except NULL:
        """Row ``i``, checked to be the one looked up (not walked anew since)."""
        cdef CandidateRows rows = self._rows
        cdef Py_ssize_t at = self.of[i].at
        if at >= rows._n or rows._rows[at].version != self.of[i].version:
            raise RuntimeError("best_search: a candidate's row changed since its look-up")
        return &rows._rows[at]
