"""Nearest points in the order of a full scan, without the scan.

The reference is a scan: ``np.hypot`` from the query to every point, then a *stable*
argsort, so that equal distances keep the points' own order. That costs O(n) per query,
and a company asks it for every booking. :class:`NearestPoints` gives the very same
sequence in O(log n) per point given out: a KD-tree (``scipy.spatial.cKDTree``) proposes
the ``m`` nearest candidates; their distances are recomputed with ``np.hypot``, exactly as
the scan computes them, and sorted by (distance, index), the order of a stable argsort.
The tree measures with another formula (a square root of a sum of squares), which may
differ from ``hypot`` in the last bits, so only the candidates that are nearer than
every point the tree left out, by a safe margin, are given out; when more are wanted,
``m`` doubles. Ties, repeated points and all-equal distances are therefore ordered by
index, as the scan orders them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from scipy.spatial import cKDTree

SCAN_UP_TO = 256
"""Up to this many points a scan is cheaper than the tree (a tree query costs ~25 µs in
scipy's wrapper, a scan of 256 points about as much): the scan itself is then the answer."""
MARGIN = 1e-9
"""Relative margin between the tree's distances and ``np.hypot``'s (they differ by a few
units in the last place, about 1e-16): a candidate is given out only if it is nearer than
the tree's farthest candidate by this much, so no point outside can come before it."""


class NearestPoints:
    """Points ``(xs[i], ys[i])``, ranked by distance from a query in a full scan's order."""

    __slots__ = ("_first", "_n", "_scan_up_to", "_tree", "_x", "_y")

    def __init__(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        first: int = 16,
        scan_up_to: int = SCAN_UP_TO,
    ) -> None:
        if len(xs) != len(ys):
            msg = f"xs and ys must have the same length, got {len(xs)} and {len(ys)}"
            raise ValueError(msg)
        if first < 1:
            msg = f"first (candidates of the first query) must be >= 1, got {first!r}"
            raise ValueError(msg)
        self._x = np.asarray(xs, dtype=float)
        self._y = np.asarray(ys, dtype=float)
        self._n = len(self._x)
        self._first = first
        self._scan_up_to = scan_up_to
        big = self._n > scan_up_to
        self._tree = cKDTree(np.column_stack((self._x, self._y))) if big else None

    def __len__(self) -> int:
        return self._n

    def scan(self, x: float, y: float) -> list[int]:
        """Every index, nearest first: the reference scan (O(n); for tests and checks)."""
        d = np.hypot(self._x - x, self._y - y)
        order: list[int] = np.argsort(d, kind="stable").tolist()
        return order

    def batches(self, x: float, y: float) -> Iterator[list[int]]:
        """Successive runs of :meth:`scan`'s order from ``(x, y)``, from the tree: their
        concatenation is exactly ``scan(x, y)``; stop iterating when you have enough."""
        n, given, m, tree = self._n, 0, min(self._first, self._n), self._tree
        if tree is None:  # few points: the scan is the cheapest answer
            if n:
                yield self.scan(x, y)
            return
        while given < n:
            if m >= n:
                idx = np.arange(n)
                bound = np.inf
            else:
                dist, found = tree.query((x, y), k=m)
                idx = np.atleast_1d(found)
                bound = float(np.atleast_1d(dist)[-1]) * (1.0 - MARGIN)
            d = np.hypot(self._x[idx] - x, self._y[idx] - y)
            order = np.lexsort((idx, d))  # by distance, then index: a stable argsort
            ranked = idx[order]
            # no point outside the candidates is nearer than ``bound``
            sure = n if m >= n else int(np.searchsorted(d[order], bound, side="left"))
            if sure > given:
                yield ranked[given:sure].tolist()
                given = sure
            m = min(2 * m, n)

    def ranked(self, x: float, y: float) -> Iterator[int]:
        """Indices nearest first, exactly in :meth:`scan`'s order, lazily."""
        for batch in self.batches(x, y):
            yield from batch

    def nearest(self, x: float, y: float) -> int:
        """The index of ``np.argmin`` of the scan's distances (the first of equals)."""
        if not self._n:
            msg = "nearest: there are no points to choose from"
            raise ValueError(msg)
        return next(self.ranked(x, y))
