"""The candidates' rows (``CandidateRows``): a row holds exactly while the Python cache's key
(the technician's state, route and the incidents) is equal, whichever way it is reached,
and a search over kept rows finds the insertion of the reference over fresh timelines."""

from __future__ import annotations

import pytest

from tests.models.test_kernels import BRK, MODEL, ZONES
from twin.models.routing.dispatch import BaselineDispatcher, NoOffer
from twin.models.routing.insertion import (
    CandidateIndex,
    InsertionWeights,
    _searched,
    best_insertion,
    look_up,
)
from twin.models.routing.plan import (
    PlanState,
    StatusAt,
    TechnicianSpec,
    TechnicianState,
    VisitTask,
    route_timeline,
)
from twin.models.routing.travel import KERNELS

pytestmark = pytest.mark.skipif(KERNELS is None, reason="the compiled kernels are not built")
TIDS = ("T1", "T2", "T3")


def _visit(vid: str, x: float, start: float = 540.0) -> VisitTask:
    return VisitTask(vid, "C", x, 10.0, "repair", "s", 1, start, start + 120.0, 30.0)


def _plan() -> tuple[dict, dict, dict, dict]:
    specs = {
        t: TechnicianSpec(t, 5.0 * i, 10.0, frozenset({"s"}), 480.0, 1020.0, 1140.0)
        for i, t in enumerate(TIDS)
    }
    status = {t: TechnicianState(t, 5.0 * i, 10.0, 480.0) for i, t in enumerate(TIDS)}
    visits = {v.visit_id: v for v in (_visit("A", 2.0), _visit("B", 8.0, 600.0))}
    routes = {"T1": ("A",), "T2": ("B",), "T3": ()}
    return specs, status, visits, routes


def _state(
    now: float, specs: dict, status: dict, visits: dict, routes: dict, inc: dict
) -> PlanState:
    return PlanState(now, specs, StatusAt(status, now), visits, routes, inc)


def _fresh(state: PlanState, tids: list[str]) -> list:
    """The reference's timelines, walked now."""
    return [
        (t, route_timeline(
            state.technicians[t], state.status[t], state.routes.get(t, ()), state.visits,
            MODEL, BRK, state.incidents,
        ))
        for t in tids
    ]  # fmt: skip


def _holds(rows: object, state: PlanState) -> bool:
    """Look up every technician and tell whether none was walked."""
    walks = rows.walks  # type: ignore[attr-defined]
    status = state.status
    assert isinstance(status, StatusAt)
    rows.of(state, CandidateIndex.for_state(state), list(TIDS), status.base, status.now)  # type: ignore[attr-defined]
    return rows.walks == walks  # type: ignore[attr-defined,no-any-return]


def test_a_row_holds_while_its_key_is_equal_and_is_walked_when_it_is_not() -> None:
    specs, status, visits, routes = _plan()
    rows = KERNELS.CandidateRows(MODEL.kernel, BRK)
    state = _state(400.0, specs, status, visits, routes, {})
    assert not _holds(rows, state) and rows.walks == 3
    assert _holds(rows, state)
    # a new route tuple equal to the old one: held (as the cache's == holds it)
    routes["T1"] = tuple(["A"])
    assert _holds(rows, state)
    # nobody free before now: the same base state at a later now holds
    assert _holds(rows, _state(470.0, specs, status, visits, routes, {}))
    # free before now: the adjusted free time changes with now, the row is walked
    assert not _holds(rows, _state(500.0, specs, status, visits, routes, {}))
    assert _holds(rows, _state(500.0, specs, status, visits, routes, {}))
    assert not _holds(rows, _state(501.0, specs, status, visits, routes, {}))
    # a new state object with the same numbers (a StatusAt's base changed): held by ==
    status["T2"] = TechnicianState("T2", 5.0, 10.0, 480.0)
    assert _holds(rows, _state(501.0, specs, status, visits, routes, {}))
    # a state that differs, a route that differs, other incidents: walked, that one only
    status["T2"] = TechnicianState("T2", 6.0, 10.0, 480.0)
    walks = rows.walks
    assert not _holds(rows, _state(501.0, specs, status, visits, routes, {}))
    assert rows.walks == walks + 1
    routes["T3"] = ("A",)
    assert not _holds(rows, _state(501.0, specs, status, visits, routes, {}))
    assert rows.walks == walks + 2
    assert not _holds(rows, _state(501.0, specs, status, visits, routes, {ZONES[0]: 0.5}))
    assert rows.walks == walks + 5
    assert _holds(rows, _state(501.0, specs, status, visits, routes, {ZONES[0]: 0.5}))


def test_rows_give_the_timelines_and_the_insertion_of_the_reference() -> None:
    specs, status, visits, routes = _plan()
    rows = KERNELS.CandidateRows(MODEL.kernel, BRK)
    visit = _visit("NEW", 4.0)
    w = InsertionWeights()
    for now, inc in ((400.0, {}), (500.0, {}), (530.0, {ZONES[0]: 0.5}), (530.0, {})):
        routes["T3"] = (*routes["T3"], "A") if now == 530.0 and not inc else routes["T3"]
        state = _state(now, specs, status, visits, routes, inc)
        cands = look_up(state, visit, MODEL, BRK, 3, CandidateIndex.for_state(state), rows)
        fresh = _fresh(state, list(cands.tids))
        for tid, t in fresh:
            numbers = (t.end, t.travel_min, t.late_min, t.overtime_min, t.n_late, t.feasible)
            assert rows.timeline(tid) == (*numbers, t.packed)
        for flags in ((False, False, False), (True, True, False), (False, False, True)):
            found = best_insertion(state, visit, MODEL, BRK, w, 3, *flags[:2], befores=cands,
                                   fallback=flags[2])  # fmt: skip
            assert found == _searched(state, visit, fresh, MODEL, BRK, w, *flags)


def test_candidates_tell_a_walk_since_their_look_up_and_are_not_searched_stale() -> None:
    specs, status, visits, routes = _plan()
    rows = KERNELS.CandidateRows(MODEL.kernel, BRK)
    state = _state(400.0, specs, status, visits, routes, {})
    first = rows.of(state, CandidateIndex.for_state(state), list(TIDS), status, 400.0)
    again = rows.of(state, CandidateIndex.for_state(state), list(TIDS), status, 400.0)
    assert first.same(again) and len(first) == 3
    assert not first.same(
        rows.of(state, CandidateIndex.for_state(state), ["T1", "T2"], status, 400.0)
    )
    routes["T2"] = ("B", "A")
    changed = rows.of(state, CandidateIndex.for_state(state), list(TIDS), status, 400.0)
    assert not first.same(changed)
    with pytest.raises(RuntimeError, match="changed since its look-up"):
        KERNELS.best_search(state, _visit("NEW", 4.0), first, InsertionWeights(), False, False,
                            False, 6)  # fmt: skip
    # another technicians' mapping (another plan): every row is walked anew
    walks = rows.walks
    other = PlanState(400.0, dict(specs), StatusAt(status, 400.0), visits, routes, {})
    rows.of(other, CandidateIndex.for_state(other), list(TIDS), status, 400.0)
    assert rows.walks == walks + 3


def test_the_rows_pick_whom_the_index_finds_nearest_and_available() -> None:
    specs, status, visits, routes = _plan()
    for i in range(3, 40):  # past the scan: the grid's rankings, fetched run by run
        tid = f"T{i + 1}"
        specs[tid] = TechnicianSpec(tid, 1.5 * i % 30, 0.7 * i % 20, frozenset({"s"}), 480.0,
                                    1020.0, 1140.0)  # fmt: skip
        status[tid] = TechnicianState(tid, 1.5 * i % 30, 0.7 * i % 20, 480.0, i % 3 != 0)
    rows = KERNELS.CandidateRows(MODEL.kernel, BRK)
    for now in (400.0, 500.0, 500.0):
        for k in (1, 8, 30, 100):
            for x in (0.0, 4.0, 17.5, 29.0):
                state = _state(now, specs, status, visits, routes, {})
                index = CandidateIndex.for_state(state)
                found = look_up(state, _visit("NEW", x), MODEL, BRK, k, index, rows)
                assert list(found.tids) == index.nearest(state, _visit("NEW", x), k)
                assert len(found) == min(k, sum(st.available for st in status.values()))
        status["T4"] = TechnicianState("T4", 4.5, 2.1, 480.0, True)  # back: available


def test_a_booking_primes_its_row_so_that_the_applied_route_holds() -> None:
    specs, status, visits, routes = _plan()
    dispatcher = BaselineDispatcher(MODEL, BRK, reach=3)
    state = _state(400.0, specs, status, visits, routes, {})
    index = CandidateIndex.for_state(state)
    for i, x in enumerate((3.0, 9.0, 4.0, 1.0, 12.0)):
        visit = _visit(f"N{i}", x, 560.0 + 25.0 * i)
        decided = dispatcher.insert(state, visit)
        assert not isinstance(decided, NoOffer)
        ((tid, route),) = decided.items()
        rows = dispatcher._timelines
        visits[visit.visit_id], routes[tid] = visit, route  # the plan takes the booking
        walks, primed = rows.walks, rows.primed
        look_up(state, _visit("X", x), MODEL, BRK, 3, index, rows)
        assert rows.walks == walks  # none walked from the plan's visits ...
        assert rows.primed == primed + 1  # ... the booked one from its packed stops
        t = route_timeline(specs[tid], state.status[tid], route, visits, MODEL, BRK, {})
        numbers = (t.end, t.travel_min, t.late_min, t.overtime_min, t.n_late, t.feasible)
        assert rows.timeline(tid) == (*numbers, t.packed)
    assert rows.primed == 5
    # a plan that does not take the booking: the row holds as it was
    decided = dispatcher.insert(state, _visit("N9", 5.0))
    assert not isinstance(decided, NoOffer)
    look_up(state, _visit("X", 5.0), MODEL, BRK, 3, index, rows)
    assert (rows.walks, rows.primed) == (walks, 5)
    # nor when it takes another route for that technician: walked from the plan
    ((tid, route),) = decided.items()
    routes[tid] = (*routes[tid], "A")
    look_up(state, _visit("X", 5.0), MODEL, BRK, 3, index, rows)
    assert (rows.walks, rows.primed) == (walks + 1, 5)
