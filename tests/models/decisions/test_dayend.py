"""The end of a technician's day: a visit that cannot be finished (and the drive home) in time."""

from __future__ import annotations

import math

from twin.config import Scenario
from twin.models.decisions.dayend import first_unreachable
from twin.models.eta.chain import VisitEta
from twin.models.routing.plan import TechnicianSpec, VisitTask
from twin.models.routing.travel import TravelModel

SPEC = TechnicianSpec("T1", 5.0, 5.0, frozenset({"repair"}), 480.0, 960.0, 1050.0)


def _visit(vid: str, window_start: float, duration: float) -> VisitTask:
    return VisitTask(
        vid, f"C{vid}", 5.5, 5.0, "repair", "repair", 1, window_start, 1000.0, duration
    )


def _eta(vid: str, low: float) -> VisitEta:
    return VisitEta(vid, low, low + 10.0, low + 30.0, 0.0)


def test_the_first_visit_that_cannot_finish_and_drive_home_in_time(small: Scenario) -> None:
    travel = TravelModel(small.city, small.traffic)
    chain = [_visit("A", 600, 60), _visit("B", 600, 60), _visit("C", 600, 30)]
    # B would end at 1000 + 60 = 1060 > 1050 even at its early arrival
    etas = [_eta("A", 900), _eta("B", 1000), _eta("C", 1070)]
    assert first_unreachable(chain, etas, SPEC, travel) == 1
    assert first_unreachable(chain, etas, SPEC, travel, skip="B") == 2


def test_the_drive_home_counts(small: Scenario) -> None:
    travel = TravelModel(small.city, small.traffic)
    back = travel.travel_min(5.5, 5.0, 5.0, 5.0, 1045.0)
    assert back > 0
    chain = [_visit("A", 600, 40)]
    just = 1050.0 - 40.0 - back
    assert first_unreachable(chain, [_eta("A", just - 0.5)], SPEC, travel) is None
    assert first_unreachable(chain, [_eta("A", just + 0.5)], SPEC, travel) == 0


def test_a_window_that_opens_too_late_cannot_be_kept(small: Scenario) -> None:
    travel = TravelModel(small.city, small.traffic)
    chain = [_visit("A", 1030, 30)]  # early arrival, but the work waits for the window
    assert first_unreachable(chain, [_eta("A", 700)], SPEC, travel) == 0


def test_only_visits_within_the_lead_are_judged(small: Scenario) -> None:
    travel = TravelModel(small.city, small.traffic)
    chain = [_visit("A", 600, 120)]
    etas = [_eta("A", 1000)]
    assert first_unreachable(chain, etas, SPEC, travel, now=900, lead_min=120) == 0
    assert first_unreachable(chain, etas, SPEC, travel, now=850, lead_min=120) is None
    assert first_unreachable(chain, etas, SPEC, travel, now=850, lead_min=math.inf) == 0
