"""The recorder's log and what it hands back to the loop."""

from __future__ import annotations

from datetime import date

from twin import events as ev
from twin.clock import DayClock
from twin.sim.recorder import Recorder


def test_quiet_records_are_logged_but_not_drained() -> None:
    clock = DayClock(date(2026, 3, 2))
    rec = Recorder(clock)
    first = rec.emit(
        ev.ShiftStarted, 480.0, technician_id="T1", x=1.0, y=2.0, planned_end=clock.at(960.0)
    )
    eta = ev.EtaUpdated(
        id="b1",
        time=clock.at(481.0),
        visit_id="V1",
        technician_id="T1",
        eta_low=clock.at(500.0),
        eta=clock.at(510.0),
        eta_high=clock.at(530.0),
    )
    plan = ev.PlanPublished(id="p1", time=clock.at(481.0), version=1, reason="r", routes=())
    rec.record(eta, echo=False)
    rec.record(plan)
    second = rec.emit(ev.ShiftEnded, 482.0, technician_id="T1", x=1.0, y=2.0)
    assert rec.drain() == [first, plan, second]
    assert rec.events == [first, eta, plan, second]
    rec.record(eta, echo=False)
    assert rec.drain() == [] and rec.events[-1] is eta
