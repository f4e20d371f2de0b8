"""Shadow mode: the brain beside a production system, on Kafka, deciding but never acting.

The dataflow of the closed loop (``build_flow``) runs unchanged between Kafka topics: the
production event stream comes in from one topic (:class:`~twin.stream.kafka.EventTopicSource`,
ticks from the event-time watermark, a reordering bound of 2 minutes by default), and the
brain's decisions, dead letters and ops windows go out to ``<prefix>.decisions``,
``<prefix>.dead-letters`` and ``<prefix>.ops``. Nothing flows back to the world: comparing
those decisions with what the dispatchers actually did is the point of a shadow run, and
the scorecard so far goes to ``<prefix>.scores`` every ``--score-every`` simulated minutes
and at the end (:mod:`twin.app.live_score`), which the cockpit's Shadow page follows.

::

    twin shadow --brokers 127.0.0.1:9092 --topic fieldtwin.events --prefix fieldtwin \\
        --scenario data/scenarios/default.toml --roster out/run/roster.json [--until-eof]

``--until-eof`` reads what the topic holds and stops (replays, tests) with a summary;
without it the run follows the topic until interrupted (Ctrl-C or SIGTERM: a summary, exit
code 130). The scenario gives the day (the clock), the city, the traffic model and the
policy; the roster is the technicians' master data. For tests and demos, ``twin run
--kafka`` plays production: :func:`publish_day` puts a simulated day's events on
``<prefix>.events``, the topic ``twin shadow`` reads by default.

**Crashes and restarts.** A run reads the topic from its beginning and rebuilds the brain's
state from it (the flow is a function of the topic's contents), and before it starts it
reads back the ids already on its output topics: a run killed mid-day and started again
with the same prefix publishes only what the first one did not, and a rerun on a topic
already processed publishes nothing (the summary counts them as "already published").
Messages carry deterministic ids for downstream de-duplication
(:mod:`twin.stream.connectors.dedup`). A broker that goes away is waited for; one that comes
back empty gets the output topics created again, and the input topic is read from its new
beginning (:mod:`twin.stream.connectors.reader`). Progress is committed to the consumer
group named by the prefix once a tick's decisions are delivered, so the group's lag is the
shadow's backlog.

**Scaling.** The same flow runs on several workers through Bytewax's own runner, e.g.
``python -m bytewax.run "twin.app.shadow:shadow_flow('kafka:9092', 'events',
scenario='data/scenarios/default.toml', roster='roster.json')" -w 4`` (create the three
output topics first: ``twin shadow`` does, with one partition each, which keeps every
visit's decisions in order; messages are keyed by their id, so on a topic of several
partitions a visit's decisions may be spread over them),
or ``twin shadow --workers 4`` in one process. A cluster of processes (``-i``/``-a``)
needs ``barrier=False``. What scales and what does not: partition the event topic by
technician or region; the technician steps spread over workers by key, but the source
(one, because the tick watermark spans the whole topic) and the global steps ``admit``,
``fleet`` and ``collector`` (one key each) do not — every event and every decision passes
through a single worker for each of them. That keeps decisions ordered and reproducible
but caps one brain at what those steps manage on one core (measured on 2 busy cores: about
5.6 k events per CPU second through Kafka on a 1,000-technician day with live scorecards,
``bench/bench_kafka.py``; a backlog is replayed one delivery round trip per minute of the
day); a larger company runs one brain per region, each on its own topic and prefix.
:mod:`twin.stream.connectors.kafka` explains the watermark, the order of release and idle
partitions.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from twin import events as ev
from twin.app.live_score import SCORE_EVERY_MIN

if TYPE_CHECKING:
    from bytewax.dataflow import Dataflow

    from twin.app.live_score import LiveScorer
    from twin.stream.connectors.kafka import ShadowStats
    from twin.stream.connectors.publish import Publisher
    from twin.stream.params import BrainParams

# Bytewax and the Kafka client are imported when shadow mode runs, not when the CLI starts.

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "fieldtwin"
SHADOW_BOUND_MIN = 2.0
# a technician's own activity is keyed by technician; the rest (bookings, plans, traffic)
# on one key, so that a visit's request and its booking keep their order
TECHNICIAN_ACTIVITY = frozenset(
    {
        "shift_started",
        "shift_ended",
        "position",
        "travel_started",
        "arrived",
        "work_started",
        "work_finished",
        "break_started",
        "break_ended",
    }
)


def input_topic(prefix: str) -> str:
    """The event topic a shadow on ``prefix`` reads by default (``twin run --kafka`` fills it)."""
    return f"{prefix}.events"


def broker_list(brokers: str | Sequence[str]) -> list[str]:
    """``"a:9092,b:9092"`` or a list → a list of ``host:port``, checked."""
    items = brokers.split(",") if isinstance(brokers, str) else list(brokers)
    out = [b.strip() for b in items if b.strip()]
    for b in out:
        host, _, port = b.rpartition(":")
        if not host or not port.isdigit():
            msg = f"--brokers: expected HOST:PORT[,HOST:PORT…], got {b!r}"
            raise ValueError(msg)
    if not out:
        raise ValueError("--brokers: at least one HOST:PORT is needed")
    return out


def shadow_params(
    scenario: str | Path, roster: str | Path, reorder_bound_min: float = SHADOW_BOUND_MIN
) -> BrainParams:
    from twin.app.roster import read_roster
    from twin.app.wiring import build_brain, company_from_roster
    from twin.config import load_scenario

    company = company_from_roster(load_scenario(scenario), read_roster(Path(roster)))
    return build_brain(company, reorder_bound_min=reorder_bound_min, live=True)


def shadow_flow(
    brokers: str | Sequence[str],
    topic: str,
    *,
    scenario: str | Path,
    roster: str | Path,
    prefix: str = DEFAULT_PREFIX,
    until_eof: bool = False,
    reorder_bound_min: float = SHADOW_BOUND_MIN,
    idle_s: float | None = 10.0,
    barrier: bool = True,
    stats: ShadowStats | None = None,
    publisher: Publisher | None = None,
    scorer: LiveScorer | None = None,
) -> Dataflow:
    """The brain's dataflow between Kafka topics (also the entry point for ``bytewax.run``).

    ``barrier`` holds each tick until the previous one is decided (see
    :class:`~twin.stream.kafka.TickGate`); it needs the whole flow in one process, so pass
    ``barrier=False`` for a cluster of several processes.
    """
    from twin.stream.connectors.kafka import EventTopicSource, TickGate
    from twin.stream.connectors.topics import DecisionTopicsSink
    from twin.stream.flow import build_flow
    from twin.stream.order import rules_for

    addresses = broker_list(brokers)
    params = shadow_params(scenario, roster, reorder_bound_min)
    # with the run's publisher, a minute's decisions are sent without waiting for delivery
    # (one broker round trip per minute of a backlog otherwise); offsets wait for it
    settle = publisher.wait if publisher is not None else None
    gate = TickGate(settle=settle) if barrier else None
    source = EventTopicSource(
        addresses,
        topic,
        params.clock,
        params.reorder_bound_min,
        until_eof=until_eof,
        idle_s=idle_s,
        gate=gate,
        stats=stats,
        rules=rules_for(params),  # the same rules as the flow's own parse step
        group_id=prefix,  # progress committed per tick delivered: lag in the usual tools
        observe=scorer.saw if scorer is not None else None,
        on_idle=scorer.idle if scorer is not None else None,
    )
    sink = DecisionTopicsSink(
        addresses,
        prefix,
        publisher=publisher,
        gate=gate,
        stats=stats,
        observe=scorer.decided if scorer is not None else None,
    )
    return build_flow(source, sink, params, name="fieldtwin-shadow")


@dataclass(frozen=True, slots=True)
class ShadowSummary:
    messages: int
    events: int
    malformed: int
    ticks: int
    decisions: dict[str, int]
    dead_letters: int
    ops_windows: int
    wall_s: float
    interrupted: bool = False
    already_published: int = 0  # by an earlier run on the same prefix: not sent again
    not_delivered: int = 0  # delivery failed or still queued at the end
    scorecards: int = 0  # live scorecards published to <prefix>.scores
    dead_letter_reasons: tuple[tuple[str, int], ...] = ()  # (kind of reason, count)

    @property
    def messages_per_s(self) -> float:
        return self.messages / self.wall_s if self.wall_s > 0 else 0.0

    @staticmethod
    def of(
        stats: ShadowStats, wall_s: float, interrupted: bool = False, not_delivered: int = 0
    ) -> ShadowSummary:
        from twin.stream.connectors.topics import DEAD_LETTERS, OPS
        from twin.stream.messages import DECISION_TYPES

        types = {cls.TYPE for cls in DECISION_TYPES}
        return ShadowSummary(
            messages=stats.messages,
            events=stats.events,
            malformed=stats.malformed,
            ticks=stats.ticks,
            decisions={k: n for k, n in sorted(stats.published.items()) if k in types},
            dead_letters=stats.published[DEAD_LETTERS],
            ops_windows=stats.published[OPS],
            wall_s=wall_s,
            interrupted=interrupted,
            already_published=stats.published["already published"],
            not_delivered=not_delivered,
        )


def run_shadow(
    brokers: str | Sequence[str],
    topic: str,
    *,
    scenario: str | Path,
    roster: str | Path,
    prefix: str = DEFAULT_PREFIX,
    until_eof: bool = False,
    workers: int = 1,
    reorder_bound_min: float = SHADOW_BOUND_MIN,
    idle_s: float | None = 10.0,
    create_topics: bool = True,
    score_every_min: float | None = SCORE_EVERY_MIN,
) -> ShadowSummary:
    """Run shadow mode in this process (``workers`` threads); returns what went through.

    Every ``score_every_min`` simulated minutes and at the end, the scorecard so far goes
    to ``<prefix>.scores`` (:mod:`twin.app.live_score`; None: no live scorecard)."""
    from twin.app.live_score import LiveScorer
    from twin.stream.connectors.kafka import ShadowStats
    from twin.stream.connectors.publish import Publisher
    from twin.stream.connectors.topics import OUTPUTS, SCORES, ensure_topics, output_topic

    if workers < 1:
        msg = f"workers must be >= 1, got {workers}"
        raise ValueError(msg)
    addresses = broker_list(brokers)
    outputs = [output_topic(prefix, k) for k in OUTPUTS]
    stats = ShadowStats()
    publisher = Publisher(addresses, outputs)
    scorer = None
    if score_every_min is not None:
        scores = output_topic(prefix, SCORES)
        scorer = LiveScorer.of(scenario, roster, publisher, scores, topic, score_every_min)
    flow = shadow_flow(  # reads the scenario and the roster: fail on them before Kafka
        addresses,
        topic,
        scenario=scenario,
        roster=roster,
        prefix=prefix,
        until_eof=until_eof,
        reorder_bound_min=reorder_bound_min,
        idle_s=idle_s,
        stats=stats,
        publisher=publisher,
        scorer=scorer,
    )
    if create_topics:
        created = ensure_topics(addresses, outputs)
        if created:
            log.info("created topics %s", ", ".join(created))
    known = publisher.remember(outputs)
    if known:
        log.info("%d messages already on %s.*: not publishing them again", known, prefix)
    started = time.perf_counter()
    interrupted = False
    try:
        interrupted = _run(flow, workers)
        if scorer is not None:
            scorer.publish(final=True)  # the day's last card, however the run ended
    finally:
        left = publisher.close() + publisher.failed  # flush on shutdown, however it ends
    summary = ShadowSummary.of(stats, time.perf_counter() - started, interrupted, left)
    if scorer is not None:
        summary = dataclasses.replace(
            summary, scorecards=scorer.published, dead_letter_reasons=scorer.reasons()
        )
    log.info("shadow run: %s", summary)
    return summary


def _run(flow: Dataflow, workers: int) -> bool:
    """Run the flow until its end or a signal; True if it was interrupted (Ctrl-C, or
    SIGTERM, which is handled as Ctrl-C while the flow runs)."""
    import signal
    import threading
    from types import FrameType

    signalled: list[int] = []

    def interrupt(signum: int, frame: FrameType | None) -> None:
        signalled.append(signum)
        raise KeyboardInterrupt  # Bytewax may wrap it in its own error: ``signalled`` tells

    on_main = threading.current_thread() is threading.main_thread()
    previous = (
        {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)} if on_main else {}
    )
    try:
        if workers == 1:
            from bytewax.testing import run_main

            run_main(flow)
        else:
            from bytewax.run import cli_main

            cli_main(flow, workers_per_process=workers)
    except KeyboardInterrupt:
        return True
    except RuntimeError as exc:
        if signalled or "signal received" in str(exc):  # how Bytewax reports Ctrl-C
            return True
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return False


def publish_day(
    events: Sequence[ev.Event],
    lines: Sequence[str],
    brokers: str | Sequence[str],
    prefix: str = DEFAULT_PREFIX,
    partitions: int = 1,
) -> int:
    """Production for tests and demos: a simulated day's log (``lines``, the JSONL of
    ``events``) into ``<prefix>.events``, the topic a shadow run on ``prefix`` reads.

    Refuses a topic that already holds messages (two days in one topic would be one
    confused day). Returns the number of messages delivered."""
    from twin.stream.connectors.publish import OutMessage, Publisher, ensure_topics, read_ids

    if len(events) != len(lines):
        msg = f"publish_day: {len(events)} events but {len(lines)} lines: they must match"
        raise ValueError(msg)
    addresses = broker_list(brokers)
    topic = input_topic(prefix)
    ensure_topics(addresses, [topic], partitions=partitions)
    held = len(read_ids(",".join(addresses), topic))
    if held:
        msg = (
            f"--kafka-prefix {prefix!r}: topic {topic!r} already holds {held:,d} messages; "
            "publish a day to an empty topic (another prefix, or delete the topic)"
        )
        raise ValueError(msg)
    publisher = Publisher(addresses, [topic])
    messages = [
        OutMessage(
            topic,
            line.encode(),
            event.id,
            event.TYPE,
            int(event.time.timestamp() * 1000),
            _event_key(event),
        )
        for event, line in zip(events, lines, strict=True)
    ]
    publisher.send(messages)
    left = publisher.close()
    if publisher.failed or left:
        msg = f"{publisher.failed + left} of {len(messages)} events not delivered to {topic!r}"
        raise RuntimeError(msg)
    return publisher.delivered


def _event_key(event: ev.Event) -> bytes:
    technician = getattr(event, "technician_id", None)
    if event.TYPE in TECHNICIAN_ACTIVITY and isinstance(technician, str):
        return technician.encode()
    return b"bookings"
