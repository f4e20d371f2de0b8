from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from twin import events as ev
from twin.cli import main
from twin.config import Scenario, load_scenario
from twin.models.duration.data import HistoryRow, read_history, write_history
from twin.models.routing.plan import TechnicianSpec
from twin.sim.history import (
    extract_rows,
    simulate_day,
    simulate_history,
    simulate_test_days,
    zone_function,
)
from twin.sim.rng import stream
from twin.sim.workforce import make_workforce

T0 = datetime(2026, 11, 23, tzinfo=UTC)
ROSTER = {
    "T1": TechnicianSpec("T1", 0, 0, frozenset({"repair"}), 450, 960, 1050, "junior"),
    "T2": TechnicianSpec("T2", 0, 0, frozenset({"repair"}), 450, 960, 1050, "senior"),
}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def requested(vid: str, job: str, x: float) -> ev.VisitRequested:
    return ev.VisitRequested(
        id=f"r{vid}",
        time=at(0),
        visit_id=vid,
        customer_id=f"C{vid}",
        job_type=job,  # type: ignore[arg-type]
        skill="repair",
        priority=1,
        channel="planned",
        x=x,
        y=0.0,
        available_from=at(480),
        available_until=at(960),
        notify_channel="sms",
        language="de",
    )


def work(kind: Any, eid: str, minutes: float, tech: str, vid: str, **kw: Any) -> ev.Event:
    event: ev.Event = kind(id=eid, time=at(minutes), technician_id=tech, visit_id=vid, **kw)
    return event


def zone_of(x: float, y: float) -> str:
    return "centre" if x < 5 else "suburbs"


def test_extract_rows_from_a_hand_made_log() -> None:
    finished_v1 = work(ev.WorkFinished, "e4", 8 * 60 + 50.5, "T1", "V1", outcome="fixed")
    log: list[ev.Event] = [
        requested("V1", "repair", 1.0),
        requested("V2", "maintenance", 9.0),
        requested("V3", "inspection", 2.0),
        requested("V4", "installation", 9.0),
        requested("V5", "repair", 1.0),
        work(ev.WorkStarted, "e1", 9 * 60 + 10, "T2", "V2"),
        work(ev.WorkStarted, "e2", 8 * 60 + 5, "T1", "V1"),
        work(ev.WorkStarted, "e3", 10 * 60, "T1", "V3"),  # never finishes
        finished_v1,
        finished_v1,  # a duplicate changes nothing
        work(ev.WorkFinished, "e5", 9 * 60 + 40, "T2", "V2", outcome="follow_up"),
        work(ev.WorkFinished, "e6", 11 * 60, "T2", "V5", outcome="customer_absent"),
        work(ev.WorkStarted, "e7", 13 * 60, "T9", "V4"),  # not in the roster
        work(ev.WorkFinished, "e8", 14 * 60 + 30, "T9", "V4", outcome="fixed"),
    ]
    assert extract_rows(log, ROSTER, zone_of, seed=7) == [
        HistoryRow(7, "V1", "CV1", "T1", "junior", "repair", "centre", 8, 45.5),
        HistoryRow(7, "V2", "CV2", "T2", "senior", "maintenance", "suburbs", 9, 30.0),
        HistoryRow(7, "V4", "CV4", "T9", "unknown", "installation", "suburbs", 13, 90.0),
    ]


def test_rows_follow_finish_order_not_log_order() -> None:
    log: list[ev.Event] = [
        requested("V1", "repair", 1.0),
        requested("V2", "repair", 1.0),
        work(ev.WorkStarted, "a", 480, "T1", "V1"),
        work(ev.WorkStarted, "b", 470, "T2", "V2"),
        work(ev.WorkFinished, "c", 540, "T1", "V1", outcome="fixed"),
        work(ev.WorkFinished, "d", 500, "T2", "V2", outcome="fixed"),  # arrives late
    ]
    assert [r.visit_id for r in extract_rows(log, ROSTER, zone_of, 1)] == ["V2", "V1"]


def test_rows_match_the_hidden_truth(tiny: Scenario) -> None:
    day = simulate_day(tiny, 10_000)
    assert day.rows
    # work stopped at the legal end of the day enters with the time worked: a lower bound
    stopped = {
        e.visit_id
        for e in day.world.log
        if isinstance(e, ev.WorkFinished) and e.outcome == "unfinished"
    }
    for r in day.rows:
        truth = day.world.true_duration(r.visit_id, r.technician_id)
        if r.visit_id in stopped:
            assert r.duration_min < truth
            continue
        assert r.duration_min == pytest.approx(truth, abs=1 / 60 + 1e-3)  # times in seconds
        assert r.experience == day.world.specs[r.technician_id].experience


def test_same_seed_same_history(tiny: Scenario, tmp_path: Path) -> None:
    a = simulate_history(tiny, 2)
    b = simulate_history(tiny, 2)
    assert a == b
    write_history(a, tmp_path / "a.csv.gz")
    write_history(b, tmp_path / "b.csv.gz")
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()
    assert simulate_history(tiny, 2, first_seed=500) != a
    assert {r.seed for r in a} == {10_000, 10_001}


def test_test_days_come_with_their_oracle(tiny: Scenario) -> None:
    done: list[tuple[int, int]] = []
    held_out = simulate_test_days(tiny, 2, progress=lambda d, n: done.append((d, n)))
    assert done == [(1, 2), (2, 2)]
    rows = held_out.rows
    assert {r.seed for r in rows} == {20_000, 20_001}
    assert set(held_out.oracle.truth) == {r.visit_key for r in rows}
    for key, (_, sigma) in held_out.oracle.truth.items():
        _, sigma_without_site = held_out.technician_oracle.truth[key]
        assert sigma_without_site > sigma  # the unknown site factor widens it


def test_zone_function_uses_the_city(tiny: Scenario) -> None:
    zone = zone_function(tiny)
    half = tiny.city.size_km / 2
    assert zone(half, half) == tiny.city.zones[0].name
    assert zone(0.0, 0.0) == tiny.city.zones[-1].name


def test_days_must_be_positive(tiny: Scenario) -> None:
    with pytest.raises(ValueError, match="days must be >= 1"):
        simulate_history(tiny, 0)


def test_cli_train_durations(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "small.toml"
    out = tmp_path / "h.csv.gz"
    argv = ["train-durations", "--scenario", str(scenario), "--days", "2", "--test-days", "1"]
    assert main([*argv, "--out", str(out)]) == 0
    assert {r.seed for r in read_history(out)} == {10_000, 10_001}


def test_shipped_history_matches_the_default_company() -> None:
    """If the workforce generator changes, re-run ``twin train-durations`` (the learnt
    technician effects would belong to another company)."""
    root = Path(__file__).resolve().parents[2]
    path = root / "data" / "history" / "default.csv.gz"
    assert path.stat().st_size < 500_000
    scenario = load_scenario(root / "data" / "scenarios" / "default.toml")
    company = stream(scenario.company_seed, "workforce")
    team = make_workforce(scenario, company, stream(1, "absence"))
    levels = {p.id: p.spec.experience for p in team}
    rows = read_history(path)
    assert len({r.seed for r in rows}) >= 15
    assert all(levels[r.technician_id] == r.experience for r in rows)
