"""Shadow mode on Kafka topics, against a real Kafka-protocol broker (Tansu).

The key property: the decisions read back from Kafka are exactly the decisions of the same
flow run on the same lines from a plain list (``TestingSource``), with the same ticks.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bytewax.testing import TestingSink, TestingSource, run_main
from confluent_kafka import Consumer, Producer, TopicPartition

from tests.broker import Broker
from twin import events as ev
from twin.app.run import run_scenario
from twin.app.shadow import ShadowSummary, broker_list, run_shadow, shadow_params
from twin.clock import DayClock
from twin.config import load_scenario
from twin.stream.connectors.ticks import EventTicks, InputOrder, ticked_lines
from twin.stream.connectors.topics import to_message
from twin.stream.flow import build_flow
from twin.stream.messages import DECISION_TYPES, DeadLetter, OpsWindow, Tick, TickClosed
from twin.stream.order import RawLine, rules_for
from twin.stream.validate import raw_text

ROOT = Path(__file__).resolve().parents[3]
SMALL = ROOT / "data" / "scenarios" / "small.toml"
CLOCK = DayClock(datetime(2026, 11, 23, tzinfo=UTC).date())


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 11, 23, hh, mm, ss, tzinfo=UTC)


# ---------------------------------------------------------------- ticks (no broker)
def test_ticks_follow_the_watermark_minus_the_bound() -> None:
    ticks = EventTicks(CLOCK, bound_min=2.0)
    assert ticks.observe("0", at(10, 0, 30)) == []  # one event is no witness yet
    assert [t.time for t in ticks.observe("0", at(10, 0, 50))] == [at(9, 58)]
    assert ticks.observe("0", at(10, 3)) == []  # minute 9:59 is not safe yet
    assert [t.time for t in ticks.observe("0", at(10, 3))] == [at(9, 59), at(10, 0), at(10, 1)]
    assert ticks.observe("0", at(9, 0)) == []  # a late event never moves the watermark back
    assert [t.time for t in ticks.finish()] == [at(10, 2), at(10, 3)]
    assert all(t.minute == CLOCK.minutes(t.time) for t in ticks.finish())


def test_ticks_wait_for_the_slowest_partition_unless_it_is_idle() -> None:
    ticks = EventTicks(CLOCK, bound_min=0.0, parts=("0", "1"))
    assert ticks.observe("0", at(8, 9)) == ticks.observe("0", at(8, 10)) == []
    assert ticks.observe("1", at(8, 1)) == []  # partition 1: one event is no witness yet
    assert [t.time for t in ticks.observe("1", at(8, 2))] == [at(8, 1)]
    assert [t.time for t in ticks.observe("1", at(8, 4))] == [at(8, 2)]
    assert [t.time for t in ticks.idle("1")] == [at(8, m) for m in range(3, 10)]
    assert ticks.observe("1", at(8, 11)) == []  # back: the minimum is partition 1's 8:04


def test_ticking_starts_at_the_earliest_event_of_any_partition() -> None:
    ticks = EventTicks(CLOCK, bound_min=1.0, parts=("0", "1"))
    assert ticks.observe("0", at(8, 0)) == ticks.observe("0", at(8, 10)) == []
    assert ticks.observe("0", at(8, 10)) == ticks.observe("1", at(8, 5)) == []
    assert [t.time for t in ticks.observe("1", at(8, 5))] == [
        at(7, 59),
        *(at(8, m) for m in range(5)),
    ]


def test_one_event_dated_ahead_closes_nothing() -> None:
    ticks = EventTicks(CLOCK, bound_min=2.0)
    assert ticks.observe("0", at(10, 0), "a") == []
    assert [t.time for t in ticks.observe("0", at(10, 0), "b")] == [at(9, 58)]
    assert ticks.observe("0", at(23, 0), "future") == []
    assert ticks.observe("0", at(23, 0), "future") == []  # a duplicate is no second witness
    assert [t.minute for t in ticks.observe("0", at(10, 3), "c")] == [599.0, 600.0, 601.0]
    assert max(t.minute for t in ticks.finish()) == 23 * 60  # held, released at the end


def test_held_events_are_released_before_their_tick_in_time_order() -> None:
    order = InputOrder(EventTicks(CLOCK, bound_min=1.0, parts=("0", "1")))

    def ping(i: str, t: datetime) -> str:
        return ev.to_json(ev.Position(id=i, time=t, technician_id="T1", x=0.0, y=0.0))

    def names(items: list[object]) -> list[object]:
        return [i.time if isinstance(i, Tick) else getattr(i, "id", i) for i in items]

    assert order.admit("1", ping("b", at(8, 0, 30)), 0) == []
    assert order.admit("0", ping("a", at(8, 0, 30)), 0) == []
    assert order.admit("0", ping("c", at(8, 2)), 1) == []  # partition 1: one witness only
    assert names(order.admit("1", ping("d", at(8, 3)), 1)) == [at(7, 59)]
    # equal times: partition 0 before partition 1, in whatever order they arrived
    assert names(order.finish()) == [at(8, 0), "a", "b", at(8, 1), "c", at(8, 2), "d", at(8, 3)]


def test_malformed_lines_pass_as_raw_lines_and_move_no_clock() -> None:
    order = InputOrder(EventTicks(CLOCK, bound_min=2.0))
    assert order.admit("0", "not json", 7) == [RawLine("not json", 7)]
    assert order.ticks.ticked is None
    with pytest.raises(ValueError, match="bound_min must be >= 0"):
        EventTicks(CLOCK, bound_min=-1.0)


def test_outputs_map_to_their_topics_with_keys() -> None:
    eta = ev.EtaUpdated(
        id="b1",
        time=at(9, 0),
        visit_id="V7",
        technician_id="T1",
        eta_low=at(9, 30),
        eta=at(9, 40),
        eta_high=at(9, 55),
    )
    msg = to_message(eta, "p")
    assert msg is not None
    assert (msg.kind, msg.topic, msg.key, msg.value) == (
        "eta_updated",
        "p.decisions",
        b"b1",  # the decision's own id: deterministic, for downstream de-duplication
        ev.to_json(eta).encode(),
    )
    dead = to_message(DeadLetter("bad", "x", 3), "p")
    assert dead is not None and dead.id.startswith("dl-")
    assert dead.topic == "p.dead-letters"
    assert json.loads(dead.value) == {"reason": "bad", "raw": "x", "line": 3}
    assert to_message(DeadLetter("bad", "x", 3), "p") == dead  # same input, same id
    assert to_message(DeadLetter("bad", "x", 4), "p") != dead
    assert to_message(TickClosed(5.0), "p") is None
    with pytest.raises(ValueError, match="HOST:PORT"):
        broker_list("localhost")


# ---------------------------------------------------------------- against the broker
@dataclass(frozen=True)
class DayLog:
    topic: str
    clean: list[str]  # the simulated day as written
    lines: list[str]  # with bad inputs, as produced to the topic
    roster: Path
    malformed: dict[int, str]  # offset -> line
    duplicate: str
    late_id: str
    slightly_late_id: str


def _time_of(line: str) -> datetime:
    return ev.from_json(line).time


def _first_at_or_after(lines: list[str], t: datetime) -> int:
    return next(i for i, line in enumerate(lines) if _time_of(line) >= t)


def _with_bad_inputs(clean: list[str]) -> tuple[list[str], dict[int, str], str, str, str]:
    """The day's log with malformed lines, a duplicate, one event late beyond the bound and
    one late within it."""
    lines = list(clean)
    positions = [i for i, line in enumerate(lines) if '"type":"position"' in line]
    # late beyond the bound: an 08:xx ping (new id) arriving after noon
    late = ev.from_json(lines[next(i for i in positions if _time_of(lines[i]) >= at(8, 0))])
    late = replace(late, id="late-0001")
    lines.insert(_first_at_or_after(lines, at(12, 0)) + 1, ev.to_json(late))
    # late within the bound (1 minute): admitted, not a dead letter
    slightly_late = ev.from_json(
        lines[next(i for i in positions if _time_of(lines[i]) >= at(10, 0))]
    )
    slightly_late = replace(slightly_late, id="slightly-late-0001")
    lines.insert(
        _first_at_or_after(lines, slightly_late.time + timedelta(minutes=1)),
        ev.to_json(slightly_late),
    )
    # a duplicate of a mid-morning event
    dup_at = _first_at_or_after(lines, at(9, 30))
    duplicate = lines[dup_at]
    lines.insert(dup_at + 5, duplicate)
    bad = [
        "this is not JSON",
        "",
        '{"v":1,"type":"teleported","id":"x1","time":"2026-11-23T09:00:00Z"}',
        '{"v":2,"type":"position","id":"x2","time":"2026-11-23T09:00:00Z"}',
        '{"v":1,"type":"position","id":"x3","time":"2026-11-23T09:10:00Z","technician_id":"T001"}',
        # issue 21: a day that never ends, an unknown technician, NaN, a bad byte, deep
        # nesting, a lone surrogate, a doubled zone ("\udcff" is produced as the byte 0xff)
        '{"v":1,"type":"position","id":"x4","time":"9999-12-31T23:59:59Z",'
        '"technician_id":"T001","x":1.0,"y":1.0}',
        '{"v":1,"type":"shift_started","id":"x5","time":"2026-11-23T09:20:00Z",'
        '"technician_id":"T9999","x":1.0,"y":1.0,"planned_end":"2026-11-23T16:00:00Z"}',
        '{"v":1,"type":"position","id":"x6","time":"2026-11-23T09:20:00Z",'
        '"technician_id":"T001","x":NaN,"y":1.0}',
        "\udcff",
        "[" * 100_000,
        '{"v":1,"type":"position","id":"x\\ud800","time":"2026-11-23T09:20:00Z",'
        '"technician_id":"T001","x":1.0,"y":1.0}',
        '{"v":1,"type":"position","id":"x8","time":"2026-11-23T09:20:00+02:00Z",'
        '"technician_id":"T001","x":1.0,"y":1.0}',
    ]
    for k, text in enumerate(bad):
        lines.insert(300 + 150 * k, text)
    malformed = {i: line for i, line in enumerate(lines) if line in bad}
    assert len(malformed) == len(bad)
    return lines, malformed, duplicate, late.id, slightly_late.id


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


def partition_key(line: str) -> bytes:
    """A technician's activity by technician; bookings, plans and traffic on one key, so that
    a visit's request and booking (often in the same second) keep their order."""
    data = json.loads(line)
    return (data["technician_id"] if data["type"] in TECHNICIAN_ACTIVITY else "bookings").encode()


def _bytes(line: str) -> bytes:
    """A line as produced: a lone "\\udcff" (surrogate escape) is the byte 0xff."""
    return line.encode("utf-8", "surrogateescape")


def _produce(broker: Broker, topic: str, lines: list[str], partitions: int = 1) -> None:
    broker.create_topics([topic], partitions=partitions)
    producer = Producer({"bootstrap.servers": broker.address, "linger.ms": 5})
    for line in lines:
        key = partition_key(line) if partitions > 1 else None
        producer.produce(topic, value=_bytes(line), key=key)
    assert producer.flush(10) == 0


def read_topic(broker: Broker, topic: str) -> list[tuple[bytes | None, str]]:
    """Every message of a topic (all partitions, in offset order per partition)."""
    consumer = Consumer(
        {
            "bootstrap.servers": broker.address,
            "group.id": "tests-read",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, 0) for p in sorted(parts)])
    out: dict[int, list[tuple[bytes | None, str]]] = {p: [] for p in parts}
    at_end: set[int] = set()
    deadline = time.monotonic() + 20
    try:
        while len(at_end) < len(parts):
            assert time.monotonic() < deadline, f"{topic}: no end of partition within 20 s"
            for msg in consumer.consume(1000, 0.1):
                err, part = msg.error(), msg.partition()
                assert part is not None
                if err is not None:
                    assert err.code() == err._PARTITION_EOF, err
                    at_end.add(part)
                    continue
                out[part].append((msg.key(), (msg.value() or b"").decode()))
    finally:
        consumer.close()
    return [m for p in sorted(out) for m in out[p]]


@pytest.fixture(scope="module")
def day(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> DayLog:
    """A simulated day (small scenario, baseline dispatcher) with bad inputs, on a topic."""
    out = tmp_path_factory.mktemp("day")
    scenario = load_scenario(SMALL).with_overrides(**{"policy.brain": False})
    run_scenario(scenario, 3, out, report=False)
    clean = (out / "events.jsonl").read_text().splitlines()
    lines, malformed, duplicate, late_id, slightly_late_id = _with_bad_inputs(clean)
    _produce(broker, "day.events", lines)
    roster = out / "roster.json"
    return DayLog(
        "day.events", clean, lines, roster, malformed, duplicate, late_id, slightly_late_id
    )


def _shadow(broker: Broker, day: DayLog, prefix: str, workers: int = 1) -> ShadowSummary:
    return run_shadow(
        broker.address,
        day.topic,
        scenario=SMALL,
        roster=day.roster,
        prefix=prefix,
        until_eof=True,
        workers=workers,
    )


@pytest.fixture(scope="module")
def first_run(broker: Broker, day: DayLog) -> ShadowSummary:
    return _shadow(broker, day, "run1")


def _reference(day: DayLog, lines: list[str] | None = None) -> list[object]:
    """The same flow on the same lines from a list, with the same watermark ticks."""
    params = shadow_params(SMALL, day.roster)
    lines = day.lines if lines is None else lines
    raw = [_bytes(line) for line in lines]
    items = list(ticked_lines(raw, params.clock, params.reorder_bound_min, rules=rules_for(params)))
    out: list[object] = []
    run_main(build_flow(TestingSource(items), TestingSink(out), params))
    return out


def test_shadow_decisions_equal_the_same_flow_on_a_file(
    broker: Broker, day: DayLog, first_run: ShadowSummary
) -> None:
    decisions = read_topic(broker, "run1.decisions")
    kinds = {json.loads(v)["type"] for _, v in decisions}
    assert {"eta_updated", "delay_detected", "customer_notified"} <= kinds

    reference = _reference(day)
    expected = [d for d in reference if isinstance(d, DECISION_TYPES)]
    assert [v for _, v in decisions] == [ev.to_json(d) for d in expected]
    assert [k.decode() if k else None for k, _ in decisions] == [d.id for d in expected]

    ops = [json.loads(v) for _, v in read_topic(broker, "run1.ops")]
    assert ops == [o.to_dict() for o in reference if isinstance(o, OpsWindow)]
    assert ops and all(o["window_end"] > o["window_start"] for o in ops[1:])

    assert first_run.messages == len(day.lines)
    assert first_run.malformed == len(day.malformed)
    assert sum(first_run.decisions.values()) == len(expected)


def test_every_bad_input_is_a_dead_letter_with_a_reason(
    broker: Broker, day: DayLog, first_run: ShadowSummary
) -> None:
    dead = [json.loads(v) for _, v in read_topic(broker, "run1.dead-letters")]
    assert all(d["reason"] for d in dead)
    by_line = {d["line"]: d for d in dead if d["line"] is not None}
    for offset, text in day.malformed.items():
        assert by_line[offset]["raw"] == raw_text(_bytes(text))
    reasons = " | ".join(d["reason"] for d in dead)
    for words in (
        "9999-12-31T23:59:59Z is not within the day",
        "unknown technician 'T9999'",
        "field 'x': nan is not a finite number",
        "not UTF-8: byte 0xff",
        "nested too deeply",
        "lone surrogate",
        "expected an ISO 8601 date and time",
    ):
        assert words in reasons
    assert "not valid JSON" in by_line[min(day.malformed)]["reason"]
    duplicate = ev.to_json(ev.from_json(day.duplicate))
    assert any("duplicate" in d["reason"] and d["raw"] == duplicate for d in dead)
    late = [d for d in dead if day.late_id in d["raw"]]
    assert len(late) == 1 and "out of order beyond the tolerated bound" in late[0]["reason"]
    assert not any(day.slightly_late_id in d["raw"] for d in dead)  # within the bound: admitted
    assert len(dead) == len(day.malformed) + 2 == first_run.dead_letters


def test_same_input_twice_gives_identical_decisions(
    broker: Broker, day: DayLog, first_run: ShadowSummary
) -> None:
    again = _shadow(broker, day, "run2")
    assert again.decisions == first_run.decisions
    for kind in ("decisions", "dead-letters", "ops"):
        assert read_topic(broker, f"run2.{kind}") == read_topic(broker, f"run1.{kind}")


def test_two_workers_decide_the_same(broker: Broker, day: DayLog, first_run: ShadowSummary) -> None:
    _shadow(broker, day, "run3", workers=2)
    assert read_topic(broker, "run3.decisions") == read_topic(broker, "run1.decisions")


def test_a_partitioned_topic_decides_what_one_partition_decides(
    broker: Broker, day: DayLog
) -> None:
    """Three partitions read in any interleaving: the watermark is the slowest partition's
    (no event is dead-lettered as late), and events are released in (time, partition,
    offset) order, so the run is reproducible and here equals the one-partition run."""
    _produce(broker, "day.events.3", day.clean, partitions=3)
    summary = run_shadow(
        broker.address,
        "day.events.3",
        scenario=SMALL,
        roster=day.roster,
        prefix="parts3",
        until_eof=True,
    )
    assert summary.messages == len(day.clean)
    assert read_topic(broker, "parts3.dead-letters") == []
    expected = [ev.to_json(d) for d in _reference(day, day.clean) if isinstance(d, DECISION_TYPES)]
    assert [v for _, v in read_topic(broker, "parts3.decisions")] == expected
