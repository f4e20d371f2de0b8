"""The compiled insertion search (``best_search``: the pricing of every candidate, the
cheapest few kept in C, their exact re-timing) gives the very insertion of the Python
reference (``_searched``: a list of every priced position, sorted, then ``route_timeline``
of each new route), ties between technicians and positions included."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.models.test_kernels import BRK, MODEL, REFERENCE, ZONES, coord
from twin.models.booking.desk import Booking
from twin.models.routing.insertion import (
    EXACT_CHECKS,
    CandidateIndex,
    InsertionWeights,
    _searched,
    best_insertion,
)
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    TechnicianSpec,
    TechnicianState,
    Timeline,
    VisitTask,
    route_timeline,
    with_window,
)
from twin.models.routing.travel import KERNELS

incidents = st.dictionaries(
    st.sampled_from(ZONES), st.floats(min_value=0.1, max_value=1.0), max_size=len(ZONES)
)
brks = st.sampled_from([BRK, BreakRule(0.0, 240.0), BreakRule(45.0, 60.0)])
place = st.tuples(coord, coord)
# windows, durations and a skill per visit; the ids are given when a route is built
shape = st.tuples(
    place,
    st.floats(min_value=300.0, max_value=1100.0),
    st.floats(min_value=0.0, max_value=240.0),
    st.floats(min_value=5.0, max_value=240.0),
    st.sampled_from(["s", "s", "s", "t"]),
)
technician = st.fixed_dictionaries(
    {
        "home": place,
        "at": place,
        "free_at": st.floats(min_value=420.0, max_value=900.0),
        "taken": st.booleans(),
        "shift_end": st.floats(min_value=900.0, max_value=1100.0),
        "route": st.lists(shape, max_size=8),
    }
)
# ids whose string order differs from their order of appearance (the sort key's id)
TIDS = ["T2", "T10", "T1", "A7", "T3"]


def _task(vid: str, s: tuple[tuple[float, float], float, float, float, str]) -> VisitTask:
    (x, y), ws, width, dur, skill = s
    return VisitTask(vid, "C", x, y, "repair", skill, 1, ws, ws + width, dur)


def _state(techs: list[dict], inc: dict[str, float], clones: int) -> PlanState:
    """Technicians ``TIDS[:n]``; the last ``clones`` copy the first one's home, place and
    route (other visit ids, same places): equal costs, ordered by the id."""
    techs = [*techs, *([techs[0]] * clones)]
    specs, status, visits, routes = {}, {}, {}, {}
    for i, t in enumerate(techs):
        tid = TIDS[i]
        specs[tid] = TechnicianSpec(
            tid, *t["home"], frozenset({"s"}), 420.0, t["shift_end"], t["shift_end"] + 120.0
        )
        status[tid] = TechnicianState(tid, *t["at"], t["free_at"], True, t["taken"])
        tasks = [_task(f"{tid}-V{j}", s) for j, s in enumerate(t["route"])]
        visits.update({v.visit_id: v for v in tasks})
        routes[tid] = tuple(v.visit_id for v in tasks)
    return PlanState(0.0, specs, status, visits, routes, inc)


def _befores(state: PlanState, order: list[int], brk: BreakRule) -> list[tuple[str, Timeline]]:
    """The technicians' current timelines, in ``order`` (as a candidate search lists them)."""
    tids = list(state.technicians)
    out = []
    for i in order:
        if i < len(tids):
            tid = tids[i]
            spec, status, route = state.technicians[tid], state.status[tid], state.routes[tid]
            timeline = route_timeline(
                spec, status, route, state.visits, MODEL, brk, state.incidents
            )
            out.append((tid, timeline))
    return out


@settings(max_examples=600, deadline=None)
@given(
    techs=st.lists(technician, min_size=1, max_size=3),
    clones=st.integers(0, 2),
    order=st.permutations(range(5)),
    new=shape,
    inc=incidents,
    brk=brks,
    flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    weights=st.tuples(
        st.floats(min_value=0.0, max_value=5.0),
        st.floats(min_value=0.0, max_value=20.0),
        st.floats(min_value=0.0, max_value=5.0),
    ),
)
def test_the_compiled_search_is_the_reference(
    techs: list[dict],
    clones: int,
    order: list[int],
    new: tuple[tuple[float, float], float, float, float, str],
    inc: dict[str, float],
    brk: BreakRule,
    flags: tuple[bool, bool, bool],
    weights: tuple[float, float, float],
) -> None:
    state = _state(techs, inc, clones)
    visit = _task("NEW", (*new[:4], "s"))
    befores = _befores(state, order, brk)
    rows = KERNELS.CandidateRows(MODEL.kernel, brk)
    looked = rows.of(state, CandidateIndex.for_state(state), [tid for tid, _ in befores], None, 0.0)
    for tid, timeline in befores:  # each row: the numbers and packed stops of the timeline
        t = timeline
        numbers = (t.end, t.travel_min, t.late_min, t.overtime_min, t.n_late, t.feasible)
        assert rows.timeline(tid) == (*numbers, t.packed)
    allow_late, allow_overtime, fallback = flags
    w = InsertionWeights(*weights)
    compiled = best_insertion(
        state,
        visit,
        MODEL,
        brk,
        w,
        allow_late=allow_late,
        allow_overtime=allow_overtime,
        fallback=fallback,
        befores=looked,
    )
    rest = (w, allow_late, allow_overtime, fallback)
    assert compiled == _searched(state, visit, befores, MODEL, brk, *rest)
    # and the reference is the same with the Python travel model
    assert compiled == _searched(state, visit, befores, REFERENCE, brk, *rest)


def test_equal_costs_go_to_the_smaller_id_then_the_earlier_position() -> None:
    twin = {"home": (30.0, 30.0), "at": (30.0, 30.0), "free_at": 480.0, "taken": False}
    tech = {**twin, "shift_end": 1000.0, "route": []}
    state = _state([tech], {}, clones=2)  # T2, T10, T1: the same empty day each
    visit = _task("NEW", ((31.0, 30.0), 600.0, 120.0, 30.0, "s"))
    befores = _befores(state, [0, 1, 2], BRK)
    rows = KERNELS.CandidateRows(MODEL.kernel, BRK)
    found = best_insertion(
        state,
        visit,
        MODEL,
        BRK,
        befores=rows.of(state, CandidateIndex.for_state(state), ["T2", "T10", "T1"], None, 0.0),
    )
    assert found is not None and found.technician_id == "T1" == min(state.technicians)
    assert found == _searched(state, visit, befores, MODEL, BRK, InsertionWeights(), *[False] * 3)


@settings(max_examples=800, deadline=None)
@given(
    tech=technician,
    new=shape,
    namesake=st.booleans(),
    pos=st.integers(0, 8),
    inc=incidents,
    brk=brks,
    skills=st.sampled_from([frozenset({"s"}), frozenset({"s", "t"})]),
    durations=st.none()
    | st.dictionaries(st.sampled_from([f"T2-V{i}" for i in range(8)]), st.floats(1.0, 200.0)),
)
def test_the_exact_retiming_is_the_new_routes_timeline(
    tech: dict,
    new: tuple[tuple[float, float], float, float, float, str],
    namesake: bool,
    pos: int,
    inc: dict[str, float],
    brk: BreakRule,
    skills: frozenset[str],
    durations: dict[str, float] | None,
) -> None:
    """Also from the packed stops of a timeline whose stops took other durations (the
    brain's predictions): the re-timing takes the visits' own."""
    state = _state([tech], inc, 0)
    spec = dataclasses.replace(state.technicians["T2"], skills=skills)
    st_ = state.status["T2"]
    route = state.routes["T2"]
    pos = min(pos, len(route))
    # a visit of the route with the new one's id: the new one wins, as in the reference
    vid = route[0] if namesake and route else "NEW"
    visit = _task(vid, new)
    retimed = KERNELS.retimed(spec, st_, route, state.visits, visit, pos, MODEL.kernel, brk, inc)
    new_route = (*route[:pos], vid, *route[pos:])
    known = {**{v: state.visits[v] for v in route}, vid: visit}
    for travel in (MODEL, REFERENCE):
        after = route_timeline(spec, st_, new_route, known, travel, brk, inc)
        assert retimed == (
            after.end,
            after.travel_min,
            after.late_min,
            after.overtime_min,
            after.n_late,
            after.feasible,
        )
    if vid == "NEW":  # new to the plan: re-timed from the packed stops, the same six
        before = route_timeline(spec, st_, route, state.visits, MODEL, brk, inc, durations)
        args = (spec, st_, before, route, state.visits, visit, pos, MODEL.kernel, brk, inc)
        assert KERNELS.retimed_packed(*args) == retimed
        # a booking's row, walked from the packed stops once the plan holds it: the new
        # route's timeline
        rows = KERNELS.CandidateRows(MODEL.kernel, brk)
        plan = dataclasses.replace(state, technicians={"T2": spec})
        index = CandidateIndex.for_state(plan)
        cands = rows.of(plan, index, ["T2"], None, 0.0)
        assert rows.prime(plan, cands, "T2", pos, visit, new_route)
        taken = dataclasses.replace(plan, visits=known, routes={"T2": new_route})
        rows.of(taken, index, ["T2"], None, 0.0)
        assert (rows.walks, rows.primed) == (1, 1)
        t = route_timeline(spec, st_, new_route, known, MODEL, brk, inc)
        numbers = (t.end, t.travel_min, t.late_min, t.overtime_min, t.n_late, t.feasible)
        assert rows.timeline("T2") == (*numbers, t.packed)


@pytest.mark.parametrize("checks", [0, 17])
def test_the_search_refuses_a_number_of_checks_it_cannot_keep(checks: int) -> None:
    state = _state([{"home": (1.0, 1.0), "at": (1.0, 1.0), "free_at": 480.0, "taken": False,
                     "shift_end": 1000.0, "route": []}], {}, 0)  # fmt: skip
    visit = _task("NEW", ((2.0, 2.0), 600.0, 60.0, 30.0, "s"))
    none = KERNELS.CandidateRows(MODEL.kernel, BRK).of(
        state, CandidateIndex.for_state(state), [], None, 0.0
    )
    args = (state, visit, none, InsertionWeights(), False, False, False)
    with pytest.raises(ValueError, match=f"checks must be 1 to 16, got {checks}"):
        KERNELS.best_search(*args, checks)
    assert 0 < EXACT_CHECKS <= 16


def test_with_window_is_replace_of_the_window_and_keeps_every_field() -> None:
    task = dataclasses.replace(
        _task("V1", ((3.0, 4.0), 480.0, 60.0, 30.0, "s")),
        due_min=700.0,
        tools=frozenset({"ladder"}),
        parts={"pump": 1},
    )
    moved = with_window(task, 600.0, 720.0)
    assert moved == dataclasses.replace(task, window_start=600.0, window_end=720.0)
    assert moved.parts is task.parts and moved.tools is task.tools
    changed = {
        f.name
        for f in dataclasses.fields(VisitTask)
        if getattr(moved, f.name) != getattr(task, f.name)
    }
    assert changed == {"window_start", "window_end"}


def test_a_booking_names_the_technician_whose_route_holds_the_visit() -> None:
    task = _task("".join(["V", "7"]), ((3.0, 4.0), 480.0, 60.0, 30.0, "s"))
    equal_not_same = "".join(["V", "7"])
    assert equal_not_same == task.visit_id and equal_not_same is not task.visit_id
    assert Booking(task, {"T1": ("A", task.visit_id)}).technician_id == "T1"
    assert Booking(task, {"T1": ("A", equal_not_same)}).technician_id == "T1"
    assert Booking(task, {"T1": ("A",), "T2": (equal_not_same,)}).technician_id == "T2"
    assert Booking(task, {"T1": ("A",)}).technician_id is None
