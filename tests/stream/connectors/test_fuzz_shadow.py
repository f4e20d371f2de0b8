"""Fuzz through shadow mode on the real broker: bad events in production's stream.

The same bad lines as the replay fuzz (:mod:`tests.stream.connectors.fuzz_corpus`: broken
bytes and JSON, wrong types, unknown kinds and technicians, newer schema versions, times
off the day, late beyond the bound, duplicates), 2,500 of them here (the 10,200 go through
replay in ``test_fuzz_events``), mixed into a recorded day on a Kafka topic and read by
``run_shadow``: it ends normally; every bad line is on the dead-letter topic with a reason
(and nothing else is); the decisions, the ops windows (the operational KPIs) and the
scores of the live scorecard are byte for byte those of the clean day's shadow run; the
scorecard warns of the bad input, counted by reason.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from confluent_kafka import Producer

from tests.broker import Broker
from tests.stream.connectors import fuzz_corpus
from tests.stream.connectors.conftest import SMALL, Day
from tests.stream.connectors.shadow_process import read_messages
from twin.app.live_score import latest_scorecard
from twin.app.shadow import run_shadow

BAD = 2_500


def _shadow(broker: Broker, day: Day, prefix: str, lines: list[bytes]) -> dict[str, Any]:
    """Run shadow mode over ``lines`` on ``<prefix>.events``; what its topics hold."""
    topic = f"{prefix}.events"
    broker.create_topics([topic])
    producer = Producer({"bootstrap.servers": broker.address, "linger.ms": 5})
    for line in lines:  # bytes as they are: broken UTF-8 included
        producer.produce(topic, value=line)
        producer.poll(0)
    assert producer.flush(30) == 0
    summary = run_shadow(
        broker.address, topic, scenario=SMALL, roster=day.roster, prefix=prefix, until_eof=True
    )
    assert summary.messages == len(lines) and not summary.interrupted
    dead = [json.loads(m.value) for m in read_messages(broker, f"{prefix}.dead-letters")]
    return {
        "summary": summary,
        "decisions": [m.value for m in read_messages(broker, f"{prefix}.decisions")],
        "ops": [m.value for m in read_messages(broker, f"{prefix}.ops")],
        # the offset of a message is its line number - 1; late and repeated events name none
        "dead": [
            [d["reason"], None if d["line"] is None else d["line"] + 1, d["raw"]] for d in dead
        ],
        "card": latest_scorecard(broker.address, f"{prefix}.scores"),
    }


def _line(offset: int | None) -> int | None:
    return None if offset is None else offset + 1


def _scores(card: dict[str, Any]) -> dict[str, Any]:
    return {k: card[k] for k in ("as_of", "visits", "late", "etas", "warnings")}


@pytest.mark.slow  # two shadow runs of the small day over the broker: ~30 s
@pytest.mark.timeout(300)
def test_bad_events_in_the_stream_are_dead_letters_and_change_no_decision(
    broker: Broker, small_day: Day
) -> None:
    bad = fuzz_corpus.bad_lines(small_day.lines, BAD, seed=22)
    lines, numbered = fuzz_corpus.dirty_log(small_day.lines, bad)
    assert not any(b"\n" in ln for ln in lines)
    clean = _shadow(broker, small_day, "fuzz-clean", [ln.encode() for ln in small_day.lines])
    dirty = _shadow(broker, small_day, "fuzz-dirty", lines)

    assert clean["dead"] == [] and clean["decisions"]
    fuzz_corpus_check(dirty, numbered)
    assert dirty["decisions"] == clean["decisions"]  # byte for byte, in order
    assert dirty["ops"] == clean["ops"]
    assert _scores(dirty["card"]) == _scores(clean["card"])
    assert clean["card"]["input_warnings"] == []
    (warned,) = dirty["card"]["input_warnings"]
    assert warned["kind"] == "dead_letters" and warned["count"] == len(numbered)
    by_reason = warned["by_reason"]
    assert sum(by_reason.values()) == len(numbered) and "other" not in by_reason
    for kind in ("malformed", "newer schema version", "off the day", "unknown technician"):
        assert by_reason.get(kind, 0) > 0, by_reason
    assert by_reason["late beyond the bound"] > 0 and by_reason["duplicate"] > 0, by_reason


def fuzz_corpus_check(found: dict[str, Any], numbered: dict[int, fuzz_corpus.Bad]) -> None:
    """Every bad line dead-lettered once with a reason, nothing else (as the replay fuzz)."""
    dead = found["dead"]
    assert all(reason for reason, _, _ in dead)
    by_line = {line: reason for reason, line, _ in dead if line is not None}
    parsed = {no for no, b in numbered.items() if b.event_id is None}
    missed = sorted(parsed - set(by_line))
    assert not missed, f"{len(missed)} bad lines not dead-lettered, e.g. line {missed[:5]}"
    assert set(by_line) == parsed  # nothing good was dead-lettered
    unlined = Counter(json.loads(raw)["id"] for _, line, raw in dead if line is None)
    assert unlined == Counter(b.event_id for b in numbered.values() if b.event_id is not None)
    assert len(dead) == len(numbered)
