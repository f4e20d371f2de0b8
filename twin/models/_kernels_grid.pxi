# Included by _kernels.pyx (one extension module).
#
# ``PointGrid``: the compiled twin of the KD-tree's ball in
# :class:`twin.models.routing.nearest.NearestPoints`. Points are bucketed in square cells
# (a cell's points in index order, one array for all cells, their coordinates beside them
# in the same order: a ball reads its cells' points from consecutive memory, where reading
# them by index cost a 10,000-point grid a cache miss per point); a ball of radius ``r`` visits
# the cells that overlap its bounding square, widened by one cell against rounding, and
# measures every point there with the C library's ``hypot``, the function ``np.hypot``
# calls (tested equal on random points), so it keeps exactly the points the scan puts
# within ``r``. Sorted by (distance, index), as the scan's stable argsort orders them.
# The cost of a ball depends on the points near the query, not on how many there are.

from libc.math cimport hypot as _c_hypot
from libc.stdlib cimport qsort

ctypedef struct _Near:
    double d
    Py_ssize_t i


cdef int _by_distance_then_index(const void* a, const void* b) noexcept nogil:
    cdef const _Near* p = <const _Near*>a
    cdef const _Near* q = <const _Near*>b
    if p.d < q.d:
        return -1
    if p.d > q.d:
        return 1
    return (p.i > q.i) - (p.i < q.i)


cdef inline Py_ssize_t _cells(double span, double cell, Py_ssize_t most) noexcept:
    """Cells of size ``cell`` to cover ``span``, at most ``most`` (in doubles: a span of
    many cells overflows no integer)."""
    cdef double k = span / cell + 1.0
    return most if not k < most else <Py_ssize_t>k


cdef class PointGrid:
    """Points ``(xs[i], ys[i])`` in cells of side about ``cell`` (at most ``4 n + 4``
    cells); :meth:`ball` gives the points within a radius, nearest first."""

    cdef double min_x, min_y, cw, ch
    cdef Py_ssize_t n, nx, ny
    cdef Py_ssize_t* start  # cell c holds order[start[c]:start[c + 1]]
    cdef Py_ssize_t* order
    cdef double* xy  # point order[k] is at (xy[2 k], xy[2 k + 1])
    cdef _Near* found

    def __cinit__(self):
        self.xy = NULL
        self.start = self.order = NULL
        self.found = NULL

    def __init__(self, xs, ys, double cell):
        cdef Py_ssize_t n = len(xs), i, c, side
        if len(ys) != n:
            raise ValueError(f"PointGrid: xs and ys must have the same length, got {n} and {len(ys)}")
        if not 0.0 < cell < INFINITY:
            raise ValueError(f"PointGrid: cell must be a finite size > 0, got {cell!r}")
        self.n = n
        self.order = <Py_ssize_t*>PyMem_Malloc(max(n, 1) * sizeof(Py_ssize_t))
        self.xy = <double*>PyMem_Malloc(2 * max(n, 1) * sizeof(double))
        self.found = <_Near*>PyMem_Malloc(max(n, 1) * sizeof(_Near))
        # the points in index order, needed only here (the grid keeps them in cell order)
        cdef double* x = <double*>PyMem_Malloc(max(n, 1) * sizeof(double))
        cdef double* y = <double*>PyMem_Malloc(max(n, 1) * sizeof(double))
        cdef Py_ssize_t* fill = NULL
        cdef double lo_x, lo_y, hi_x, hi_y
        try:
            if x == NULL or y == NULL or self.order == NULL or self.xy == NULL or self.found == NULL:
                raise MemoryError()
            lo_x, lo_y, hi_x, hi_y = INFINITY, INFINITY, -INFINITY, -INFINITY
            for i in range(n):
                x[i], y[i] = xs[i], ys[i]
                if not (-INFINITY < x[i] < INFINITY and -INFINITY < y[i] < INFINITY):
                    raise ValueError(f"PointGrid: point {i} must be finite, got ({xs[i]!r}, {ys[i]!r})")
                lo_x, hi_x = min(lo_x, x[i]), max(hi_x, x[i])
                lo_y, hi_y = min(lo_y, y[i]), max(hi_y, y[i])
            if not n:
                lo_x = lo_y = hi_x = hi_y = 0.0
            # at most 2 sqrt(n) + 2 cells a side: a grid never outgrows its points
            side = 2 * <Py_ssize_t>sqrt(<double>n) + 2
            self.min_x, self.min_y = lo_x, lo_y
            self.nx = _cells(hi_x - lo_x, cell, side)
            self.ny = _cells(hi_y - lo_y, cell, side)
            self.cw = max(cell, (hi_x - lo_x) / self.nx)
            self.ch = max(cell, (hi_y - lo_y) / self.ny)
            self.start = <Py_ssize_t*>PyMem_Malloc((self.nx * self.ny + 1) * sizeof(Py_ssize_t))
            fill = <Py_ssize_t*>PyMem_Malloc((self.nx * self.ny + 1) * sizeof(Py_ssize_t))
            if self.start == NULL or fill == NULL:
                raise MemoryError()
            for c in range(self.nx * self.ny + 1):
                self.start[c] = 0
            for i in range(n):  # counting sort by cell, stable: index order within a cell
                self.start[self._cell(x[i], y[i]) + 1] += 1
            for c in range(self.nx * self.ny):
                self.start[c + 1] += self.start[c]
            for c in range(self.nx * self.ny):
                fill[c] = self.start[c]
            for i in range(n):
                c = self._cell(x[i], y[i])
                self.order[fill[c]] = i
                self.xy[2 * fill[c]] = x[i]
                self.xy[2 * fill[c] + 1] = y[i]
                fill[c] += 1
        finally:
            PyMem_Free(x)
            PyMem_Free(y)
            PyMem_Free(fill)

    def __dealloc__(self):
        PyMem_Free(self.start)
        PyMem_Free(self.order)
        PyMem_Free(self.xy)
        PyMem_Free(self.found)

    cdef inline Py_ssize_t _col(self, double x) noexcept:
        cdef double f = (x - self.min_x) / self.cw
        if f < 0.0:
            return 0
        if f >= self.nx:
            return self.nx - 1
        return <Py_ssize_t>f

    cdef inline Py_ssize_t _row(self, double y) noexcept:
        cdef double f = (y - self.min_y) / self.ch
        if f < 0.0:
            return 0
        if f >= self.ny:
            return self.ny - 1
        return <Py_ssize_t>f

    cdef inline Py_ssize_t _cell(self, double x, double y) noexcept:
        return self._row(y) * self.nx + self._col(x)

    def __len__(self):
        return self.n

    def ball(self, double x, double y, double r, Py_ssize_t given):
        """The indices within ``r`` of ``(x, y)`` (``np.hypot``'s distance), by distance
        then index, after the first ``given`` of them."""
        cdef Py_ssize_t c0 = max(self._col(x - r) - 1, 0), c1 = min(self._col(x + r) + 1, self.nx - 1)
        cdef Py_ssize_t r0 = max(self._row(y - r) - 1, 0), r1 = min(self._row(y + r) + 1, self.ny - 1)
        cdef Py_ssize_t row, col, k, m = 0
        cdef double d
        for row in range(r0, r1 + 1):
            for col in range(c0, c1 + 1):
                for k in range(self.start[row * self.nx + col], self.start[row * self.nx + col + 1]):
                    d = _c_hypot(self.xy[2 * k] - x, self.xy[2 * k + 1] - y)
                    if d <= r:
                        self.found[m].d = d
                        self.found[m].i = self.order[k]
                        m += 1
        qsort(self.found, m, sizeof(_Near), _by_distance_then_index)
        return [self.found[k].i for k in range(given, m)]
