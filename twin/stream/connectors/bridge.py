"""The closed loop: the world runs inside the dataflow's source, one tick per batch.

``next_batch`` first waits (returns ``[]``) until the collector has closed the previous
tick — the barrier — then applies that tick's decisions to the world (sorted by time and
id), advances the world by one tick, and emits the tick's events followed by a ``Tick``
marker. The sink hands decisions back through a :class:`LoopBridge`. Everything runs in
one process on one worker, so the same seed gives the same log (STACK.md).

Both loops run the day without automatic garbage collections (``long_run_gc(None)``): the
day keeps what it makes and makes no garbage cycles (only the dataflow's own graph, once,
tested), while every young collection walks the young objects and what they refer to, a
cost per object that grows with the company (10,000 technicians: 78 young and 6 middle
collections, 9.2 s of a 93-s brain day, 0 objects found; bench/RESULTS.md, session 14).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition
from bytewax.outputs import DynamicSink, StatelessSinkPartition
from bytewax.testing import run_main

from twin import events as ev
from twin.clock import DayClock
from twin.gctuning import long_run_gc
from twin.models.decisions.notify import Notifier, RecordingNotifier
from twin.stream.direct import DirectBrain
from twin.stream.flow import build_flow
from twin.stream.messages import DECISION_TYPES, DeadLetter, OpsWindow, Tick, TickClosed
from twin.stream.params import BrainParams

Progress = Callable[[float, float], None]


@dataclass
class BrainRun:
    events: list[ev.Event]
    ops: list[OpsWindow] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


@dataclass
class LoopBridge:
    """What the source and the sink share: closed ticks and the decisions to apply."""

    closed: set[float] = field(default_factory=set)
    decisions: list[ev.Event] = field(default_factory=list)
    notifier: Notifier = field(default_factory=RecordingNotifier)
    ops: list[OpsWindow] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def receive(self, items: list[Any]) -> None:
        for item in items:
            if isinstance(item, TickClosed):
                self.closed.add(item.minute)
            elif isinstance(item, DECISION_TYPES):
                self.decisions.append(item)
                if isinstance(item, ev.CustomerNotified):
                    self.notifier.send(item)  # the customer hears it now, not next tick
            elif isinstance(item, OpsWindow):
                self.ops.append(item)
            elif isinstance(item, DeadLetter):
                self.dead_letters.append(item)

    def take(self) -> list[ev.Event]:
        out, self.decisions = self.decisions, []
        return out


class SteppedWorld(Protocol):
    """What the closed loop needs of a world (``twin.sim.SteppedWorld`` is one): its tick ends,
    advancing by a tick, taking decisions, and the log it recorded."""

    @property
    def clock(self) -> DayClock: ...

    def tick_minutes(self) -> list[float]: ...

    def advance(self, until: float) -> list[ev.Event]: ...

    def apply(self, decisions: Iterable[ev.Event]) -> None: ...

    @property
    def log(self) -> list[ev.Event]: ...


class _WorldPartition(StatefulSourcePartition[Any, None]):
    def __init__(self, world: SteppedWorld, bridge: LoopBridge, progress: Progress | None) -> None:
        self.world = world
        self.bridge = bridge
        self.progress = progress
        ticks = world.tick_minutes()
        self.end = ticks[-1]
        self.ticks = iter(ticks)
        self.waiting: float | None = None

    def next_batch(self) -> list[Any]:
        if self.waiting is not None:
            if self.waiting not in self.bridge.closed:
                return []
            self.world.apply(self.bridge.take())
        t = next(self.ticks, None)
        if t is None:
            raise StopIteration
        items: list[Any] = list(self.world.advance(t))
        items.append(Tick(t, self.world.clock.at(t)))
        self.waiting = t
        if self.progress is not None:
            self.progress(t, self.end)
        return [items]  # the tick as one batch (see ``build_flow``)

    def next_awake(self) -> datetime | None:
        return None

    def snapshot(self) -> None:
        return None


class WorldSource(FixedPartitionedSource[Any, None]):
    def __init__(self, world: SteppedWorld, bridge: LoopBridge, progress: Progress | None = None):
        self.world = world
        self.bridge = bridge
        self.progress = progress

    def list_parts(self) -> list[str]:
        return ["world"]

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _WorldPartition:
        return _WorldPartition(self.world, self.bridge, self.progress)


class _BridgePartition(StatelessSinkPartition[Any]):
    """Takes the brain's outputs as lists (``build_flow(..., batched_output=True)``)."""

    def __init__(self, bridge: LoopBridge) -> None:
        self.bridge = bridge

    def write_batch(self, items: list[list[Any]]) -> None:
        for batch in items:
            self.bridge.receive(batch)


class BridgeSink(DynamicSink[Any]):
    """The closed loop's sink: the brain's outputs as lists, into a :class:`LoopBridge`."""

    def __init__(self, bridge: LoopBridge) -> None:
        self.bridge = bridge

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _BridgePartition:
        return _BridgePartition(self.bridge)


def run_closed_loop(
    world: SteppedWorld,
    params: BrainParams,
    progress: Progress | None = None,
    notifier: Notifier | None = None,
) -> BrainRun:
    """Run the day with the Bytewax brain in the loop; messages go to ``notifier``."""
    bridge = LoopBridge() if notifier is None else LoopBridge(notifier=notifier)
    flow = build_flow(
        WorldSource(world, bridge, progress), BridgeSink(bridge), params, batched_output=True
    )
    with long_run_gc(None):  # no cycles to collect: see the module docstring
        run_main(flow)
    world.apply(bridge.take())  # decisions of the last tick: recorded, nothing left to change
    return BrainRun(list(world.log), bridge.ops, bridge.dead_letters)


def run_direct_loop(
    world: SteppedWorld, params: BrainParams, progress: Progress | None = None
) -> BrainRun:
    """The same loop without Bytewax: same ticks, same steps, same order of application."""
    brain = DirectBrain(params)
    bridge = LoopBridge()
    ticks = world.tick_minutes()
    with long_run_gc(None):
        for t in ticks:
            items: list[Any] = list(world.advance(t))
            items.append(Tick(t, world.clock.at(t)))
            bridge.receive(brain.feed(items))
            world.apply(bridge.take())
            if progress is not None:
                progress(t, ticks[-1])
    return BrainRun(list(world.log), bridge.ops, bridge.dead_letters)
