"""The paced day keeps its state out of full garbage collections while it runs
(:func:`twin.app.live.pace.settle_heap`), gives it back when it ends, and the day is the
same day."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

from twin.app.live import LiveDay
from twin.app.live.pace import Pace, PaceSetting, run_paced, settle_heap
from twin.config import Scenario


def test_settle_heap_freezes_what_survives_and_thaws_it_again() -> None:
    gc.unfreeze()
    kept = [[i] for i in range(1000)]  # containers the collector tracks
    settle_heap()
    try:
        assert gc.get_freeze_count() >= len(kept)
        before = gc.get_freeze_count()
        settle_heap()  # thawed, collected and frozen again: the same survivors, not twice
        assert abs(gc.get_freeze_count() - before) < before // 10
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_a_run_to_a_time_pauses_settled_and_the_log_is_the_days(
    small: Scenario, tmp_path: Path
) -> None:
    gc.unfreeze()
    paced = LiveDay(small, 3, tmp_path / "paced", pace=PaceSetting(speed=None, until=10 * 60))
    stop = threading.Event()
    runner = threading.Thread(target=paced.run, args=(stop,))
    runner.start()
    try:
        deadline = time.monotonic() + 120
        while not paced.pace.setting.paused and time.monotonic() < deadline:
            time.sleep(0.02)
        assert paced.pace.setting.paused and paced.now <= 10 * 60
        assert gc.get_freeze_count() > 0  # the day's state, out of full collections
        paced.pace.set(speed=None, paused=False)  # on to the day's end
        runner.join(120)
        assert paced.over
    finally:
        stop.set()
        paced.pace.changed.set()
        runner.join(120)
        paced.close()
    assert gc.get_freeze_count() == 0  # given back when the run ends
    ticked = LiveDay(small, 3, tmp_path / "ticked")
    while ticked.tick():
        pass
    ticked.close()
    assert paced.world.log == ticked.world.log


class _SlowDay:
    """A paced day whose ticks take a while (the :class:`Paced` protocol, no world)."""

    def __init__(self, ticks: int, tick_s: float) -> None:
        self.pace = Pace(PaceSetting(speed=None))
        self.ticks = [float(t) for t in range(ticks)]
        self.done = 0
        self.behind_s = 0.0
        self.tick_s = tick_s
        self.in_tick = threading.Event()

    @property
    def now(self) -> float:
        return self.ticks[self.done - 1] if self.done else 0.0

    @property
    def over(self) -> bool:
        return self.done >= len(self.ticks)

    def tick(self) -> bool:
        self.in_tick.set()
        time.sleep(self.tick_s)
        self.done += 1
        self.in_tick.clear()
        return not self.over


def test_a_pause_during_a_tick_is_answered_after_that_tick_and_holds() -> None:
    day = _SlowDay(ticks=1000, tick_s=0.2)
    stop = threading.Event()
    runner = threading.Thread(target=run_paced, args=(day, stop))
    runner.start()
    try:
        assert day.in_tick.wait(10)  # a tick is in flight
        day.pace.set(paused=True)
        assert day.pace.settle(10)
        settled = day.done
        assert not day.in_tick.is_set()  # the tick in flight had ended
        time.sleep(0.5)  # two ticks' time: none starts while paused
        assert day.done == settled
    finally:
        stop.set()
        day.pace.changed.set()
        runner.join(10)
    assert not day.pace.running and day.pace.settle(0)  # no loop: nothing to wait for
