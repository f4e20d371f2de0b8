"""The garbage-collection settings of a long run are set inside the block and undone after."""

from __future__ import annotations

import gc

import pytest

from twin.config import Scenario
from twin.gctuning import long_run_gc
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World


def test_thresholds_and_freeze_are_undone() -> None:
    before = gc.get_threshold()
    kept = [object() for _ in range(10)]  # something alive before the block
    with long_run_gc(12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0
        with long_run_gc(99):  # nested: the outer settings stay
            assert gc.get_threshold()[0] == 12_345
        assert gc.get_threshold()[0] == 12_345
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert len(kept) == 10


def test_undone_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), long_run_gc():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_threshold_below_one_is_refused() -> None:
    refused = "threshold0 must be at least 1 or None, got 0"
    with pytest.raises(ValueError, match=refused), long_run_gc(0):
        pass


def test_none_turns_collections_off_in_the_block_only() -> None:
    before = gc.get_threshold()
    assert gc.isenabled()
    with long_run_gc(None):
        assert not gc.isenabled()
        assert gc.get_freeze_count() == 0  # no collection to spare a walk: nothing frozen
        assert gc.get_threshold() == before
        with long_run_gc(500):  # nested: the outer settings stay
            assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_what_a_block_without_collections_made_is_not_young_after_it() -> None:
    with long_run_gc(None):
        made = [[i] for i in range(5_000)]  # tracked containers, never collected here
    assert gc.get_count()[0] < 1_000  # not 5,000 objects for the next young collection
    young = {id(o) for o in gc.get_objects(generation=0)}
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert not any(id(x) in young for x in made)
    assert all(id(x) in oldest for x in made)


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    try:
        with long_run_gc(None):
            pass
        with long_run_gc(1_000):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_world_alone_makes_no_garbage_cycles(tiny: Scenario) -> None:
    """Why ``World.run`` may turn the collector off: a whole day leaves nothing for it."""
    world = World(tiny, BaselineDispatcher, seed=3)
    gc.collect()
    with long_run_gc(None):
        events = world.run()
        assert not gc.isenabled()
        assert gc.collect() == 0  # every object made in the day is still reachable or freed
    assert len(events) > 300


def test_building_a_world_makes_no_garbage_cycles(tiny: Scenario) -> None:
    """Why ``World`` is built with the collector off: construction leaves nothing for it."""
    gc.collect()
    gc.disable()
    try:
        world = World(tiny, BaselineDispatcher, seed=3)
        assert gc.collect() == 0  # everything construction made is reachable or freed
    finally:
        gc.enable()
    assert world.routes and gc.isenabled()


def test_a_world_is_built_without_automatic_collections(default_scenario: Scenario) -> None:
    started: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(note)
    try:
        World(default_scenario, BaselineDispatcher, seed=3)  # 50 technicians, ~500 visits
    finally:
        gc.callbacks.remove(note)
    assert started == []  # none: not even on entry, which would walk the whole heap


def test_a_block_without_collections_starts_none_not_even_on_entry() -> None:
    started: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(note)
    try:
        with long_run_gc(None):
            made = [[i] for i in range(50_000)]  # 70 young collections' worth
    finally:
        gc.callbacks.remove(note)
    assert started == [] and gc.isenabled() and len(made) == 50_000
