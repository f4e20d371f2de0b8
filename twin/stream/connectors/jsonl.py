"""Replay: the brain's dataflow over a recorded JSONL event log (open loop).

The log is read in batches; ``Tick`` markers are inserted from the event-time watermark
(with a reordering bound), so the same admission, fleet, technician and collector steps
run as in the closed loop. Malformed lines, unknown types, duplicates and events beyond
the bound go to the dead-letter output with their reason; everything else is processed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition
from bytewax.testing import run_main

from twin import events as ev
from twin.clock import DayClock
from twin.gctuning import long_run_gc
from twin.stream.connectors.bridge import BridgeSink, LoopBridge
from twin.stream.flow import build_flow
from twin.stream.messages import DeadLetter, OpsWindow, Tick
from twin.stream.order import RawLine, Watermark, time_of
from twin.stream.params import BrainParams

BATCH_LINES = 2000


def with_ticks(
    lines: Iterator[tuple[int, str]], clock: DayClock, bound_min: float
) -> Iterator[RawLine | Tick]:
    """Raw lines with ``Tick`` markers inserted as the watermark passes whole minutes."""
    mark = Watermark(clock, bound_min)
    for no, text in lines:
        if not text.strip():
            continue
        minutes = time_of(text, clock)
        if minutes is not None:
            yield from mark.observe(minutes)
        yield RawLine(text.rstrip("\n"), no)
    yield from mark.finish()


class _LogPartition(StatefulSourcePartition[Any, int]):
    def __init__(self, path: Path, clock: DayClock, bound: float, resume: int | None) -> None:
        self._fh = path.open(encoding="utf-8")
        self._items = with_ticks(enumerate(self._fh, start=1), clock, bound)
        self._read = 0
        for _ in range(resume or 0):
            next(self._items, None)
            self._read += 1

    def next_batch(self) -> list[Any]:
        batch = []
        for item in self._items:
            batch.append(item)
            if len(batch) >= BATCH_LINES:
                break
        if not batch:
            raise StopIteration
        self._read += len(batch)
        return [batch]  # one batch item (see ``build_flow``)

    def next_awake(self) -> datetime | None:
        return None

    def snapshot(self) -> int:
        return self._read

    def close(self) -> None:
        self._fh.close()


class LogSource(FixedPartitionedSource[Any, int]):
    def __init__(self, path: Path, clock: DayClock, bound_min: float) -> None:
        self.path = path
        self.clock = clock
        self.bound_min = bound_min

    def list_parts(self) -> list[str]:
        return [str(self.path)]

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _LogPartition:
        return _LogPartition(self.path, self.clock, self.bound_min, resume_state)


@dataclass(frozen=True)
class ReplayResult:
    decisions: list[ev.Event]
    ops: list[OpsWindow]
    dead_letters: list[DeadLetter]


def replay(path: Path, params: BrainParams) -> ReplayResult:
    bridge = LoopBridge()
    flow = build_flow(
        LogSource(path, params.clock, params.reorder_bound_min), BridgeSink(bridge), params
    )
    with long_run_gc():
        run_main(flow)
    return ReplayResult(bridge.take(), bridge.ops, bridge.dead_letters)


def write_outputs(result: ReplayResult, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    ev.write_log(result.decisions, out_dir / "decisions.jsonl")
    with (out_dir / "ops.jsonl").open("w") as fh:
        fh.writelines(json.dumps(o.to_dict()) + "\n" for o in result.ops)
    with (out_dir / "dead_letters.jsonl").open("w") as fh:
        fh.writelines(
            json.dumps({"reason": d.reason, "line": d.line, "raw": d.raw}, ensure_ascii=False)
            + "\n"
            for d in result.dead_letters
        )
