"""The demand's categorical draws: a bisection on numpy's own uniform draw, the same
index and the same random stream as ``Generator.choice(p=...)``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.sim.demand import choice_cdf, pick

weights = st.lists(st.floats(min_value=0.0, max_value=10.0), min_size=1, max_size=8).filter(
    lambda w: sum(w) > 0
)


@settings(max_examples=300, deadline=None)
@given(w=weights, seed=st.integers(0, 2**32 - 1), draws=st.integers(1, 40))
def test_pick_draws_what_numpy_choice_draws(w: list[float], seed: int, draws: int) -> None:
    p = np.array(w) / np.sum(w)
    ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    cdf = choice_cdf(p)
    for _ in range(draws):
        assert pick(ours, cdf) == int(numpys.choice(len(p), p=p))
        assert ours.normal() == numpys.normal()  # the stream stays in step
    assert ours.bit_generator.state == numpys.bit_generator.state


def test_pick_at_the_edges_of_the_cdf() -> None:
    # zero weights are never drawn; a draw equal to a step of the cdf goes to the right
    cdf = choice_cdf([0.0, 0.5, 0.0, 0.5])
    assert cdf == [0.0, 0.5, 0.5, 1.0]
    picks = {pick(np.random.default_rng(s), cdf) for s in range(200)}
    assert picks == {1, 3}


@pytest.mark.parametrize(
    ("p", "words"),
    [
        ([0.5, 0.6], r"got \[0.5, 0.6\]: Probabilities do not sum to 1"),
        (
            [1.5, -0.5],
            r"must be >= 0 and sum to 1, got \[1.5, -0.5\]: Probabilities are not non-negative",
        ),
    ],
)
def test_a_bad_distribution_is_refused_as_numpy_refuses_it(p: list[float], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        choice_cdf(p)
