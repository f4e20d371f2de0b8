"""Issue 22's wrong input, through replay: a stream of another day, a newer schema, an
unknown technician — dead letters with their reason, counted by reason, never decisions
made on them (a day shifted by one was decided on: 46 notifications from its first lines).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.broker import Broker
from tests.stream.connectors.conftest import SMALL, Day, decisions
from tests.stream.connectors.shadow_process import produce, read_messages
from twin.analysis.scorecard import count_reasons
from twin.app.live_score import latest_scorecard
from twin.cli import main

pytestmark = pytest.mark.timeout(60)


def _shifted(day: Day, days: int) -> list[str]:
    """The day's lines dated ``days`` later (local midnight of the 23rd in Berlin is
    22:00/23:00 UTC the day before, so both dates move)."""
    out = []
    for line in day.lines:
        text = line.replace("2026-11-23T", "2026-11-2XT").replace("2026-11-22T", "2026-11-2YT")
        text = text.replace("2026-11-2XT", f"2026-11-{23 + days}T")
        out.append(text.replace("2026-11-2YT", f"2026-11-{22 + days}T"))
    return out


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{ln}\n" for ln in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("days", [1, -1])
def test_a_stream_of_another_day_is_dead_lettered_whole(
    small_day: Day, tmp_path: Path, days: int
) -> None:
    result = small_day.replay(_write(tmp_path / "shifted.jsonl", _shifted(small_day, days)))
    assert result.decisions == [] and result.world == []  # nothing decided on it
    assert len(result.dead_letters) == len(small_day.lines)
    assert count_reasons(d.reason for d in result.dead_letters) == (
        ("off the day", len(small_day.lines)),
    )
    first = result.dead_letters[0].reason
    assert "field 'time'" in first and "is not within the day" in first


def test_replay_refuses_a_log_of_another_day_naming_both_days(
    small_day: Day, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _write(tmp_path / "next" / "events.jsonl", _shifted(small_day, 1))
    out = tmp_path / "out"
    args = ["replay", str(log), "--out", str(out), "--roster", str(small_day.roster)]
    assert main([*args, "--allow-incomplete", "--scenario", str(SMALL)]) == 2
    said = " ".join(capsys.readouterr().out.split())
    assert "not of the scenario's day 2026-11-23" in said
    assert f"(2026-11-24 ({len(small_day.lines):,d}); local dates, Europe/Berlin)" in said
    assert not out.exists()  # refused: no decisions written


def test_a_newer_schema_and_an_unknown_technician_are_named_and_counted(
    small_day: Day, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = small_day.first_at(10, 0)
    time = json.loads(small_day.lines[at])["time"]
    newer = dict(small_day.line("position", at), id="n1", time=time, v=2, heading=90)
    stranger = dict(small_day.line("position", at), id="n2", time=time, technician_id="T999")
    bad = [json.dumps(newer), json.dumps(stranger), "not json"]
    log = _write(tmp_path / "dirty" / "events.jsonl", [*small_day.lines[:at], *bad,
                                                        *small_day.lines[at:]])  # fmt: skip
    result = small_day.replay(log)
    reasons = [d.reason for d in result.dead_letters]
    assert "newer schema version 2 than this build reads (1)" in reasons[0]
    assert "unknown technician 'T999' (not in the roster)" in reasons[1]
    assert dict(count_reasons(reasons)) == {
        "newer schema version": 1,
        "unknown technician": 1,
        "malformed": 1,
    }
    assert decisions(result) == decisions(small_day.clean)
    args = ["replay", str(log), "--out", str(tmp_path / "out"), "--roster", str(small_day.roster)]
    assert main([*args, "--allow-incomplete", "--scenario", str(SMALL)]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "dead letters by reason: malformed 1, newer schema version 1, unknown technician 1" in (
        said
    )


@pytest.mark.slow  # a shadow run over the broker: ~10 s
def test_shadow_refuses_a_stream_of_another_day_and_its_scorecard_says_why(
    broker: Broker, small_day: Day, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _shifted(small_day, 1)
    broker.create_topics(["nextday.events"])
    produce(broker, "nextday.events", lines)
    args = ["shadow", "--brokers", broker.address, "--prefix", "nextday", "--until-eof"]
    code = main([*args, "--scenario", str(SMALL), "--roster", str(small_day.roster)])
    said = " ".join(capsys.readouterr().out.split())
    assert code == 2, said
    assert f"dead letters by reason: off the day {len(lines):,d}" in said
    assert "the stream is not of the scenario's day" in said
    assert read_messages(broker, "nextday.decisions") == []  # nothing decided on it
    assert len(read_messages(broker, "nextday.dead-letters")) == len(lines)
    card = latest_scorecard(broker.address, "nextday.scores")
    assert card is not None and card["final"]
    (warned,) = card["input_warnings"]
    assert warned["by_reason"] == {"off the day": len(lines)}
