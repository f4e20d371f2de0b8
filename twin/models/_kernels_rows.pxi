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

from cpython.ref cimport PyObject, Py_INCREF, Py_XDECREF
from libc.stdlib cimport free, realloc
from libc.string cimport memset


cdef struct _Row:
    # line 1: the look-up (what the timeline was walked from) and the pricing's start
    PyObject* base_st  # the state in a StatusAt's base it came from, or NULL
    PyObject* route
    PyObject* incidents  # the incidents' key (a sorted tuple of items)
    double* stops  # the route's packed stops, PACK doubles each
    double base_free_at
    double free_at  # of the state walked from (``base_st`` seen at some ``now``)
    double x
    double y
    # line 2: the pricing
    double home_x
    double home_y
    double shift_end
    double max_end
    double end
    double overtime_min
    int n_stops
    int z_home
    int base_available
    int break_taken
    # line 3: the exact checks
    int feasible
    int n_late
    double shift_start
    double travel_min
    double late_min
    PyObject* key_st  # the state the timeline was walked from
    PyObject* spec
    long version  # 0: never walked
    int cap
    int _pad


cdef struct _Cand:
    Py_ssize_t slot
    long version  # the row's when looked up
    int rank  # of the technician's id among the candidates' (the search's sort key)


cdef class Candidates


cdef inline void _hold(PyObject** field, object value):
    """``*field = value`` with a reference held (the old one let go)."""
    cdef PyObject* old = field[0]
    Py_INCREF(value)
    field[0] = <PyObject*>value
    Py_XDECREF(old)


cdef inline void _let_go(_Row* row):
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

    A row holds while the technician's state, route and the incidents are equal to those
    it was walked from, the rule of the Python cache; rows are given out by technician id
    at first sight and dropped when the technicians' mapping changes (another plan).
    """

    cdef _Row* _rows
    cdef Py_ssize_t _size, _cap
    cdef dict _slot
    cdef object _techs
    cdef object _inc
    cdef LegKernel _kernel
    cdef double _brk_len, _brk_after
    cdef long _versions
    cdef readonly long looked  # candidates looked up
    cdef readonly long walks  # of them, rows walked (a route changed or seen for the first time)

    def __cinit__(self, LegKernel kernel, brk):
        self._kernel = kernel
        self._brk_len = brk.length_min
        self._brk_after = brk.after_min
        self._rows = NULL
        self._size = self._cap = 0
        self._slot = {}
        self._techs = None
        self._inc = ()
        self._versions = 0
        self.walks = self.looked = 0

    def __dealloc__(self):
        self._drop()
        free(self._rows)

    cdef void _drop(self):
        cdef Py_ssize_t i
        for i in range(self._size):
            _let_go(&self._rows[i])
        self._size = 0
        self._slot = {}

    cdef Py_ssize_t _slot_of(self, tid) except -1:
        slot = self._slot.get(tid)
        if slot is not None:
            return slot
        cdef Py_ssize_t cap
        cdef _Row* grown
        if self._size == self._cap:
            cap = 64 if self._cap == 0 else 2 * self._cap
            grown = <_Row*>realloc(self._rows, cap * sizeof(_Row))
            if grown == NULL:
                raise MemoryError()
            self._rows, self._cap = grown, cap
        memset(&self._rows[self._size], 0, sizeof(_Row))
        self._slot[tid] = self._size
        self._size += 1
        return self._size - 1

    def lookup(self, state, tids, base, double now):
        """The rows of technicians ``tids`` for ``state`` (each walked anew unless it still
        holds), as :class:`Candidates`. ``base``: the states ``state.status`` adjusts to
        ``now`` (a ``StatusAt``'s), or None: a row whose state in ``base`` is the same
        object, and gives the same free time at ``now``, holds without the adjusted state
        being made."""
        techs = state.technicians
        if techs is not self._techs:
            self._drop()
            self._techs = techs
        inc = tuple(sorted(state.incidents.items()))
        if inc == self._inc:
            inc = self._inc  # the rows hold this very object: compared by identity
        else:
            self._inc = inc
        status, routes = state.status, state.routes
        cdef Candidates out = Candidates.__new__(Candidates)
        out._rows = self
        out.tids = list(tids)
        cdef Py_ssize_t i, slot, n = len(out.tids)
        out.of = <_Cand*>PyMem_Malloc((n if n else 1) * sizeof(_Cand))
        if out.of == NULL:
            raise MemoryError()
        cdef _Row* row
        self.looked += n
        for i in range(n):
            tid = out.tids[i]
            slot = self._slot_of(tid)
            row = &self._rows[slot]
            route = routes.get(tid, ())
            if not (row.version and self._holds(row, tid, status, base, now, route, inc)):
                self._walk(row, tid, state, route, inc, base)
            out.of[i].slot = slot
            out.of[i].version = row.version
            out.n = i + 1
        ranks = {t: r for r, t in enumerate(sorted(out.tids))}  # the sort key's id
        for i in range(n):
            out.of[i].rank = ranks[out.tids[i]]
        return out

    cdef bint _holds(
        self, _Row* row, tid, status, base, double now, route, inc
    ) except -1:
        """Whether the row's key equals (state, route, incidents) now, as the Python cache's
        tuple comparison tells (identity first)."""
        if route is not <object>row.route and not route == <object>row.route:
            return False
        if inc is not <object>row.incidents and not inc == <object>row.incidents:
            return False
        cdef double free_at
        if base is not None and <PyObject*>base[tid] == row.base_st:
            free_at = now if row.base_available and row.base_free_at < now else row.base_free_at
            if free_at == row.free_at:
                return True
        st = status[tid]
        return st is <object>row.key_st or st == <object>row.key_st

    cdef int _walk(self, _Row* row, tid, state, route, inc, base) except -1:
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
        if base is not None:
            held = base[tid]
            _hold(&row.base_st, held)
            row.base_free_at, row.base_available = held.free_at, held.available
        else:
            Py_XDECREF(row.base_st)
            row.base_st = NULL
        self._versions += 1
        row.version = self._versions
        self.walks += 1
        return 0

    def timeline(self, tid):
        """(end, travel_min, late_min, overtime_min, n_late, feasible, packed stops) of
        ``tid``'s row, for the tests that hold it equal to ``route_timeline``."""
        cdef _Row* row = &self._rows[self._slot[tid]]
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

    def __dealloc__(self):
        PyMem_Free(self.of)

    def __len__(self):
        return self.n

    def same(self, Candidates other):
        """The same technicians with the very same rows (none walked anew in between)."""
        if other is None or other._rows is not self._rows or other.n != self.n:
            return False
        cdef Py_ssize_t i
        for i in range(self.n):
            if other.of[i].slot != self.of[i].slot or other.of[i].version != self.of[i].version:
                return False
        return True

    cdef _Row* row(self, Py_ssize_t i) except NULL:
        """Row ``i``, checked to be the one looked up (not walked anew since)."""
        cdef _Row* row = &self._rows._rows[self.of[i].slot]
        if row.version != self.of[i].version:
            raise RuntimeError("best_search: a candidate's row changed since its look-up")
        return row
