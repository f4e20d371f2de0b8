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
            row = self._row(at)
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
            row = self._row(at)
            self._take(out, at, row, state, base[tid] if base is not None else None, now, inc)
        return out._ranked()

    cdef _Row* _row(self, Py_ssize_t at) except NULL:
        """Row ``at``, holding the technician's id from its first use."""
        cdef _Row* row = &self._rows[at]
        if row.tid == NULL:
            _hold(&row.tid, self._tids[at])
        return row

    cdef void _stamp(self, _Row* row):
        """A new version for a row just walked (never 0: that means never walked)."""
        self._versions += 1
        if self._versions == 0:
            self._versions = 1
        row.version = self._versions

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
        self._stamp(row)
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
        self._stamp(row)
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
