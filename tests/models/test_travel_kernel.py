"""The compiled twin of the travel model: in use, bit-identical to the Python reference."""

from __future__ import annotations

import os
import pickle
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.config import City, Traffic
from twin.models import travel as travel_module
from twin.models.planner.matrix import EuclideanTravel
from twin.models.travel import TravelModel

CITY = City(size_km=60.0)
MODEL = TravelModel(CITY, Traffic())
ZONES = [z.name for z in CITY.zones]

coord = st.floats(min_value=-5.0, max_value=65.0, allow_nan=False)
# departures anywhere in two days, with whole hours (the integration's boundaries) often
depart = st.one_of(
    st.floats(min_value=0.0, max_value=48 * 60.0, allow_nan=False),
    st.integers(min_value=0, max_value=48).map(lambda h: 60.0 * h),
)
incidents = st.dictionaries(
    st.sampled_from(ZONES), st.floats(min_value=0.1, max_value=1.0), max_size=len(ZONES)
)


def test_the_compiled_twin_is_in_use() -> None:
    # CI builds the package as a user does: a broken build must fail here, not run slowly
    assert travel_module.LEG_KERNEL is not None
    assert MODEL.compiled


@settings(max_examples=3000, deadline=None)
@given(ax=coord, ay=coord, bx=coord, by=coord, t=depart, inc=incidents)
def test_compiled_gives_the_same_bits_as_the_reference(
    ax: float, ay: float, bx: float, by: float, t: float, inc: dict[str, float]
) -> None:
    assert MODEL.travel_min(ax, ay, bx, by, t, inc) == TravelModel.travel_min(
        MODEL, ax, ay, bx, by, t, inc
    )
    assert MODEL.travel_min(ax, ay, bx, by, t) == TravelModel.travel_min(MODEL, ax, ay, bx, by, t)
    assert MODEL.leg(ax, ay, bx, by, inc) == TravelModel.leg(MODEL, ax, ay, bx, by, inc)
    dist, factor = MODEL.leg(ax, ay, bx, by, inc)
    assert MODEL.minutes_for(dist, t, factor) == TravelModel.minutes_for(MODEL, dist, t, factor)


def test_zero_distance_takes_no_time() -> None:
    assert MODEL.minutes_for(0.0, 480.0, 1.0) == 0.0 == MODEL.travel_min(5, 5, 5, 5, 480.0)


def test_subclasses_keep_their_own_methods() -> None:
    euclid = EuclideanTravel()
    assert not euclid.compiled
    assert euclid.minutes_for(12.0, 480.0, 2.0) == 6.0


def test_a_pickled_model_is_rebuilt_with_its_twin() -> None:
    again = pickle.loads(pickle.dumps(MODEL))
    assert again.compiled
    assert again.travel_min(1, 2, 30, 40, 500.0) == MODEL.travel_min(1, 2, 30, 40, 500.0)


def test_a_stale_build_falls_back_to_the_reference(tmp_path, monkeypatch) -> None:
    newer = tmp_path / "_travel_kernel.pyx"
    newer.write_text("# edited after the build\n")
    built = travel_module._load_kernel()
    assert built is not None
    so = sys.modules["twin.models._travel_kernel"].__file__
    assert so is not None
    future = os.stat(so).st_mtime + 60
    os.utime(newer, (future, future))
    monkeypatch.setattr(travel_module, "KERNEL_SOURCE", newer)
    with pytest.warns(RuntimeWarning, match="older than"):
        assert travel_module._load_kernel() is None


def test_a_missing_build_falls_back_to_the_reference(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "twin.models._travel_kernel", None)  # import fails
    with pytest.warns(RuntimeWarning, match="not built"):
        assert travel_module._load_kernel() is None
    monkeypatch.setattr(travel_module, "LEG_KERNEL", None)
    plain = TravelModel(CITY, Traffic())
    assert not plain.compiled
    assert plain.travel_min(1, 2, 30, 40, 500.0) == MODEL.travel_min(1, 2, 30, 40, 500.0)
