"""The compiled module's ports of CPython's ``math.hypot`` (two numbers) and ``math.erfc``:
the same bits as the interpreter's own functions, on millions of generated inputs."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.models.routing.travel import KERNELS


def _kernels() -> Any:
    assert KERNELS is not None, "the compiled module is built (scripts/setup.sh) and in use"
    return KERNELS


TINY = 5e-324  # the least subnormal
SPECIAL = np.array(
    [
        0.0,
        -0.0,
        TINY,
        -TINY,
        sys.float_info.min,
        sys.float_info.max,
        math.inf,
        -math.inf,
        math.nan,
        1.0,
        0.5,
        3.0,
        4.0,
        2.0**-1074 * 3,
        2.0**-1023,
        2.0**1023,
        1e308,
        1e-308,
    ],
)


def _same_bits(xs: np.ndarray, ys: np.ndarray) -> None:
    """``hypot_all`` against ``math.hypot`` pair by pair, bit for bit (NaNs included)."""
    xs, ys = np.ascontiguousarray(xs, "<f8"), np.ascontiguousarray(ys, "<f8")
    got = np.frombuffer(_kernels().hypot_all(xs.tobytes(), ys.tobytes()), "<f8")
    want = np.array(list(map(math.hypot, xs.tolist(), ys.tolist())), "<f8")
    bad = np.flatnonzero(got.view("<u8") != want.view("<u8"))
    assert bad.size == 0, [(xs[i], ys[i], got[i], want[i]) for i in bad[:5]]


def test_hypot_on_random_bit_patterns() -> None:
    # every exponent, subnormals, infinities and NaNs with their payloads
    rng = np.random.default_rng(19)
    bits = rng.integers(0, 2**64, size=(2, 1_000_000), dtype=np.uint64)
    _same_bits(bits[0].view("<f8"), bits[1].view("<f8"))


def test_hypot_on_city_legs_and_near_magnitudes() -> None:
    rng = np.random.default_rng(20)
    n = 1_000_000
    # leg offsets in km as the travel model takes them
    _same_bits(rng.uniform(-300, 300, n), rng.uniform(-300, 300, n))
    # both numbers of a size: the compensated sums do the most work
    a = rng.uniform(0.5, 1.0, n) * 2.0 ** rng.integers(-1074, 1024, n)
    _same_bits(a, a * rng.uniform(0.9, 1.1, n))
    # subnormals and tiny normals, where CPython divides by the larger instead of scaling
    t = rng.integers(1, 2**53, size=(2, n), dtype=np.uint64).view("<f8")
    _same_bits(t[0], t[1])


def test_hypot_on_whole_numbers_zeros_and_specials() -> None:
    rng = np.random.default_rng(21)
    ints = rng.integers(-(2**26), 2**26, size=(2, 500_000)).astype("<f8")
    _same_bits(ints[0], ints[1])  # Pythagorean triples among them come out exact
    grid = np.array(np.meshgrid(SPECIAL, SPECIAL)).reshape(2, -1)
    _same_bits(grid[0], grid[1])
    _same_bits(np.arange(0, 10_000, dtype="<f8") * 0.5, np.full(10_000, 0.25))


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats())
def test_hypot_drawn(x: float, y: float) -> None:
    _same_bits(np.array([x, y]), np.array([y, -x]))


def test_erfc_is_maths_erfc() -> None:
    rng = np.random.default_rng(22)
    xs = np.concatenate(
        [
            rng.uniform(-8, 8, 500_000),  # the chain's z and the remaining work's tail
            rng.normal(0, 2, 200_000),
            rng.integers(0, 2**64, 300_000, dtype=np.uint64).view("<f8"),
            SPECIAL,
            -SPECIAL,
        ]
    )
    got = np.frombuffer(_kernels().erfc_all(xs.tobytes()), "<f8")
    want = np.array([math.erfc(x) for x in xs.tolist()], "<f8")
    assert np.array_equal(got.view("<u8"), want.view("<u8"))
