"""One run of a scenario: world + policy, written to an output folder.

``run_scenario`` builds the world (:mod:`twin.app.wiring`), runs the simulated day (with the
streaming brain in the loop when the policy asks for it), and writes ``events.jsonl``,
``kpis.json`` and ``report.html``. The CLI and the what-if comparisons both call it.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from twin import events as ev
from twin.analysis.daylog import DayRead, read_day
from twin.analysis.kpi import Kpis, compute_kpis
from twin.app.roster import write_roster
from twin.app.wiring import build_brain, build_world
from twin.config import Scenario
from twin.sim.world import World
from twin.stream.connectors.bridge import BrainRun, run_closed_loop
from twin.stream.params import BrainParams

log = logging.getLogger(__name__)

Progress = Callable[[float, float], None]
Stage = Callable[[str], None]
OUTPUT_STAGES: tuple[str, ...] = ("KPIs", "event log", "quality", "report")


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


def simulate(
    world: World, progress: Progress | None = None, brain: BrainParams | None = None
) -> BrainRun:
    """The day's full event log (world events and decisions), with the brain in the loop
    when the policy asks for it (``brain``: its parameters, when already built)."""
    if world.scenario.policy.brain:
        return run_closed_loop(world, brain or build_brain(world.company), progress)
    end = world.scenario.day_end_min

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
    keep_lines: bool = True,
) -> RunResult:
    """Simulate the day; with ``out_dir``, write its log, KPIs, roster, ops windows and
    (``report``) quality and HTML report there. ``progress`` follows the simulated clock,
    ``stage`` names each step after the day (:data:`OUTPUT_STAGES`, in that order).
    ``keep_lines``: the written log's lines are kept in the result (else encoded again if
    asked for: a caller that stores the run from its folder needs none)."""
    note: Stage = stage if stage is not None else (lambda _: None)
    started = time.perf_counter()
    world = build_world(scenario, seed)
    scenario, seed = world.scenario, world.seed  # the seed enters once, here
    run = simulate(world, progress)
    events = run.events
    with _day_frozen():
        note(OUTPUT_STAGES[0])
        day = read_day(events, scenario)  # once, for the KPIs and the report
        kpis = compute_kpis(events, scenario, day)
        wall = time.perf_counter() - started
        lines: tuple[str, ...] | None = None
        if out_dir is not None:
            lines = write_outputs(out_dir, world, run, kpis, report, note, day, keep_lines)
    return RunResult(scenario, seed, tuple(events), kpis, wall, out_dir, lines)


@contextmanager
def _day_frozen() -> Iterator[None]:
    """The day's objects (its log, the world, the brain: millions at 10,000 technicians,
    all alive until the run returns) frozen out of the cyclic collector while its outputs
    are made: each full collection would walk all of them again. Not collected first (the
    day made no garbage cycles to speak of, :mod:`twin.gctuning`)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def write_outputs(
    out_dir: Path,
    world: World,
    run: BrainRun,
    kpis: Kpis,
    report: bool = True,
    note: Stage = lambda _: None,
    day: DayRead | None = None,
    keep_lines: bool = True,
) -> tuple[str, ...] | None:
    """The run's folder, written beside ``out_dir`` and put in place whole at the end (a
    kill leaves the previous run); returns the log's lines (None without ``keep_lines``)."""
    from twin.app.outputs import RunFolder

    scenario, events = world.scenario, run.events
    note(OUTPUT_STAGES[1])
    with RunFolder(out_dir) as folder:
        lines = folder.write_events(events, keep_lines)
        folder.write_json("kpis.json", kpis.to_dict())
        write_roster(folder.path / "roster.json", world.company.roster)
        if run.ops:
            folder.write_lines("ops.jsonl", (json.dumps(o.to_dict()) for o in run.ops))
        if report:
            from twin.analysis.quality import measure
            from twin.analysis.report import write_report
            from twin.analysis.report.brain import brain_sections

            note(OUTPUT_STAGES[2])
            quality = measure(events)
            folder.write_json("quality.json", quality.to_dict())
            note(OUTPUT_STAGES[3])
            title = f"FieldTwin — {scenario.name}, seed {world.seed}, policy {scenario.policy.name}"
            extra = brain_sections(events, quality, run.ops)
            write_report(folder.path / "report.html", events, kpis, scenario, title, extra, day)
    return lines
