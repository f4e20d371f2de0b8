"""Depot stops are part of the plan: the repaired route carries them, the brain times them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from twin import events as ev
from twin.app.wiring import build_brain, build_world
from twin.config import Scenario, load_scenario, validate
from twin.models.eta.chain import Position, route_etas
from twin.models.routing.kit import is_stop
from twin.sim.van import Need
from twin.sim.world import World
from twin.stream.fleet import fleet_step, new_fleet
from twin.stream.messages import RouteUpdate, Tick
from twin.stream.technician import new_tech, tech_step

BOARD = Need(frozenset(), {"board": 1}, {"board": 1})
SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"


@pytest.fixture(scope="module")
def parts() -> Scenario:
    """The shipped parts scenario, four technicians (the fastest day with depots)."""
    return load_scenario(SCENARIOS / "parts.toml").with_overrides(**{"workforce.technicians": 4})


@pytest.fixture
def boards(tiny: Scenario) -> Scenario:
    """Parts-aware, a part type only the depot holds, needed by no visit unless told."""
    data = tiny.model_dump()
    data["parts"] = {
        "planning": "aware",
        "types": [{"name": "board", "share": 0.0, "van_stock": 0}],
        "depots": [{"id": "central", "x": 5.0, "y": 5.0, "service_min": 15.0}],
    }
    return validate(data)


def _short_visit_repaired(world: World) -> tuple[str, str]:
    """Give the second visit of a route a known need of a board (no van has one), take it
    off its route and let the dispatcher's repair put it back: (technician, visit)."""
    assert world.vans is not None
    tid = next(t for t in sorted(world.routes) if len(world.routes[t]) >= 3)
    vid = world.routes[tid][1]
    world.vans._needs[vid] = BOARD  # the visit's truth: it needs a board, known at booking
    world.set_routes({tid: tuple(v for v in world.routes[tid] if v != vid)})
    routes = world.dispatcher.repair(world.plan_state(), "test", [vid])
    world.set_routes(routes, "repair")
    owner = next(t for t, r in world.routes.items() if vid in r)
    return owner, vid


def test_the_repaired_plan_has_a_depot_stop_before_the_short_visit(boards: Scenario) -> None:
    world = build_world(boards, 1)
    before = [e for e in world.log if isinstance(e, ev.PlanPublished)]
    assert all(s == () for p in before for r in p.routes for s in [r.stops])  # no needs yet
    tid, vid = _short_visit_repaired(world)
    plan = world.log[-1]
    assert isinstance(plan, ev.PlanPublished) and plan.reason == "repair"
    route = next(r for r in plan.routes if r.technician_id == tid)
    assert route.stops == (
        ev.DepotStop(depot_id="central", before=vid, x=5.0, y=5.0, service_min=15.0),
    )
    assert vid in route.visit_ids
    back = ev.from_json(ev.to_json(plan))  # the stops survive the log
    assert back == plan


def test_the_brain_eta_of_the_visit_after_a_stop_includes_the_detour(boards: Scenario) -> None:
    world = build_world(boards, 1)
    tid, vid = _short_visit_repaired(world)
    params = build_brain(world.company, calibration=None)
    fleet = new_fleet(params)
    updates = [
        p
        for e in world.log
        for k, p in fleet_step(fleet, e, params)
        if k == tid and isinstance(p, RouteUpdate)
    ]
    chain = updates[-1].visits
    k = next(i for i, v in enumerate(chain) if is_stop(v.visit_id))
    assert chain[k + 1].visit_id == vid and (chain[k].x, chain[k].y) == (5.0, 5.0)
    plain = tuple(v for v in chain if not is_stop(v.visit_id))
    spec = params.roster[tid]
    start = Position(spec.home_x, spec.home_y, spec.shift_start, 0.0, True)
    est = updates[-1].estimates

    def etas(c: tuple) -> dict[str, float]:  # type: ignore[type-arg]
        got = route_etas(start, c, est, params.travel, params.travel_cv)
        return {e.visit_id: e.eta for e in got}

    with_stop, without = etas(chain), etas(plain)
    # the chain arrives at the depot, stays its 15 minutes, then drives on to the visit
    at_depot = with_stop[chain[k].visit_id]
    onward = params.travel.travel_min(5.0, 5.0, chain[k + 1].x, chain[k + 1].y, at_depot + 15)
    assert with_stop[vid] == pytest.approx(at_depot + 15.0 + onward)
    assert with_stop[vid] >= without[vid] + 15.0 - 1e-9  # later by at least the stop
    for v in chain[:k]:  # the visits before the stop are not moved by it
        assert with_stop[v.visit_id] == pytest.approx(without[v.visit_id])

    # the technician step publishes the visit's ETA with the detour, none for the stop
    state = new_tech(tid, params)
    state.break_taken = True  # as in the chains above: no break to place
    tech_step(state, updates[-1], params)
    minute = spec.shift_start - 30
    time = world.clock.at(0.0) + timedelta(minutes=minute)
    out = tech_step(state, Tick(minute, time), params)
    published = {e.visit_id: e for e in out if isinstance(e, ev.EtaUpdated)}
    assert not any(is_stop(v) for v in published)
    assert world.clock.minutes(published[vid].eta) == pytest.approx(with_stop[vid], abs=0.05)


def test_every_depot_trip_made_was_in_the_published_plan(parts: Scenario) -> None:
    """A day of the shipped parts scenario: each drive to a depot goes to the stop the
    last published plan put before the technician's next visit."""
    world = build_world(parts, 3)
    log = world.run()
    assert world.vans is not None
    depots = {(d.x, d.y): d.depot_id for d in world.vans.depots.values()}
    planned: dict[str, dict[str, str]] = {}
    trips = 0
    pending: dict[str, str] = {}  # technician -> depot driven to, before the next visit
    for e in log:
        if isinstance(e, ev.PlanPublished):
            for r in e.routes:
                planned[r.technician_id] = {s.before: s.depot_id for s in r.stops or ()}
        elif isinstance(e, ev.TravelStarted) and e.visit_id is None:
            if (e.to_x, e.to_y) in depots:
                pending[e.technician_id] = depots[(e.to_x, e.to_y)]
        elif isinstance(e, ev.TravelStarted) and e.technician_id in pending:
            did = pending.pop(e.technician_id)
            assert planned[e.technician_id].get(e.visit_id) == did, (e.technician_id, e.id)
            trips += 1
    assert trips > 0
