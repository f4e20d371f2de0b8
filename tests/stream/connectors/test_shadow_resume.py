"""``twin shadow`` killed with SIGKILL mid-day and started again, rerun on a processed topic,
and a broker that restarts empty under a running shadow: nothing lost, nothing sent twice."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bytewax.testing import TestingSink, TestingSource, run_main

from tests.broker import Broker, running_broker
from tests.stream.connectors.shadow_process import (
    SMALL,
    Message,
    TopicFollower,
    committed,
    decision_time,
    finish,
    produce,
    read_messages,
    shadow_args,
    twin_process,
)
from twin import events as ev
from twin.app.run import run_scenario
from twin.app.shadow import run_shadow, shadow_params
from twin.cli import main
from twin.clock import DayClock, parse_hhmm
from twin.config import load_scenario
from twin.stream.connectors.dedup import Deduplicator
from twin.stream.connectors.ticks import ticked_lines
from twin.stream.flow import build_flow
from twin.stream.messages import DECISION_TYPES
from twin.stream.order import rules_for

# the most a step may take: the shadow processes import the brain (2-3 s of CPU) and work on a
# shared machine where a full suite and benchmarks may run beside them; a bound, not a wait
WAIT_S = 60.0


@dataclass(frozen=True)
class Day:
    lines: list[str]
    roster: Path
    expected: list[str]  # the decisions of one uninterrupted run, as published


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Day:
    """The small scenario's day under the conventional dispatcher, and the brain's decisions
    on it (the same flow on a list of its lines)."""
    out = tmp_path_factory.mktemp("resume")
    scenario = load_scenario(SMALL).with_overrides(**{"policy.brain": False})
    run_scenario(scenario, 5, out, report=False)
    lines = (out / "events.jsonl").read_text().splitlines()
    params = shadow_params(SMALL, out / "roster.json")
    items = list(
        ticked_lines(lines, params.clock, params.reorder_bound_min, rules=rules_for(params))
    )
    got: list[object] = []
    run_main(build_flow(TestingSource(items), TestingSink(got), params))
    expected = [ev.to_json(d) for d in got if isinstance(d, DECISION_TYPES)]
    return Day(lines, out / "roster.json", expected)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Shadow processes of a test: whatever is still running at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=5)


def summary_count(output: str, label: str) -> int:
    """A count from the last summary table ``twin shadow`` printed."""
    found = re.findall(rf"{re.escape(label)}[^│]*│\s*([\d,]+)", output)
    assert found, f"no {label!r} in the output:\n{output[-3000:]}"
    return int(found[-1].replace(",", ""))


def deduplicated(messages: list[Message]) -> list[str]:
    dedup = Deduplicator()
    return [m.value for m in messages if dedup.first(m.id)]


@pytest.mark.slow  # two `twin shadow` processes: 10-20 s on 2 busy cores
def test_killed_and_restarted_shadow_loses_nothing_and_sends_nothing_twice(
    broker: Broker, day: Day, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    """Production has sent the day up to 13:00 when the shadow, following the topic, is
    killed while it publishes; the rest of the day arrives; the shadow starts again."""
    cut = _split(day.lines, "13:00")
    broker.create_topics(["crash.events"])
    produce(broker, "crash.events", day.lines[:cut])
    args = shadow_args(broker, "crash.events", "crash", day.roster)
    log = tmp_path / "shadow.log"
    decisions = TopicFollower(broker, "crash.decisions")
    try:
        processes.append(first := twin_process(args, log))
        decisions.until(lambda ms: len(ms) >= 100, WAIT_S, "100 decisions")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=5)
        before = len(read_messages(broker, "crash.decisions"))
        assert 100 <= before < len(day.expected)
        produce(broker, "crash.events", day.lines[cut:])

        processes.append(second := twin_process([*args, "--until-eof"], log))
        assert finish(second, 3 * WAIT_S) == 0, log.read_text()[-3000:]
        published = read_messages(broker, "crash.decisions")
        ids = Counter(m.id for m in published)
        raw_duplicates = sum(n - 1 for n in ids.values())
        # the restarted run re-read the topic and sent only what the first had not
        assert raw_duplicates == 0, f"{raw_duplicates} duplicates on the topic"
        assert deduplicated(published) == day.expected  # 0 lost, 0 twice, in order
        output = log.read_text()
        assert summary_count(output, "messages read") == len(day.lines)
        assert summary_count(output, "already published") >= before  # + ops, dead letters
        assert committed(broker, "crash", "crash.events") == len(day.lines)  # all done

        # a rerun on the processed topic publishes nothing (in this process: quicker)
        rerun = run_shadow(
            broker.address,
            "crash.events",
            scenario=SMALL,
            roster=day.roster,
            prefix="crash",
            until_eof=True,
        )
        assert (rerun.messages, rerun.decisions, rerun.dead_letters) == (len(day.lines), {}, 0)
        assert rerun.already_published > len(published)  # the decisions and the ops windows
        assert len(read_messages(broker, "crash.decisions")) == len(published)
    finally:
        decisions.close()
    notified = [v for v in deduplicated(published) if '"customer_notified"' in v]
    assert len(notified) == sum('"customer_notified"' in v for v in day.expected) > 0


def _at(hhmm: str) -> str:
    """The UTC time on the wire of a local time of the small town's day (Europe/Berlin)."""
    scenario = load_scenario(SMALL)
    return ev.format_time(DayClock(scenario.date, scenario.time_zone).at(parse_hhmm(hhmm)))


def _split(lines: list[str], hhmm: str) -> int:
    at = _at(hhmm)
    return next(i for i, line in enumerate(lines) if json.loads(line)["time"] >= at)


@pytest.fixture
def own_broker() -> Iterator[Broker]:
    """A broker of this test alone: it is restarted, which empties it."""
    with running_broker() as running:
        yield running


@pytest.mark.slow  # a `twin shadow` process and a broker restart: about 15 s
def test_shadow_follows_a_broker_that_restarts_empty_and_stops_on_sigterm(
    own_broker: Broker, day: Day, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    broker = own_broker
    cut = _split(day.lines, "11:00")
    morning, afternoon = day.lines[:cut], day.lines[cut:]
    broker.create_topics(["live.events"])
    produce(broker, "live.events", morning)
    log = tmp_path / "shadow.log"
    processes.append(
        shadow := twin_process(shadow_args(broker, "live.events", "live", day.roster), log)
    )
    decisions = TopicFollower(broker, "live.decisions")
    try:
        decisions.until(
            lambda ms: any(decision_time(m) >= _at("10:50") for m in ms), WAIT_S, "10:50"
        )
        # progress in the consumer group "live": below the morning's end, where events of
        # the last minutes wait for the watermark
        deadline = time.monotonic() + WAIT_S
        while (done := committed(broker, "live", "live.events") or 0) < _split(morning, "10:45"):
            assert time.monotonic() < deadline, f"committed offset {done} within {WAIT_S} s"
            time.sleep(0.2)
        assert done <= len(morning)
        broker.stop()
        time.sleep(1.0)
        broker.start()  # empty: no topics, no data
        broker.create_topics(["live.events"])
        produce(broker, "live.events", afternoon)
    finally:
        decisions.close()
    after = TopicFollower(broker, "live.decisions")  # created again by the shadow
    try:
        after.until(
            lambda ms: any(decision_time(m) >= _at("15:00") for m in ms),
            WAIT_S,
            f"15:00 (shadow's log: {log.read_text()[-3000:]})",
        )
    finally:
        after.close()
    assert shadow.poll() is None
    shadow.send_signal(signal.SIGTERM)
    code = finish(shadow, 10.0)  # fails if the run is still up 10 s after the signal
    output = log.read_text()
    assert code in (0, 130), output[-3000:]
    assert "was created again" in output  # the warning: reading the new topic from its start
    assert summary_count(output, "messages read") == len(day.lines), output[-4000:]
    # what the restarted broker holds: the uninterrupted run's decisions from some point
    # on (those before went with the old broker), none missing, none different
    published = read_messages(broker, "live.decisions")
    after_restart = deduplicated(published)
    start = day.expected.index(after_restart[0])
    assert after_restart == day.expected[start : start + len(after_restart)]
    assert decision_time(Message(None, after_restart[0])) < _at("11:00")
    assert decision_time(Message(None, after_restart[-1])) >= _at("15:00")
    assert len(published) - len(after_restart) <= 100  # re-sent after the restart, if any


def test_twin_run_publishes_production_for_twin_shadow(
    broker: Broker, day: Day, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``twin run --kafka`` (conventional dispatcher) then ``twin shadow`` on one machine:
    the topic holds the day's log as written, and the shadow decides what the brain
    decides on that log."""
    run = ["run", "--scenario", str(SMALL), "--seed", "5", "--planner", "insertion"]
    out = tmp_path / "day"
    kafka = ["--kafka", broker.address, "--kafka-prefix", "demo"]
    assert main([*run, "--no-brain", "--out", str(out), "--no-store", *kafka]) == 0
    assert f"published {len(day.lines):,d} events to demo.events" in capsys.readouterr().out
    assert [m.value for m in read_messages(broker, "demo.events")] == day.lines

    shadow = ["shadow", "--brokers", broker.address, "--prefix", "demo", "--until-eof"]
    assert main([*shadow, "--scenario", str(SMALL), "--roster", str(out / "roster.json")]) == 0
    assert summary_count(capsys.readouterr().out, "messages read") == len(day.lines)
    assert [m.value for m in read_messages(broker, "demo.decisions")] == day.expected

    # a second day into the same topic is refused, with the reason
    again = [*run, "--no-brain", "--out", str(tmp_path / "again"), "--no-store", *kafka]
    assert main(again) == 2
    refused = capsys.readouterr().out.replace("\n", " ")
    assert f"topic 'demo.events' already holds {len(day.lines):,d} messages" in refused
