"""The live scorecard of a shadow run: published to ``<prefix>.scores`` as the day goes.

:class:`LiveScorer` sees what the shadow's source admits (production's world events and its
own decisions, when the stream carries them) and what its sink publishes (the brain's
decisions and dead letters). When the sink sees a simulated minute closed that crosses a
multiple of ``every_min`` (30 by default), and once more at the end of the run, it builds
the day's scorecard so far (:func:`twin.analysis.scorecard.build_scorecard`, ``as_of`` that
minute, so visits whose window is still open are not counted late; the replan pricing is
left to ``twin score``, it costs a planner run per replan) and publishes it as one JSON
message, id ``score-HHMM`` (``score-end-HHMM`` for the last): a restarted shadow that
rebuilds the same day sends none twice (and does not build a card whose id is already on the
topic). Dead letters are on the card as an input warning
counted by reason, so a stream of the wrong day or of a newer schema shows there; the
scores rest on what the brain admitted (an event refused as late is not scored either).

A card reads everything seen so far, so on a backlog (a restart, a replay of a recorded
day) one every 30 simulated minutes would cost more than the brain: at most ``max_share`` of
the run's time (0.1 by default) goes to cards. A card due sooner than that after the last
one is deferred to the first batch after it, or to :meth:`LiveScorer.idle` (the source found
nothing new), as of the minute closed by then. Live, a day runs at one minute a minute and
no card is deferred; the last card is always built.

:func:`latest_scorecard` reads the newest card back (the cockpit's Shadow page polls it).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin import events as ev

if TYPE_CHECKING:
    from twin.models.company import Company
    from twin.stream.connectors.publish import Publisher

log = logging.getLogger(__name__)

SCORE_EVERY_MIN = 30.0
MAX_SHARE = 0.1  # of the run's time for building cards, on a backlog
LATE = "out of order beyond the tolerated bound"  # twin.stream.order's reason for late events
DAY_MIN = 24 * 60.0


class LiveScorer:
    """Scorecards of a shadow run so far, to ``topic`` through ``publisher``.

    ``saw`` takes the source's items, ``decided`` the sink's (any thread: one lock);
    ``publish(final=True)`` publishes the last card. Without a ``publisher`` the cards
    are only kept (``last``). Building a card reads everything seen so far
    (tens of milliseconds for a day of a 50-technician company, about a second at 1,000
    technicians), every ``every_min`` simulated minutes and at most ``max_share`` of the
    time (None: every card, whatever it costs): it delays the sink, never changes a decision.
    """

    def __init__(
        self,
        company: Company,
        publisher: Publisher | None,
        topic: str,
        *,
        every_min: float = SCORE_EVERY_MIN,
        about: dict[str, Any] | None = None,
        max_share: float | None = MAX_SHARE,
    ) -> None:
        if not 0 < every_min <= DAY_MIN:
            msg = (
                f"--score-every must be from 0 (excluded) to {DAY_MIN:g} simulated minutes, "
                f"got {every_min!r}"
            )
            raise ValueError(msg)
        if max_share is not None and not 0 < max_share <= 1:
            msg = f"max_share must be from 0 (excluded) to 1, or None, got {max_share!r}"
            raise ValueError(msg)
        self.max_share = max_share
        self.deferred = False  # a card was due but came too soon after the last one
        self.ready_at = -math.inf  # monotonic time from which the next card may be built
        self.company = company
        self.publisher = publisher
        self.topic = topic
        self.every_min = every_min
        self.about = dict(about or {})
        self.world: list[ev.Event] = []
        self.production: list[ev.Event] = []
        self.brain: list[ev.Event] = []
        self.dead_letters: list[str] = []
        self.refused: set[str] = set()  # ids of valid events the brain refused as late
        self.closed: float | None = None  # the latest minute the sink saw closed
        self.next_at: float | None = None
        self.published = 0
        self.warned_day = False
        self.last: dict[str, Any] | None = None  # the card published last
        self.lock = threading.Lock()

    @staticmethod
    def of(
        scenario: str | Path,
        roster: str | Path,
        publisher: Publisher,
        scores: str,
        topic: str,
        every_min: float = SCORE_EVERY_MIN,
    ) -> LiveScorer:
        """The scorer of a shadow run on ``topic`` (the scenario's company, the roster)."""
        from twin.app.roster import read_roster
        from twin.app.wiring import company_from_roster
        from twin.config import load_scenario

        loaded = load_scenario(scenario)
        company = company_from_roster(loaded, read_roster(Path(roster)))
        about = {"log": topic, "brain": f"shadow → {scores}", "scenario": loaded.name}
        return LiveScorer(company, publisher, scores, every_min=every_min, about=about)

    def reasons(self) -> tuple[tuple[str, int], ...]:
        """The dead letters so far, counted by the kind of their reason."""
        from twin.analysis.scorecard import count_reasons

        with self.lock:
            return count_reasons(self.dead_letters)

    def saw(self, items: Iterable[Any]) -> None:
        from twin.analysis.scorecard.inputs import is_decision

        with self.lock:
            for item in items:
                if isinstance(item, ev.Event):
                    (self.production if is_decision(item) else self.world).append(item)

    def decided(self, items: Iterable[Any]) -> None:
        from twin.stream.messages import DECISION_TYPES, DeadLetter, TickClosed

        due = False
        with self.lock:
            for item in items:
                if isinstance(item, DECISION_TYPES):
                    self.brain.append(item)
                elif isinstance(item, DeadLetter):
                    self.dead_letters.append(item.reason)
                    if item.line is None and LATE in item.reason:
                        self.refused.add(_event_id(item.raw))
                elif isinstance(item, TickClosed):
                    m = item.minute
                    self.closed = m if self.closed is None else max(self.closed, m)
            if self.closed is not None:
                if self.next_at is None:  # the first multiple after the first minute seen
                    self.next_at = (self.closed // self.every_min + 1) * self.every_min
                due = self.closed >= self.next_at
                if due:
                    self.next_at = (self.closed // self.every_min + 1) * self.every_min
                due = self._due_now(due)
        if due:
            self.publish(final=False)

    def _due_now(self, due: bool) -> bool:
        """Whether to build a card now (a due or deferred one), within ``max_share``."""
        if not (due or self.deferred):
            return False
        self.deferred = time.monotonic() < self.ready_at
        return not self.deferred

    def idle(self) -> None:
        """The source found nothing new: a deferred card is built now."""
        with self.lock:
            due = self.deferred and self._due_now(False)
        if due:
            self.publish(final=False)

    def card(self, final: bool, as_of_min: float | None = None) -> dict[str, Any] | None:
        """The scorecard so far as JSON (None before the first minute closed, unless
        ``final`` and something was seen), as of the minute closed last (or ``as_of_min``)."""
        from twin.analysis.scorecard import build_scorecard
        from twin.analysis.scorecard.inputs import split_events
        from twin.clock import hhmm

        with self.lock:
            if self.closed is None and not (final and (self.world or self.dead_letters)):
                return None
            # a stream refused whole (another day's) closes no minute: its card is as of 00:00
            minute = self.closed if self.closed is not None else 0.0
            minute = minute if as_of_min is None else as_of_min
            # what the brain admitted: an event it refused as late is not scored either
            world, _ = split_events(e for e in self.world if e.id not in self.refused)
            _, production = split_events(self.production)
            brain, letters = list(self.brain), list(self.dead_letters)
        as_of = self.company.clock.at(minute)  # events up to it are decided
        # the source polls ahead of the minute the sink closed: score up to it only, so a
        # card does not depend on how Kafka batched the messages
        world = [e for e in world if e.time <= as_of]
        production = [e for e in production if e.time <= as_of]
        about = {**self.about, "live": True, "final": final, "as_of": hhmm(minute)}
        card = build_scorecard(
            world,
            production,
            brain,
            self.company,
            dead_letters=letters,
            about=about,
            plans=False,
            as_of=as_of,
        )
        return card.to_dict()

    def publish(self, final: bool) -> bool:
        """Build the card and send it (returns when delivered); False if nothing to score."""
        from twin.clock import hhmm as clock_hhmm
        from twin.stream.connectors.publish import OutMessage

        with self.lock:
            minute = self.closed if self.closed is not None else 0.0
        hhmm = clock_hhmm(minute).replace(":", "")
        mid = f"score-end-{hhmm}" if final else f"score-{hhmm}"
        if self.publisher is not None and not self.publisher.fresh(
            [OutMessage(self.topic, b"", mid, "scores")]
        ):
            return True  # a run before a restart published this card: not built again
        started = time.monotonic()
        card = self.card(final, minute)
        if card is None:
            return False
        if self.max_share is not None:
            took = time.monotonic() - started
            self.ready_at = time.monotonic() + took * (1.0 / self.max_share - 1.0)
        for warned in card["input_warnings"]:
            off = warned.get("by_reason", {}).get("off the day", 0)
            if off > len(self.world) and not self.warned_day:
                self.warned_day = True
                log.warning("%s: %s; is the scenario of this day?", self.topic, warned["message"])
        body = json.dumps(card, allow_nan=False).encode()
        self.last = card
        if self.publisher is None:  # kept as ``last`` only (tests, a run without Kafka)
            return True
        self.publisher.send([OutMessage(self.topic, body, mid, "scores")])  # fresh: above
        self.published += 1
        log.info("scorecard as of %s published to %s", card["as_of"], self.topic)
        return True


def _event_id(raw: str) -> str:
    try:
        return str(json.loads(raw)["id"])
    except (ValueError, KeyError, TypeError):
        return ""


def scores_topic(prefix: str) -> str:
    """The topic of a shadow run's live scorecards: ``<prefix>.scores``."""
    from twin.stream.connectors.topics import SCORES, output_topic

    if not isinstance(prefix, str) or not prefix or any(c.isspace() for c in prefix):
        msg = f"prefix must be a non-empty topic prefix without spaces, got {prefix!r}"
        raise ValueError(msg)
    return output_topic(prefix, SCORES)


def latest_scorecard(brokers: str, topic: str, timeout_s: float = 3.0) -> dict[str, Any] | None:
    """The newest scorecard on ``topic`` (partition 0), or None if there is none yet.

    Raises ``RuntimeError`` naming the broker when it cannot be read."""
    import time

    from confluent_kafka import Consumer, KafkaException, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": "fieldtwin-cockpit",
            "enable.auto.commit": False,
            "log_level": 2,
        }
    )
    try:
        try:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout_s)
        except KafkaException as exc:
            msg = f"cannot read {topic!r} from {brokers}: {exc.args[0]}"
            raise RuntimeError(msg) from None
        if high <= low:
            return None
        consumer.assign([TopicPartition(topic, 0, high - 1)])
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got = consumer.poll(0.2)
            if got is None or got.error() is not None:
                continue
            found: dict[str, Any] = json.loads(got.value() or b"{}")
            return found
        msg = f"cannot read {topic!r} from {brokers}: no message within {timeout_s:g} s"
        raise RuntimeError(msg)
    finally:
        consumer.close()
