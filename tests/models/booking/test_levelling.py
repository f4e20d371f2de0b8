"""Levelling a later day: the least-filled window of the wished width, the wish on a tie."""

from __future__ import annotations

from twin.config import Scenario
from twin.models.booking.levelling import DayLoads, SlotGrid, levelled
from twin.models.booking.windows import offered_windows, windows_within

DAY = (8 * 60.0, 16 * 60.0)
AM, PM = (480.0, 720.0), (720.0, 960.0)


def _loads() -> DayLoads:
    return DayLoads(SlotGrid.of(Scenario()))


def test_the_grid_has_the_narrowest_windows_and_less_room_before_the_shift_ends() -> None:
    grid = SlotGrid.of(Scenario())
    assert grid.starts == (480.0, 600.0, 720.0, 840.0)
    # a visit begun at 15:00 runs past a shift that ends at 16:00
    assert grid.room[-1] < grid.room[0] / 2
    assert grid.room[0] == grid.room[1]


def test_a_customer_gets_the_emptiest_window_of_the_width_they_wished() -> None:
    loads = _loads()
    for _ in range(3):
        loads.add(0, (480.0, 600.0))
    options = windows_within(offered_windows(Scenario()), DAY)
    assert loads.best(0, (480.0, 600.0), options) == (600.0, 720.0)
    # a four-hour wish stays four hours wide: the afternoon is emptier than the morning
    assert loads.best(0, AM, options) == PM
    # other days are untouched
    assert loads.best(1, (480.0, 600.0), options) == (480.0, 600.0)


def test_a_tie_keeps_the_wish_and_an_all_day_wish_is_left_alone() -> None:
    loads = _loads()
    options = windows_within(offered_windows(Scenario()), DAY)
    assert loads.best(0, (600.0, 720.0), options) == (600.0, 720.0)
    for _ in range(5):
        loads.add(0, (600.0, 720.0))
    assert loads.best(0, DAY, options) == DAY


def test_only_windows_inside_the_customers_availability_are_offered() -> None:
    loads = _loads()
    for _ in range(4):
        loads.add(0, AM)
    morning_only = windows_within(offered_windows(Scenario()), (480.0, 720.0))
    assert loads.best(0, AM, morning_only) == AM


def test_an_all_day_visit_spreads_over_the_slots_by_their_room() -> None:
    loads = _loads()
    loads.add(0, DAY)
    grid = loads.grid
    assert abs(sum(loads.load[0]) - 1.0) < 1e-9
    fills = [loads.load[0][i] / grid.room[i] for i in range(len(grid.starts))]
    assert max(fills) - min(fills) < 1e-9


def test_levelling_is_off_unless_the_scenario_asks_for_it() -> None:
    assert levelled(Scenario()) is None
    on = Scenario().with_overrides(**{"period.later_windows": "levelled"})
    assert isinstance(levelled(on), DayLoads)
