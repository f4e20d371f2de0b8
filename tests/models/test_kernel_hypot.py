"""The compiled kernels' ``hypot`` (every leg's distance, every ring zone) is CPython's
``math.hypot`` bit for bit, without the call into Python: on any doubles, on the
coordinate differences of a map, and on random bit patterns."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.models import _kernels


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@settings(max_examples=2000, deadline=None)
@given(x=st.floats(), y=st.floats())
def test_hypot_is_pythons_on_any_doubles(x: float, y: float) -> None:
    assert _same(_kernels.hypot(x, y), math.hypot(x, y))
    assert _same(_kernels.hypot(y, x), math.hypot(y, x))


def test_hypot_is_pythons_on_many_random_legs_and_bit_patterns() -> None:
    rng = np.random.default_rng(19)
    n = 40_000
    for scale in (1.0, 60.0, 700.0, 1e-6):  # km on maps of every size, and tiny
        xs = ((rng.random(n) * 2 - 1) * scale).tolist()
        ys = ((rng.random(n) * 2 - 1) * scale * rng.random(n)).tolist()
        assert [_kernels.hypot(x, y) for x, y in zip(xs, ys, strict=True)] == [
            math.hypot(x, y) for x, y in zip(xs, ys, strict=True)
        ]
    bits = rng.integers(0, 2**63, size=(n, 2), dtype=np.int64).view(np.float64).tolist()
    assert all(_same(_kernels.hypot(x, y), math.hypot(x, y)) for x, y in bits)
