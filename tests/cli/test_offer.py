from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from twin.app.run import run_scenario
from twin.cli import main
from twin.config import load_scenario


@pytest.fixture(scope="module")
def saved_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("day")
    run_scenario(load_scenario(SCENARIOS / "small.toml"), 2, out, report=False)
    return out / "events.jsonl"


def _offer(saved_day: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:
    code = main(["offer", "--events", str(saved_day), "--scenario", str(SCENARIOS / "small.toml"),
                 "--at", "09:00", "--x", "5", "--y", "5", "--json", *extra])  # fmt: skip
    return code, json.loads(capsys.readouterr().out)


def test_offers_are_ranked_and_respect_availability(
    saved_day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _offer(saved_day, capsys, "--available-from", "12:00", "--available-until", "16:00")
    assert code == 0 and out["reason"] is None
    costs = [o["cost"] for o in out["offers"]]
    assert costs == sorted(costs)
    assert all(o["window"] >= "12:00" for o in out["offers"])


def test_impossible_request_gets_a_reason(
    saved_day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _offer(saved_day, capsys, "--available-from", "05:00", "--available-until", "06:00")
    assert code == 1 and out["offers"] == [] and out["reason"]
    code, out = _offer(saved_day, capsys, "--job-type", "plumbing")
    assert code == 1 and "allowed: emergency" in out["reason"]


def test_no_window_ending_within_the_hour_is_offered(
    saved_day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _offer(saved_day, capsys, "--limit", "20")
    assert code == 0 and out["offers"]
    ends = [o["window"].split("–")[1] for o in out["offers"]]
    assert min(ends) >= "10:00"  # at 09:00, not 08:00–10:00


def test_a_later_date_is_offered_from_the_horizon(
    saved_day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _offer(saved_day, capsys, "--date", "2026-11-25", "--limit", "20")
    assert code == 0 and out["offers"], out
    assert out["offers"][0]["date"] == "2026-11-25"  # the wished day first (a Wednesday)
    assert "08:00–10:00" in {o["window"] for o in out["offers"]}  # not cut by --at
    code, out = _offer(saved_day, capsys, "--date", "2026-11-28")
    assert code == 1 and out["reason"].startswith("--date: 2026-11-28 is not a working day")


def test_nothing_left_today_is_offered_on_the_next_working_day(
    saved_day: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    morning = ("--available-from", "08:00", "--available-until", "10:00")
    code, out = _offer(saved_day, capsys, *morning)
    assert code == 0 and {o["date"] for o in out["offers"]} <= {"2026-11-24", "2026-11-25"}
    assert out["offers"][0]["date"] == "2026-11-24"
    # the log's bookings ahead take the horizon's room: a log whose Tuesday is full
    line = _ahead_line(saved_day)
    full = tmp_path / "events.jsonl"
    full.write_text(saved_day.read_text() + line * 200)
    (tmp_path / "roster.json").write_text((saved_day.parent / "roster.json").read_text())
    code, out = _offer(full, capsys, *morning)
    assert code == 0 and out["offers"][0]["date"] == "2026-11-25"


def _ahead_line(saved_day: Path) -> str:
    """A booking ahead for Tuesday at 08:00, logged at the start of the saved day."""
    from twin import events as ev
    from twin.events.codec import parse_time

    first = ev.from_json(saved_day.read_text().splitlines()[0])
    booked = ev.VisitBookedAhead(
        id="w-ahead", time=first.time, visit_id="A0001", customer_id="C1", job_type="repair",
        skill="repair", priority=1, channel="portal", x=5.0, y=5.0, date="2026-11-24",
        window_start=parse_time("2026-11-24T07:00:00Z"),
        window_end=parse_time("2026-11-24T09:00:00Z"),
        tentative_technician_id=None, expected_duration_min=60.0, notify_channel="sms",
        language="de",
    )  # fmt: skip
    return ev.to_json(booked) + "\n"
