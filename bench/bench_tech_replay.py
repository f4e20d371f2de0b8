"""The technician step alone, replayed from a recorded closed-loop day (issue 19).

A whole brain day's CPU varies by ±10 % on this machine from run to run, more than a
change to the technician step is worth. This benchmark records the step's inputs once
(every ``group_batch`` call of a closed-loop day at ``--size`` technicians of the scaled
national map, as ``bench_scale.py --region scale`` builds it) and replays them through
fresh technician states, GC off, several rounds interleaved in one process:

* ``--deadbands 3 5 8``: the same inputs with other ETA dead-bands
  (``policy.eta_hysteresis_min``; the step's inputs do not depend on it);
* ``--old TREE``: this tree's technician step against that of an older tree (its
  ``technician``, ``refresh``, ``techstate`` and notification decision loaded from its
  files into this process; its compiled twins are this tree's), so both run on the same
  inputs, the same interpreter and the same load. The events out must be equal.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_tech_replay.py --size 1000
[--rounds 8] [--old /tmp/old-tree] [--deadbands 3 5 8]``
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scale
from _common import load_module

import twin.stream.flow as flow
import twin.stream.keygroups as keygroups
from twin import events as ev
from twin.app.wiring import build_brain, build_world
from twin.stream.connectors.bridge import run_closed_loop
from twin.stream.keygroups import Members, group_batch
from twin.stream.params import BrainParams

NATIONAL = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "national.toml"


def record(size: int) -> tuple[list[Members], BrainParams]:
    """The day's ``group_batch`` inputs, and the brain they were made for."""
    sc = bench_scale._scaled(NATIONAL, size, "scale", **{"policy.brain": True})
    world = build_world(sc, 1)
    params = build_brain(world.company)
    batches: list[Members] = []
    inner = flow.group_batch

    def recording(states: Any, members: Members, p: BrainParams) -> list[object]:
        batches.append([(tid, list(payloads)) for tid, payloads in members])
        return inner(states, members, p)

    flow.group_batch = recording  # type: ignore[assignment]
    try:
        run_closed_loop(world, params)
    finally:
        flow.group_batch = inner  # type: ignore[assignment]
    return batches, params


def replay(batches: list[Members], params: BrainParams) -> tuple[float, str, int]:
    """CPU seconds of one replay through fresh states, and a digest of the events out."""
    states: dict[str, Any] = {}
    outs = []
    gc.collect()
    gc.disable()
    c = time.process_time()
    for members in batches:
        outs.append(group_batch(states, members, params))
    cpu = time.process_time() - c
    gc.enable()
    h, n = hashlib.sha256(), 0
    for out in outs:
        for e in out:
            if isinstance(e, ev.Event):
                h.update(ev.to_json(e).encode())
                n += 1
    return cpu, h.hexdigest()[:12], n


def old_code(tree: Path) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``tech_batch`` and ``new_tech`` of ``tree``'s technician step (its notification
    decision and its ``technician``, ``refresh`` and ``techstate`` modules, each importing
    the others of ``tree``); everything else, the compiled module too, is this tree's."""
    names = (
        "twin.models.decisions.notify",
        "twin.stream.techstate",
        "twin.stream.refresh",
        "twin.stream.technician",
    )
    saved = {name: sys.modules[name] for name in names}
    try:
        for name in names:
            short = name.rsplit(".", 1)[1]
            path = tree / (name.replace(".", "/") + ".py")
            sys.modules[name] = load_module(f"old_{short}", path)
        old_tech = sys.modules["twin.stream.technician"]
    finally:
        sys.modules.update(saved)
    return old_tech.tech_batch, old_tech.new_tech


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--old", type=Path, help="an older tree: its technician step against ours")
    p.add_argument("--deadbands", type=float, nargs="*", default=[])
    args = p.parse_args()
    batches, params = record(args.size)
    payloads = sum(len(ps) for m in batches for _, ps in m)
    print(f"recorded {len(batches)} batches, {payloads} payloads, {args.size} technicians")
    variants: dict[str, Callable[[], tuple[float, str, int]]] = {
        "this tree": lambda: replay(batches, params)
    }
    if args.old is not None:
        batch, new_tech = old_code(args.old)
        new = keygroups.tech_batch, keygroups.new_tech

        def with_old() -> tuple[float, str, int]:
            keygroups.tech_batch, keygroups.new_tech = batch, new_tech
            try:
                return replay(batches, params)
            finally:
                keygroups.tech_batch, keygroups.new_tech = new

        variants[f"old ({args.old})"] = with_old
    for d in args.deadbands:
        changed = dataclasses.replace(params, eta_hysteresis_min=d)
        variants[f"dead-band {d:g} min"] = lambda c=changed: replay(batches, c)
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    out: dict[str, tuple[str, int]] = {}
    for r in range(args.rounds):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))
        for name in order:
            seconds, digest, n = variants[name]()
            cpu[name].append(seconds)
            out[name] = digest, n
    print(f"| variant | CPU s, least of {args.rounds} | median | events out | digest |")
    print("|---|---|---|---|---|")
    for name, times in cpu.items():
        t = sorted(times)
        digest, n = out[name]
        print(f"| {name} | {t[0]:.3f} | {t[len(t) // 2]:.3f} | {n} | `{digest}` |")
    print(f"load average {os.getloadavg()[0]:.1f}")
    if args.old is not None and out["this tree"] != out[f"old ({args.old})"]:
        sys.exit("the events out differ between the trees")


if __name__ == "__main__":
    main()
