"""Spare parts, tools and depots in the world (twin.sim.van, twin.sim.kit_plan)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from twin import events as ev
from twin.app.wiring import build_world
from twin.config import ConfigError, Scenario, load_scenario, validate
from twin.sim.world import World

SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"


@pytest.fixture(scope="module")
def parts() -> Scenario:
    """The shipped parts scenario, four technicians (the fastest day with depots)."""
    return load_scenario(SCENARIOS / "parts.toml").with_overrides(**{"workforce.technicians": 4})


def _with_parts(base: Scenario, **section: Any) -> Scenario:
    data = base.model_dump()
    data["parts"] = section
    return validate(data)


def _outcomes(log: list[ev.Event]) -> Counter[str]:
    return Counter(e.outcome for e in log if isinstance(e, ev.WorkFinished))


def _depot_trips(world: World) -> int:
    assert world.vans is not None
    places = {(d.x, d.y) for d in world.vans.depots.values()}
    return sum(
        1
        for e in world.log
        if isinstance(e, ev.TravelStarted) and e.visit_id is None and (e.to_x, e.to_y) in places
    )


def test_same_seed_same_log_with_parts(parts: Scenario, tmp_path: Path) -> None:
    a, b = build_world(parts, 3).run(), build_world(parts, 3).run()
    ev.write_log(a, tmp_path / "a.jsonl")
    ev.write_log(b, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_a_section_that_changes_nothing_gives_the_same_log(tiny: Scenario) -> None:
    """No needs and blind planning: byte for byte the day without a [parts] section."""
    quiet = _with_parts(
        tiny, planning="blind", types=[{"name": "valve", "share": 0.0, "van_stock": 1}]
    )
    plain = [ev.to_json(e) for e in build_world(tiny, 5).run()]
    with_section = [ev.to_json(e) for e in build_world(quiet, 5).run()]
    assert with_section == plain


def test_missing_part_means_no_fix_and_depots_bring_it(tiny: Scenario) -> None:
    """Every visit needs a part no van carries: blind, nothing is fixed; aware, technicians
    fetch it from the depot and fix visits."""
    section: dict[str, Any] = {
        "types": [{"name": "board", "share": 1.0, "known_share": 1.0, "van_stock": 0}],
        "depots": [{"id": "central", "x": 5.0, "y": 5.0}],
    }
    blind = build_world(_with_parts(tiny, planning="blind", **section), 2)
    out = _outcomes(blind.run())
    assert out["fixed"] == 0 and out["follow_up"] > 0
    assert _depot_trips(blind) == 0
    aware = build_world(_with_parts(tiny, planning="aware", **section), 2)
    out = _outcomes(aware.run())
    assert out["fixed"] > 0
    assert _depot_trips(aware) > 0


def test_vans_use_up_stock(tiny: Scenario) -> None:
    sc = _with_parts(
        tiny,
        planning="blind",
        types=[{"name": "valve", "share": 1.0, "known_share": 0.0, "van_stock": 2}],
        depots=[{"id": "central", "x": 5.0, "y": 5.0}],
    )
    world = build_world(sc, 1)
    world.run()
    assert world.vans is not None
    work = [e for e in world.log if isinstance(e, ev.WorkFinished)]
    done = Counter(e.technician_id for e in work if e.outcome in ("fixed", "follow_up"))
    fixed = Counter(e.technician_id for e in work if e.outcome == "fixed")
    for tid, stock in world.vans.stock.items():
        # two valves a van: at most two visits fixed; the van is empty after two visits
        assert fixed[tid] <= 2
        assert stock["valve"] == max(0, 2 - done[tid])


def test_needs_are_the_same_under_every_policy(parts: Scenario) -> None:
    aware = build_world(parts, 4)
    blind = build_world(parts.with_overrides(**{"parts.planning": "blind"}), 4)
    assert aware.vans is not None and blind.vans is not None
    assert set(aware.visit_specs) == set(blind.visit_specs)
    needs = [(aware.vans.need(v), blind.vans.need(v)) for v in sorted(aware.visit_specs)]
    assert all(a == b for a, b in needs)
    assert any(a.parts for a, _ in needs)  # the scenario does need parts
    other = build_world(parts, 5)
    assert other.vans is not None
    assert [other.vans.need(v) for v in sorted(other.visit_specs)] != [a for a, _ in needs]


def test_a_follow_up_knows_what_its_first_visit_needed(parts: Scenario) -> None:
    world = build_world(parts, 4)
    assert world.vans is not None
    first = next(v for v in sorted(world.visit_specs) if world.vans.need(v).parts)
    spec = world.visit_specs[first]
    follow = replace(spec, visit_id=f"{first}-2", u_fix=0.5)
    world.visit_specs[follow.visit_id] = follow
    need = world.vans.need(follow.visit_id)
    assert need.parts == world.vans.need(first).parts
    assert need.known == need.parts


def test_aware_plan_routes_every_visit_the_blind_plan_routes(parts: Scenario) -> None:
    aware = build_world(parts, 1)
    blind = build_world(parts.with_overrides(**{"parts.planning": "blind"}), 1)
    routed = {v for r in blind.routes.values() for v in r}
    assert {v for r in aware.routes.values() for v in r} == routed


@pytest.mark.parametrize("kit_daily", ["insertion", "pyvrp"])
def test_a_tool_only_the_depot_holds_is_fetched_as_planned(tiny: Scenario, kit_daily: str) -> None:
    """Every visit needs the press; nobody carries it, the depot holds it: the daily plan
    sends every technician with visits through the depot before the first (blind: none
    fixed)."""
    section: dict[str, Any] = {
        "tools": [{"name": "press", "share": 1.0, "carried_share": 0.0}],
        "depots": [{"id": "central", "x": 5.0, "y": 5.0, "tools": ["press"]}],
        "kit_daily": kit_daily,
        "kit_iterations": 100,
    }
    aware = build_world(_with_parts(tiny, **section), 2)
    assert aware.vans is not None
    for tid, route in aware.routes.items():
        assert not route or aware.vans.planned[tid].get(route[0]) == "central", tid
    assert _outcomes(aware.run())["fixed"] > 0
    blind = build_world(_with_parts(tiny, planning="blind", **section), 2)
    assert _outcomes(blind.run())["fixed"] == 0


def test_the_pyvrp_kit_plan_same_seed_same_log(parts: Scenario) -> None:
    """The daily kit plan improved by PyVRP: an iteration budget, so the same log."""
    sc = parts.with_overrides(**{"parts.kit_daily": "pyvrp", "parts.kit_iterations": 200})
    a, b = build_world(sc, 3), build_world(sc, 3)
    assert a.routes == b.routes
    assert [ev.to_json(e) for e in a.run()] == [ev.to_json(e) for e in b.run()]


def test_a_kit_daily_plan_that_is_not_known_is_refused(tiny: Scenario) -> None:
    with pytest.raises(ConfigError, match=r"parts.kit_daily.*'pyvrp'"):
        _with_parts(tiny, kit_daily="solver")


# ---------------------------------------------------------------------- bad input


def test_a_part_type_nobody_stocks_is_refused(tiny: Scenario) -> None:
    with pytest.raises(ConfigError, match=r"parts.types.0.van_stock.*'board'.*nobody stocks"):
        _with_parts(tiny, types=[{"name": "board", "share": 0.1, "van_stock": 0}])


def test_a_tool_nobody_has_is_refused(tiny: Scenario) -> None:
    with pytest.raises(ConfigError, match=r"parts.tools.0.carried_share.*'press'"):
        _with_parts(tiny, tools=[{"name": "press", "share": 0.1}])


def test_a_tool_share_that_gives_no_carrier_is_refused(tiny: Scenario) -> None:
    sc = _with_parts(tiny, tools=[{"name": "press", "share": 0.1, "carried_share": 0.1}])
    with pytest.raises(ConfigError, match=r"parts.tools.0.carried_share: 0.1 of 4 technicians"):
        build_world(sc, 1)


def test_an_unknown_part_at_a_depot_is_refused(tiny: Scenario) -> None:
    with pytest.raises(ConfigError, match=r"parts.depots.0.parts.0: unknown part type.*'gear'"):
        _with_parts(
            tiny,
            types=[{"name": "valve", "share": 0.1}],
            depots=[{"id": "d", "x": 1.0, "y": 1.0, "parts": ["gear"]}],
        )


def test_duplicate_names_are_refused(tiny: Scenario) -> None:
    with pytest.raises(ConfigError, match=r"parts.types.1: duplicate name"):
        _with_parts(tiny, types=[{"name": "valve", "share": 0.1}, {"name": "valve", "share": 0.2}])


def test_a_depot_out_of_reach_of_every_shift_is_refused(tiny: Scenario) -> None:
    sc = _with_parts(
        tiny,
        types=[{"name": "valve", "share": 0.1}],
        depots=[{"id": "far", "x": 400.0, "y": 400.0}],
    )
    with pytest.raises(ConfigError, match=r"parts.depots.0: depot 'far'.*unreachable within a"):
        build_world(sc, 1)


def test_a_tool_whose_owners_lack_a_needed_skill_is_refused(tiny: Scenario) -> None:
    """The small town's one owner of four lacks skill 'install' (the company is the same
    on every seed); with no depot holding the tool that is refused; everybody owning it
    is not."""
    one = _with_parts(tiny, tools=[{"name": "press", "share": 0.1, "carried_share": 0.25}])
    with pytest.raises(ConfigError, match=r"parts.tools.0: tool 'press'.*has skill 'install'"):
        build_world(one, 1)
    every = _with_parts(tiny, tools=[{"name": "press", "share": 0.1, "carried_share": 1.0}])
    world = build_world(every, 1)
    assert world.vans is not None
    assert all("press" in tools for tools in world.vans.tools.values())


def test_in_a_period_a_visit_without_its_part_gets_a_follow_up(tiny: Scenario) -> None:
    """Every visit needs a part no van carries and nobody fetches (blind): each visit done
    on day 0 is not fixed and is booked again as a follow-up."""
    from twin.app.period import run_period

    sc = _with_parts(
        tiny.with_overrides(**{"period.days": 2}),
        planning="blind",
        types=[{"name": "board", "share": 1.0, "known_share": 1.0, "van_stock": 0}],
        depots=[{"id": "central", "x": 5.0, "y": 5.0}],
    )
    result = run_period(sc, 1, report=False)
    reqs = {r.visit_id: r for r in result.requests}
    done0 = [r for r in reqs.values() if r.state == "done" and r.done_day == 0]
    assert done0 and all(r.outcome == "follow_up" for r in done0 if r.outcome != "unfinished")
    for r in done0:
        root, _, n = r.visit_id.partition("-")
        nxt = reqs.get(f"{root}-{int(n or 1) + 1}")
        assert nxt is not None and nxt.kind == "follow_up", r.visit_id
