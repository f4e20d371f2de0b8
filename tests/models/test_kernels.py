"""The compiled twins (travel legs, the ETA chain, insertion pricing, timelines, remaining
work, the day-end check): in use, bit-identical to the references."""

from __future__ import annotations

import dataclasses
import math
import os
import pickle
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.config import City, Traffic
from twin.models.decisions.dayend import first_unreachable
from twin.models.duration.model import Z90, DurationEstimate
from twin.models.eta.calibration import EtaCalibration
from twin.models.eta.chain import (
    REMAINING_TAIL_MIN,
    Position,
    VisitEta,
    _route_etas,
    remaining_work,
    route_etas,
)
from twin.models.planner.matrix import EuclideanTravel
from twin.models.routing import travel as travel_module
from twin.models.routing.insertion import InsertionWeights, _priced_positions
from twin.models.routing.kit import DEPOT_PREFIX, stop_task
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    Stop,
    TechnicianSpec,
    TechnicianState,
    VisitTask,
    route_timeline,
)
from twin.models.routing.travel import KERNELS, TravelModel

CITY = City(size_km=60.0)
MODEL = TravelModel(CITY, Traffic())
ZONES = [z.name for z in CITY.zones]
BRK = BreakRule(30.0, 240.0)


def _reference_model() -> TravelModel:
    """The same city with the Python methods (as if the twin were not built)."""
    saved = travel_module.KERNELS
    travel_module.KERNELS = None
    try:
        return TravelModel(CITY, Traffic())
    finally:
        travel_module.KERNELS = saved


REFERENCE = _reference_model()

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
    assert travel_module.KERNELS is not None
    assert MODEL.compiled
    assert not REFERENCE.compiled  # what the twins are compared with


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


@pytest.mark.parametrize("model", [MODEL, REFERENCE], ids=["compiled", "reference"])
@pytest.mark.parametrize(
    ("distance", "depart", "factor", "words"),
    [
        (math.nan, 480.0, 1.0, "distance_km must be a finite number of km, got nan"),
        (math.inf, 480.0, 1.0, "distance_km must be a finite number of km, got inf"),
        (5.0, 480.0, 0.0, "factor must be a finite number > 0, got 0.0"),
        (5.0, 480.0, -1.0, "factor must be a finite number > 0"),
        (5.0, 480.0, math.nan, "factor must be a finite number > 0"),
        (5.0, math.nan, 1.0, "depart_min must be a finite minute"),
        (5.0, 1e300, 1.0, "takes more than 8784 hours"),  # no progress at that magnitude
        (1e300, 480.0, 1.0, "takes more than 8784 hours"),
        (5.0, 480.0, 1e-9, "takes more than 8784 hours"),
    ],
)
def test_a_leg_that_could_spin_forever_is_refused_before_or_at_its_bound(
    model: TravelModel, distance: float, depart: float, factor: float, words: str
) -> None:
    with pytest.raises(ValueError, match="travel leg refused") as info:
        model.minutes_for(distance, depart, factor)
    assert words in str(info.value)


def test_a_leg_through_nan_coordinates_is_refused_by_both() -> None:
    for model in (MODEL, REFERENCE):
        with pytest.raises(ValueError, match="distance_km must be a finite number"):
            model.travel_min(1.0, 1.0, math.nan, 3.0, 480.0)
    assert KERNELS is not None and KERNELS.MAX_LEG_HOURS == travel_module.MAX_LEG_HOURS
    assert KERNELS.DEPOT_PREFIX == DEPOT_PREFIX


def test_a_long_but_finite_leg_still_gives_the_same_bits() -> None:
    # a slow leg across several days: far from the bound, both agree to the bit
    args = (500.0, 1000.0, 0.05)
    assert MODEL.minutes_for(*args) == TravelModel.minutes_for(REFERENCE, *args) > 24 * 60


def test_subclasses_keep_their_own_methods() -> None:
    euclid = EuclideanTravel()
    assert not euclid.compiled
    assert euclid.minutes_for(12.0, 480.0, 2.0) == 6.0


def test_a_pickled_model_is_rebuilt_with_its_twin() -> None:
    again = pickle.loads(pickle.dumps(MODEL))
    assert again.compiled
    assert again.travel_min(1, 2, 30, 40, 500.0) == MODEL.travel_min(1, 2, 30, 40, 500.0)


def test_a_stale_build_falls_back_to_the_reference(tmp_path, monkeypatch) -> None:
    newer = tmp_path / "_kernels.pyx"
    newer.write_text("# edited after the build\n")
    built = travel_module._load_kernels()
    assert built is not None
    so = sys.modules["twin.models._kernels"].__file__
    assert so is not None
    future = os.stat(so).st_mtime + 60
    os.utime(newer, (future, future))
    monkeypatch.setattr(travel_module, "KERNEL_SOURCE", newer)
    with pytest.warns(RuntimeWarning, match="older than"):
        assert travel_module._load_kernels() is None


def test_a_missing_build_falls_back_to_the_reference(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "twin.models._kernels", None)  # import fails
    with pytest.warns(RuntimeWarning, match="not built"):
        assert travel_module._load_kernels() is None
    monkeypatch.setattr(travel_module, "KERNELS", None)
    plain = TravelModel(CITY, Traffic())
    assert not plain.compiled
    assert plain.travel_min(1, 2, 30, 40, 500.0) == MODEL.travel_min(1, 2, 30, 40, 500.0)


CALIBRATION = EtaCalibration(
    lead_edges_min=(15.0, 30.0, 60.0, 120.0),
    levels=(0.1, 0.5, 0.9),
    z=((-1.3, 0.05, 1.2), (-1.2, 0.0, 1.3), (-1.1, -0.1, 1.5), (-1.0, -0.2, 1.7), (-0.9, 0.1, 2.0)),
    samples=(100, 100, 100, 100, 100),
    absent_share=0.07,
    absent_min=12.0,
)

visit = st.builds(
    lambda i, x, y, ws, width, dur: VisitTask(
        f"V{i}", "C", x, y, "repair", "s", 1, ws, ws + width, dur
    ),
    st.integers(0, 5),  # repeated ids: some visits have no estimate, some share one
    coord,
    coord,
    st.floats(min_value=300.0, max_value=1100.0),
    st.floats(min_value=0.0, max_value=240.0),
    st.floats(min_value=5.0, max_value=240.0),
)
estimates = st.dictionaries(
    st.sampled_from([f"V{i}" for i in range(4)]),
    st.builds(
        DurationEstimate.from_mean_cv,
        st.floats(min_value=5.0, max_value=300.0),
        st.floats(min_value=0.05, max_value=1.5),
    ),
)


@settings(max_examples=1500, deadline=None)
@given(
    x=coord,
    y=coord,
    free_at=st.floats(min_value=300.0, max_value=1200.0),
    sd=st.floats(min_value=0.0, max_value=90.0),
    taken=st.booleans(),
    ahead=st.floats(min_value=0.0, max_value=60.0),
    route=st.lists(visit, max_size=8),
    est=estimates,
    inc=incidents,
    calibrated=st.booleans(),
    break_at=st.floats(min_value=300.0, max_value=1400.0),
)
def test_compiled_eta_chain_gives_the_same_bits_as_the_reference(
    x: float,
    y: float,
    free_at: float,
    sd: float,
    taken: bool,
    ahead: float,
    route: list[VisitTask],
    est: dict[str, DurationEstimate],
    inc: dict[str, float],
    calibrated: bool,
    break_at: float,
) -> None:
    start = Position(x, y, free_at, sd, taken, free_at - ahead)
    cal = CALIBRATION if calibrated else None
    brk = BreakRule(30.0, 240.0)
    args = (start, route, est, MODEL, 0.25, brk, break_at, inc, cal)
    compiled = route_etas(*args)
    assert compiled == _route_etas(*args)
    assert all(type(e) is VisitEta for e in compiled)
    if route:  # and the start without a "now" (free_at is now)
        plain = Position(x, y, free_at, sd, taken)
        assert route_etas(plain, route, est, MODEL, 0.25) == _route_etas(
            plain, route, est, MODEL, 0.25, None, math.inf, {}, None
        )


# a technician's home base, where they are, when they are free, whether the break is taken
TECHNICIAN_NOW = {
    "home": st.tuples(coord, coord),
    "at": st.tuples(coord, coord),
    "free_at": st.floats(min_value=420.0, max_value=900.0),
    "taken": st.booleans(),
}


@settings(max_examples=1500, deadline=None)
@given(
    **TECHNICIAN_NOW,
    route=st.lists(visit, max_size=7, unique_by=lambda v: v.visit_id),
    new=visit,
    inc=incidents,
    allow_late=st.booleans(),
    weights=st.tuples(
        st.floats(min_value=0.0, max_value=5.0),
        st.floats(min_value=0.0, max_value=20.0),
        st.floats(min_value=0.0, max_value=5.0),
    ),
    shift_end=st.floats(min_value=900.0, max_value=1100.0),
)
def test_compiled_insertion_pricing_gives_the_same_bits_as_the_reference(
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
    before = route_timeline(spec, status, state.routes["T1"], state.visits, MODEL, BRK, inc)
    args = (state, "T1", new, before)
    rest = (InsertionWeights(*weights), allow_late, spec.max_end, spec.shift_end)
    compiled = KERNELS.priced_positions(*args, MODEL.kernel, *rest)
    assert compiled == _priced_positions(*args, MODEL, *rest)
    assert [type(p[2]) for p in compiled] == [bool] * len(compiled)


@settings(max_examples=1500, deadline=None)
@given(
    **TECHNICIAN_NOW,
    route=st.lists(visit, max_size=8, unique_by=lambda v: v.visit_id),
    inc=incidents,
    overrides=st.none()
    | st.dictionaries(
        st.sampled_from([f"V{i}" for i in range(6)]), st.floats(min_value=1.0, max_value=200.0)
    ),
    skills=st.sampled_from([frozenset({"s"}), frozenset({"t"})]),
    brk=st.sampled_from([BRK, BreakRule(0.0, 240.0), BreakRule(45.0, 60.0)]),
)
def test_compiled_timeline_gives_the_same_bits_as_the_reference(
    home: tuple[float, float],
    at: tuple[float, float],
    free_at: float,
    taken: bool,
    route: list[VisitTask],
    inc: dict[str, float],
    overrides: dict[str, float] | None,
    skills: frozenset[str],
    brk: BreakRule,
) -> None:
    spec = TechnicianSpec("T1", *home, skills, 420.0, 1000.0, 1100.0)
    status = TechnicianState("T1", *at, free_at, True, taken)
    visits = {v.visit_id: v for v in route}
    ids = tuple(visits)
    compiled = route_timeline(spec, status, ids, visits, MODEL, brk, inc, overrides)
    assert compiled == route_timeline(spec, status, ids, visits, REFERENCE, brk, inc, overrides)
    assert all(type(s) is Stop for s in compiled.stops)


@settings(max_examples=1500, deadline=None)
@given(
    est=st.builds(
        DurationEstimate.from_mean_cv,
        st.floats(min_value=1.0, max_value=400.0),
        st.floats(min_value=0.0, max_value=2.0),
    ),
    elapsed=st.one_of(
        st.floats(min_value=-5.0, max_value=2000.0), st.sampled_from([0.0, 1e-9, 1e5])
    ),
)
def test_compiled_remaining_work_gives_the_same_bits_as_the_reference(
    est: DurationEstimate, elapsed: float
) -> None:
    compiled = KERNELS.remaining_work(est, elapsed, Z90, REMAINING_TAIL_MIN)
    assert compiled == remaining_work(est, elapsed)
    assert [type(x) for x in compiled] == [float, float]


# a depot stop on the way (``stop_task``): long service, so that it is often what ends the day
depot_stop = st.builds(
    lambda i, x, y, service: stop_task(f"D{i}", "V0", x, y, service),
    st.integers(0, 2),
    coord,
    coord,
    st.floats(min_value=5.0, max_value=600.0),
)


@settings(max_examples=1500, deadline=None)
@given(
    home=st.tuples(coord, coord),
    route=st.lists(visit | depot_stop, max_size=8, unique_by=lambda v: v.visit_id),
    start=st.floats(min_value=420.0, max_value=1100.0),
    max_end=st.floats(min_value=600.0, max_value=1300.0),
    skip=st.none() | st.sampled_from([f"V{i}" for i in range(6)]),
    lead=st.sampled_from([math.inf, 30.0, 120.0]),
)
def test_compiled_day_end_check_gives_the_same_answer_as_the_reference(
    home: tuple[float, float],
    route: list[VisitTask],
    start: float,
    max_end: float,
    skip: str | None,
    lead: float,
) -> None:
    spec = TechnicianSpec("T1", *home, frozenset({"s"}), 420.0, max_end - 60.0, max_end)
    etas = route_etas(Position(*home, start), route, {}, MODEL, 0.25)
    compiled = KERNELS.first_unreachable(route, etas, spec, MODEL.kernel, skip, start, lead)
    assert compiled == first_unreachable(route, etas, spec, REFERENCE, skip, start, lead)
    with pytest.raises(ValueError, match="ETAs"):
        KERNELS.first_unreachable(route, [*etas, etas[0]] if etas else [None], spec, MODEL.kernel)
