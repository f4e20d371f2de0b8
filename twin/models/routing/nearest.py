"""Nearest points in the order of a full scan, without the scan.

The reference is a scan: ``np.hypot`` from the query to every point, then a *stable*
argsort, so that equal distances keep the points' own order. That costs O(n) per query,
and a company asks it for every booking. :class:`NearestPoints` gives the very same
sequence in O(log n) per point given out: a KD-tree (``scipy.spatial.cKDTree``) finds
the points within a radius ``r`` of the query (a ball query: about a third of the cost of
a k-nearest query in scipy); their distances are recomputed with ``np.hypot``, exactly as
the scan computes them, and sorted by (distance, index), the order of a stable argsort.
The tree measures with another formula (a square root of a sum of squares), which may
differ from ``hypot`` in the last bits, so only the points nearer than ``r`` by a safe
margin are given out: no point outside the ball can come before them. When more are
wanted, ``r`` doubles. Ties, repeated points and all-equal distances are therefore
ordered by index, as the scan orders them.

With the compiled kernels (:mod:`twin.models._kernels`), a grid of cells takes the
tree's place (``PointGrid``): a ball visits the cells around the query and measures their
points with ``np.hypot``'s own function, so it keeps exactly the points within ``r`` and
needs no margin; its cost depends on the points near the query, not on how many points
there are (the tree's ball, with its arrays and sorting in Python, cost a company of
10,000 technicians 1.6 times as much per query as one of 1,000).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterator, Sequence

import numpy as np
from scipy.spatial import cKDTree

from twin.models.routing.travel import KERNELS

SCAN_UP_TO = 256
"""Up to this many points a scan is cheaper than the tree (a scan of 256 points costs
about as much as a ball query and its sorting): the scan itself is then the answer."""
MARGIN = 1e-9
"""Relative margin between the tree's distances and ``np.hypot``'s (they differ by a few
units in the last place, about 1e-16): a point is given out only if it is nearer than the
ball's radius by this much, so no point outside the ball can come before it."""


class NearestPoints:
    """Points ``(xs[i], ys[i])``, ranked by distance from a query in a full scan's order.

    ``first``: how many points the first ball should hold on average (its radius comes
    from the points' density over their bounding box).
    """

    __slots__ = ("_grid", "_n", "_r0", "_tree", "_x", "_y")

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
            msg = f"first (points expected in the first ball) must be >= 1, got {first!r}"
            raise ValueError(msg)
        self._x = np.asarray(xs, dtype=float)
        self._y = np.asarray(ys, dtype=float)
        self._n = n = len(self._x)
        area = float(np.ptp(self._x) * np.ptp(self._y)) if n else 0.0
        r0 = math.sqrt(first * area / (math.pi * n)) if n else 0.0
        self._r0 = r0 if r0 > 0.0 else 1.0
        self._tree, self._grid = None, None
        if n > scan_up_to and KERNELS is not None and _finite(self._x, self._y, self._r0):
            # cells of the first ball's radius: a first ball visits about 16 of them
            self._grid = KERNELS.PointGrid(self._x.tolist(), self._y.tolist(), self._r0)
        elif n > scan_up_to:
            self._tree = cKDTree(np.column_stack((self._x, self._y)))

    def __len__(self) -> int:
        return self._n

    def scan(self, x: float, y: float) -> list[int]:
        """Every index, nearest first: the reference scan (O(n))."""
        d = np.hypot(self._x - x, self._y - y)
        order: list[int] = np.argsort(d, kind="stable").tolist()
        return order

    def batches(self, x: float, y: float) -> Iterator[list[int]]:
        """Successive runs of :meth:`scan`'s order from ``(x, y)``, from the grid (or the
        tree): their concatenation is exactly ``scan(x, y)``; stop iterating when you have
        enough."""
        n, r, given = self._n, self._r0, 0
        grid = self._grid
        if (grid is None and self._tree is None) or not (math.isfinite(x) and math.isfinite(y)):
            if n:  # few points (or a query off any map): the scan is the answer
                yield self.scan(x, y)
            return
        if grid is not None:
            while given < n:
                batch = grid.ball(x, y, r, given)
                if batch:
                    yield batch
                    given += len(batch)
                r *= 2.0
            return
        while given < n:
            batch, r = self._ball(x, y, r, given)
            if batch:
                yield batch
                given += len(batch)

    def _ball(self, x: float, y: float, r: float, given: int) -> tuple[list[int], float]:
        """The points of the scan's order after the first ``given`` that the ball of radius
        ``r`` around ``(x, y)`` makes sure of, and the radius of the next ball. A function
        of its own, so that a paused :meth:`batches` (a cached ranking holds one) keeps no
        ball's arrays alive."""
        tree = self._tree
        assert tree is not None
        found: list[int] = tree.query_ball_point((x, y), r)
        if not found:  # far from every point: grow to the nearest one at once
            d1 = float(tree.query((x, y), k=1)[0])
            return [], max(2.0 * r, 2.0 * d1)
        idx = np.array(found, dtype=np.intp)
        d = np.hypot(self._x[idx] - x, self._y[idx] - y).tolist()
        ranked = sorted(zip(d, found, strict=True))  # by distance, then index: stable
        # every point in the ball: the order is complete; else the points nearer than any
        # point outside the ball can be
        bound = math.inf if len(found) == self._n else r * (1.0 - MARGIN)
        sure = bisect_left(ranked, (bound, -1))
        return [i for _, i in ranked[given:sure]], r * 2.0

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


def _finite(xs: np.ndarray, ys: np.ndarray, r0: float) -> bool:
    """Every coordinate and the first radius a finite number (the grid's cells need them;
    a tree takes any)."""
    return bool(np.isfinite(xs).all() and np.isfinite(ys).all() and math.isfinite(r0))
