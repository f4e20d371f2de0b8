"""Deterministic message ids and their de-duplication, downstream and across shadow runs."""

from __future__ import annotations

import pytest

from tests.broker import Broker
from twin.stream.connectors.dedup import ID_HEADER, Deduplicator, message_id
from twin.stream.connectors.publish import OutMessage, Publisher, ensure_topics, read_ids


def test_message_id_is_the_header_else_the_key() -> None:
    assert message_id([("other", b"x"), (ID_HEADER, b"bf0000001")], b"key") == "bf0000001"
    assert message_id({ID_HEADER: "bplan000002"}) == "bplan000002"
    assert message_id([("other", b"x")], b"bT001-000003") == "bT001-000003"
    assert message_id(None, None) is None


def test_deduplicator_passes_each_id_once_and_forgets_beyond_its_capacity() -> None:
    dedup = Deduplicator(capacity=2)
    assert [dedup.first(i) for i in ["a", "b", "a", None, None, "b"]] == [
        True,
        True,
        False,
        True,  # no id: always passed on
        True,
        False,
    ]
    assert dedup.repeats == 2
    assert dedup.first("c") is True  # "a" is the oldest and is forgotten
    assert dedup.first("a") is True
    assert dedup.first("c") is False
    with pytest.raises(ValueError, match="capacity must be >= 1 id, got 0"):
        Deduplicator(capacity=0)


def _messages(topic: str, ids: list[str]) -> list[OutMessage]:
    return [OutMessage(topic, f"body of {i}".encode(), i, "eta_updated") for i in ids]


def test_publisher_sends_each_id_once_across_runs(broker: Broker) -> None:
    topic = "dedup.decisions"
    ensure_topics([broker.address], [topic])
    first = Publisher([broker.address], [topic])
    first.send(_messages(topic, ["a", "b", "dl-x", "dl-x"]))  # a repeated dead letter: twice
    assert first.close() == 0 and (first.delivered, first.failed) == (4, 0)

    again = Publisher([broker.address], [topic])
    assert again.remember([topic]) == 4
    fresh = again.fresh(_messages(topic, ["a", "b", "dl-x", "dl-x", "dl-x", "c"]))
    assert [m.id for m in fresh] == ["dl-x", "c"]  # only what the first run had not sent
    assert again.suppressed == 4
    again.send(fresh)
    assert again.close() == 0
    assert read_ids(broker.address, topic) == ["a", "b", "dl-x", "dl-x", "dl-x", "c"]
    assert read_ids(broker.address, "no.such.topic") == []


def test_publisher_counts_failed_deliveries_and_returns(broker: Broker) -> None:
    """A topic that does not exist (auto-creation is off): every delivery times out, is
    counted and logged, and ``send`` returns instead of waiting forever."""
    publisher = Publisher([broker.address], config={"message.timeout.ms": 300})
    publisher.send(_messages("no.such.topic", ["a", "b", "c"]))
    assert (publisher.delivered, publisher.failed) == (0, 3)
    assert publisher.close(timeout_s=1.0) == 0
