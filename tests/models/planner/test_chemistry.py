from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.models.planner import (
    ChemistryIndex,
    PowerOptDispatcher,
    Rating,
    load_chemistry,
    update,
)


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


def test_pair_score_is_shrunk_between_technician_and_pair_mean():
    base = _rate(ChemistryIndex(), [(f"c{i}", "T1", 4.0) for i in range(40)])
    scores = []
    for n in (1, 3, 10, 100):
        idx = _rate(base, [("x", "T1", 2.0)] * n)
        assert 2.0 < idx.score("x", "T1") < idx.tech_mean("T1")
        scores.append(idx.score("x", "T1"))
    assert scores == sorted(scores, reverse=True)  # more ratings: nearer the pair's own mean
    # a technician nobody rated sits at the company mean, an unknown pair at the tech mean
    assert base.tech_mean("T9") == base.company_mean
    assert base.score("y", "T1") == base.tech_mean("T1")


def test_from_ratings_equals_folding_update():
    pairs = [("a", "T1", 5.0), ("b", "T1", 2.0), ("a", "T2", 4.0), ("a", "T1", 3.0)]
    folded = _rate(ChemistryIndex(), pairs)
    built = ChemistryIndex.from_ratings(Rating(c, t, s) for c, t, s in pairs)
    assert (built.n, built.total) == (folded.n, folded.total)
    assert dict(built.tech) == dict(folded.tech) and dict(built.pair) == dict(folded.pair)


def test_load_chemistry_from_gzip_file(tmp_path):
    path = tmp_path / "feedback.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("customer_id,technician_id,rating\nCR1,T1,5\nCR1,T1,5\nCR2,T1,1\n")
    idx = load_chemistry(path)
    assert idx.n == 3 and idx.pair[("CR1", "T1")] == (2, 10.0)
    assert idx.bonus("CR1", "T1") > 0 > idx.bonus("CR2", "T1")


def test_bad_feedback_file_names_the_problem(tmp_path):
    path = tmp_path / "feedback.csv"
    path.write_text("customer_id,rating\nCR1,5\n")
    with pytest.raises(ValueError, match="technician_id"):
        load_chemistry(path)
    path.write_text("customer_id,technician_id,rating\nCR1,T1,9\n")
    with pytest.raises(ValueError, match="line 2"):
        load_chemistry(path)


def test_runner_passes_the_policy_chemistry_to_poweropt(tmp_path):
    from twin.app.wiring import dispatcher_factory
    from twin.config import ConfigError, Scenario
    from twin.models.routing.plan import BreakRule
    from twin.models.routing.travel import TravelModel

    path = tmp_path / "feedback.csv"
    path.write_text("customer_id,technician_id,rating\nCR1,T1,5\n")
    scn = Scenario().with_overrides(
        **{
            "policy.planner": "poweropt",
            "policy.brain": False,
            "policy.chemistry_history": str(path),
        }
    )
    travel = TravelModel(scn.city, scn.traffic)
    made = dispatcher_factory(scn)(travel, BreakRule(30.0, 270.0))
    assert isinstance(made, PowerOptDispatcher)
    assert made.chemistry is not None and made.chemistry.n == 1
    missing = scn.with_overrides(**{"policy.chemistry_history": str(tmp_path / "nope.csv")})
    with pytest.raises(ConfigError, match="chemistry_history"):
        dispatcher_factory(missing)
