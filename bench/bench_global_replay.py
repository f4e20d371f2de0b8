"""The brain's single-worker global steps alone, replayed from a recorded closed-loop day.

A whole brain day's CPU varies by ±10 % on this machine from run to run, more than a
change to the global steps is worth. This benchmark records, in order, every call of the
steps that run on one worker for the whole company — admission (``admit_batch``), fleet
(``fleet_batch``), the key-group split (``by_group``) and collector (``collector_batch``)
— in a closed-loop day at ``--size`` technicians of the scaled national map (as
``bench_scale.py --region scale`` builds it), then replays those inputs through fresh
states, GC off, several rounds interleaved in one process, with a CPU timer per step:

* this tree's steps;
* ``--old TREE``: the same four steps from an older tree's ``twin/stream`` files, fleet
  mirror and repair (loaded into this process), on the same inputs, interpreter and load.
  The collector's outputs and the fleet's routing must be equal.

Each round gets a fresh repair dispatcher (the fleet teaches it the customers' ratings),
so every round repairs as the recorded day did.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_global_replay.py --size 1000
[--rounds 5] [--old /tmp/old-tree]``
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scale
from _common import load_module

import twin.stream.flow as flow
from twin import events as ev
from twin.app.wiring import build_brain, build_world, dispatcher_factory
from twin.stream.connectors.bridge import run_closed_loop
from twin.stream.params import BrainParams

NATIONAL = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "national.toml"
STEPS = ("admit", "fleet", "by_group", "collector")
REPAIRS = "move_endangered"  # the collector's repairs (the dispatcher's insertion search)
Call = tuple[str, Any]  # (step, its input)


def record(size: int) -> tuple[list[Call], BrainParams, Callable[[], Any]]:
    """The day's global-step calls in order, the brain, and a maker of fresh dispatchers."""
    sc = bench_scale._scaled(NATIONAL, size, "scale", **{"policy.brain": True})
    world = build_world(sc, 1)
    params = build_brain(world.company)
    company = world.company
    calls: list[Call] = []
    inner = {n: getattr(flow, n) for n in ("admit_batch", "fleet_batch", "by_group")}
    inner["collector_batch"] = flow.collector_batch

    def admit(state: Any, batch: list[Any]) -> Any:
        calls.append(("admit", list(batch)))
        return inner["admit_batch"](state, batch)

    def fleet(state: Any, batch: list[Any], p: BrainParams) -> Any:
        calls.append(("fleet", list(batch)))
        return inner["fleet_batch"](state, batch, p)

    def group(routed: Any, groups: int) -> Any:
        calls.append(("by_group", [(k, list(v)) for k, v in routed]))
        return inner["by_group"](routed, groups)

    def collect(state: Any, batch: list[Any], p: BrainParams) -> Any:
        calls.append(("collector", list(batch)))
        return inner["collector_batch"](state, batch, p)

    flow.admit_batch, flow.fleet_batch = admit, fleet  # type: ignore[assignment]
    flow.by_group, flow.collector_batch = group, collect  # type: ignore[assignment]
    try:
        run_closed_loop(world, params)
    finally:
        for name, f in inner.items():
            setattr(flow, name, f)

    def fresh() -> Any:
        return dispatcher_factory(sc)(company.travel, company.break_rule)

    return calls, params, fresh


def steps_of(tree: Path | None) -> dict[str, ModuleType]:
    """The ``order``, ``fleet``, ``keygroups`` and ``collector`` modules of ``tree``
    (``None``: this tree's), with ``tree``'s fleet mirror (``routing/mirror.py``) and
    repair (``decisions/replan.py``) put in; everything else they import is this tree's."""
    names = ("order", "fleet", "keygroups", "collector")
    if tree is None:
        return {n: importlib.import_module(f"twin.stream.{n}") for n in names}
    mods = {n: load_module(f"old_{n}", tree / f"twin/stream/{n}.py") for n in names}
    mirror = load_module("old_mirror", tree / "twin/models/routing/mirror.py")
    replan = load_module("old_replan", tree / "twin/models/decisions/replan.py")
    mods["fleet"].FleetMirror = mods["collector"].FleetMirror = mirror.FleetMirror
    mods["collector"].move_endangered = replan.move_endangered
    return mods


def replay(
    calls: list[Call], params: BrainParams, m: dict[str, ModuleType]
) -> tuple[dict[str, float], str]:
    """CPU seconds per step of one replay through fresh states, and a digest of the
    collector's outputs and the fleet's routing."""
    admission = m["order"].Admission(m["order"].rules_for(params))
    fleet, collector = m["fleet"].new_fleet(params), m["collector"].new_collector(params)
    groups = params.key_groups
    run: dict[str, Callable[[Any], Any]] = {
        "admit": lambda x: m["order"].admit_batch(admission, x),
        "fleet": lambda x: m["fleet"].fleet_batch(fleet, x, params),
        "by_group": lambda x: m["keygroups"].by_group(x, groups),
        "collector": lambda x: m["collector"].collector_batch(collector, x, params),
    }
    spent = dict.fromkeys((*STEPS, REPAIRS), 0.0)
    outs: list[tuple[str, Any]] = []
    clock = time.process_time
    repair = getattr(m["collector"], REPAIRS)

    def timed(*a: Any, **k: Any) -> Any:
        c = clock()
        try:
            return repair(*a, **k)
        finally:
            spent[REPAIRS] += clock() - c

    setattr(m["collector"], REPAIRS, timed)
    gc.collect()
    gc.disable()
    try:
        for step, given in calls:
            c = clock()
            got = run[step](given)
            spent[step] += clock() - c
            if step in ("fleet", "collector"):
                outs.append((step, got))
    finally:
        gc.enable()
        setattr(m["collector"], REPAIRS, repair)
    h = hashlib.sha256()
    for step, got in outs:
        if step == "fleet":
            for key, payloads in got:
                h.update(f"{key}:{[type(p).__name__ for p in payloads]}".encode())
            continue
        for o in got:
            h.update((ev.to_json(o) if isinstance(o, ev.Event) else repr(o)).encode())
    return spent, h.hexdigest()[:12]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--old", type=Path, help="an older tree: its global steps against ours")
    args = p.parse_args()
    calls, params, fresh = record(args.size)
    items = {s: sum(len(x) for k, x in calls if k == s) for s in STEPS}
    print(f"recorded {len(calls)} calls at {args.size} technicians; items in: {items}")
    variants = {"this tree": steps_of(None)}
    if args.old is not None:
        variants[f"old ({args.old})"] = steps_of(args.old)
    cpu: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    digests: dict[str, str] = {}
    for r in range(args.rounds):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))
        for name in order:
            spent, digest = replay(
                calls, dataclasses.replace(params, dispatcher=fresh()), variants[name]
            )
            cpu[name].append(spent)
            digests[name] = digest
    head = " | ".join(STEPS)
    print(f"| variant | {head} | of which repairs | all four: least / median | digest |")
    print("|---|" + "---|" * (len(STEPS) + 3))
    for name, runs in cpu.items():
        least = {s: min(r[s] for r in runs) for s in STEPS}
        repairs = min(r[REPAIRS] for r in runs)
        totals = sorted(sum(r[s] for s in STEPS) for r in runs)
        cells = " | ".join(f"{least[s]:.3f}" for s in STEPS)
        print(
            f"| {name} | {cells} | {repairs:.3f} | {totals[0]:.3f} / "
            f"{totals[len(totals) // 2]:.3f} | `{digests[name]}` |"
        )
    print(f"load average {os.getloadavg()[0]:.1f}; CPU s per step, least of the rounds")
    if len(set(digests.values())) != 1:
        raise SystemExit(f"the variants decided differently: {digests}")


if __name__ == "__main__":
    main()
