"""Nearest points from the compiled grid and from a KD-tree give exactly the full scan's
order, ties included."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.models.routing import nearest as nearest_module
from twin.models.routing.nearest import NearestPoints
from twin.models.routing.plan import RoutesWith


def scan_order(xs: list[float], ys: list[float], x: float, y: float) -> list[int]:
    """The reference, written out as the old code computed it (hypot, stable argsort)."""
    d = np.hypot(np.array(xs) - x, np.array(ys) - y)
    return [int(i) for i in np.argsort(d, kind="stable")]


KINDS = ["grid", "tree"]


def index_of(
    kind: str, xs: Sequence[float], ys: Sequence[float], first: int = 16, scan_up_to: int = 0
) -> NearestPoints:
    """A ``NearestPoints`` on the compiled grid, or on the KD-tree (as without the build)."""
    saved = nearest_module.KERNELS
    if kind == "tree":
        nearest_module.KERNELS = None
    try:
        index = NearestPoints(xs, ys, first=first, scan_up_to=scan_up_to)
    finally:
        nearest_module.KERNELS = saved
    assert (index._grid is not None) == (kind == "grid" and len(xs) > scan_up_to)
    return index


# few distinct coordinates: many equal distances, repeated points, zero distances
coarse = st.sampled_from([-3.0, -1.5, 0.0, 0.1, 1.5, 3.0, 4.0, 7.25])
fine = st.floats(-60.0, 60.0, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=300, deadline=None)
@given(
    pts=st.lists(st.tuples(coarse, coarse), min_size=1, max_size=60),
    query=st.tuples(coarse, coarse),
    first=st.integers(1, 8),
)
def test_ranked_is_the_scan_with_deliberate_ties(
    kind: str, pts: list[tuple[float, float]], query: tuple[float, float], first: int
) -> None:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    index = index_of(kind, xs, ys, first=first)  # the grid or the tree, however few
    expected = scan_order(xs, ys, *query)
    assert list(index.ranked(*query)) == expected
    assert index.scan(*query) == expected
    d = np.hypot(np.array(xs) - query[0], np.array(ys) - query[1])
    assert index.nearest(*query) == int(np.argmin(d))


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None)
@given(
    pts=st.lists(st.tuples(fine, fine), min_size=1, max_size=200),
    query=st.tuples(fine, fine),
    first=st.integers(1, 20),
)
def test_ranked_is_the_scan_on_random_points(
    kind: str, pts: list[tuple[float, float]], query: tuple[float, float], first: int
) -> None:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    expected = scan_order(xs, ys, *query)
    assert list(index_of(kind, xs, ys, first=first).ranked(*query)) == expected
    assert list(NearestPoints(xs, ys, first=first).ranked(*query)) == expected  # scans


@pytest.mark.parametrize("kind", KINDS)
def test_points_on_a_circle_keep_their_index_order(kind: str) -> None:
    # (±3, ±4) and (±4, ±3): all exactly 5 from the origin, in hypot and in the tree
    ring = [(3.0, 4.0), (-4.0, 3.0), (0.0, 5.0), (4.0, -3.0), (-3.0, -4.0), (5.0, 0.0)]
    pts = [(9.0, 9.0), *ring, (0.0, 0.0), (1.0, 0.0), *ring]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    got = list(index_of(kind, xs, ys, first=2).ranked(0.0, 0.0))
    assert got == [7, 8, *range(1, 7), *range(9, 15), 0]
    assert got == scan_order(xs, ys, 0.0, 0.0)


@pytest.mark.parametrize("kind", KINDS)
def test_a_large_set_is_read_lazily_in_batches(kind: str) -> None:
    rng = np.random.default_rng(5)
    xs, ys = rng.uniform(0, 60, 5000).tolist(), rng.uniform(0, 60, 5000).tolist()
    index = index_of(kind, xs, ys, first=16, scan_up_to=256)
    batches = index.batches(30.0, 30.0)
    head = next(batches)
    assert 0 < len(head) < 100  # the first ball held about 16 points, not 5,000
    assert head == scan_order(xs, ys, 30.0, 30.0)[: len(head)]
    for q in rng.uniform(-5, 65, (20, 2)):
        assert list(index.ranked(*q)) == scan_order(xs, ys, *q)


@pytest.mark.parametrize("kind", KINDS)
def test_points_far_away_or_all_in_one_place(kind: str) -> None:
    xs, ys = [5.0] * 300 + [5.5], [5.0] * 300 + [5.0]  # no area: the radius starts at 1 km
    index = index_of(kind, xs, ys)
    for q in [(5.0, 5.0), (1e4, -3e4), (5.25, 5.0), (5.5, 5.0), (math.nan, 5.0), (5.0, -math.inf)]:
        assert list(index.ranked(*q)) == scan_order(xs, ys, *q)


def test_bad_arguments_are_refused_precisely() -> None:
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        NearestPoints([0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match=r"first \(points expected .* >= 1, got 0"):
        NearestPoints([0.0], [0.0], first=0)
    with pytest.raises(ValueError, match="no points"):
        NearestPoints([], []).nearest(0.0, 0.0)
    assert list(NearestPoints([], []).ranked(0.0, 0.0)) == []
    assert list(NearestPoints([], [], scan_up_to=0).ranked(0.0, 0.0)) == []


@given(
    base=st.dictionaries(st.sampled_from("ABCDEFG"), st.tuples(st.sampled_from("uvw"))),
    changes=st.dictionaries(st.sampled_from("CDEFGHI"), st.tuples(st.sampled_from("xyz"))),
)
def test_routes_with_changes_is_the_merged_dict(
    base: dict[str, tuple[str, ...]], changes: dict[str, tuple[str, ...]]
) -> None:
    merged = {**base, **changes}
    view = RoutesWith(base, changes)
    assert list(view.items()) == list(merged.items())  # same order: sums stay bit-identical
    assert len(view) == len(merged)
    for key in "ABCDEFGHIJ":
        assert (key in view) == (key in merged)
        assert view.get(key, ()) == merged.get(key, ())
    changes["J"] = ("late",)  # held, not copied: a loop's updates are seen
    assert view["J"] == ("late",)


def test_the_grid_refuses_what_it_cannot_place_and_builds_again() -> None:
    assert nearest_module.KERNELS is not None  # built by the set-up, as the tests above need
    grid = nearest_module.KERNELS.PointGrid
    with pytest.raises(ValueError, match="point 1 must be finite"):
        grid([0.0, math.inf, 1.0], [0.0, 0.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="same length"):
        grid([0.0, 1.0], [0.0], 1.0)
    with pytest.raises(ValueError, match="cell must be a finite size"):
        grid([0.0], [0.0], 0.0)
    ok = grid([2.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], 1.0)  # a refusal left nothing behind
    assert ok.ball(0.0, 0.0, 1.5, 0) == [1, 3, 2]  # by distance, then index
    assert len(grid([], [], 1.0)) == 0
