"""Cheapest insertion: the one-pass fallback search answers what two searches answer; the
candidate index answers what a scan over every technician answered."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.fixtures.synthetic import synthetic_day, synthetic_visit
from twin.config import Scenario
from twin.models.routing.candidates import ORDER_CACHE, ORDER_CACHE_PER_TECHNICIAN
from twin.models.routing.insertion import CandidateIndex, best_insertion
from twin.models.routing.plan import (
    PlanState,
    TechnicianSpec,
    TechnicianState,
    VisitTask,
    route_timeline,
)


def _loaded_day(seed: int):  # type: ignore[no-untyped-def]
    scn = Scenario()
    rng = np.random.default_rng(seed)
    state, travel, brk = synthetic_day(scn, 25, 0, rng)
    routes = dict(state.routes)
    visits = {}
    for i in range(220):  # more than fits: later visits only go in late or not at all
        v = synthetic_visit(scn, f"V{i:04d}", rng)
        visits[v.visit_id] = v
        view = replace(state, visits=visits, routes=routes)
        ins = best_insertion(view, v, travel, brk, allow_late=True)
        if ins is not None:
            routes[ins.technician_id] = ins.route
    return scn, replace(state, visits=visits, routes=routes), travel, brk, rng


def test_fallback_equals_strict_then_lenient_search() -> None:
    strict_hits = lenient_hits = 0
    for seed in (1, 2):
        scn, state, travel, brk, rng = _loaded_day(seed)
        index = CandidateIndex(state)
        for i in range(60):
            v = synthetic_visit(scn, f"N{i:03d}", rng)
            strict = best_insertion(state, v, travel, brk, allow_overtime=False, index=index)
            lenient = best_insertion(
                state, v, travel, brk, allow_late=True, allow_overtime=True, index=index
            )
            expected = strict if strict is not None else lenient
            got = best_insertion(state, v, travel, brk, index=index, fallback=True)
            assert got == expected
            strict_hits += strict is not None
            lenient_hits += strict is None and lenient is not None
    # the comparison covered both branches of the fallback
    assert strict_hits > 0
    assert lenient_hits > 0


def test_strict_insertion_plans_nobody_late_and_no_overtime() -> None:
    scn, state, travel, brk, rng = _loaded_day(3)
    for i in range(30):
        v = synthetic_visit(scn, f"S{i:03d}", rng)
        ins = best_insertion(state, v, travel, brk, allow_overtime=False)
        if ins is None:
            continue
        tid = ins.technician_id
        spec, st = state.technicians[tid], state.status[tid]
        visits = {**state.visits, v.visit_id: v}
        before = route_timeline(spec, st, state.routes[tid], state.visits, travel, brk)
        after = route_timeline(spec, st, ins.route, visits, travel, brk)
        assert after.n_late <= before.n_late
        assert after.end <= spec.shift_end


def _scan_nearest(state: PlanState, visit: VisitTask, k: int) -> list[str]:
    """The candidate search as it was before the index (every technician, every time)."""
    tids = sorted(t for t, s in state.technicians.items() if visit.skill in s.skills)
    xs = np.array([state.technicians[t].home_x for t in tids])
    ys = np.array([state.technicians[t].home_y for t in tids])
    order = np.argsort(np.hypot(xs - visit.x, ys - visit.y), kind="stable").tolist()
    return [tids[i] for i in order if state.status[tids[i]].available][:k]


def _compare_with_scan(homes: list[tuple[float, float]], places: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    skills = ["gas", "repair", "install"]
    techs = {}
    for i, (x, y) in enumerate(homes):  # ids not in home order: ties go by id
        tid = f"T{rng.integers(1000):03d}{i}"
        own = frozenset(s for s in skills if rng.random() < 0.6) or frozenset({"repair"})
        techs[tid] = TechnicianSpec(tid, x, y, own, 480.0, 960.0, 990.0)
    status = {t: TechnicianState(t, 0.0, 0.0, 480.0, bool(rng.random() < 0.7)) for t in techs}
    state = PlanState(480.0, techs, status, {}, {t: () for t in techs})
    index = CandidateIndex(state)
    for q in range(40):  # places repeat: cached rankings must answer as fresh ones do
        x, y = float(rng.choice(places)), float(rng.choice(places))
        skill = str(rng.choice([*skills, "unknown"]))
        visit = VisitTask(f"V{q}", "C", x, y, "repair", skill, 1, 480.0, 600.0, 30.0)
        k = int(rng.integers(1, 40))
        assert index.nearest(state, visit, k) == _scan_nearest(state, visit, k)
        if q == 20:  # availability changes, the cached order does not
            status = {t: replace(s, available=not s.available) for t, s in status.items()}
            state = replace(state, status=status)


@settings(max_examples=40, deadline=None)
@given(
    homes=st.lists(
        st.tuples(st.sampled_from([0.0, 1.0, 2.5, 4.0]), st.sampled_from([0.0, 1.0, 3.0])),
        min_size=1,
        max_size=70,
    ),
    seed=st.integers(0, 2**16),
)
def test_candidate_index_answers_what_the_scan_answered(
    homes: list[tuple[float, float]], seed: int
) -> None:
    _compare_with_scan(homes, [0.0, 1.0, 2.0, 4.0], seed)


def test_candidate_index_of_a_big_company_with_ties_answers_what_the_scan_answered() -> None:
    # 1,500 technicians on a 21 x 21 grid: more than a scan per skill, many equal distances
    rng = np.random.default_rng(9)
    grid = np.arange(0.0, 10.5, 0.5)
    homes = [(float(rng.choice(grid)), float(rng.choice(grid))) for _ in range(1500)]
    for seed in range(3):
        _compare_with_scan(homes, grid.tolist(), seed)


def test_the_index_is_shared_per_technicians_mapping() -> None:
    _, state, _, _, _ = _loaded_day(4)
    index = CandidateIndex.for_state(state)
    assert CandidateIndex.for_state(replace(state, routes={})) is index
    copy = replace(state, technicians=dict(state.technicians))
    assert CandidateIndex.for_state(copy) is not index


def test_the_candidate_orders_kept_grow_with_the_company() -> None:
    """A company's places grow with it: a larger one keeps more of them (never fewer than
    ``ORDER_CACHE``), so it finds as many of its repeated places in the cache."""
    rng = np.random.default_rng(3)
    n = 2_000
    techs = {
        f"T{i:04d}": TechnicianSpec(
            f"T{i:04d}", *rng.uniform(0, 60, 2).tolist(), frozenset({"repair"}), 480, 960, 990
        )
        for i in range(n)
    }
    status = {t: TechnicianState(t, 0.0, 0.0, 480.0) for t in techs}
    state = PlanState(480.0, techs, status, {}, {t: () for t in techs})
    index = CandidateIndex(state)
    places = rng.uniform(0, 60, (ORDER_CACHE + 1_000, 2)).tolist()
    first = VisitTask("V0", "C", *places[0], "repair", "repair", 1, 480.0, 600.0, 30.0)
    nearest = index.nearest(state, first, 8)
    for x, y in places[1:]:
        index.nearest(state, replace(first, x=x, y=y), 8)
    kept = index._order  # the cache itself: nothing else tells a hit from a fresh ranking
    assert len(kept) == len(places) > ORDER_CACHE
    assert ("repair", *places[0]) in kept
    assert index.nearest(state, first, 8) == nearest == _scan_nearest(state, first, 8)
    small = CandidateIndex(replace(state, technicians=dict(list(techs.items())[:100])))
    assert small._order_cap == ORDER_CACHE < index._order_cap == ORDER_CACHE_PER_TECHNICIAN * n
