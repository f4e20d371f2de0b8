"""The brain's output topics on Kafka: decisions, dead letters and ops windows.

:class:`DecisionTopicsSink` writes through Bytewax's ``KafkaSink``: decisions to
``<prefix>.decisions`` (``twin.events.to_json``), dead letters to ``<prefix>.dead-letters``
(``{"reason", "raw", "line"}``), ops windows to ``<prefix>.ops``; keyed by visit id, else
technician id, so a consumer sees each visit's decisions in order however many partitions
the topic has. ``TickClosed`` markers stay inside. :func:`ensure_topics` creates them.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bytewax.connectors.kafka import KafkaSink, KafkaSinkMessage
from bytewax.outputs import DynamicSink, StatelessSinkPartition
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from twin import events as ev
from twin.stream.connectors.kafka import ShadowStats, TickGate
from twin.stream.messages import DECISION_TYPES, DeadLetter, OpsWindow, TickClosed

log = logging.getLogger(__name__)

DECISIONS = "decisions"
DEAD_LETTERS = "dead-letters"
OPS = "ops"
OUTPUTS = (DECISIONS, DEAD_LETTERS, OPS)


def output_topic(prefix: str, kind: str) -> str:
    if kind not in OUTPUTS:
        msg = f"output kind {kind!r} is not one of {', '.join(OUTPUTS)}"
        raise ValueError(msg)
    return f"{prefix}.{kind}"


def _key(item: Any) -> bytes | None:
    key = getattr(item, "visit_id", None) or getattr(item, "technician_id", None)
    return key.encode() if isinstance(key, str) else None


def _millis(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def to_message(item: Any, prefix: str) -> tuple[str, KafkaSinkMessage[bytes | None, bytes]] | None:
    """The Kafka message for one output of the flow, with its kind; None for internal markers."""
    if isinstance(item, DECISION_TYPES):
        body = ev.to_json(item).encode()
        topic = output_topic(prefix, DECISIONS)
        return item.TYPE, KafkaSinkMessage(_key(item), body, topic, timestamp=_millis(item.time))
    if isinstance(item, DeadLetter):
        data = {"reason": item.reason, "raw": item.raw, "line": item.line}
        body = json.dumps(data, ensure_ascii=False).encode()
        return DEAD_LETTERS, KafkaSinkMessage(None, body, output_topic(prefix, DEAD_LETTERS))
    if isinstance(item, OpsWindow):
        body = json.dumps(item.to_dict()).encode()
        topic = output_topic(prefix, OPS)
        return OPS, KafkaSinkMessage(None, body, topic, timestamp=_millis(item.window_end))
    return None  # TickClosed and other markers stay inside the brain


class _DecisionTopicsPartition(StatelessSinkPartition[Any]):
    def __init__(
        self,
        inner: StatelessSinkPartition[Any],
        prefix: str,
        gate: TickGate | None,
        stats: ShadowStats | None,
    ) -> None:
        self.inner = inner
        self.prefix = prefix
        self.gate = gate
        self.stats = stats

    def write_batch(self, items: list[Any]) -> None:
        messages = []
        kinds: Counter[str] = Counter()
        closed: float | None = None
        for item in items:
            if isinstance(item, TickClosed):
                closed = item.minute if closed is None else max(closed, item.minute)
                continue
            found = to_message(item, self.prefix)
            if found is not None:
                kinds[found[0]] += 1
                messages.append(found[1])
        if messages:
            self.inner.write_batch(messages)  # produces and flushes
        if closed is not None and self.gate is not None:
            self.gate.close(closed)  # after the flush: the tick's decisions are out
        if self.stats is not None:
            for kind, n in kinds.items():
                self.stats.add(kind, n)

    def close(self) -> None:
        self.inner.close()


class DecisionTopicsSink(DynamicSink[Any]):
    """Decisions, dead letters and ops windows to ``<prefix>.decisions|dead-letters|ops``."""

    def __init__(
        self,
        brokers: Sequence[str],
        prefix: str,
        *,
        add_config: dict[str, str] | None = None,
        gate: TickGate | None = None,
        stats: ShadowStats | None = None,
    ) -> None:
        if isinstance(brokers, str):
            msg = f"brokers must be a list of 'host:port' strings, got the string {brokers!r}"
            raise TypeError(msg)
        if not prefix or any(c.isspace() for c in prefix):
            msg = f"topic prefix must be a non-empty name without spaces, got {prefix!r}"
            raise ValueError(msg)
        self.kafka = KafkaSink(list(brokers), None, add_config=add_config)
        self.prefix = prefix
        self.gate = gate
        self.stats = stats

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _DecisionTopicsPartition:
        inner = self.kafka.build(step_id, worker_index, worker_count)
        return _DecisionTopicsPartition(inner, self.prefix, self.gate, self.stats)


def ensure_topics(
    brokers: Sequence[str], names: Iterable[str], partitions: int = 1, timeout_s: float = 10.0
) -> list[str]:
    """Create the topics that do not exist yet; returns the ones created."""
    admin = AdminClient({"bootstrap.servers": ",".join(brokers)})
    try:
        existing = set(admin.list_topics(timeout=timeout_s).topics)
        missing = [n for n in names if n not in existing]
        if not missing:
            return []
        new = [NewTopic(n, num_partitions=partitions, replication_factor=1) for n in missing]
        futures = admin.create_topics(new, operation_timeout=timeout_s, request_timeout=timeout_s)
        for future in futures.values():
            future.result(timeout=timeout_s)
    except KafkaException as exc:
        msg = f"Kafka at {','.join(brokers)}: cannot list or create topics ({exc})"
        raise RuntimeError(msg) from None
    return missing
