"""The compiled insertion pricing reads a route from its timeline's packed stops
(``Timeline.packed``): the same numbers as the plan's visits and the stops, so the same
bits as the Python reference and as the compiled pricing of an unpacked timeline."""

from __future__ import annotations

import dataclasses
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.models.test_kernels import BRK, MODEL, REFERENCE, ZONES, coord
from twin.models import _kernels
from twin.models.routing.insertion import InsertionWeights, _priced_positions
from twin.models.routing.plan import (
    PlanState,
    TechnicianSpec,
    TechnicianState,
    Timeline,
    VisitTask,
    route_timeline,
)
from twin.models.routing.travel import KERNELS

visit = st.builds(
    lambda i, x, y, ws, width, dur: VisitTask(
        f"V{i}", "C", x, y, "repair", "s", 1, ws, ws + width, dur
    ),
    st.integers(0, 9),
    coord,
    coord,
    st.floats(min_value=300.0, max_value=1100.0),
    st.floats(min_value=0.0, max_value=240.0),
    st.floats(min_value=5.0, max_value=240.0),
)
incidents = st.dictionaries(
    st.sampled_from(ZONES), st.floats(min_value=0.1, max_value=1.0), max_size=len(ZONES)
)


def _unpacked(timeline: Timeline) -> Timeline:
    return dataclasses.replace(timeline, packed=b"")


def test_a_timeline_packs_its_stops_and_their_visits() -> None:
    visits = {
        "A": VisitTask("A", "C", 10.0, 12.5, "repair", "s", 1, 480.0, 600.0, 45.0),
        "B": VisitTask("B", "C", 31.0, 29.0, "repair", "s", 1, 500.0, 700.0, 30.0),
    }
    spec = TechnicianSpec("T1", 5.0, 5.0, frozenset({"s"}), 420.0, 960.0, 1020.0)
    status = TechnicianState("T1", 5.0, 5.0, 420.0)
    timeline = route_timeline(spec, status, ("A", "B"), visits, MODEL, BRK)
    slots = _kernels.PACKED_SLOTS
    packed = array("d", timeline.packed)
    assert len(packed) == slots * 2
    for i, (stop, v) in enumerate(zip(timeline.stops, visits.values(), strict=True)):
        row = packed[i * slots : (i + 1) * slots]
        assert list(row[:8]) == [
            *(v.x, v.y, v.window_start, v.window_end),
            *(stop.arrive, stop.start, stop.end, stop.travel_min),
        ]
        assert row[8] in range(len(ZONES))  # the visit's ring zone
        assert row[9] == v.duration_min  # its own duration (the exact re-timing's)
    # derived data: neither compared nor shown
    assert timeline == _unpacked(timeline)
    assert "packed" not in repr(timeline)
    reference = route_timeline(spec, status, ("A", "B"), visits, REFERENCE, BRK)
    assert reference.packed == b""
    assert reference == timeline


@settings(max_examples=1000, deadline=None)
@given(
    home=st.tuples(coord, coord),
    at=st.tuples(coord, coord),
    free_at=st.floats(min_value=420.0, max_value=900.0),
    taken=st.booleans(),
    route=st.lists(visit, max_size=9, unique_by=lambda v: v.visit_id),
    new=visit,
    inc=incidents,
    allow_late=st.booleans(),
    weights=st.tuples(
        st.floats(min_value=0.0, max_value=5.0),
        st.floats(min_value=0.0, max_value=20.0),
        st.floats(min_value=0.0, max_value=5.0),
    ),
    shift_end=st.floats(min_value=900.0, max_value=1100.0),
    durations=st.none()
    | st.dictionaries(
        st.sampled_from([f"V{i}" for i in range(10)]), st.floats(min_value=1.0, max_value=200.0)
    ),
)
def test_packed_pricing_is_the_reference_and_the_unpacked_pricing(
    home: tuple[float, float],
    at: tuple[float, float],
    free_at: float,
    taken: bool,
    route: list[VisitTask],
    new: VisitTask,
    inc: dict[str, float],
    allow_late: bool,
    weights: tuple[float, float, float],
    shift_end: float,
    durations: dict[str, float] | None,
) -> None:
    new = dataclasses.replace(new, visit_id="NEW")
    spec = TechnicianSpec("T1", *home, frozenset({"s"}), 420.0, shift_end, shift_end + 120.0)
    status = TechnicianState("T1", *at, free_at, True, taken)
    state = PlanState(
        free_at,
        {"T1": spec},
        {"T1": status},
        {v.visit_id: v for v in route},
        {"T1": tuple(v.visit_id for v in route)},
        inc,
    )
    ids = state.routes["T1"]
    # durations: stop ends that are not the visits' own (the brain's predictions)
    before = route_timeline(spec, status, ids, state.visits, MODEL, BRK, inc, durations)
    assert len(before.packed) == len(route) * _kernels.PACKED_SLOTS * 8
    rest = (InsertionWeights(*weights), allow_late, spec.max_end, spec.shift_end)
    packed = KERNELS.priced_positions(state, "T1", new, before, MODEL.kernel, *rest)
    unpacked = KERNELS.priced_positions(state, "T1", new, _unpacked(before), MODEL.kernel, *rest)
    assert packed == unpacked == _priced_positions(state, "T1", new, before, MODEL, *rest)
