# Included by _kernels.pyx (one extension module); reads _walk, _Walked and PACK from it.
#
# The insertion's candidates, one compact row per technician (``CandidateRows``): what
# pricing an insertion reads of a candidate (its place and free time, home, shift's end,
# the current route's timeline and packed stops), held in C by the dispatcher between
# bookings, with the objects the timeline was walked from (state, route, incidents) to
# tell whether it still holds. A look-up compares those by identity, so it reads three
# cache lines of the row and the route's packed stops, not the dozen objects a candidate
# is in Python (its id, state and floats, spec and floats, cached key and timeline):
# at 10,000 technicians each candidate is cold, and each object read was a trip to memory.

from cpython cimport array as carray
from cpython.ref cimport PyObject, Py_INCREF, Py_XDECREF
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memset


cdef struct _Row:
    # line 1: the look-up (what the timeline was walked from), availability, the stops
    PyObject* tid
    PyObject* base_st  # the state in a StatusAt's base it came from, or NULL
    PyObject* route
    PyObject* incidents  # the incidents' key (a sorted tuple of items)
    double* stops  # the route's packed stops, PACK doubles each
    unsigned int version  # 0: never walked
    int base_available
    double free_at  # of the state walked from (``base_st`` seen at some ``now``)
    double base_free_at
    # line 2: the pricing
    double x
    double y
    double home_x
    double home_y
    double shift_end
    double max_end
    double end
    double overtime_min
    # line 3: the pricing and the exact checks
    int n_stops
    int z_home
    int break_taken
    int feasible
    int n_late
    int cap
    double shift_start
    double travel_min
    double late_min
    PyObject* key_st  # the state the timeline was walked from
    PyObject* spec
    # line 4: a booking's insertion into this route, walked when the plan takes it
    PyObject* pending_route  # the route with the visit put in, or NULL
    PyObject* pending_visit
    Py_ssize_t pending_pos
    char _pad[40]


cdef struct _Cand:
    Py_ssize_t at  # the technician's position (the index's, the rows')
    unsigned int version  # the row's when looked up
    int rank  # of the technician's id among the candidates' (the search's sort key)


cdef class Candidates


cdef inline void _hold(PyObject** field, object value):
    """``*field = value`` with a reference held (the old one let go)."""
    cdef PyObject* old = field[0]
    Py_INCREF(value)
    field[0] = <PyObject*>value
    Py_XDECREF(old)


cdef inline void _forget_pending(_Row* row):
    Py_XDECREF(row.pending_route)
    Py_XDECREF(row.pending_visit)
    row.pending_route = row.pending_visit = NULL


cdef inline void _let_go(_Row* row):
    _forget_pending(row)
    Py_XDECREF(row.tid)
    Py_XDECREF(row.base_st)
    Py_XDECREF(row.route)
    Py_XDECREF(row.incidents)
    Py_XDECREF(row.key_st)
    Py_XDECREF(row.spec)
    free(row.stops)
    memset(row, 0, sizeof(_Row))


cdef int _walk_packed(
    LegKernel kernel, const _Row* r, visit, Py_ssize_t pos, double brk_len, double brk_after,
    object incidents, double* out, _Walked* w,
) except -1:
    """``_walk`` of the row's route with ``visit`` put in at ``pos`` (no durations given),
    the route's visits read from the row's packed stops: their places, windows and own
    durations are the numbers a walk reads of them. The new packed stops go to ``out``;
    ``w.feasible`` is only ``end <= max_end`` (the skills are the caller's)."""
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


cdef class CandidateRows:
    """Per technician, the timeline of the route last priced, as a C row (see the top of
    this file): the compiled ``TimelineCache`` of :mod:`twin.models.routing.insertion`.

    Rows are by technician position in a ``CandidateIndex`` (its rankings give positions,
    so a candidate is found without a dictionary), and dropped when another index is
    asked about (another plan's technicians). A row holds while the technician's state,
    route and the incidents are equal to those it was walked from, the rule of the Python
    cache.
    """

    cdef _Row* _rows
    cdef void* _block  # what was allocated (the rows start at the next cache line)
    cdef Py_ssize_t _n
    cdef object _index
    cdef list _tids
    cdef object _inc
    cdef LegKernel _kernel
    cdef double _brk_len, _brk_after
    cdef unsigned int _versions
    cdef readonly long looked  # candidates looked up
    cdef readonly long walks  # of them, rows walked (a route changed or seen for the first time)
    cdef readonly long primed  # rows walked from a noted booking's insertion (``prime``)

    def __cinit__(self, LegKernel kernel, brk):
        self._kernel = kernel
        self._brk_len = brk.length_min
        self._brk_after = brk.after_min
        self._rows = NULL
        self._block = NULL
        self._n = 0
        self._index = None
        self._tids = []
        self._inc = ()
        self._versions = 0
        self.walks = self.looked = self.primed = 0

    def __dealloc__(self):
        self._drop()

    cdef void _drop(self):
        cdef Py_ssize_t i
        for i in range(self._n):
            if self._rows[i].version or self._rows[i].tid != NULL:
                _let_go(&self._rows[i])
        free(self._block)
        self._rows, self._block, self._n = NULL, NULL, 0

    cdef object _begin(self, state, index):
        """Rows for ``index``'s technicians (those of another index dropped); returns the
        incidents' key, the very object the rows hold when it is equal."""
        cdef Py_ssize_t n
        if index is not self._index:
            self._drop()
            self._index = None
            n = len(index.tids)
            # zeroed by calloc (pages the system gives zeroed are not written), the rows
            # aligned to cache lines
            self._block = calloc(n * sizeof(_Row) + 64, 1)
            if self._block == NULL:
                raise MemoryError()
            self._rows = <_Row*>((<size_t>self._block + 63) & ~(<size_t>63))
            self._n = n
            self._index, self._tids = index, index.tids
        inc = tuple(sorted(state.incidents.items()))
        if inc == self._inc:
            return self._inc  # the rows hold this very object: compared by identity
        self._inc = inc
        return inc

    def pick(self, state, index, ranking, int k, base, double now):
        """Up to ``k`` available technicians of ``ranking`` (a ``Ranking`` of ``index``,
        or None: nobody), nearest first, with their rows walked anew unless they hold:
        :func:`twin.models.routing.candidates.CandidateIndex.nearest` and the rows of
        those it finds, in one pass. ``base``: the states ``state.status`` adjusts to
        ``now`` (a ``StatusAt``'s), or None (see ``_holds``)."""
        inc = self._begin(state, index)
        cdef Candidates out = Candidates.__new__(Candidates)
        out._start(self, k)
        if ranking is None:
            return out._ranked()
        avail = base if base is not None else state.status
        cdef carray.array done = ranking.done
        cdef Py_ssize_t i = 0, at
        cdef _Row* row
        cdef PyObject* tid
        while out.n < k:
            if i == len(done):
                if not ranking.more():
                    break
                done = ranking.done
                continue
            at = done.data.as_longs[i]
            i += 1
            if not 0 <= at < self._n:
                raise IndexError(f"pick: position {at} is not one of the index's")
            row = &self._rows[at]
            if row.tid == NULL:
                _hold(&row.tid, self._tids[at])
            st = avail[<object>row.tid]
            if row.version and <PyObject*>st == row.base_st:
                if not row.base_available:  # the same state as when walked: not available
                    continue
            elif not st.available:
                continue
            self._take(out, at, row, state, st if base is not None else None, now, inc)
        return out._ranked()

    def of(self, state, index, tids, base, double now):
        """The rows of technicians ``tids`` (by id, available or not), as ``pick`` gives
        them."""
        inc = self._begin(state, index)
        tids = list(tids)
        cdef Candidates out = Candidates.__new__(Candidates)
        out._start(self, len(tids))
        position = index.position
        cdef Py_ssize_t at
        cdef _Row* row
        for tid in tids:
            at = position[tid]
            row = &self._rows[at]
            if row.tid == NULL:
                _hold(&row.tid, self._tids[at])
            self._take(out, at, row, state, base[tid] if base is not None else None, now, inc)
        return out._ranked()

    cdef int _take(
        self, Candidates out, Py_ssize_t at, _Row* row, state, base_st, double now, inc
    ) except -1:
        """Put row ``at`` in ``out``, walked anew unless it holds."""
        tid = <object>row.tid
        route = state.routes.get(tid, ())
        self.looked += 1
        cdef bint same = False, booked = False
        if row.version:  # walked: it holds a route
            same = route is <object>row.route or route == <object>row.route
            booked = (
                not same and row.pending_route != NULL and route is <object>row.pending_route
                and state.visits.get((<object>row.pending_visit).visit_id)
                is <object>row.pending_visit
            )
        if not ((same or booked) and self._holds(row, tid, state.status, base_st, now, inc)):
            self._walk(row, tid, state, route, inc, base_st)
        elif booked:
            self._walk_booked(row, state)
        out.of[out.n].at = at
        out.of[out.n].version = row.version
        out.tids.append(tid)
        out.n += 1
        return 0

    cdef bint _holds(self, _Row* row, tid, status, base_st, double now, inc) except -1:
        """Whether the row's key but the route equals (state, incidents) now, as the Python
        cache's tuple comparison tells (identity first). ``base_st``: the technician's state
        in a ``StatusAt``'s base, or None: the row holds without the adjusted state being
        made when it is the state the row was walked from and gives the same free time at
        ``now``."""
        if inc is not <object>row.incidents and not inc == <object>row.incidents:
            return False
        cdef double free_at
        if base_st is not None and <PyObject*>base_st == row.base_st:
            free_at = now if row.base_available and row.base_free_at < now else row.base_free_at
            if free_at == row.free_at:
                return True
        st = status[tid]
        return st is <object>row.key_st or st == <object>row.key_st

    cdef int _walk(self, _Row* row, tid, state, route, inc, base_st) except -1:
        _forget_pending(row)
        spec, st = state.technicians[tid], state.status[tid]
        cdef int n = len(route)
        cdef double* grown
        if n > row.cap:
            grown = <double*>realloc(row.stops, n * PACK * sizeof(double))
            if grown == NULL:
                raise MemoryError()
            row.stops, row.cap = grown, n
        cdef _Walked w
        _walk(
            self._kernel, spec, st, route, state.visits, self._brk_len, self._brk_after,
            state.incidents, None, row.stops, None, None, &w,
        )
        row.n_stops = n
        row.x, row.y, row.free_at, row.break_taken = st.x, st.y, st.free_at, st.break_taken
        row.home_x, row.home_y = spec.home_x, spec.home_y
        row.shift_start, row.shift_end, row.max_end = spec.shift_start, spec.shift_end, spec.max_end
        row.z_home = self._kernel._zone(row.home_x, row.home_y)
        row.end, row.travel_min, row.late_min = w.end, w.travel_min, w.late_min
        row.overtime_min, row.n_late, row.feasible = w.overtime_min, w.n_late, w.feasible
        _hold(&row.key_st, st)
        _hold(&row.route, route)
        _hold(&row.incidents, inc)
        _hold(&row.spec, spec)
        if base_st is not None:
            _hold(&row.base_st, base_st)
            row.base_free_at, row.base_available = base_st.free_at, base_st.available
        else:
            Py_XDECREF(row.base_st)
            row.base_st = NULL
        self._versions += 1
        if self._versions == 0:  # wrapped: 0 means never walked
            self._versions = 1
        row.version = self._versions
        self.walks += 1
        return 0

    def prime(self, state, Candidates cands, tid, Py_ssize_t pos, visit, route):
        """Note a booking's insertion: ``route`` is the route of ``tid`` (one of ``cands``,
        as looked up for ``state``) with ``visit``, new to the plan, put in at ``pos``.
        When a later look-up finds the plan holding that very route (and ``visit`` as its
        visit), the row is walked from its packed stops, the same numbers as the plan's
        visits with the very arithmetic of a walk from them, instead of reading every visit
        of the route from the plan again; until then the row stays as it is (an offer
        looked at again finds it unchanged). Returns whether the insertion was noted."""
        cdef Py_ssize_t i, c = -1
        for i in range(cands.n):
            if cands.tids[i] == tid:
                c = i
                break
        if c < 0 or visit.visit_id in state.visits:
            return False  # not a candidate, or a visit the plan holds (it may be on the route)
        cdef _Row* row = cands.row(c)  # as looked up: it holds for this plan
        cdef Py_ssize_t n = row.n_stops
        if not 0 <= pos <= n or len(route) != n + 1 or route[pos] != visit.visit_id:
            raise ValueError(f"prime: {route!r} is not the route with the visit at {pos}")
        _hold(&row.pending_route, route)
        _hold(&row.pending_visit, visit)
        row.pending_pos = pos
        return True

    cdef int _walk_booked(self, _Row* row, state) except -1:
        """The row walked for its noted insertion (``prime``), which the plan now holds."""
        visit, pos = <object>row.pending_visit, row.pending_pos
        cdef Py_ssize_t n = row.n_stops
        cdef bint skills_ok = _route_skills_ok(row, <object>row.route, state.visits, visit)
        cdef double* p = <double*>malloc((n + 1) * PACK * sizeof(double))
        if p == NULL:
            raise MemoryError()
        cdef _Walked w
        try:
            _walk_packed(
                self._kernel, row, visit, pos, self._brk_len, self._brk_after, state.incidents,
                p, &w,
            )
        except BaseException:
            free(p)
            raise
        free(row.stops)
        row.stops, row.cap, row.n_stops = p, n + 1, n + 1
        row.end, row.travel_min, row.late_min = w.end, w.travel_min, w.late_min
        row.overtime_min, row.n_late = w.overtime_min, w.n_late
        row.feasible = w.end <= row.max_end and skills_ok
        _hold(&row.route, <object>row.pending_route)
        _forget_pending(row)
        self._versions += 1
        if self._versions == 0:
            self._versions = 1
        row.version = self._versions
        self.primed += 1
        return 0

    def timeline(self, tid):
        """(end, travel_min, late_min, overtime_min, n_late, feasible, packed stops) of
        ``tid``'s row, for the tests that hold it equal to ``route_timeline``."""
        cdef _Row* row = &self._rows[self._index.position[tid]]
        packed = PyBytes_FromStringAndSize(<char*>row.stops, row.n_stops * PACK * sizeof(double))
        return (
            row.end, row.travel_min, row.late_min, row.overtime_min, row.n_late,
            bool(row.feasible), packed,
        )


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
