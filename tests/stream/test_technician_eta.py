"""The technician step's ETA chain: where it starts, and the calibrated brain in the loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from twin import events as ev
from twin.app.wiring import build_brain
from twin.config import Scenario
from twin.models.eta.absent import AbsentStats
from twin.models.eta.calibration import EtaCalibration, fit_calibration
from twin.models.eta.chain import on_site, remaining_work
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.plan import VisitTask
from twin.sim.world import World
from twin.stream.connectors.bridge import run_closed_loop, run_direct_loop
from twin.stream.params import BrainParams
from twin.stream.refresh import chain_ahead
from twin.stream.technician import new_tech


@pytest.fixture
def brainy(small: Scenario) -> Scenario:
    return small.with_overrides(**{"policy.brain": True})


@pytest.fixture
def skewed() -> EtaCalibration:
    """Late surprises longer than early ones, and a 3 % absent share."""
    rng = np.random.default_rng(5)
    leads = rng.uniform(0, 300, 20_000)
    z = rng.lognormal(0.0, 0.6, leads.size) - 1.0
    samples = list(zip(leads.tolist(), z.tolist(), strict=True))
    return fit_calibration(samples, AbsentStats(1000, 30, 300.0))


def _params(scenario: Scenario, calibration: EtaCalibration | None) -> BrainParams:
    world = World(scenario, BaselineDispatcher)
    return build_brain(world.company, calibration=calibration)


def _task(ws: float = 0.0) -> VisitTask:
    return VisitTask("V1", "C1", 3.0, 4.0, "repair", "repair", 1, ws, ws + 240, 60.0)


def test_work_in_progress_is_conditional_on_not_being_finished(brainy: Scenario) -> None:
    params = _params(brainy, None)
    tid = next(iter(params.roster))
    state = new_tech(tid, params)
    task = _task()
    state.activity, state.current, state.since = "work", task, 560.0
    start, chain = chain_ahead(state, 600.0, params)
    est = params.estimate(tid, task.job_type, task.duration_min)
    rest, sd = remaining_work(est, 40.0)
    assert chain == () and start.now == 600.0
    assert (start.free_at, start.sd) == pytest.approx((600.0 + rest, sd))


def test_waiting_on_site_uses_the_absent_mixture(brainy: Scenario, skewed: EtaCalibration) -> None:
    params = _params(brainy, skewed)
    tid = next(iter(params.roster))
    state = new_tech(tid, params)
    state.activity, state.current, state.since = "idle", _task(ws=660.0), 630.0
    start, _ = chain_ahead(state, 640.0, params)
    est = params.estimate(tid, "repair", 60.0)
    work, sd = on_site(est, skewed)
    assert work < est.p50
    assert (start.free_at, start.sd, start.now) == pytest.approx((660.0 + work, sd, 640.0))


def _bytes(events: list[ev.Event], path: Path) -> bytes:
    ev.write_log(events, path)
    return path.read_bytes()


def test_calibrated_brain_is_the_same_in_the_dataflow_and_alone(
    brainy: Scenario, skewed: EtaCalibration, tmp_path: Path
) -> None:
    flow = run_closed_loop(World(brainy, BaselineDispatcher), _params(brainy, skewed)).events
    direct = run_direct_loop(World(brainy, BaselineDispatcher), _params(brainy, skewed)).events
    again = run_direct_loop(World(brainy, BaselineDispatcher), _params(brainy, skewed)).events
    a = _bytes(flow, tmp_path / "flow.jsonl")
    assert a == _bytes(direct, tmp_path / "direct.jsonl") == _bytes(again, tmp_path / "b.jsonl")
    plain = run_direct_loop(World(brainy, BaselineDispatcher), _params(brainy, None)).events
    assert a != _bytes(plain, tmp_path / "plain.jsonl")


def test_calibrated_intervals_follow_the_residuals(
    brainy: Scenario, skewed: EtaCalibration
) -> None:
    events = run_direct_loop(World(brainy, BaselineDispatcher), _params(brainy, skewed)).events
    updates = [e for e in events if isinstance(e, ev.EtaUpdated)]
    assert updates
    # skewed residuals: the interval reaches further after the ETA than before it
    later = sum((u.eta_high - u.eta) > (u.eta - u.eta_low) for u in updates)
    assert later > 0.9 * len(updates)
    assert all(u.eta_low >= u.time for u in updates)  # never before the ETA was issued
