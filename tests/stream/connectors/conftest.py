"""A recorded small day (brain in the loop, so the log carries its decisions) and its replay."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from twin import events as ev
from twin.app.roster import read_roster
from twin.app.run import run_scenario
from twin.app.wiring import build_brain, company_from_roster
from twin.clock import DayClock
from twin.config import Scenario, load_scenario
from twin.events import format_time
from twin.stream.connectors.jsonl import ReplayResult, replay
from twin.stream.params import BrainParams

SMALL = SCENARIOS / "small.toml"
BOUND_MIN = 2.0


@dataclass(frozen=True)
class Day:
    """A recorded day: its lines, master data, the brain that replays it, the clean replay."""

    scenario: Scenario
    log: Path
    roster: Path
    lines: list[str]
    params: BrainParams
    clean: ReplayResult

    def replay(self, path: Path, bound_min: float = BOUND_MIN) -> ReplayResult:
        params = self.params
        if bound_min != BOUND_MIN:
            params = build_brain(
                company_from_roster(self.scenario, read_roster(self.roster)),
                reorder_bound_min=bound_min,
            )
        return replay(path, params)

    def first_at(self, hh: int, mm: int) -> int:
        """Index of the first line at or after hh:mm (local time of the scenario)."""
        clock = DayClock(self.scenario.date, self.scenario.time_zone)
        t = format_time(clock.at(hh * 60 + mm))
        return next(i for i, line in enumerate(self.lines) if json.loads(line)["time"] >= t)

    def line(self, kind: str, after: int = 0) -> dict[str, object]:
        """The first line of ``kind`` from index ``after`` on, as a JSON object."""
        marker = f'"type":"{kind}"'
        return json.loads(next(ln for ln in self.lines[after:] if marker in ln))


def decisions(result: ReplayResult) -> list[str]:
    return [ev.to_json(d) for d in result.decisions]


@pytest.fixture(scope="session")
def small_day(tmp_path_factory: pytest.TempPathFactory) -> Day:
    scenario = load_scenario(SMALL).with_overrides(**{"policy.brain": True})
    out = tmp_path_factory.mktemp("small_day")
    run_scenario(scenario, 3, out, report=False)
    log, roster = out / "events.jsonl", out / "roster.json"
    params = build_brain(
        company_from_roster(load_scenario(SMALL), read_roster(roster)), reorder_bound_min=BOUND_MIN
    )
    lines = log.read_text(encoding="utf-8").splitlines()
    return Day(load_scenario(SMALL), log, roster, lines, params, replay(log, params))
