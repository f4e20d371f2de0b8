"""The ETA dead-band (``policy.eta_hysteresis_min``) changes which ETA updates are
published and nothing else: delay alerts, warnings, replans, deferrals and the world's day
use the brain's own estimate, not the one on show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

import pytest

from tests.conftest import SCENARIOS
from twin import events as ev
from twin.app.wiring import build_brain, build_world
from twin.config import ConfigError, Scenario, load_scenario
from twin.stream.connectors.bridge import run_direct_loop

DEADBANDS = (0.0, 3.0, 8.0)


def _day(small: Scenario, deadband: float) -> list[ev.Event]:
    sc = small.with_overrides(**{"policy.brain": True, "policy.eta_hysteresis_min": deadband})
    world = build_world(sc, 2)
    return list(run_direct_loop(world, build_brain(world.company)).events)


@pytest.fixture(scope="module")
def small_module() -> Scenario:
    """The eight-technician town, once for the module."""
    return load_scenario(SCENARIOS / "small.toml")


@pytest.fixture(scope="module")
def days(small_module: Scenario) -> dict[float, list[ev.Event]]:
    """One day of the town with the brain per dead-band (same seed)."""
    return {d: _day(small_module, d) for d in DEADBANDS}


def _without_etas(events: Sequence[ev.Event]) -> list[str]:
    """The log without ``eta_updated``, the brain's ids left out (they count every event)."""
    out = []
    for e in events:
        if type(e) is not ev.EtaUpdated:
            line = ev.to_json(e)
            out.append(line.replace(f'"id":"{e.id}"', "") if e.id.startswith("b") else line)
    return out


def test_the_deadband_changes_only_the_eta_updates(days: dict[float, list[ev.Event]]) -> None:
    reference = _without_etas(days[3.0])
    assert any('"type":"delay_detected"' in line for line in reference)
    assert any('"kind":"delay"' in line for line in reference)
    for d in DEADBANDS:
        assert _without_etas(days[d]) == reference, d


def test_a_wider_deadband_publishes_fewer_updates(days: dict[float, list[ev.Event]]) -> None:
    counts = [sum(1 for e in days[d] if type(e) is ev.EtaUpdated) for d in DEADBANDS]
    assert counts[0] > counts[1] > counts[2] > 0
    # every visit that was given an ETA still is (its first one is always published)
    visits = [{e.visit_id for e in days[d] if type(e) is ev.EtaUpdated} for d in DEADBANDS]
    assert visits[0] == visits[1] == visits[2]


@pytest.mark.parametrize("deadband", DEADBANDS)
def test_an_eta_is_published_again_only_past_the_deadband(
    days: dict[float, list[ev.Event]], deadband: float
) -> None:
    shown: dict[tuple[str, str], list[ev.EtaUpdated]] = defaultdict(list)
    for e in days[deadband]:
        if type(e) is ev.EtaUpdated:
            shown[e.visit_id, e.technician_id].append(e)
    moves = [
        abs((b.eta - a.eta).total_seconds()) / 60
        for ups in shown.values()
        for a, b in pairwise(ups)
    ]
    assert moves
    # published times are whole seconds: a move of exactly the dead-band may round down by 1 s
    assert min(moves) >= deadband - 1 / 60 - 1e-9


def test_a_negative_deadband_is_refused(small_module: Scenario) -> None:
    with pytest.raises(ConfigError, match="eta_hysteresis_min"):
        small_module.with_overrides(**{"policy.eta_hysteresis_min": -1.0})
