"""Downstream de-duplication of the shadow's output topics, by deterministic message id.

Every message the shadow publishes (``<prefix>.decisions``, ``.dead-letters``, ``.ops``)
carries an id that depends only on the input: a decision's own event id (``"bf0000042"``,
``"bT007-000013"``, …: sequence numbers of the step that decided, so the same topic contents
give the same ids), ``"dl-<hash>"`` for a dead letter, ``"ops-<window start>"`` for an ops
window. The id is the Kafka message key and the header :data:`ID_HEADER`.

The shadow itself does not publish an id a previous run on the same prefix already
published (it reads them back on start), so after a crash and restart the topics normally
hold no duplicate. Kafka's delivery is still at-least-once in general (two shadows on one
prefix by mistake, a producer retry across a broker failover), so a consumer that acts on
the decisions — sends the customer a message, say — drops repeats with
:class:`Deduplicator`::

    dedup = Deduplicator(capacity=1_000_000)
    for msg in consumer.consume(500, 1.0):
        if msg.error() is None and dedup.first(message_id(msg.headers(), msg.key())):
            act_on(msg.value())

A compacted topic (``cleanup.policy=compact``) also collapses repeats over time, because the
key is the id.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

ID_HEADER = "fieldtwin-id"
TYPE_HEADER = "fieldtwin-type"

Headers = Sequence[tuple[str, bytes | str | None]] | Mapping[str, bytes | str | None] | None


def message_id(headers: Headers, key: bytes | str | None = None) -> str | None:
    """A message's id: the :data:`ID_HEADER` header, else its key (None if it has neither)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    for name, value in pairs:
        if name == ID_HEADER and value is not None:
            return value.decode() if isinstance(value, bytes) else value
    if key is None:
        return None
    return key.decode() if isinstance(key, bytes) else key


class Deduplicator:
    """Remembers the last ``capacity`` ids seen; :meth:`first` is True once per id.

    Bounded so that a consumer that runs for weeks does not grow without limit: an id is
    forgotten after ``capacity`` newer distinct ids (a day of a 50-technician company
    publishes about 10,000). A message without id (None) is always passed on.
    """

    def __init__(self, capacity: int = 1_000_000) -> None:
        if capacity < 1:
            msg = f"Deduplicator capacity must be >= 1 id, got {capacity!r}"
            raise ValueError(msg)
        self.capacity = capacity
        self.seen: OrderedDict[str, None] = OrderedDict()
        self.repeats = 0

    def first(self, message_id: str | None) -> bool:
        """True the first time an id is seen (act on the message), False for a repeat."""
        if message_id is None:
            return True
        if message_id in self.seen:
            self.seen.move_to_end(message_id)
            self.repeats += 1
            return False
        self.seen[message_id] = None
        if len(self.seen) > self.capacity:
            self.seen.popitem(last=False)
        return True
