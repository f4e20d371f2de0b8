"""The log's encoding alone, old code against new in one process (issue 19, end to end).

A whole ``bench_outputs.py`` run varies by ±20 % on a loaded machine, more than a change to
the encoder is worth. This loads another tree's ``twin/events/codec.py`` beside this
tree's (both encode this tree's event classes), then encodes the same log with each,
``--rounds`` times alternating which goes first, GC off, the time cache cleared before
each round (a log read back: every timestamp its own object). Both must give the log's
own lines.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_encode.py RUN/events.jsonl --old
/tmp/old-tree [--rounds 8]``
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from pathlib import Path

from _common import load_module

from twin import events as ev
from twin.events import codec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", type=Path)
    ap.add_argument("--old", type=Path, required=True, help="another tree")
    ap.add_argument("--rounds", type=int, default=8)
    args = ap.parse_args()
    old = load_module("old_codec", args.old / "twin/events/codec.py")
    events = ev.read_log(args.log)
    lines = args.log.read_text(encoding="utf-8").splitlines()
    cpu: dict[str, list[float]] = {"old": [], "new": []}
    load = os.getloadavg()[0]
    gc.disable()
    for r in range(args.rounds):
        arms = [("old", old), ("new", codec)]
        for name, mod in arms if r % 2 == 0 else arms[::-1]:
            mod._quoted_time.cache_clear()
            start = time.process_time()
            out = mod.to_lines(events)
            cpu[name].append(time.process_time() - start)
            if out != lines:
                raise SystemExit(f"{name}: the lines differ from the log's")
    after = os.getloadavg()[0]
    print(f"{len(events):,} events, {args.rounds} rounds, load {load:.1f} → {after:.1f}")
    for name, xs in cpu.items():
        print(f"{name}: CPU least {min(xs):.3f} s, median {statistics.median(xs):.3f} s")
    ratio = statistics.median(cpu["new"]) / statistics.median(cpu["old"])
    print(f"new / old (median): {ratio:.2f}")


if __name__ == "__main__":
    main()
