"""The closed loop: Bytewax decides exactly what the logic decides, deterministically."""

from __future__ import annotations

from pathlib import Path

import pytest
from bytewax.testing import cluster_main

from twin import events as ev
from twin.app.wiring import build_brain
from twin.config import Scenario, named_policy
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World
from twin.stream.connectors.bridge import (
    BridgeSink,
    LoopBridge,
    WorldSource,
    run_closed_loop,
    run_direct_loop,
)
from twin.stream.flow import build_flow


@pytest.fixture
def brainy(small: Scenario) -> Scenario:
    return small.with_overrides(**{"policy.brain": True})


def _run(scenario: Scenario, direct: bool = False) -> list[ev.Event]:
    world = World(scenario, BaselineDispatcher)
    params = build_brain(world.company)
    run = run_direct_loop(world, params) if direct else run_closed_loop(world, params)
    return run.events


def _bytes(events: list[ev.Event], path: Path) -> bytes:
    ev.write_log(events, path)
    return path.read_bytes()


def test_dataflow_equals_logic_alone(brainy: Scenario, tmp_path: Path) -> None:
    flow = _bytes(_run(brainy), tmp_path / "flow.jsonl")
    direct = _bytes(_run(brainy, direct=True), tmp_path / "direct.jsonl")
    assert flow == direct


def test_same_seed_same_log_with_brain(brainy: Scenario, tmp_path: Path) -> None:
    assert _bytes(_run(brainy), tmp_path / "a.jsonl") == _bytes(_run(brainy), tmp_path / "b.jsonl")


def test_two_workers_decide_the_same(brainy: Scenario, tmp_path: Path) -> None:
    world = World(brainy, BaselineDispatcher)
    params = build_brain(world.company)
    bridge = LoopBridge()
    cluster_main(
        build_flow(WorldSource(world, bridge), BridgeSink(bridge), params, batched_output=True),
        [],
        0,
        worker_count_per_proc=2,
    )
    world.apply(bridge.take())
    two = _bytes(list(world.recorder.events), tmp_path / "two.jsonl")
    assert two == _bytes(_run(brainy), tmp_path / "one.jsonl")


def test_brain_decisions_reach_the_world_within_a_tick(brainy: Scenario) -> None:
    events = _run(brainy)
    kinds = {e.TYPE for e in events}
    assert {"eta_updated", "delay_detected", "customer_notified"} <= kinds
    tick = brainy.tick_min
    latest_world = None
    for e in events:
        if e.id.startswith("w"):
            latest_world = e.time
        elif latest_world is not None:
            # a decision is recorded before the world moves more than one tick past it
            assert (latest_world - e.time).total_seconds() <= tick * 60 + 1e-6, e


def test_brain_plans_change_what_technicians_do(default_scenario: Scenario) -> None:
    scenario = default_scenario.with_overrides(**{"policy.brain": True})
    events = _run(scenario)
    plans = [e for e in events if isinstance(e, ev.PlanPublished) and e.id.startswith("bplan")]
    assert plans, "the brain never replanned"
    followed = 0
    for plan in plans:
        for route in plan.routes:
            for vid in route.visit_ids:
                later = [
                    e
                    for e in events
                    if isinstance(e, ev.TravelStarted) and e.visit_id == vid and e.time >= plan.time
                ]
                if later and later[0].technician_id == route.technician_id:
                    followed += 1
    assert followed > 0


def test_brain_beats_baseline_on_the_same_seeds(default_scenario: Scenario) -> None:
    from twin.analysis.kpi import compute_kpis

    late_missed = {}
    for policy in ("baseline", "brain"):
        total = 0
        for seed in (1, 2):
            sc = default_scenario.with_overrides(**{**named_policy(policy), "seed": seed})
            k = compute_kpis(
                _run(sc) if policy == "brain" else World(sc, BaselineDispatcher).run(), sc
            )
            # late, missed, or moved to another day: the office moves what its day cannot do
            total += k.visits_late + k.visits_missed + k.visits_deferred
        late_missed[policy] = total
    assert late_missed["brain"] < late_missed["baseline"]


def test_notifications_reach_the_notifier(brainy: Scenario) -> None:
    from twin.models.decisions.notify import RecordingNotifier

    world = World(brainy, BaselineDispatcher)
    notifier = RecordingNotifier()
    run = run_closed_loop(world, build_brain(world.company), notifier=notifier)
    logged = [e for e in run.events if isinstance(e, ev.CustomerNotified)]
    assert notifier.sent and sorted(notifier.sent, key=lambda e: e.id) == sorted(
        logged, key=lambda e: e.id
    )


def test_a_visit_moved_for_an_emergency_gets_one_apology(default_scenario: Scenario) -> None:
    sc = default_scenario.with_overrides(**{"policy.brain": True})
    events = _run(sc)
    moved = {e.visit_id for e in events if isinstance(e, ev.VisitCancelled) and e.by == "company"}
    language = {e.visit_id: e.language for e in events if isinstance(e, ev.VisitRequested)}
    apologies = [e for e in events if isinstance(e, ev.CustomerNotified) and e.kind == "moved"]
    assert moved and sorted(e.visit_id for e in apologies) == sorted(moved)
    assert all(e.language == language[e.visit_id] for e in apologies)
    # only visits nobody had set off for gave way: no "on the way", arrival or feedback
    for e in events:
        if isinstance(e, ev.CustomerNotified) and e.visit_id in moved:
            assert e.kind in ("confirmation", "delay", "moved")


def test_a_visit_that_no_longer_fits_the_day_is_moved_with_notice_not_missed(
    default_scenario: Scenario,
) -> None:
    from twin.analysis.kpi import compute_kpis

    missed, deferred, notice = {}, {}, {}
    for on in (False, True):
        total_missed = total_deferred = 0
        leads: list[float] = []
        for seed in (1, 2):
            sc = default_scenario.with_overrides(
                **{
                    "policy.planner": "insertion",
                    "policy.brain": True,
                    "policy.defer_unreachable": on,
                    "seed": seed,
                }
            )
            events = _run(sc)
            k = compute_kpis(events, sc)
            total_missed += k.visits_missed
            # how long before its window a visit moved to another day was called off
            window = {e.visit_id: e.window_start for e in events if isinstance(e, ev.VisitBooked)}
            leads += [
                (window[e.visit_id] - e.time).total_seconds() / 60
                for e in events
                if isinstance(e, ev.VisitCancelled) and e.by == "company" and e.visit_id in window
            ]
            decided = [e for e in events if isinstance(e, ev.VisitDeferred)]
            assert bool(decided) == on
            if not on:
                continue
            total_deferred += len(decided)
            # the world carries out each deferral as the company's cancellation, at once
            cancelled = {
                (e.visit_id, e.time)
                for e in events
                if isinstance(e, ev.VisitCancelled) and e.by == "company"
            }
            assert {(d.visit_id, d.time) for d in decided} <= cancelled
            moved = {d.visit_id for d in decided}
            arrived = {e.visit_id for e in events if isinstance(e, ev.Arrived)}
            told = {
                e.visit_id
                for e in events
                if isinstance(e, ev.CustomerNotified) and e.kind == "moved"
            }
            assert not moved & arrived and moved <= told
        missed[on], deferred[on] = total_missed, total_deferred
        notice[on] = sum(leads) / len(leads)
    # without the brain's deferral the office calls customers off only when a day runs
    # out; with it, customers hear earlier, and no more visits are missed
    assert missed[True] <= missed[False] and deferred[True] > 0
    assert notice[True] > notice[False]
