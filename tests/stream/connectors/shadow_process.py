"""Helpers for tests that run ``twin shadow`` as a separate process against the broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from tests.broker import Broker
from twin.stream.connectors.dedup import message_id

ROOT = Path(__file__).resolve().parents[3]
SMALL = ROOT / "data" / "scenarios" / "small.toml"
CLI = "import sys; from twin.cli import main; sys.exit(main())"


def twin_process(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """``twin ARGS`` in a new process of this interpreter, on this tree, output to ``log``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", CLI, *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def shadow_args(broker: Broker, topic: str, prefix: str, roster: Path, *extra: str) -> list[str]:
    return [
        "shadow",
        "--brokers",
        broker.address,
        "--topic",
        topic,
        "--prefix",
        prefix,
        "--scenario",
        str(SMALL),
        "--roster",
        str(roster),
        *extra,
    ]


def produce(broker: Broker, topic: str, lines: list[str]) -> None:
    producer = Producer({"bootstrap.servers": broker.address, "linger.ms": 5})
    for line in lines:
        producer.produce(topic, value=line.encode())
    assert producer.flush(10) == 0


@dataclass
class Message:
    id: str | None
    value: str


class TopicFollower:
    """Reads a one-partition topic as it grows (from offset 0), a step at a time."""

    def __init__(self, broker: Broker, topic: str) -> None:
        self.topic = topic
        self.consumer = Consumer(
            {
                "bootstrap.servers": broker.address,
                "group.id": "tests-follow",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "log_level": 2,
            }
        )
        self.consumer.assign([TopicPartition(topic, 0, 0)])
        self.messages: list[Message] = []
        self.at_end = False

    def step(self, timeout_s: float = 0.1) -> None:
        for msg in self.consumer.consume(1000, timeout_s):
            err = msg.error()
            if err is None:
                value = (msg.value() or b"").decode()
                self.messages.append(Message(message_id(msg.headers(), msg.key()), value))
                self.at_end = False
            elif err.code() == KafkaError._PARTITION_EOF:
                self.at_end = True

    def until(self, done: Callable[[list[Message]], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not done(self.messages):
            assert time.monotonic() < deadline, f"{self.topic}: {what} not within {timeout_s} s"
            self.step()

    def close(self) -> None:
        self.consumer.close()


def read_messages(broker: Broker, topic: str, timeout_s: float = 10.0) -> list[Message]:
    """Everything on a one-partition topic now (a new consumer, to the end of the topic)."""
    follower = TopicFollower(broker, topic)
    try:
        deadline = time.monotonic() + timeout_s
        while not follower.at_end:
            assert time.monotonic() < deadline, f"{topic}: no end within {timeout_s} s"
            follower.step()
        return follower.messages
    finally:
        follower.close()


def committed(broker: Broker, group: str, topic: str) -> int | None:
    """The offset the consumer group ``group`` committed on partition 0 of ``topic``."""
    consumer = Consumer({"bootstrap.servers": broker.address, "group.id": group, "log_level": 2})
    try:
        (found,) = consumer.committed([TopicPartition(topic, 0)], timeout=10)
        return None if found.offset < 0 else int(found.offset)
    finally:
        consumer.close()


def decision_time(m: Message) -> str:
    return str(json.loads(m.value)["time"])


def finish(process: subprocess.Popen[bytes], timeout_s: float) -> int:
    """Wait for the process; kill it (and fail) if it does not end in time."""
    try:
        return process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        raise AssertionError(f"the process did not end within {timeout_s} s") from None
