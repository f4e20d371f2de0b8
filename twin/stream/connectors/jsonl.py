"""Replay: the brain's dataflow over a recorded JSONL event log (open loop).

The log is read as bytes, in chunks split into lines: each line is decoded, parsed and
validated on its own (the usual line in one pass by :mod:`twin.stream.fastparse`, any
other by :func:`twin.stream.order.parse`, with the same result), so a bad byte, a bad
nesting or a bad value spoils only its line, which becomes a dead letter with the reason.
``Tick`` markers are inserted from the event-time watermark of the *valid* events (with a
reordering bound), so the same admission, fleet, technician and collector steps run as in
the closed loop. Malformed or invalid lines, unknown types, duplicates and events beyond
the bound go to the dead-letter output with their reason; everything else is processed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition
from bytewax.testing import run_main

from twin import events as ev
from twin.clock import DayClock
from twin.gctuning import long_run_gc
from twin.stream.connectors.bridge import BridgeSink, LoopBridge
from twin.stream.fastparse import FastParser
from twin.stream.flow import build_flow
from twin.stream.messages import DECISION_TYPES, DeadLetter, OpsWindow, Tick
from twin.stream.order import RawLine, Watermark, parse, rules_for
from twin.stream.params import BrainParams
from twin.stream.validate import MAX_LINE_BYTES, EventRules

BATCH_LINES = 2000
CHUNK = 1 << 20


def read_lines(
    fh: BinaryIO, limit: int = MAX_LINE_BYTES, chunk: int = CHUNK
) -> Iterator[tuple[int, bytes]]:
    """Numbered lines of a binary file, undecoded and without their newline (as a Kafka
    message would be); a line longer than ``limit`` is cut after ``limit + 2`` bytes (the
    rest is skipped, never held), so that parsing refuses it without holding it whole.
    The file is read in chunks of ``chunk`` bytes, split at newlines."""
    keep = limit + 2
    no = 0
    head = b""  # the start of a line that runs past the chunk (at most ``keep`` bytes)
    while data := fh.read(chunk):
        parts = data.split(b"\n")
        for part in parts[:-1]:  # each ends a line
            line = head + part if head else part
            head = b""
            no += 1
            yield no, line if len(line) <= keep else line[:keep]
        if parts[-1] and len(head) < keep:
            head = (head + parts[-1])[:keep]
    if head:
        yield no + 1, head


def with_ticks(
    lines: Iterable[tuple[int, str | bytes]],
    clock: DayClock,
    bound_min: float,
    rules: EventRules | None = None,
    world: list[ev.Event] | None = None,
) -> Iterator[ev.Event | DeadLetter | Tick]:
    """Valid events and dead letters, with ``Tick`` markers inserted as the watermark of
    the valid events passes whole minutes. The world events read (not the log's own
    decisions, once per id) are appended to ``world`` if given."""
    mark = Watermark(clock, bound_min)
    seen: set[str] = set()
    fast = FastParser(rules).parse  # a plainly valid line; None: the exact path says why
    minutes, last_time, last_minute = clock.minutes, None, 0.0
    for no, raw in lines:
        item: ev.Event | DeadLetter | Tick | None = fast(raw)
        if item is None:
            if not raw.strip():
                continue
            item = parse(RawLine(raw, no), rules)
        if isinstance(item, ev.Event):
            t = item.time
            if t is not last_time:  # a minute's events share one time object (the cache)
                last_time, last_minute = t, minutes(t)
            # an event not after the second-newest time, once ticking began, changes no
            # state of the watermark and closes no minute: most events (Watermark.observe)
            if mark.last is None or last_minute > mark.second:
                yield from mark.observe(last_minute, item.id)
            if world is not None and not isinstance(item, DECISION_TYPES) and item.id not in seen:
                seen.add(item.id)
                world.append(item)
        yield item
    yield from mark.finish()


class _LogPartition(StatefulSourcePartition[Any, int]):
    def __init__(
        self,
        path: Path,
        clock: DayClock,
        bound: float,
        resume: int | None,
        rules: EventRules | None,
        world: list[ev.Event] | None,
    ) -> None:
        self._fh = path.open("rb")
        self._items = with_ticks(read_lines(self._fh), clock, bound, rules, world)
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
    """A JSONL log, validated against ``rules`` (schema only without them)."""

    def __init__(
        self,
        path: Path,
        clock: DayClock,
        bound_min: float,
        rules: EventRules | None = None,
        world: list[ev.Event] | None = None,
    ) -> None:
        self.path = path
        self.clock = clock
        self.bound_min = bound_min
        self.rules = rules
        self.world = world

    def list_parts(self) -> list[str]:
        return [str(self.path)]

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _LogPartition:
        return _LogPartition(
            self.path, self.clock, self.bound_min, resume_state, self.rules, self.world
        )


@dataclass(frozen=True)
class ReplayResult:
    decisions: list[ev.Event]
    ops: list[OpsWindow]
    dead_letters: list[DeadLetter]
    # the log's valid world events, once per id (its own decisions left out): what
    # happened, against which the replay's decisions are measured
    world: list[ev.Event] = field(default_factory=list)


def replay(path: Path, params: BrainParams) -> ReplayResult:
    bridge = LoopBridge()
    world: list[ev.Event] = []
    source = LogSource(path, params.clock, params.reorder_bound_min, rules_for(params), world)
    flow = build_flow(source, BridgeSink(bridge), params, batched_output=True)
    # no automatic collections, as in the loops (twin.stream.connectors.bridge): a replay
    # leaves only its dataflow's graph, whatever the log's size (tests/stream/test_loop_gc.py),
    # while each young collection walked what the day keeps (10,000 technicians: 80 young
    # and 7 middle collections, 5-10 % of the replay's CPU; bench/RESULTS.md, session 17)
    with long_run_gc(None):
        run_main(flow)
    return ReplayResult(bridge.take(), bridge.ops, bridge.dead_letters, world)


def write_outputs(result: ReplayResult, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    ev.write_log(result.decisions, out_dir / "decisions.jsonl")
    with (out_dir / "ops.jsonl").open("w") as fh:
        fh.writelines(json.dumps(o.to_dict()) + "\n" for o in result.ops)
    # raw lines are escaped already (validate.raw_text); the error handler is a last guard
    with (out_dir / "dead_letters.jsonl").open(
        "w", encoding="utf-8", errors="backslashreplace"
    ) as fh:
        fh.writelines(
            json.dumps({"reason": d.reason, "line": d.line, "raw": d.raw}, ensure_ascii=False)
            + "\n"
            for d in result.dead_letters
        )
