"""The brain's loops run without automatic garbage collections: a day makes no cycles.

``run_closed_loop`` and ``run_direct_loop`` turn the cyclic collector off for the day
(``long_run_gc(None)``), and so does the replay of a recorded log (``replay``). That is
only safe while a day leaves nothing for the collector to find, whatever its size: these
tests run whole brain days with the collector off and collect afterwards, and fail if the
day ever starts making garbage cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest

from twin.app.roster import read_roster
from twin.app.run import run_scenario
from twin.app.wiring import build_brain, company_from_roster
from twin.config import Scenario
from twin.gctuning import long_run_gc
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World
from twin.stream.connectors.bridge import BrainRun, run_closed_loop, run_direct_loop
from twin.stream.connectors.jsonl import replay

Loop = Callable[..., BrainRun]
R = TypeVar("R")


def _garbage_after(run: Callable[[], R]) -> tuple[R, list[str]]:
    """(what ``run`` returns, type names of what a full collection finds after it while
    that is still held)."""
    gc.collect()
    with long_run_gc(None):  # the run's own block nests in this one, as it runs in a day
        made = run()
        assert not gc.isenabled()
        gc.set_debug(gc.DEBUG_SAVEALL)  # keep what is found, to say what it was
        try:
            gc.collect()
            found = sorted(type(o).__module__ + "." + type(o).__qualname__ for o in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert gc.isenabled()
    return made, found


def _garbage_after_a_day(scenario: Scenario, loop: Loop) -> tuple[int, list[str]]:
    """(events of the day, type names of what a full collection finds after it)."""
    world = World(scenario, BaselineDispatcher)
    params = build_brain(world.company)
    run, found = _garbage_after(lambda: loop(world, params))
    return len(run.events), found


@pytest.mark.parametrize("technicians", [4, 12])
def test_the_direct_loop_s_day_makes_no_garbage_cycles(small: Scenario, technicians: int) -> None:
    scenario = small.with_overrides(**{"policy.brain": True, "workforce.technicians": technicians})
    events, found = _garbage_after_a_day(scenario, run_direct_loop)
    assert events > 250 * technicians
    assert found == []


def test_the_closed_loop_leaves_only_its_dataflow_whatever_the_day(small: Scenario) -> None:
    """Bytewax's dataflow graph (ports, operator closures) is a cycle, made once per run:
    a day three times the size leaves exactly the same (its source, sink and bridge among
    it), and none of it is an event, a message or a route's state."""
    brainy = small.with_overrides(**{"policy.brain": True})
    days = [
        _garbage_after_a_day(brainy.with_overrides(**{"workforce.technicians": n}), run_closed_loop)
        for n in (4, 12)
    ]
    (small_events, small_found), (large_events, large_found) = days
    assert large_events > 2 * small_events
    assert small_found == large_found
    assert len(small_found) < 1_000
    day_made = ("twin.events.", "twin.stream.messages.", "twin.models.routing.")
    assert not [name for name in small_found if name.startswith(day_made)]


def test_a_replayed_log_leaves_only_its_dataflow_whatever_the_day(
    small: Scenario, tmp_path: Path
) -> None:
    """``replay`` of a recorded brain day runs without automatic collections: a log three
    times the size leaves exactly what a small one leaves (the dataflow's graph), none of
    it an event, a message or a route's state."""
    found = []
    for n in (4, 12):
        scenario = small.with_overrides(**{"policy.brain": True, "workforce.technicians": n})
        out = tmp_path / str(n)
        run_scenario(scenario, 3, out, report=False)
        company = company_from_roster(scenario, read_roster(out / "roster.json"))
        params = build_brain(company)
        result, garbage = _garbage_after(partial(replay, out / "events.jsonl", params))
        found.append((len(result.decisions), garbage))
    (small_decisions, small_found), (large_decisions, large_found) = found
    assert small_decisions > 100 and large_decisions > 2 * small_decisions
    assert small_found == large_found
    assert len(small_found) < 1_000
    day_made = ("twin.events.", "twin.stream.messages.", "twin.models.routing.")
    assert not [name for name in small_found if name.startswith(day_made)]
