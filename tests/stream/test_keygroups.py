"""Key groups: technician states held in a few dataflow keys, decisions unchanged."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from twin import events as ev
from twin.app.wiring import build_brain
from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World
from twin.stream.connectors.bridge import run_closed_loop, run_direct_loop
from twin.stream.fleet import PLANNER
from twin.stream.keygroups import by_group, key_group


def test_groups_are_stable_across_processes() -> None:
    # Python's own str hash is salted per process; a group must not be
    ids = [f"T{i:04d}" for i in range(50)]
    here = [key_group(t, 16) for t in ids]
    code = (
        "from twin.stream.keygroups import key_group;"
        f"print(','.join(key_group(t, 16) for t in {ids!r}))"
    )
    for seed in ("1", "2"):
        there = subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert there.split(",") == here


def test_groups_spread_technicians_evenly() -> None:
    counts = Counter(key_group(f"T{i:04d}", 16) for i in range(1000))
    assert len(counts) == 16
    assert max(counts.values()) < 2 * 1000 / 16


def test_by_group_keeps_each_technicians_payloads_in_order() -> None:
    routed = [("T1", ["a", "b"]), ("T2", ["c"]), (PLANNER, ["p"]), ("T3", ["d"])]
    grouped = by_group(routed, 2)
    assert grouped[-1] == (PLANNER, ["p"])
    members = [m for key, ms in grouped[:-1] for m in ms]
    assert sorted(members) == sorted(p for p in routed if p[0] != PLANNER)
    for key, ms in grouped[:-1]:
        assert all(key_group(tid, 2) == key for tid, _ in ms)
    one = by_group(routed, 1)
    assert one == [
        (key_group("T1", 1), [("T1", ["a", "b"]), ("T2", ["c"]), ("T3", ["d"])]),
        (PLANNER, ["p"]),
    ]


def test_no_groups_is_a_clear_error(small: Scenario) -> None:
    with pytest.raises(ValueError, match="key groups"):
        key_group("T1", 0)
    world = World(small, BaselineDispatcher)
    params = dataclasses.replace(build_brain(world.company), key_groups=0)
    with pytest.raises(ValueError, match=r"params\.key_groups"):
        run_closed_loop(world, params)


@pytest.mark.parametrize("groups", [1, 3])
def test_decisions_do_not_depend_on_the_number_of_groups(
    small: Scenario, tmp_path: Path, groups: int
) -> None:
    brainy = small.with_overrides(**{"policy.brain": True})
    logs = []
    for direct in (True, False):
        world = World(brainy, BaselineDispatcher)
        params = dataclasses.replace(build_brain(world.company), key_groups=groups)
        run = run_direct_loop(world, params) if direct else run_closed_loop(world, params)
        path = tmp_path / f"{direct}.jsonl"
        ev.write_log(run.events, path)
        logs.append(path.read_bytes())
    assert logs[0] == logs[1]
    assert b'"type":"eta_updated"' in logs[1]  # the technicians did decide something
