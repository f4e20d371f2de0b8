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
