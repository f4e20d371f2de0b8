"""The compiled ETA chain reads a visit's and an estimate's fields where their slots sit:
the same answers as ``getattr`` for the real classes, for lookalikes of other classes (a
plain class, a subclass that turns a field into a property) in any order, and the same
error for an object with an empty slot."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from twin.config import City, Traffic
from twin.models.duration.model import DurationEstimate
from twin.models.eta.chain import Position, _route_etas, route_etas
from twin.models.routing.plan import BreakRule, VisitTask
from twin.models.routing.travel import KERNELS, TravelModel

MODEL = TravelModel(City(size_km=60.0), Traffic())
BRK = BreakRule(30.0, 240.0)


class PlainVisit:
    """A visit lookalike with a ``__dict__``."""

    def __init__(self, task: VisitTask) -> None:
        self.__dict__.update({f.name: getattr(task, f.name) for f in dataclasses.fields(task)})


class ShiftedVisit(VisitTask):
    """A subclass whose ``x`` is a property over the slot: its slots are not read."""

    __slots__ = ()

    @property  # type: ignore[override]
    def x(self) -> float:
        return 1.0


def _shifted(task: VisitTask) -> ShiftedVisit:
    s = object.__new__(ShiftedVisit)
    for f in dataclasses.fields(VisitTask):  # into the slots, past the property
        VisitTask.__dict__[f.name].__set__(s, getattr(task, f.name))
    return s


class PlainEstimate:
    """An estimate lookalike: the figures the chain reads."""

    def __init__(self, e: DurationEstimate) -> None:
        self.p50, self.sd, self.mean, self.log_sigma = e.p50, e.sd, e.mean, e.log_sigma


def _visit(i: int) -> VisitTask:
    ws = 480.0 + 50.0 * i
    return VisitTask(
        f"V{i}", "C", 3.0 + 7.0 * i, 40.0 - 5.0 * i, "repair", "s", 1, ws, ws + 120, 45
    )


def _chain(route: list[Any], estimates: dict[str, Any]) -> None:
    assert KERNELS is not None and MODEL.compiled, "the compiled module is built and in use"
    start = Position(10.0, 12.0, 470.0, 3.0, False, 460.0)
    args = (start, route, estimates, MODEL, 0.25, BRK, 700.0, {}, None)
    assert route_etas(*args) == _route_etas(*args)


@pytest.mark.parametrize("lookalikes_first", [True, False])
def test_lookalikes_and_real_visits_read_the_same(lookalikes_first: bool) -> None:
    tasks = [_visit(i) for i in range(6)]
    est = {f"V{i}": DurationEstimate.from_mean_cv(30.0 + 10 * i, 0.4) for i in range(5)}
    shifted = _shifted(tasks[2])
    odd: list[Any] = [PlainVisit(tasks[0]), shifted, PlainVisit(tasks[4])]
    mixed_est: dict[str, Any] = {
        k: PlainEstimate(e) if k in ("V1", "V3") else e for k, e in est.items()
    }
    route: list[Any] = odd + tasks if lookalikes_first else tasks + odd
    _chain(route, mixed_est)
    _chain(tasks, est)  # the real classes alone, after the others were seen
    assert shifted.x == 1.0  # the property, not the slot, is what both read


def test_an_empty_slot_fails_as_getattr_does() -> None:
    empty = object.__new__(VisitTask)
    object.__setattr__(empty, "visit_id", "V9")
    start = Position(10.0, 12.0, 470.0, 3.0, False, 460.0)
    for f in (route_etas, _route_etas):
        with pytest.raises(AttributeError, match="'x'"):
            f(start, [_visit(1), empty], {}, MODEL, 0.25, BRK, 700.0, {}, None)
