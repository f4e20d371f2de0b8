"""Reading the input topic's partitions, through broker outages and a broker that lost it.

:class:`PartitionReader` reads one Kafka partition with ``assign()`` (no consumer-group
rebalancing: the source decides what to read) from a given offset, and at the end of the
partition stops (a bounded read) or waits for more. :meth:`PartitionReader.commit` records
progress in a consumer group (the shadow's prefix), so that the usual Kafka tools show how
far behind the topic the shadow is; a restart does not start from there, because the
brain's state is rebuilt by reading the topic from its beginning. Errors that librdkafka reports for
every failed reconnect become one warning per outage, and one "back" when it ends.

:class:`TopicWatch` notices when the broker came back *without* the topic's data: a Kafka
topic has an id (a UUID) that a re-created topic does not share. Tansu keeps its topics in
memory, so a restarted Tansu comes back empty, and a reader whose position is past the new
topic's end would wait there forever while new events arrive at offsets it already passed.
When the id changes, the source logs a warning and reads the new topic from its beginning.
A reader that saw an outage or a missing topic reads nothing more until the id has been
compared: otherwise, if the new topic already held more messages than the old position, it
would read the new topic's tail as if it followed the old one (this happened in a test).
(The high watermark is not used for this: Tansu reports the base offset of the last batch
plus one, which is before a reader's position after any batch of several messages.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    TopicCollection,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

log = logging.getLogger(__name__)

_OUTAGE = (KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT)
# after these the topic may not be the one read so far: read on only once its id says so
_SUSPECT = (
    *_OUTAGE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._UNKNOWN_PARTITION,
    KafkaError._UNKNOWN_TOPIC,
)


class PartitionReader:
    """One partition of the input topic, from ``offset`` (None: the beginning)."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        partition: int,
        offset: int | None,
        *,
        batch_size: int = 1000,
        until_eof: bool = False,
        group_id: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.topic = topic
        self.partition = partition
        self.batch_size = batch_size
        self.next_offset = offset
        self.eof = False
        self.errors = 0
        self.outage_since: float | None = None
        self.committed: int | None = None
        self.suspect = False  # an outage or a missing topic was seen: see TopicWatch
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "log_level": 2,  # librdkafka logs each failed reconnect; error_cb sums up
                "group.id": group_id or "fieldtwin-shadow",  # offsets: committed by commit()
                "enable.auto.commit": False,
                "enable.partition.eof": until_eof,
                "auto.offset.reset": "earliest",  # an offset out of range: the oldest kept
                "error_cb": self._on_error,
                **(config or {}),
            }
        )
        self._assign(offset)

    def _assign(self, offset: int | None) -> None:
        start = OFFSET_BEGINNING if offset is None else offset
        self.consumer.assign([TopicPartition(self.topic, self.partition, start)])

    def _on_error(self, err: KafkaError) -> None:
        self.errors += 1
        where = f"{self.topic}[{self.partition}]"
        if err.code() in _OUTAGE:
            if self.outage_since is None:
                self.outage_since = time.monotonic()
                log.warning("reading %s: Kafka unreachable (%s)", where, err)
        elif not self.suspect:  # once per episode, not at every retry
            log.warning("reading %s: %s", where, err)
        if err.code() in _SUSPECT:
            self.suspect = True

    def next_batch(self) -> list[Any]:
        """The next messages (``confluent_kafka.Message``); StopIteration at the end of a
        bounded read."""
        if self.eof:
            raise StopIteration
        out = []
        for msg in self.consumer.consume(self.batch_size, 0.001):
            err = msg.error()
            if err is None:
                out.append(msg)
                self.next_offset = int(msg.offset() or 0) + 1
            elif err.code() == KafkaError._PARTITION_EOF:
                self.eof = True  # StopIteration at the next call: this batch goes out first
                break
            else:
                self._on_error(err)
        if out and self.outage_since is not None:
            log.warning(
                "reading %s[%d]: Kafka back after %.1f s",
                self.topic,
                self.partition,
                time.monotonic() - self.outage_since,
            )
            self.outage_since = None
        return out

    def rewind(self) -> None:
        """Read from the beginning of the partition (the topic was created again)."""
        self.next_offset = None
        self.eof = False
        self.suspect = False
        self._assign(None)

    def commit(self, offset: int, wait: bool = False) -> None:
        """Record in the consumer group that every message below ``offset`` is done
        (decided, and the decisions delivered): the group's lag is the shadow's backlog."""
        if offset == self.committed:
            return
        try:
            tp = TopicPartition(self.topic, self.partition, offset)
            if wait:
                self.consumer.commit(offsets=[tp], asynchronous=False)
            else:
                self.consumer.commit(offsets=[tp], asynchronous=True)
            self.committed = offset
        except KafkaException as exc:  # a broker outage: the next commit covers it
            log.info(
                "reading %s[%d]: offset %d not committed: %s",
                self.topic,
                self.partition,
                offset,
                exc,
            )

    def snapshot(self) -> int | None:
        return self.next_offset

    def close(self) -> None:
        self.consumer.close()


class TopicWatch:
    """The input topic's id: taken at the start, compared after an outage and, while the
    topic is quiet, every ``every_s`` seconds."""

    def __init__(self, bootstrap: str, topic: str, every_s: float = 2.0) -> None:
        self.admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 2})
        self.topic = topic
        self.every_s = every_s
        self.topic_id: str | None = None
        self.checked = time.monotonic()
        self.missing = False

    def current_id(self, timeout_s: float = 2.0) -> str | None:
        """The topic's id now: None if the broker does not answer or has no such topic,
        "" if the broker gives topics no id."""
        try:
            future = self.admin.describe_topics(
                TopicCollection([self.topic]), request_timeout=timeout_s
            )[self.topic]
            found = future.result(timeout=timeout_s).topic_id
        except (KafkaException, TimeoutError, RuntimeError):
            return None
        if found is None or (
            found.get_most_significant_bits() == 0 and found.get_least_significant_bits() == 0
        ):
            return ""
        return str(found)

    def start(self, attempts: int = 5) -> None:
        """The id to compare with later. Without it a broker that comes back empty would
        go unnoticed (the reader would go on at its old offset in the new topic), so it
        is asked for a few times."""
        for _ in range(attempts):
            found = self.current_id(timeout_s=10.0)
            if found:
                self.topic_id = found
                return
            if found == "":
                break
        log.warning(
            "topic %s: no topic id from the broker; a broker that comes back without the "
            "topic will not be noticed",
            self.topic,
        )

    def changed(self) -> bool | None:
        """True if the topic now has another id (it was created again: read it from the
        start), False if not (or there is no id to compare), None if it cannot be told
        now (the broker does not answer, or the topic is missing)."""
        self.checked = time.monotonic()
        found = self.current_id()
        if found is None:
            if not self.missing:
                log.warning("topic %s is not there (broker down or restarted): waiting", self.topic)
            self.missing = True
            return None
        self.missing = False
        if not found:
            return False
        before, self.topic_id = self.topic_id, found
        return before is not None and found != before

    def due(self, now: float) -> bool:
        return now - self.checked >= self.every_s


def same_topic(
    watch: TopicWatch, readers: Mapping[str, PartitionReader], now: float, check: bool = False
) -> bool:
    """Whether the readers may read on. After a reader saw an outage or a missing topic
    (or with ``check``), the topic's id is compared, at most every half second: the same
    topic, read on; a new one, read it from its beginning, with a warning; not known yet
    (the broker is down, or the topic missing), wait."""
    if not check and not any(r.suspect for r in readers.values()):
        return True
    if now - watch.checked < 0.5:
        return False
    changed = watch.changed()
    if changed is None:
        return False
    if changed:
        where = ", ".join(f"{p}@{r.next_offset}" for p, r in readers.items())
        log.warning(
            "topic %s was created again (the broker lost its data?): reading it from the "
            "beginning, not from partition@offset %s",
            watch.topic,
            where,
        )
        for reader in readers.values():
            reader.rewind()
    for reader in readers.values():
        reader.suspect = False
    return True
