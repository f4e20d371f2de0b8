"""A period whose desk levels later days: the same requests, the wished widths, and the
visits booked ahead spread more evenly over the day's slots than the customers' wishes."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from twin.app.period import _Period, run_period
from twin.config import load_scenario
from twin.events import VisitBooked, VisitRequested, from_json
from twin.models.booking.levelling import SlotGrid

SMALL = Path("data/scenarios/small.toml")


def _run(later: str):
    s = load_scenario(SMALL).with_overrides(**{"period.days": 3, "period.later_windows": later})
    return s, run_period(s, 4, None, report=False, keep_log=True)


@pytest.fixture(scope="module")
def both():
    return {later: _run(later) for later in ("wish", "levelled")}


def _booked_ahead(lines: tuple[str, ...]) -> dict[str, VisitBooked]:
    """The first booking of every visit booked before its day (channel "planned")."""
    events = [from_json(x) for x in lines]
    ahead = {e.visit_id for e in events if isinstance(e, VisitRequested) and e.channel == "planned"}
    out: dict[str, VisitBooked] = {}
    for e in events:
        if isinstance(e, VisitBooked) and e.visit_id in ahead:
            out.setdefault(e.visit_id, e)
    return out


def _unevenness(scenario, booked: dict[str, VisitBooked]) -> float:
    """Spread of the slots' fill (visits beginning there over its room), all days pooled."""
    grid = SlotGrid.of(scenario)
    starts = Counter()
    for b in booked.values():
        local = b.window_start.astimezone(ZoneInfo(scenario.time_zone))
        if (b.window_end - b.window_start).total_seconds() < 8 * 3600:
            starts[grid.slot(local.hour * 60 + local.minute)] += 1
    fills = [starts[i] / grid.room[i] for i in range(len(grid.starts))]
    return max(fills) - min(fills)


def test_levelling_changes_windows_only_and_keeps_their_width() -> None:
    books = {}
    for later in ("wish", "levelled"):
        s = load_scenario(SMALL).with_overrides(**{"period.later_windows": later})
        books[later] = _Period.start(s, 4).book.visits  # the book before the first day
    wish, lev = books["wish"], books["levelled"]
    assert wish.keys() == lev.keys()
    moved = 0
    for day in wish:
        assert [v.visit_id for v in wish[day]] == [v.visit_id for v in lev[day]]
        for a, b in zip(wish[day], lev[day], strict=True):
            assert a.preferred[1] - a.preferred[0] == b.preferred[1] - b.preferred[0]
            assert b.available[0] <= b.preferred[0] and b.preferred[1] <= b.available[1]
            assert a == replace(b, preferred=a.preferred)  # nothing else changes
            moved += a.preferred != b.preferred
    assert moved > 0, "no customer took a levelled window"


def test_levelled_days_are_more_even_than_the_wishes(both) -> None:
    (s, wish), (_, lev) = both["wish"], both["levelled"]
    assert _unevenness(s, _booked_ahead(lev.log_lines)) < _unevenness(
        s, _booked_ahead(wish.log_lines)
    )
