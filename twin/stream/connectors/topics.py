"""The brain's output topics on Kafka: decisions, dead letters and ops windows.

:class:`DecisionTopicsSink` publishes through a shared
:class:`~twin.stream.connectors.publish.Publisher`: decisions to ``<prefix>.decisions``
(``twin.events.to_json``), dead letters to ``<prefix>.dead-letters`` (``{"reason", "raw",
"line"}``), ops windows to ``<prefix>.ops``; ``<prefix>.scores`` holds the live scorecard
(:mod:`twin.app.live_score`, through ``observe``). Every message is keyed by its deterministic id
(a decision's event id, ``dl-<hash>``, ``ops-<window start>``; see
:mod:`twin.stream.connectors.dedup`), which is also its ``fieldtwin-id`` header; the
``visit_id`` or ``technician_id`` a consumer may want to group by is in the body. The
topics are created with one partition, which keeps every visit's decisions in order (keys
by id spread a visit over partitions if a topic had several). A tick's messages are
delivered (or, with a gate that settles, sent) before the source may release the next
tick. ``TickClosed`` markers stay inside.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bytewax.outputs import DynamicSink, StatelessSinkPartition

from twin import events as ev
from twin.stream.connectors.kafka import ShadowStats, TickGate
from twin.stream.connectors.publish import OutMessage, Publisher, ensure_topics
from twin.stream.messages import DECISION_TYPES, DeadLetter, OpsWindow, TickClosed

__all__ = ["DecisionTopicsSink", "OutMessage", "ensure_topics", "output_topic", "to_message"]

log = logging.getLogger(__name__)

DECISIONS = "decisions"
DEAD_LETTERS = "dead-letters"
OPS = "ops"
SCORES = "scores"  # the live scorecard (twin.app.live_score), published beside the sink
OUTPUTS = (DECISIONS, DEAD_LETTERS, OPS, SCORES)


def output_topic(prefix: str, kind: str) -> str:
    if kind not in OUTPUTS:
        msg = f"output kind {kind!r} is not one of {', '.join(OUTPUTS)}"
        raise ValueError(msg)
    return f"{prefix}.{kind}"


def _millis(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def dead_letter_id(item: DeadLetter) -> str:
    """Deterministic: the same line with the same reason has the same id."""
    digest = hashlib.sha256(f"{item.line}\x00{item.reason}\x00{item.raw}".encode(errors="replace"))
    return f"dl-{digest.hexdigest()[:24]}"


def to_message(item: Any, prefix: str) -> OutMessage | None:
    """The Kafka message for one output of the flow; None for internal markers."""
    if isinstance(item, DECISION_TYPES):
        topic = f"{prefix}.{DECISIONS}"  # the most frequent: the name without the check
        return OutMessage(topic, ev.to_json(item).encode(), item.id, item.TYPE, _millis(item.time))
    if isinstance(item, DeadLetter):
        data = {"reason": item.reason, "raw": item.raw, "line": item.line}
        body = json.dumps(data, ensure_ascii=False).encode()
        topic = output_topic(prefix, DEAD_LETTERS)
        return OutMessage(topic, body, dead_letter_id(item), DEAD_LETTERS)
    if isinstance(item, OpsWindow):
        body = json.dumps(item.to_dict()).encode()
        mid = f"ops-{ev.format_time(item.window_start)}"
        return OutMessage(output_topic(prefix, OPS), body, mid, OPS, _millis(item.window_end))
    return None  # TickClosed and other markers stay inside the brain


class _DecisionTopicsPartition(StatelessSinkPartition[Any]):
    def __init__(
        self,
        publisher: Publisher,
        prefix: str,
        gate: TickGate | None,
        stats: ShadowStats | None,
        observe: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self.publisher = publisher
        self.prefix = prefix
        self.gate = gate
        self.stats = stats
        self.observe = observe

    def write_batch(self, items: list[Any]) -> None:
        messages = []
        closed: float | None = None
        for item in items:
            if isinstance(item, TickClosed):
                closed = item.minute if closed is None else max(closed, item.minute)
                continue
            found = to_message(item, self.prefix)
            if found is not None:
                messages.append(found)
        fresh = self.publisher.fresh(messages)  # not what a previous run published
        if fresh:  # returns when delivered (or failed, counted), unless the gate settles
            self.publisher.send(fresh, wait=self.gate is None or self.gate.settle is None)
        if self.observe is not None:
            self.observe(items)  # before the gate opens: a live scorecard of this minute
        if closed is not None and self.gate is not None:
            self.gate.close(closed)  # after delivery, or sent (pipelined): the tick is out
        if self.stats is not None:
            for kind, n in Counter(m.kind for m in fresh).items():
                self.stats.add(kind, n)
            if len(fresh) < len(messages):
                self.stats.add("already published", len(messages) - len(fresh))

    def close(self) -> None:
        self.publisher.close()


class DecisionTopicsSink(DynamicSink[Any]):
    """Decisions, dead letters and ops windows to ``<prefix>.decisions|dead-letters|ops``.

    ``publisher`` is shared by the workers' partitions (``run_shadow`` makes one, reads
    back what earlier runs published, and flushes it at the end); by default the sink
    makes its own when the first partition is built (``python -m bytewax.run``), which
    reads back the same way.
    """

    def __init__(
        self,
        brokers: Sequence[str],
        prefix: str,
        *,
        publisher: Publisher | None = None,
        gate: TickGate | None = None,
        stats: ShadowStats | None = None,
        observe: Callable[[list[Any]], None] | None = None,
    ) -> None:
        if isinstance(brokers, str):
            msg = f"brokers must be a list of 'host:port' strings, got the string {brokers!r}"
            raise TypeError(msg)
        if not prefix or any(c.isspace() for c in prefix):
            msg = f"topic prefix must be a non-empty name without spaces, got {prefix!r}"
            raise ValueError(msg)
        self.brokers = list(brokers)
        self.prefix = prefix
        self.publisher = publisher
        self.gate = gate
        self.stats = stats
        self.observe = observe  # sees each batch of the flow's outputs, once delivered
        self.lock = threading.Lock()  # workers build their partitions in their own threads

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _DecisionTopicsPartition:
        with self.lock:
            if self.publisher is None:
                outputs = [output_topic(self.prefix, k) for k in OUTPUTS]
                ensure_topics(self.brokers, outputs)
                self.publisher = Publisher(self.brokers, outputs)
                self.publisher.remember(outputs)
        return _DecisionTopicsPartition(
            self.publisher, self.prefix, self.gate, self.stats, self.observe
        )
