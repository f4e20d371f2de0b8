"""Publishing to Kafka so that nothing is lost, nothing is sent twice, and an outage waits.

:class:`Publisher` wraps one ``confluent_kafka.Producer`` (thread-safe, shared by the sink's
workers):

- **Idempotent** (``enable.idempotence``): the broker drops a retried batch it already has.
- **Delivery reports**: :meth:`Publisher.send` produces a batch and returns once every
  message is acknowledged; a delivery that fails (after librdkafka's own retries) is
  counted in ``failed`` and logged with the reason. ``send(..., wait=False)`` returns at
  once, and :meth:`Publisher.wait` waits for everything sent so far (the shadow's sink
  sends a minute's decisions without waiting; the source waits before it commits input
  offsets). :meth:`Publisher.close` flushes.
- **Once per id across runs**: :meth:`Publisher.remember` reads back the ids already on the
  output topics (header :data:`~twin.stream.connectors.dedup.ID_HEADER`), and
  :meth:`Publisher.fresh` drops a message whose id a previous run published. A restarted
  shadow replays its input from the beginning (the brain's state is a function of the
  topic), so it regenerates exactly those ids and publishes only what is new.
- **Outages**: librdkafka reports every failed reconnect; that is one warning per outage
  here, and :meth:`send` waits in short steps (so that Ctrl-C and SIGTERM are honoured)
  until the broker is back. If it came back empty (Tansu keeps topics in memory), the topics
  are created again (a topic auto-created by a produce request lost the messages on Tansu,
  so auto-creation is off) and a new producer re-sends what was not acknowledged: the old
  one's idempotence state (producer id, sequence numbers) is unknown to the new broker,
  and it was measured to hang there. A re-sent message that had in fact arrived is a
  duplicate for :class:`~twin.stream.connectors.dedup.Deduplicator` to drop.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from twin.stream.connectors.dedup import ID_HEADER, TYPE_HEADER, message_id

log = logging.getLogger(__name__)

_OUTAGE = (KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT)
_PURGED = (KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT)


@dataclass(frozen=True, slots=True)
class OutMessage:
    """One message to publish; ``id`` is its :data:`ID_HEADER` header and, unless
    ``partition_key`` is given, its key."""

    topic: str
    value: bytes
    id: str
    kind: str
    timestamp_ms: int | None = None
    partition_key: bytes | None = None

    @property
    def key(self) -> bytes:
        return self.id.encode() if self.partition_key is None else self.partition_key


class Publisher:
    """An idempotent producer that waits for delivery, counts failures and publishes each
    id once across runs (see the module docstring)."""

    def __init__(
        self,
        brokers: Sequence[str],
        topics: Sequence[str] = (),
        *,
        config: dict[str, Any] | None = None,
        stall_s: float = 10.0,
    ) -> None:
        self.bootstrap = ",".join(brokers)
        self.topics = list(topics)  # re-created after an outage if the broker lost them
        self.stall_s = stall_s
        self.config: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap,
            "log_level": 2,  # librdkafka logs each failed reconnect; error_cb sums up
            "enable.idempotence": True,
            "linger.ms": 5,
            "allow.auto.create.topics": False,
            "error_cb": self._on_error,
            **(config or {}),
        }
        self.producer = Producer(self.config)
        self.generation = 0  # a new producer after the broker lost its state
        self.previous: Counter[str] = Counter()
        self.delivered = 0
        self.failed = 0
        self.suppressed = 0
        self.errors = 0
        self.outage_since: float | None = None
        self.broken = False
        self.lock = threading.Lock()
        # every message sent and not yet acknowledged, by its number: (message, generation of
        # the producer that has it); a new producer sends again those of an older one
        self.unacked: dict[int, tuple[OutMessage, int]] = {}
        self.sent = 0
        self.kinds: dict[str, bytes] = {}  # the type header's bytes, per kind

    # ------------------------------------------------------------ callbacks (librdkafka)
    def _on_error(self, err: KafkaError) -> None:
        with self.lock:
            self.errors += 1
            if err.code() in _OUTAGE:
                if self.outage_since is None:
                    self.outage_since = time.monotonic()
                    log.warning("Kafka at %s unreachable (%s): waiting", self.bootstrap, err)
            else:
                log.error("Kafka producer error: %s", err)
                if err.fatal():  # e.g. the idempotence state is broken: a new producer
                    self.broken = True

    # ------------------------------------------------------------ once per id
    def remember(self, topics: Iterable[str], timeout_s: float = 30.0) -> int:
        """Read the ids already on ``topics`` (previous runs); returns how many."""
        for topic in topics:
            self.previous.update(i for i in read_ids(self.bootstrap, topic, timeout_s) if i)
        return sum(self.previous.values())

    def fresh(self, messages: Iterable[OutMessage]) -> list[OutMessage]:
        """The messages whose id no previous run published (each published id once)."""
        out: list[OutMessage] = []
        with self.lock:
            if not self.previous:  # a first run, or every earlier message seen again
                out.extend(messages)
                return out
            previous = self.previous
            for m in messages:
                n = previous.get(m.id, 0)
                if n > 0:
                    if n == 1:
                        del previous[m.id]  # all seen: back to the fast path when empty
                    else:
                        previous[m.id] = n - 1
                    self.suppressed += 1
                else:
                    out.append(m)
        return out

    # ------------------------------------------------------------ sending
    def send(self, messages: Sequence[OutMessage], wait: bool = True) -> None:
        """Produce ``messages``; with ``wait``, return when every message sent so far (these,
        and earlier ones sent without waiting) is delivered or has failed."""
        with self.lock:
            first = self.sent
            self.sent += len(messages)
            fresh = {first + i: m for i, m in enumerate(messages)}
            self.unacked.update((no, (m, self.generation)) for no, m in fresh.items())
        self._produce(fresh)
        if wait:
            self.wait()

    def wait(self) -> None:
        """Return when every message sent is delivered or has failed; a new producer (the
        broker came back without its data) sends again, once, what was not acknowledged."""
        started = time.monotonic()
        while True:
            with self.lock:
                if not self.unacked:
                    return
                generation = self.generation
                stale = {no: m for no, (m, gen) in self.unacked.items() if gen != generation}
                self.unacked.update((no, (m, generation)) for no, m in stale.items())
            if stale:
                self._produce(stale)
                started = time.monotonic()
            self._wait_step()
            if time.monotonic() - started > self.stall_s:
                with self.lock:
                    left = len(self.unacked)
                log.warning(
                    "%d messages waiting for %.0f s: checking the broker", left, self.stall_s
                )
                self._recover()
                started = time.monotonic()

    def _produce(self, pending: dict[int, OutMessage]) -> None:
        kinds = self.kinds
        for no, m in sorted(pending.items()):
            kind = kinds.get(m.kind)
            if kind is None:
                kind = kinds[m.kind] = m.kind.encode()
            headers: list[tuple[str, str | bytes | None]] = [
                (ID_HEADER, m.id.encode()),
                (TYPE_HEADER, kind),
            ]
            while True:
                try:
                    self.producer.produce(
                        m.topic,
                        value=m.value,
                        key=m.key,
                        headers=headers,
                        timestamp=m.timestamp_ms or 0,
                        on_delivery=functools.partial(self._on_delivery, no),
                    )
                    break
                except BufferError:  # the local queue is full (long outage): let it drain
                    self._wait_step()

    def _on_delivery(self, no: int, err: KafkaError | None, msg: Any) -> None:
        with self.lock:
            if err is None:
                self.delivered += 1
            elif err.code() in _PURGED:
                return  # dropped with a producer that was replaced: sent again by the new one
            else:
                self.failed += 1
                if self.failed <= 10:
                    log.error("not delivered to %s: %s", msg.topic(), err)
            self.unacked.pop(no, None)

    def _wait_step(self) -> None:
        self.producer.flush(0.5)  # short steps: Python handles signals in between
        if self.outage_since is not None:
            self._recover()
        if self.broken:
            self.broken = False
            self._renew()

    def _recover(self) -> None:
        """After an outage (or a stall): if the broker answers, re-create the topics it
        lost; if it lost them, its producer state went too, so start a new producer."""
        try:
            created = ensure_topics(self.bootstrap.split(","), self.topics, timeout_s=2.0)
        except RuntimeError:
            return  # still down: try again at the next step
        with self.lock:
            down_s = time.monotonic() - (self.outage_since or time.monotonic())
            self.outage_since = None
        if not created:
            log.info("Kafka at %s answers (after %.1f s)", self.bootstrap, down_s)
            return
        log.warning(
            "Kafka at %s back after %.1f s without the topics %s: created them again, and a "
            "new producer sends what was not acknowledged",
            self.bootstrap,
            down_s,
            ", ".join(created),
        )
        self._renew()

    def _renew(self) -> None:
        """A new producer; the old one's queue is purged, its messages are sent again by
        the callers of :meth:`send` that wait for them."""
        old, self.producer = self.producer, Producer(self.config)
        old.purge()
        old.flush(0)  # serves the purged messages' callbacks
        self.generation += 1

    def close(self, timeout_s: float = 5.0) -> int:
        """Flush on shutdown; returns the number of messages left undelivered."""
        left = int(self.producer.flush(timeout_s))
        if left:
            log.error("%d messages not delivered at shutdown", left)
        return left


def read_ids(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[str | None]:
    """The ids of every message on ``topic`` (all partitions), or [] if it does not exist."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "fieldtwin-read-ids",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    try:
        found = consumer.list_topics(topic, timeout=timeout_s).topics.get(topic)
        if found is None or found.error is not None or not found.partitions:
            return []
        # an empty partition has nothing to wait for (a first run: its output topics are
        # new); Tansu's high watermark may lag behind the end, but is > 0 once written to
        parts = [p for p in found.partitions if _written(consumer, topic, p, timeout_s)]
        consumer.assign([TopicPartition(topic, p, 0) for p in parts])
        ids: list[str | None] = []
        at_end: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while len(at_end) < len(parts):
            if time.monotonic() > deadline:
                msg = f"reading the ids on {topic!r}: no end of partition within {timeout_s} s"
                raise RuntimeError(msg)
            # short waits: consume() waits out its timeout unless the batch fills up
            for got in consumer.consume(10_000, 0.02):
                err = got.error()
                if err is None:
                    ids.append(message_id(got.headers(), got.key()))
                elif err.code() == KafkaError._PARTITION_EOF:
                    at_end.add(int(got.partition() or 0))
        return ids
    except KafkaException as exc:
        msg = f"cannot read the ids on {topic!r} from {bootstrap}: {exc}"
        raise RuntimeError(msg) from None
    finally:
        consumer.close()


def _written(consumer: Consumer, topic: str, partition: int, timeout_s: float) -> bool:
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout_s)
    return bool(high > low)


def ensure_topics(
    brokers: Sequence[str], names: Iterable[str], partitions: int = 1, timeout_s: float = 10.0
) -> list[str]:
    """Create the topics that do not exist yet; returns the ones created."""
    admin = AdminClient({"bootstrap.servers": ",".join(brokers), "log_level": 2})
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
