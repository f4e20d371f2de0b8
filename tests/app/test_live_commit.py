"""Group commit of a served day's requests (twin.app.live.commit): an answer never goes
out before an ``fsync`` that covers its journal record and its events; a tick and the
other bookings go on while that ``fsync`` waits for the disk; bookings that come while it
runs share the next one; the status is read without the day's lock.

The ``fsync`` is the operating system's, wrapped (passed to the day explicitly): one
wrapper notes how much of each file it covered, another holds the first one at a gate.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from twin.app.live import LiveDay
from twin.app.live.day import JOURNAL, LOG
from twin.config import Scenario

WAIT_S = 30.0  # only reached when the day waits where it must not


def _job(n: int) -> dict[str, Any]:
    job = {"customer_id": f"C-GC{n}", "job_type": "repair", "x": 2.0 + n % 7, "y": 3.0}
    return {**job, "available_from": 0.0, "available_until": 1440.0}


def _book(n: int) -> dict[str, Any]:
    return {"kind": "book", "channel": "portal", "job": _job(n), "window": None}


def _open(small: Scenario, tmp_path: Path, fsync: Any) -> LiveDay:
    scenario = small.with_overrides(**{"demand.visits_per_technician": 4.0})
    day = LiveDay(scenario, 1, tmp_path, fsync=fsync)
    while day.now < 9 * 60 and day.tick():
        pass
    return day


class Covered:
    """``os.fsync`` that notes, per file, the size it was called at (what it forces)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.size: dict[int, int] = {}  # by inode

    def __call__(self, fd: int) -> None:
        st = os.fstat(fd)
        os.fsync(fd)
        with self.lock:
            self.size[st.st_ino] = max(self.size.get(st.st_ino, 0), st.st_size)

    def of(self, path: Path) -> int:
        with self.lock:
            return self.size.get(path.stat().st_ino, 0)


def _end_of(path: Path, needle: str) -> int:
    """The byte offset just after the line holding ``needle``."""
    data = path.read_bytes()
    at = data.index(needle.encode())
    return data.index(b"\n", at) + 1


def test_an_answer_waits_for_an_fsync_covering_its_lines(small: Scenario, tmp_path: Path) -> None:
    covered = Covered()
    day = _open(small, tmp_path, covered)
    failures: list[str] = []

    def booker(k: int) -> None:
        for i in range(4):
            key = f"gc-{k}-{i}"
            answer = day.request(_book(10 * k + i), key)
            journal, log = covered.of(tmp_path / JOURNAL), covered.of(tmp_path / LOG)
            # the request's record, and its visit's request event, were on disk by now
            if journal < _end_of(tmp_path / JOURNAL, f'"key":"{key}"'):
                failures.append(f"{key}: answered before its journal record was forced")
            if log < _end_of(tmp_path / LOG, f'"visit_id":"{answer["visit_id"]}"'):
                failures.append(f"{key}: answered before its events were forced")

    threads = [threading.Thread(target=booker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for _ in range(5):  # ticks write to the same files meanwhile
        day.tick()
    for t in threads:
        t.join(WAIT_S)
    day.close()
    assert not failures
    assert day.commit.synced == day.commit.written == 16
    assert day.commit.rounds <= 16  # shared rounds, never more than one per booking


class Gate:
    """``os.fsync`` whose first call waits until the test opens the gate."""

    def __init__(self) -> None:
        self.entered, self.open = threading.Event(), threading.Event()
        self.calls = 0

    def __call__(self, fd: int) -> None:
        self.calls += 1
        self.entered.set()
        self.open.wait(WAIT_S)
        os.fsync(fd)


def test_a_slow_fsync_holds_up_neither_a_tick_nor_other_bookings(
    small: Scenario, tmp_path: Path
) -> None:
    gate = Gate()
    day = _open(small, tmp_path, gate)
    answers: dict[str, dict[str, Any]] = {}
    others: list[threading.Thread] = []

    def book(n: int) -> threading.Thread:
        t = threading.Thread(target=lambda: answers.update({f"b{n}": day.request(_book(n))}))
        t.start()
        return t

    try:
        first = book(1)
        assert gate.entered.wait(WAIT_S)  # its fsync has begun, and waits for the disk
        done_before = day.done
        ticker = threading.Thread(target=day.tick)
        t0 = time.monotonic()
        ticker.start()
        ticker.join(WAIT_S)
        assert not ticker.is_alive() and day.done == done_before + 1
        assert time.monotonic() - t0 < WAIT_S / 2
        assert first.is_alive() and not answers  # no answer before its fsync ended
        assert day.status()["ticks_done"] == day.done
        others += [book(2), book(3)]
        deadline = time.monotonic() + WAIT_S
        while day.commit.written < 3 and time.monotonic() < deadline:  # both written
            time.sleep(0.005)
        assert day.commit.written == 3 and not answers
    finally:
        gate.open.set()
    for t in (first, *others):
        t.join(WAIT_S)
    assert sorted(answers) == ["b1", "b2", "b3"]
    assert all(a["status"] == "booked" for a in answers.values())
    assert day.commit.rounds == 2  # the first booking's fsync, then one for both others
    assert gate.calls == 2 * 2  # a round forces the journal and the log
    day.close()


def test_the_status_does_not_wait_for_the_days_lock(small: Scenario, tmp_path: Path) -> None:
    day = _open(small, tmp_path, os.fsync)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with day.lock:  # as a long tick holds it
            held.set()
            release.wait(WAIT_S)

    holder = threading.Thread(target=hold)
    holder.start()
    seen: list[dict[str, Any]] = []
    try:
        assert held.wait(WAIT_S)
        reader = threading.Thread(target=lambda: seen.append(day.status()))
        reader.start()
        reader.join(WAIT_S / 2)
        assert seen and not reader.is_alive()
    finally:
        release.set()
        holder.join(WAIT_S)
    assert seen[0]["ticks_done"] == day.done and seen[0]["local_time"] == "09:00"
    day.close()
