"""Replay: the same flow over a recorded log; bad input is dead-lettered, nothing else lost."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from twin import events as ev
from twin.app.roster import read_roster
from twin.app.run import run_scenario
from twin.app.wiring import build_brain, company_from_roster
from twin.cli import main
from twin.config import Scenario
from twin.stream.connectors.jsonl import replay
from twin.stream.params import BrainParams


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import SCENARIOS
    from twin.config import load_scenario

    scenario = load_scenario(SCENARIOS / "small.toml")
    out = tmp_path_factory.mktemp("recorded")
    run_scenario(scenario, 3, out, report=False)
    return out


def _params(small: Scenario, recorded: Path, bound: float = 2.0) -> BrainParams:
    company = company_from_roster(small, read_roster(recorded / "roster.json"))
    return build_brain(company, reorder_bound_min=bound)


def _decisions(result_decisions: list[ev.Event]) -> list[str]:
    return [ev.to_json(d) for d in result_decisions]


def test_replay_decides(small: Scenario, recorded: Path) -> None:
    result = replay(recorded / "events.jsonl", _params(small, recorded))
    kinds = {d.TYPE for d in result.decisions}
    assert {"eta_updated", "customer_notified"} <= kinds
    assert result.dead_letters == []
    assert result.ops and result.ops[-1].arrivals > 0


def test_bad_input_is_dead_lettered_and_loses_nothing_else(
    small: Scenario, recorded: Path, tmp_path: Path
) -> None:
    lines = (recorded / "events.jsonl").read_text().splitlines()
    clean = replay(recorded / "events.jsonl", _params(small, recorded))
    rng = random.Random(7)
    dirty: list[str] = []
    bad = 0
    for i, line in enumerate(lines):
        # swap neighbours now and then: reordering within the bound must be harmless
        dirty.append(line)
        if i % 97 == 5:
            dirty.append("{this is not json")
            bad += 1
        if i % 131 == 7:
            when = json.loads(line)["time"]
            dirty.append(json.dumps({"v": 1, "type": "teleported", "id": f"x{i}", "time": when}))
            bad += 1
        if i % 113 == 9:
            dirty.append(line)  # duplicate id
            bad += 1
        if i % 151 == 11:
            data = json.loads(line)
            data.pop("id")
            dirty.append(json.dumps(data))  # a required field is missing
            bad += 1
    for i in range(len(dirty) - 1):
        a, b = dirty[i], dirty[i + 1]
        if rng.random() < 0.05 and a.startswith('{"v"') and b.startswith('{"v"'):
            ta, tb = ev.parse_time(json.loads(a)["time"]), ev.parse_time(json.loads(b)["time"])
            if abs((ta - tb).total_seconds()) <= 60 and ta.date() == tb.date() and ta.hour >= 6:
                dirty[i], dirty[i + 1] = b, a
    path = tmp_path / "dirty.jsonl"
    path.write_text("\n".join(dirty) + "\n")
    result = replay(path, _params(small, recorded))
    assert len(result.dead_letters) == bad
    reasons = " | ".join(d.reason for d in result.dead_letters)
    assert "not valid JSON" in reasons
    assert "unknown event type 'teleported'" in reasons
    assert "duplicate event id" in reasons
    assert "field 'id'" in reasons
    assert _decisions(result.decisions) == _decisions(clean.decisions)


def test_out_of_order_beyond_the_bound_is_dead_lettered(
    small: Scenario, recorded: Path, tmp_path: Path
) -> None:
    lines = (recorded / "events.jsonl").read_text().splitlines()
    late_idx = next(i for i, ln in enumerate(lines) if '"type":"arrived"' in ln)
    late = lines.pop(late_idx)
    lines.insert(late_idx + 2000, late)  # much later than the 2-minute bound
    path = tmp_path / "late.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = replay(path, _params(small, recorded))
    assert len(result.dead_letters) == 1
    assert "out of order beyond the tolerated bound" in result.dead_letters[0].reason
    assert json.loads(result.dead_letters[0].raw)["id"] == json.loads(late)["id"]


def test_replay_cli_writes_outputs(recorded: Path, tmp_path: Path) -> None:
    out = tmp_path / "replayed"
    assert (
        main(
            [
                "replay",
                str(recorded / "events.jsonl"),
                "--out",
                str(out),
                "--scenario",
                "data/scenarios/small.toml",
            ]
        )
        == 0
    )
    for name in ("decisions.jsonl", "ops.jsonl", "dead_letters.jsonl", "quality.json"):
        assert (out / name).exists()
    assert ev.read_log(out / "decisions.jsonl")
    quality = json.loads((out / "quality.json").read_text())
    assert set(quality["eta_mae_min"]) == {"60", "30", "15"}


def test_replay_cli_missing_roster_is_a_clear_error(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_text("")
    assert main(["replay", str(log), "--out", str(tmp_path / "o")]) == 2
