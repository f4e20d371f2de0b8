"""The day's clock: minutes after local midnight of the company's time zone, UTC on the
wire, local time for people."""

from __future__ import annotations

from datetime import UTC, date, datetime

from twin.clock import DayClock, hhmm


def test_minutes_count_from_local_midnight() -> None:
    berlin = DayClock(date(2026, 11, 23), "Europe/Berlin")
    assert berlin.midnight == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    eight = berlin.at(8 * 60)
    assert eight == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 08:00 in Berlin is 07:00 UTC
    assert berlin.local(eight).strftime("%H:%M") == "08:00" == hhmm(berlin.minutes(eight))
    summer = DayClock(date(2026, 7, 1), "Europe/Berlin")
    assert summer.at(8 * 60) == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # CEST: UTC+2
    assert DayClock(date(2026, 11, 23)).at(8 * 60) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
