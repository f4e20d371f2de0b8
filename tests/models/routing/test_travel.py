from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from twin.config import City, Traffic
from twin.models.routing.travel import TravelModel

MODEL = TravelModel(City(), Traffic())


def test_rush_hour_is_slower() -> None:
    night = MODEL.travel_min(2, 2, 12, 12, depart_min=3 * 60)
    peak = MODEL.travel_min(2, 2, 12, 12, depart_min=8 * 60)
    assert peak > night * 1.3


def test_incident_slows_zone() -> None:
    free = MODEL.travel_min(11, 11, 13, 13, 10 * 60)
    jam = MODEL.travel_min(11, 11, 13, 13, 10 * 60, {"centre": 0.5})
    assert abs(jam - 2 * free) < 1e-9


def test_distance_uses_detour_factor() -> None:
    assert abs(MODEL.distance_km(0, 0, 3, 4) - 5 * 1.35) < 1e-12


@given(
    depart=st.floats(min_value=0, max_value=23 * 60),
    wait=st.floats(min_value=0, max_value=120),
    dist=st.floats(min_value=0.1, max_value=60),
)
def test_fifo_leaving_later_never_arrives_earlier(depart: float, wait: float, dist: float) -> None:
    a = depart + MODEL.minutes_for(dist, depart, 1.0)
    b = depart + wait + MODEL.minutes_for(dist, depart + wait, 1.0)
    assert b >= a - 1e-6
