"""One run of a scenario: world + policy, written to an output folder.

``run_scenario`` picks the dispatcher the policy names, runs the simulated day (with the
streaming brain in the loop when the policy asks for it), and writes ``events.jsonl``,
``kpis.json`` and ``report.html``. The CLI and the what-if comparisons both call it.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from twin import events as ev
from twin.analysis.kpi import Kpis, compute_kpis
from twin.app.roster import write_roster
from twin.config import ConfigError, Scenario
from twin.events import JOB_TYPES
from twin.models.duration.model import DurationModel, load_duration_model
from twin.models.eta.calibration import EtaCalibration, load_calibration
from twin.models.routing.dispatch import BaselineDispatcher, Dispatcher
from twin.models.routing.plan import BreakRule, TechnicianSpec
from twin.models.routing.travel import TravelModel
from twin.sim.world import World
from twin.stream.connectors.bridge import BrainRun, run_closed_loop
from twin.stream.params import BrainParams, EstimateTable

if TYPE_CHECKING:  # the planner pulls in PyVRP, which the baseline never needs
    from twin.models.planner import ChemistryIndex

log = logging.getLogger(__name__)

Progress = Callable[[float, float], None]
Stage = Callable[[str], None]
OUTPUT_STAGES: tuple[str, ...] = ("event log", "quality", "report")


@dataclass(frozen=True, slots=True)
class RunResult:
    scenario: Scenario
    seed: int
    events: tuple[ev.Event, ...]
    kpis: Kpis
    wall_s: float
    out_dir: Path | None
    log_lines: tuple[str, ...] | None = None  # the log as written to out_dir, if it was

    def encoded_log(self) -> tuple[str, ...]:
        """The log's JSONL lines, encoded once: those written to disk, or encoded now."""
        return self.log_lines if self.log_lines is not None else tuple(ev.to_lines(self.events))


def dispatcher_factory(
    scenario: Scenario, live: bool = False
) -> Callable[[TravelModel, BreakRule], Dispatcher]:
    """The dispatcher the policy names (the brain books with the baseline and repairs live).

    In a simulation every planner budget is a count, so a seed gives the same log on any
    machine; ``live`` (shadow mode) adds the planner's wall-clock cap on each repair, which
    bounds latency beside a production system instead.
    """
    name = scenario.policy.dispatcher
    if name in ("baseline", "brain"):
        return BaselineDispatcher
    if name in ("optimised", "optimised_brain"):
        from twin.models.planner import PlannerParams, PowerOptDispatcher
        from twin.models.planner.params import LIVE_REPAIR_BUDGET_MS

        chemistry = chemistry_index(scenario)

        def make(travel: TravelModel, brk: BreakRule) -> Dispatcher:
            live_cap = {"repair_budget_ms": LIVE_REPAIR_BUDGET_MS} if live else {}
            params = PlannerParams.from_policy(scenario.policy, **live_cap)
            return PowerOptDispatcher(
                travel,
                brk,
                params,
                chemistry=chemistry,
                time_limit_s=scenario.policy.optimise_time_s,
                max_iterations=scenario.policy.optimise_iterations,
            )

        return make
    msg = (
        f"policy.dispatcher: unknown dispatcher {name!r}; "
        "allowed: baseline, optimised, brain, optimised_brain"
    )
    raise ValueError(msg)


@functools.lru_cache(maxsize=4)
def _chemistry(path: str) -> ChemistryIndex:
    from twin.models.planner import load_chemistry

    return load_chemistry(path)


def chemistry_index(scenario: Scenario) -> ChemistryIndex | None:
    """The chemistry index learned from the policy's feedback history, or None (no file)."""
    path = scenario.policy.chemistry_history
    if not path:
        return None
    if not Path(path).exists():
        msg = (
            f"policy.chemistry_history: file not found: {path} "
            "(run `python -m twin.sim.feedback_history`)"
        )
        raise ConfigError(msg)
    try:
        return _chemistry(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"policy.chemistry_history: {exc}") from None


@functools.lru_cache(maxsize=4)
def _duration_model(path: str) -> DurationModel:
    return load_duration_model(path)


def duration_estimates(
    scenario: Scenario, roster: Mapping[str, TechnicianSpec]
) -> EstimateTable | None:
    """The day's duration table from the policy's history, or None (generic spread)."""
    p = scenario.policy
    if not (p.duration_model and p.duration_history):
        return None
    path = Path(p.duration_history)
    if not path.exists():
        msg = f"policy.duration_history: file not found: {path} (run `twin train-durations`)"
        raise ConfigError(msg)
    return _duration_model(str(path)).predict_table(list(roster.values()), JOB_TYPES)


@functools.lru_cache(maxsize=4)
def _eta_calibration(path: str) -> EtaCalibration:
    return load_calibration(path)


def eta_calibration(scenario: Scenario) -> EtaCalibration | None:
    """The ETA calibration the policy names, or None (uncorrected ETA chain)."""
    path = scenario.policy.eta_calibration
    if not path:
        return None
    if not Path(path).exists():
        msg = f"policy.eta_calibration: file not found: {path} (run `twin calibrate-eta`)"
        raise ConfigError(msg)
    try:
        return _eta_calibration(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"policy.eta_calibration: {exc}") from None


def brain_params(
    scenario: Scenario,
    roster: Mapping[str, TechnicianSpec],
    reorder_bound_min: float = 0.0,
    live: bool = False,
) -> BrainParams:
    """The brain the policy describes: its dispatcher for repairs, the duration model and
    the ETA calibration. One definition for the closed loop, replay and shadow mode, so a
    recorded or live log meets the same brain as the simulated day (``live``: see
    :func:`dispatcher_factory`)."""
    return BrainParams.for_scenario(
        scenario,
        roster,
        duration_estimates(scenario, roster),
        dispatcher_factory(scenario, live),
        reorder_bound_min=reorder_bound_min,
        eta_calibration=eta_calibration(scenario),
    )


def simulate(scenario: Scenario, seed: int, progress: Progress | None = None) -> BrainRun:
    """The day's full event log (world events and decisions) for ``scenario`` and ``seed``."""
    factory = dispatcher_factory(scenario)
    world = World(scenario, factory, seed)
    if scenario.policy.dispatcher in ("brain", "optimised_brain"):
        return run_closed_loop(world, brain_params(scenario, world.specs), progress)
    end = scenario.day_end_min

    def tick(t: float) -> None:
        if progress is not None:
            progress(t, end)

    return BrainRun(world.run(tick))


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    out_dir: Path | None = None,
    progress: Progress | None = None,
    report: bool = True,
    stage: Stage | None = None,
) -> RunResult:
    """Simulate the day; with ``out_dir``, write its log, KPIs, roster, ops windows and
    (``report``) quality and HTML report there. ``progress`` follows the simulated clock,
    ``stage`` names each step after the day (:data:`OUTPUT_STAGES`, in that order)."""
    seed = scenario.seed if seed is None else seed
    note: Stage = stage if stage is not None else (lambda _: None)
    started = time.perf_counter()
    run = simulate(scenario, seed, progress)
    events = run.events
    kpis = compute_kpis(events, scenario)
    wall = time.perf_counter() - started
    lines: tuple[str, ...] | None = None
    if out_dir is not None:
        from twin.app.outputs import RunFolder

        note(OUTPUT_STAGES[0])
        lines = tuple(ev.to_lines(events))
        # written beside out_dir and put in place whole at the end (a kill leaves the old run)
        with RunFolder(out_dir) as folder:
            folder.write_log(lines)
            folder.write_json("kpis.json", kpis.to_dict())
            write_roster(folder.path / "roster.json", scenario)
            if run.ops:
                folder.write_lines("ops.jsonl", (json.dumps(o.to_dict()) for o in run.ops))
            if report:
                from twin.analysis.quality import measure
                from twin.analysis.report import write_report
                from twin.analysis.report.brain import brain_sections

                note(OUTPUT_STAGES[1])
                quality = measure(events)
                folder.write_json("quality.json", quality.to_dict())
                note(OUTPUT_STAGES[2])
                title = (
                    f"FieldTwin — {scenario.name}, seed {seed}, policy {scenario.policy.dispatcher}"
                )
                extra = brain_sections(events, quality, run.ops)
                write_report(folder.path / "report.html", events, kpis, scenario, title, extra)
    return RunResult(scenario, seed, tuple(events), kpis, wall, out_dir, lines)
