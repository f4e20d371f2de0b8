from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.models.planner import ChemistryIndex, Rating, update


def _rate(index, pairs):
    for c, t, s in pairs:
        index = update(index, Rating(c, t, s))
    return index


def test_few_ratings_stay_near_technician_mean():
    idx = _rate(ChemistryIndex(), [(f"c{i}", "T1", 5.0) for i in range(30)])
    idx = update(idx, Rating("x", "T1", 1.0))
    assert abs(idx.score("x", "T1") - idx.tech_mean("T1")) < 1.2
    assert idx.score("x", "T1") > 3.5


def test_many_ratings_approach_pair_mean():
    idx = _rate(ChemistryIndex(), [(f"c{i}", "T1", 5.0) for i in range(30)])
    idx = _rate(idx, [("x", "T1", 1.0)] * 200)
    assert idx.score("x", "T1") < 1.2


def test_update_is_pure():
    a = ChemistryIndex()
    b = update(a, Rating("c", "t", 2.0))
    assert a.n == 0 and b.n == 1 and a.score("c", "t") == a.company_mean


def test_rating_out_of_range_is_refused():
    with pytest.raises(ValueError, match="score"):
        Rating("c", "t", 6.0)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.sampled_from(["T1", "T2"]),
            st.floats(min_value=1.0, max_value=5.0),
        ),
        max_size=40,
    )
)
def test_index_stays_within_one_and_five(ratings):
    idx = _rate(ChemistryIndex(), ratings)
    for c in "abc":
        for t in ("T1", "T2", "T9"):
            assert 1.0 - 1e-9 <= idx.score(c, t) <= 5.0 + 1e-9
