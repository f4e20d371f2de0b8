"""A period of working days: nothing lost, the same every time, the same demand for every
policy, and what a day did not do booked on a later one with notice."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from twin.app.period import run_period, working_day
from twin.config import ConfigError, load_scenario
from twin.events import CustomerNotified, VisitRequested, read_events

SMALL = Path("data/scenarios/small.toml")


def _scenario(days: int = 3, **more: object):
    return load_scenario(SMALL).with_overrides(**{"period.days": days, **more})


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("period") / "week"
    return run_period(_scenario(), 1, out), out


def test_every_request_ends_accounted_for(week) -> None:
    result, _ = week
    k = result.kpis
    states = {r.state for r in result.requests}
    assert states <= {"done", "cancelled", "refused", "pending"}
    assert k["done"] + k["cancelled"] + k["refused"] + k["pending"] == k["requests"]
    assert k["accounted"] is True
    assert k["done"] > 0 and k["requests_in_period"] > 0
    # a done request was done on a day of the period, never before it was made
    for r in result.requests:
        if r.state == "done":
            assert r.done_day is not None and 0 <= r.done_day < 3
            assert r.done_day >= r.made_day
        if r.state == "refused":
            assert r.reasons, r


def test_the_period_shows_where_its_days_wait(week) -> None:
    result, out = week
    k = result.kpis
    by_hour = k["waiting_hours_by_hour"]
    assert by_hour and all(0 <= int(h) < 24 and v >= 0 for h, v in by_hour.items())
    shift_hours = sum(d["shift_hours"] for d in result.days)
    # the same waiting as the share, up to the breaks the share takes at their planned length
    assert abs(sum(by_hour.values()) / shift_hours - k["waiting_share"]) < 0.03
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Waiting by hour of day" in report


def test_visits_not_done_are_rebooked_with_notice(week) -> None:
    result, out = week
    moved = [r for r in result.requests if r.rebooked]
    assert moved, "a small town's three days rebook something"
    notices = [json.loads(x) for x in (out / "notices.jsonl").read_text().splitlines()]
    assert {n["visit_id"] for n in notices} == {r.visit_id for r in moved}
    day2 = next((out / "days").glob("02-*"))
    events, bad = read_events(day2 / "events.jsonl")
    assert not bad
    requested = {e.visit_id for e in events if isinstance(e, VisitRequested)}
    day1 = [n for n in notices if n["day"] == 0 and n["new_day"] == 1]
    assert day1 and all(n["visit_id"] in requested for n in day1)
    told = {
        e.visit_id
        for e in read_events(next((out / "days").glob("01-*")) / "events.jsonl")[0]
        if isinstance(e, CustomerNotified) and e.kind == "rebooked"
    }
    assert told == {n["visit_id"] for n in notices if n["day"] == 0 and n["new_day"] is not None}


def test_follow_ups_come_back_on_a_later_day(week) -> None:
    result, _ = week
    follow = [r for r in result.requests if r.kind == "follow_up"]
    assert follow
    assert all("-" in r.visit_id and r.wish_day > r.made_day for r in follow)
    parents = {r.visit_id.split("-")[0] for r in follow}
    done = {r.visit_id: r for r in result.requests}
    assert all(done[p].outcome in ("follow_up", "unfinished") for p in parents if p in done)


def _digest(out: Path) -> dict[str, str]:
    files = [out / "events.jsonl", out / "requests.jsonl", out / "period.json"]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def test_same_seed_same_period(week, tmp_path: Path) -> None:
    _, out = week
    run_period(_scenario(), 1, tmp_path / "again")
    assert _digest(tmp_path / "again") == _digest(out)


def test_two_policies_meet_the_same_demand(week, tmp_path: Path) -> None:
    result, _ = week
    other = run_period(_scenario(**{"policy.brain": True}), 1, None)

    def new(requests):
        return {
            (r.visit_id, r.job_type, r.made_day, r.wish_day) for r in requests if r.kind == "new"
        }

    assert new(other.requests) == new(result.requests)


def test_working_days_skip_the_weekend() -> None:
    import datetime as dt

    fri = dt.date(2026, 11, 27)
    days = ("mon", "tue", "wed", "thu", "fri")
    assert working_day(fri, 1, days) == dt.date(2026, 11, 30)
    assert working_day(dt.date(2026, 11, 28), 0, days) == dt.date(2026, 11, 30)
    assert working_day(dt.date(2026, 11, 30), -1, days) == fri


def test_bad_period_settings_name_the_field() -> None:
    with pytest.raises(ConfigError, match=r"period\.days"):
        _scenario(days=0)
    with pytest.raises(ConfigError, match=r"lead_times.*sum to 1"):
        load_scenario(SMALL).with_overrides(**{"period.lead_times.same_day": 0.5})


def test_a_day_without_technicians_is_a_named_warning_and_loses_nothing() -> None:
    # every technician part-time, and the only working day is Monday: nobody on Mondays
    scenario = _scenario(2, **{"period.part_time_share": 1.0, "period.working_days": ["mon"]})
    result = run_period(scenario, 1, None)
    assert len(result.kpis["warnings"]) == 2
    assert all(
        "no technicians" in w and "every technician is off" in w for w in result.kpis["warnings"]
    )
    assert result.kpis["done"] == 0 and result.kpis["accounted"] is True
    assert (
        result.kpis["pending"] + result.kpis["cancelled"] + result.kpis["refused"]
        == result.kpis["requests"]
    )


def test_the_brain_starts_each_day_from_what_it_learned() -> None:
    from twin.app.period import _Period

    scenario = _scenario(2, **{"policy.brain": True})
    period = _Period.start(scenario, 1)
    period.run_day(0, None, None, False)
    learned = dict(period.learned)
    assert learned and all(seen > 0 for _, seen in learned.values())
    assert any(abs(bias) > 1e-6 for bias, _ in learned.values())
    period.run_day(1, None, None, False)
    # a technician who worked both days has seen the visits of both
    both = [t for t in learned if period.learned[t][1] > learned[t][1]]
    assert both


def test_a_week_on_real_streets_runs_and_loses_nothing() -> None:
    helsinki = load_scenario(Path("data/scenarios/helsinki.toml")).with_overrides(
        **{"period.days": 2}
    )
    result = run_period(helsinki, 1, None)
    assert result.kpis["accounted"] is True and result.kpis["done"] > 0
    assert len(result.days) == 2
