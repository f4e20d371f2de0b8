from __future__ import annotations

from dataclasses import replace

import numpy as np

from bench.fixtures.synthetic import synthetic_visit
from twin.config import Scenario
from twin.models.planner import (
    Evaluator,
    PowerOptDispatcher,
    late_risk,
    repair_plan,
    slot_offers,
)
from twin.models.routing.dispatch import NoOffer
from twin.models.routing.plan import route_timeline

WINDOWS = [(480.0, 600.0), (600.0, 720.0), (720.0, 840.0), (480.0, 720.0), (480.0, 960.0)]


def _request(vid="R1", skill="repair", seed=11):
    v = synthetic_visit(Scenario(), vid, np.random.default_rng(seed))
    return replace(v, skill=skill, duration_min=45.0)


def test_evaluator_matches_route_timeline(planned_day, params):
    state, travel, brk = planned_day
    ev = Evaluator(state, travel, brk, params)
    rng = np.random.default_rng(0)
    vids = sorted(state.visits)
    for tid in sorted(state.technicians):
        route = tuple(rng.choice(vids, size=6, replace=False))
        w = ev.walk(tid, route)
        new = (*route[:2], vids[0], *route[2:]) if vids[0] not in route else route[::-1]
        w2 = ev.rewalk(tid, w, new)
        tl = route_timeline(
            state.technicians[tid], state.status[tid], new, state.visits, travel, brk
        )
        assert abs(w2.end - tl.end) < 1e-6 and w2.n_late == tl.n_late
        assert abs(w2.travel_min - tl.travel_min) < 1e-6


def test_offers_ranked_by_cost_and_feasible(planned_day, params):
    state, travel, brk = planned_day
    ev = Evaluator(state, travel, brk, params)
    got = slot_offers(ev, _request(), WINDOWS)
    assert isinstance(got, list) and got
    assert [o.cost for o in got] == sorted(o.cost for o in got)
    for o in got:
        assert "repair" in state.technicians[o.technician_id].skills
        assert 0.0 <= o.late_risk <= 1.0


def test_no_offer_reasons(planned_day, params):
    state, travel, brk = planned_day
    ev = Evaluator(state, travel, brk, params)
    assert "skill" in slot_offers(ev, _request(skill="welding"), WINDOWS).reason
    late = replace(state, now=1000.0)
    got = slot_offers(Evaluator(late, travel, brk, params), _request(), WINDOWS)
    assert isinstance(got, NoOffer) and "no window left" in got.reason
    got = slot_offers(ev, _request(), WINDOWS, availability=[(1200.0, 1300.0)])
    assert isinstance(got, NoOffer) and "availability" in got.reason
    strict = replace(params, same_day_acceptance=False)
    later = replace(state, now=600.0)
    got = slot_offers(Evaluator(later, travel, brk, strict), _request(), WINDOWS)
    assert isinstance(got, NoOffer) and "same-day" in got.reason


def test_late_risk_monotone():
    assert late_risk(60.0, 900.0) < late_risk(0.0, 900.0) == 0.5 < late_risk(-30.0, 900.0)


def _sick(state):
    tid = max(state.routes, key=lambda t: len(state.routes[t]))
    orphans = list(state.routes[tid])
    status = {**state.status, tid: replace(state.status[tid], available=False)}
    routes = {**state.routes, tid: ()}
    return replace(state, status=status, routes=routes), orphans, tid


def test_repair_keeps_pinned_and_loses_nothing(planned_day, params):
    state, travel, brk = planned_day
    dstate, orphans, sick = _sick(state)
    pinned = {r[0] for t, r in dstate.routes.items() if r}
    owner = {v: t for t, r in dstate.routes.items() for v in r}
    res = repair_plan(dstate, travel, brk, params, orphans, pinned=pinned, seed=1)
    after = {**dstate.routes, **res.routes}
    placed = [v for r in after.values() for v in r]
    assert len(placed) == len(set(placed))
    assert set(placed) | set(res.unassigned) == set(dstate.visits)
    assert not after[sick]
    for v in pinned:
        assert v in after[owner[v]]
    for tid, route in after.items():
        assert all(dstate.visits[v].skill in dstate.technicians[tid].skills for v in route)


def test_repair_improves_or_keeps_cost(planned_day, params):
    state, travel, brk = planned_day
    tid = max(state.routes, key=lambda t: len(state.routes[t]))
    st = state.status[tid]
    dstate = replace(state, status={**state.status, tid: replace(st, free_at=st.free_at + 90)})
    ev = Evaluator(dstate, travel, brk, params)
    before = ev.plan_cost(dstate.routes)
    res = repair_plan(dstate, travel, brk, params, seed=0)
    assert ev.plan_cost({**dstate.routes, **res.routes}) <= before + 1e-6
    assert res.cost_after <= res.cost_before + 1e-6


def test_dispatcher_protocol_round_trip(planned_day, params):
    state, travel, brk = planned_day
    po = PowerOptDispatcher(travel, brk, params)
    req = _request()
    offers = po.offers(state, req, WINDOWS)
    assert isinstance(offers, list)
    best = offers[0]
    chosen = replace(req, window_start=best.window_start, window_end=best.window_end)
    got = po.insert(replace(state, visits={**state.visits, req.visit_id: req}), chosen)
    assert isinstance(got, dict) and any(req.visit_id in r for r in got.values())
    dstate, orphans, _ = _sick(state)
    changed = po.repair(dstate, "technician_unavailable", orphans)
    placed = {v for r in {**dstate.routes, **changed}.values() for v in r}
    assert set(orphans) <= placed or len(placed) < len(dstate.visits)


def test_repair_of_a_small_region_does_not_move_a_visit_next_to_itself(params):
    # regression: with fewer visits in the region than neighbours asked for, a visit was its
    # own neighbour and the intra-route move crashed (tuple.index: x not in tuple)
    from bench.fixtures.synthetic import synthetic_day

    state, travel, brk = synthetic_day(Scenario(), 2, 3, np.random.default_rng(5))
    tids = sorted(state.technicians)
    vids = sorted(state.visits)
    routes = {tids[0]: (vids[0],), tids[1]: ()}
    state = replace(state, routes=routes)
    res = repair_plan(state, travel, brk, params, [vids[1], vids[2]], disturbed=tids, seed=0)
    after = {**state.routes, **res.routes}
    placed = [v for r in after.values() for v in r]
    assert sorted(placed + list(res.unassigned)) == vids
