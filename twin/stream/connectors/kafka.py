"""Kafka topics as the brain's input and output: the production event stream in, decisions out.

**Input.** :class:`EventTopicSource` reads one topic of JSON event lines, each Kafka partition with
a :class:`~twin.stream.connectors.reader.PartitionReader` (``assign()``, no consumer group; the
offsets go into the source's snapshot), from the beginning: the brain's state is a function of the
topic's contents, so a restarted shadow rebuilds it by reading the topic again, and its publisher
sends only what a previous run did not (see :mod:`twin.stream.connectors.publish`). In live mode a
:class:`~twin.stream.connectors.reader.TopicWatch` notices a broker that came back without the
topic (a new topic id) and reads the new one from its start, with a warning. A message is decoded,
parsed and validated on its own (the rules of :mod:`twin.stream.validate`; the usual message in one
pass, :mod:`twin.stream.fastparse`): a valid one becomes its event; one that is not becomes
``RawLine(bytes, line=offset)``, which the flow's own ``parse`` step turns into a dead letter with
the reason. Kafka gives the brain no clock, so ``Tick`` markers come from the event-time watermark
of the valid events (:class:`~twin.stream.connectors.ticks.EventTicks`): after an event of time
*t*, every whole minute *m* ≤ *t* − bound not yet ticked, never past the day. The admission step
dead-letters what arrives beyond the bound. A bounded read (``until_eof``) stops at the end of
every partition and ticks up to the newest event, so that nothing stays held.

**Order.** The collector replans against its view of the fleet when it closes a minute, so that
view must not run ahead: if events of later minutes reach it first, its replans change (measured:
batches of 100 lines instead of one minute at a time change a day's decisions). So
:class:`~twin.stream.connectors.ticks.InputOrder` holds each event until the tick that closes its
minute and releases it just before that tick, sorted by (time, partition, offset); the source hands
the flow one minute per batch; and a :class:`TickGate` shared with the sink holds the next minute
until the sink has seen the previous one closed — the closed loop's barrier (its wait: a wake-up
every 200 µs, :data:`GATE_WAKE`). A run is a function of the topic's contents: neither Kafka's
batching nor the worker count changes it.

**Output** goes to the decision topics (:mod:`twin.stream.connectors.topics`).

**Scaling.** Key a technician's activity by technician and what belongs to a visit's booking on one
key (or one per region), so that a request and its booking keep their order. All partitions feed
*one* source partition, because the watermark spans the topic (the minimum over partitions); in
live mode a partition silent for ``idle_s`` stops holding the others back, and its late events
become dead letters. Workers, the global steps and a brain per region: see :mod:`twin.app.shadow`.
The gate needs source and sink in one process; a cluster of processes (``-i``/``-a``) runs with
``barrier=False``, which keeps one minute per batch but no longer guarantees the order above.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition
from confluent_kafka import Consumer, KafkaException

from twin.clock import DayClock
from twin.stream.connectors.reader import PartitionReader, TopicWatch, same_topic
from twin.stream.connectors.ticks import EventTicks, InputOrder, TickState
from twin.stream.messages import Tick
from twin.stream.order import RawLine
from twin.stream.validate import EventRules

log = logging.getLogger(__name__)

# While the gate holds a tick, poll again after this, not after Bytewax's 1 ms back-off for
# an empty batch: that back-off per tick was most of a backlog's replay (default day, one
# worker: 7.8 → 3.5 s of flow at load 9); 0 (spinning) takes the GIL from other workers.
GATE_WAKE = timedelta(microseconds=200)


# ---------------------------------------------------------------- counters for the summary
@dataclass
class ShadowStats:
    """What went through a shadow run; shared by the source and sink partitions."""

    messages: int = 0
    events: int = 0
    malformed: int = 0
    ticks: int = 0
    published: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            if name in ("messages", "events", "malformed", "ticks"):
                setattr(self, name, getattr(self, name) + n)
            else:
                self.published[name] += n


# ---------------------------------------------------------------- source
@dataclass
class TickGate:
    """In-process barrier between the sink and the source, as in the closed loop.

    The collector's view of the fleet must not run ahead of the minute it closes (its
    replans read it), so the source releases one tick per batch and, with a gate, waits
    until the sink has seen that tick's ``TickClosed`` before it releases the next. This
    makes a run independent of how Kafka batched the messages. It needs the source and
    the sink in one process (any number of worker threads).
    """

    closed_until: float = -math.inf
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    settle: Callable[[], None] | None = None  # Publisher.wait: the sink opens on sending

    def close(self, minute: float) -> None:
        with self.lock:
            self.closed_until = max(self.closed_until, minute)

    def is_closed(self, minute: float) -> bool:
        with self.lock:
            return self.closed_until >= minute


@dataclass
class TopicResume:
    """Snapshot of the source: next offset per Kafka partition, tick state, events held for
    a later minute, items read but not yet released.

    Plain data copied from the source's own state, never the clock or the rules: those are
    shared with the brain's steps, which other worker threads run meanwhile (a deep copy of
    the clock's caches while another worker filled them failed with "dictionary changed
    size during iteration")."""

    offsets: dict[str, int | None]
    ticks: TickState
    held: list[tuple[datetime, int, int, Any]]
    pending: list[Any]
    ended: set[str]


class _TopicPartition(StatefulSourcePartition[Any, TopicResume]):
    def __init__(
        self,
        inner: Mapping[str, PartitionReader],
        order: InputOrder,
        watch: TopicWatch | None,
        resume: TopicResume | None,
        idle_s: float | None,
        poll_s: float,
        gate: TickGate | None,
        stats: ShadowStats | None,
        commit_s: float | None = None,
        observe: Callable[[list[Any]], None] | None = None,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self.observe = observe
        self.on_idle = on_idle
        self.inner = inner
        self.commit_s = commit_s if gate is not None else None  # "done" needs the barrier
        self.last_commit = -math.inf
        self.order = order
        self.watch = watch
        self.idle_s = idle_s
        self.poll_s = poll_s
        self.gate = gate
        self.stats = stats
        self.pending: deque[Any] = deque(resume.pending if resume else ())
        self.ended: set[str] = set(resume.ended) if resume else set()
        self.last_seen = dict.fromkeys(inner, time.monotonic())
        self.waiting: float | None = None
        self.empty = self.gated = False
        self.done = bool(inner) and len(self.ended) == len(inner)

    def _admit(self, part: str, msg: Any) -> list[Any]:
        offset = msg.offset()
        # bytes as they came: decoded per message by ``parse`` (bad UTF-8: a dead letter)
        return self.order.admit(part, msg.value() or b"", -1 if offset is None else offset)

    def _commit(self, final: bool) -> None:
        """Called when all that was released is decided (the gate closed the last tick): once
        it is delivered (``gate.settle``), commit per partition the offset below which every
        message is done (the lowest one held for a later minute, else the read position); at
        most every ``commit_s`` seconds, and at the end."""
        now = time.monotonic()
        if self.commit_s is None or (not final and now - self.last_commit < self.commit_s):
            return
        self.last_commit = now
        if self.gate is not None and self.gate.settle is not None:
            self.gate.settle()  # "done" includes delivered
        lowest: dict[int, int] = {}
        for _, index, offset, _ in self.order.held:
            lowest[index] = min(offset, lowest.get(index, offset))
        for index, reader in enumerate(self.inner.values()):
            if reader.next_offset is not None:
                reader.commit(min(lowest.get(index, reader.next_offset), reader.next_offset), final)

    def _silent(self, part: str, now: float) -> bool:
        """Newly silent for longer than ``idle_s`` (live mode only)."""
        return (
            self.idle_s is not None
            and now - self.last_seen[part] > self.idle_s
            and part not in self.order.ticks.idle_parts
        )

    def _poll(self) -> list[Any]:
        """One round over the Kafka partitions: their messages as items, with ticks."""
        out: list[Any] = []
        n_msgs = 0
        now = time.monotonic()
        if self.watch is not None and not same_topic(self.watch, self.inner, now):
            return out  # read nothing until the topic's id tells what was read so far
        for part, inner in self.inner.items():
            if part in self.ended:
                continue
            try:
                msgs = inner.next_batch()
            except StopIteration:
                self.ended.add(part)
                out.extend(self.order.idle(part))
                continue
            got = 0
            for msg in msgs:
                out.extend(self._admit(part, msg))
                got += 1
            if got:
                n_msgs += got
                self.last_seen[part] = now
            elif self._silent(part, now):
                log.info("partition %s silent for %.0f s: not waiting for it", part, self.idle_s)
                out.extend(self.order.idle(part))
        if len(self.ended) == len(self.inner):
            out.extend(self.order.finish())
            self.done = True
        elif not n_msgs and self.watch is not None and self.watch.due(now):
            same_topic(self.watch, self.inner, now, check=True)  # quiet: created again?
        if self.stats is not None:
            ticks = sum(isinstance(i, Tick) for i in out)
            malformed = sum(isinstance(i, RawLine) for i in out)
            self.stats.add("messages", n_msgs)
            self.stats.add("malformed", malformed)
            self.stats.add("ticks", ticks)
            self.stats.add("events", len(out) - ticks - malformed)
        if self.observe is not None and out:
            self.observe(out)
        return out

    def next_batch(self) -> list[Any]:
        self.empty = self.gated = False
        if self.waiting is not None:
            if self.gate is not None and not self.gate.is_closed(self.waiting):
                self.gated = True
                return []  # the barrier: the previous tick is still being decided
            self.waiting = None
        if not self.pending:
            self._commit(final=self.done)
            if self.done:
                raise StopIteration
            self.pending.extend(self._poll())
            if not self.pending:
                self.empty = not self.done
                if self.empty and self.on_idle is not None:
                    self.on_idle()  # e.g. a live scorecard deferred while catching up
                return []
        out: list[Any] = []
        while self.pending:  # up to and including the next tick: one minute per batch
            item = self.pending.popleft()
            out.append(item)
            if isinstance(item, Tick):
                self.waiting = item.minute
                break
        return [out]  # one item (a list, see build_flow): Bytewax's cost once per minute

    def next_awake(self) -> datetime | None:
        # Kafka had nothing new: do not spin on the consumers (live mode waits for messages)
        if self.gated:  # the sink closes the tick within a few steps: look again soon
            return datetime.now(UTC) + GATE_WAKE
        return datetime.now(UTC) + timedelta(seconds=self.poll_s) if self.empty else None

    def snapshot(self) -> TopicResume:
        offsets = {part: inner.snapshot() for part, inner in self.inner.items()}
        ticks = TickState.of(self.order.ticks)
        # the held tuples and the pending items are immutable: a shallow copy is a copy
        return TopicResume(
            offsets, ticks, list(self.order.held), list(self.pending), set(self.ended)
        )

    def close(self) -> None:
        for inner in self.inner.values():
            inner.close()


class EventTopicSource(FixedPartitionedSource[Any, TopicResume]):
    """One topic of JSON event lines → events (or raw lines) and watermark ``Tick`` markers.

    ``gate`` (shared with :class:`DecisionTopicsSink`) holds each tick back until the
    previous one is closed; without it (a cluster of several processes) ticks are still
    released one per batch, which in practice keeps the same order but is not guaranteed.
    """

    def __init__(
        self,
        brokers: Sequence[str],
        topic: str,
        clock: DayClock,
        bound_min: float,
        *,
        until_eof: bool = False,
        idle_s: float | None = 10.0,
        poll_s: float = 0.02,
        batch_size: int = 1000,
        add_config: dict[str, str] | None = None,
        gate: TickGate | None = None,
        stats: ShadowStats | None = None,
        rules: EventRules | None = None,
        group_id: str | None = None,
        commit_s: float = 1.0,
        observe: Callable[[list[Any]], None] | None = None,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        """``observe`` sees every batch of items polled (events, raw lines, ticks), e.g.
        for the live scorecard (:mod:`twin.app.live_score`); ``on_idle`` is called when a
        poll found nothing new."""
        if isinstance(brokers, str):
            msg = f"brokers must be a list of 'host:port' strings, got the string {brokers!r}"
            raise TypeError(msg)
        if idle_s is not None and idle_s <= 0:
            msg = f"idle_s must be > 0 seconds (or None to wait forever), got {idle_s!r}"
            raise ValueError(msg)
        self.until_eof = until_eof
        self.group_id = group_id
        self.commit_s = commit_s
        self.batch_size = batch_size
        self.add_config = add_config
        self.brokers = list(brokers)
        self.topic = topic
        self.clock = clock
        self.bound_min = bound_min
        self.idle_s = None if until_eof else idle_s  # a bounded read waits for every end
        self.poll_s = poll_s
        self.gate = gate
        self.stats = stats
        self.rules = rules
        self.observe = observe
        self.on_idle = on_idle

    def list_parts(self) -> list[str]:
        return [self.topic]  # one partition for all of Kafka's: the watermark spans the topic

    def _partitions(self) -> list[int]:
        bootstrap = ",".join(self.brokers)
        consumer = Consumer(
            {"bootstrap.servers": bootstrap, "group.id": "fieldtwin", "log_level": 2}
        )
        try:
            found = consumer.list_topics(self.topic, timeout=10).topics.get(self.topic)
        except KafkaException as exc:
            msg = f"cannot read topic {self.topic!r} from {','.join(self.brokers)}: {exc}"
            raise RuntimeError(msg) from None
        finally:
            consumer.close()
        if found is None or found.error is not None or not found.partitions:
            why = found.error if found is not None and found.error else "no such topic"
            msg = f"cannot read topic {self.topic!r} from {','.join(self.brokers)}: {why}"
            raise RuntimeError(msg)
        return sorted(found.partitions)

    def build_part(
        self, step_id: str, for_part: str, resume_state: TopicResume | None
    ) -> _TopicPartition:
        offsets = resume_state.offsets if resume_state is not None else {}
        bootstrap = ",".join(self.brokers)
        inner = {
            str(i): PartitionReader(
                bootstrap,
                self.topic,
                i,
                offsets.get(str(i)),
                batch_size=self.batch_size,
                until_eof=self.until_eof,
                group_id=self.group_id,
                config=self.add_config,
            )
            for i in self._partitions()
        }
        watch = None
        if not self.until_eof:
            watch = TopicWatch(bootstrap, self.topic)
            watch.start()
        parts = tuple(inner)  # partitions may have been added since a snapshot
        if resume_state is not None:
            ticks = resume_state.ticks.ticks(self.clock, self.bound_min, parts)
            order = InputOrder(ticks, self.rules, list(resume_state.held))
        else:
            order = InputOrder(EventTicks(self.clock, self.bound_min, parts), self.rules)
        commit_s = self.commit_s if self.group_id is not None else None
        return _TopicPartition(
            inner,
            order,
            watch,
            resume_state,
            self.idle_s,
            self.poll_s,
            self.gate,
            self.stats,
            commit_s,
            self.observe,
            self.on_idle,
        )
