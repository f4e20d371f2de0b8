from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from twin import events as ev
from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher, InsertionWeights
from twin.models.routing.plan import BreakRule
from twin.models.routing.travel import TravelModel
from twin.sim.world import World


def _log(events: list[ev.Event], path: Path) -> bytes:
    ev.write_log(events, path)
    return path.read_bytes()


def test_same_seed_same_bytes(small: Scenario, tmp_path: Path) -> None:
    a = _log(World(small, BaselineDispatcher).run(), tmp_path / "a.jsonl")
    b = _log(World(small, BaselineDispatcher).run(), tmp_path / "b.jsonl")
    assert a == b


def test_other_seed_other_day(small: Scenario, tmp_path: Path) -> None:
    a = _log(World(small, BaselineDispatcher, seed=1).run(), tmp_path / "a.jsonl")
    b = _log(World(small, BaselineDispatcher, seed=2).run(), tmp_path / "b.jsonl")
    assert a != b


def _greedy_far(travel: TravelModel, brk: BreakRule) -> BaselineDispatcher:
    """A deliberately different dispatcher: ignores travel, hates overtime."""
    return BaselineDispatcher(travel, brk, InsertionWeights(travel=0.0, late=1.0, overtime=50.0))


def test_dispatcher_does_not_change_demand_or_traffic(small: Scenario) -> None:
    base = World(small, BaselineDispatcher).run()
    other = World(small, _greedy_far).run()

    def of(events: list[ev.Event], kinds: tuple[type[ev.Event], ...]) -> list[tuple[object, ...]]:
        return [
            (e.time, *(getattr(e, f) for f in e.__dataclass_fields__ if f not in ("id", "time")))
            for e in events
            if isinstance(e, kinds)
        ]

    demand = (ev.VisitRequested, ev.TrafficChanged, ev.DeviceAlert)
    assert of(base, demand) == of(other, demand)
    plans = [e for e in base if isinstance(e, ev.PlanPublished)]
    other_plans = [e for e in other if isinstance(e, ev.PlanPublished)]
    assert [p.routes for p in plans] != [p.routes for p in other_plans]


def test_true_duration_independent_of_policy(small: Scenario) -> None:
    w1 = World(small, BaselineDispatcher)
    w2 = World(small, _greedy_far)
    for vid in list(w1.visit_specs)[:20]:
        for tid in w1.profiles:
            assert w1.true_duration(vid, tid) == w2.true_duration(vid, tid)


def test_visit_lifecycle_is_consistent(small: Scenario) -> None:
    events = World(small, BaselineDispatcher).run()
    per_visit: dict[str, list[str]] = defaultdict(list)
    for e in events:
        vid = getattr(e, "visit_id", None)
        if vid and not isinstance(e, ev.TravelStarted):
            per_visit[vid].append(e.TYPE)
    for vid, kinds in per_visit.items():
        assert kinds[0] == "visit_requested", vid
        if "work_started" in kinds:
            i = kinds.index("work_started")
            assert "arrived" in kinds[:i] and "visit_booked" in kinds[:i]
            assert kinds[i + 1] == "work_finished"


def test_skills_respected_and_windows_waited_for(small: Scenario) -> None:
    world = World(small, BaselineDispatcher)
    events = world.run()
    booked = {e.visit_id: e for e in events if isinstance(e, ev.VisitBooked)}
    starts = [e for e in events if isinstance(e, ev.WorkStarted)]
    assert starts
    for e in starts:
        spec = world.visit_specs[e.visit_id]
        assert spec.skill in world.specs[e.technician_id].skills
        assert e.time >= booked[e.visit_id].window_start


def test_shifts_open_and_close(small: Scenario) -> None:
    world = World(small, BaselineDispatcher)
    events = world.run()
    started = {e.technician_id for e in events if isinstance(e, ev.ShiftStarted)}
    ended = {e.technician_id for e in events if isinstance(e, ev.ShiftEnded)}
    sick = {tid for tid, p in world.profiles.items() if p.sick}
    assert started == ended == set(world.profiles) - sick
    # pings only while on shift, once a minute
    pings = [e for e in events if isinstance(e, ev.Position)]
    assert pings and {p.technician_id for p in pings} <= started


def test_brain_decisions_change_the_world(small: Scenario) -> None:
    """A published plan moves a visit: the named technician then does it."""
    world = World(small, BaselineDispatcher)
    world.advance(6 * 60)
    routes = {t: r for t, r in world.routes.items() if r}
    src = next(t for t in sorted(routes) if len(routes[t]) >= 2)
    vid = next(v for v in routes[src] if not world.visit_specs[v].cancel_min)
    skill = world.tasks[vid].skill
    dst = next(
        t
        for t in sorted(world.specs)
        if t != src and skill in world.specs[t].skills and world.status[t].available
    )
    plan = ev.PlanPublished(
        id="b1",
        time=world.clock.at(world.now),
        version=99,
        reason="test move",
        routes=(ev.Route(technician_id=dst, visit_ids=(vid, *world.routes[dst])),),
    )
    world.apply([plan])
    assert vid not in world.routes[src]
    events = world.run()
    travelled = [e for e in events if isinstance(e, ev.TravelStarted) and e.visit_id == vid]
    assert travelled and travelled[0].technician_id == dst


def test_the_owner_of_a_visit_follows_it_from_route_to_route(small: Scenario) -> None:
    """``set_routes`` writes only the visits new to a route into the owner index: a visit
    moved away and back, or kept while another joins, names its route's technician, and a
    customer's cancellation finds it there."""
    world = World(small, BaselineDispatcher)
    routes = {t: r for t, r in world.routes.items() if r}
    src = next(t for t in sorted(routes) if len(routes[t]) >= 2)
    dst = next(t for t in sorted(world.specs) if t != src)
    vid, other = routes[src][0], routes[src][1]
    assert world.owner(vid) == world.owner(other) == src
    world.set_routes({src: routes[src][1:], dst: (*world.routes[dst], vid)})
    assert world.owner(vid) == dst and world.owner(other) == src
    world.set_routes({dst: tuple(v for v in world.routes[dst] if v != vid), src: routes[src]})
    assert world.owner(vid) == src and world.owner(other) == src
    world.set_routes({src: (other,), dst: (*world.routes[dst], vid)})  # other stays put
    assert world.owner(vid) == dst and world.owner(other) == src
    world.cancel_visit(vid, "test")
    assert vid not in world.routes[dst] and world.routes[src] == (other,)


def test_company_is_the_same_every_day_absences_are_not(small: Scenario) -> None:
    day1 = World(small.with_overrides(**{"workforce.sick_share": 0.3}), BaselineDispatcher, seed=1)
    day2 = World(small.with_overrides(**{"workforce.sick_share": 0.3}), BaselineDispatcher, seed=2)
    assert day1.specs == day2.specs
    assert [p.efficiency for p in day1.profiles.values()] == [
        p.efficiency for p in day2.profiles.values()
    ]
    sick1 = [p.sick for p in day1.profiles.values()]
    sick2 = [p.sick for p in day2.profiles.values()]
    assert sick1 != sick2


def test_a_rating_teaches_the_planner_at_once(small: Scenario) -> None:
    """A customer's rating (simulated or through the info link: the same ``World.rate``) is
    logged and updates the planner's chemistry index before the next booking."""
    from twin.app.wiring import build_world

    scenario = small.with_overrides(
        **{
            "policy.planner": "poweropt",
            "policy.chemistry_history": "data/history/default_feedback.csv.gz",
        }
    )
    world = build_world(scenario, 1)
    customer = world.visit_specs["V001"].customer_id
    before = world.dispatcher.chemistry.score(customer, "T001")  # type: ignore[attr-defined]
    given = world.rate("V001", "T001", 1)
    assert isinstance(given, ev.FeedbackGiven) and given.rating == 1
    after = world.dispatcher.chemistry.score(customer, "T001")  # type: ignore[attr-defined]
    assert after < before


def test_paid_by_the_hour_technicians_leave_at_the_planned_departure(small: Scenario) -> None:
    from twin.app.wiring import dispatcher_factory

    hourly = small.model_copy(
        update={
            "policy": small.policy.model_copy(
                update={
                    "planner": "poweropt",
                    "pay": "hour",
                    "weights": small.policy.weights.model_copy(update={"paid_time": 1.0}),
                }
            )
        }
    )
    world = World(hourly, dispatcher_factory(hourly))
    planned: dict[str, float | None] = {}  # the departure in force, per technician
    first: dict[str, float] = {}
    starts = {}
    for e in world.run():
        if isinstance(e, ev.PlanPublished):
            for r in e.routes:
                at = r.depart_at
                planned[r.technician_id] = None if at is None else world.clock.minutes(at)
        elif isinstance(e, ev.ShiftStarted):
            starts[e.technician_id] = world.clock.minutes(e.time)
        elif isinstance(e, ev.TravelStarted) and e.technician_id not in first:
            t = world.clock.minutes(e.time)
            first[e.technician_id] = t
            at = planned.get(e.technician_id)
            if at is not None and at > starts[e.technician_id]:
                assert abs(t - at) < 1e-6, (e.technician_id, t, at)
    later = [t for t, at in first.items() if at > starts[t] + 1]
    assert len(later) >= len(first) // 2  # most leave after their shift starts, not at it


def test_paid_by_the_shift_nobody_waits_at_home(small: Scenario) -> None:
    events = World(small, BaselineDispatcher).run()
    assert all(
        r.depart_at is None for e in events if isinstance(e, ev.PlanPublished) for r in e.routes
    )
