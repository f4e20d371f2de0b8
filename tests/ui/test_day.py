"""The Day page watched in Chromium at 50 technicians: states as of the clock, the now-line,
play and pause, the feed, a sick technician's row, a slider step's time, an unknown run."""

from __future__ import annotations

import statistics
import time
from collections import Counter

import pytest

from tests.ui.conftest import ROOT, Cockpit, shot
from twin import events as ev
from twin.app.run import run_scenario
from twin.clock import DayClock, hhmm
from twin.config import load_scenario
from twin.ui.playback import STATE_COLOURS, Playback, playback

STEP_BUDGET_S = 1.0


@pytest.fixture(scope="module")
def day(cockpit: Cockpit) -> tuple[str, Playback, list[ev.Event]]:
    """The default company (50 technicians, the brain), with more breakdowns than usual."""
    scenario = load_scenario(ROOT / "data/scenarios/default.toml").with_overrides(
        **{"workforce.midday_unavailable_share": 0.1}
    )
    result = run_scenario(scenario, 1, None, report=False)
    run_id = cockpit.store.add_run(
        scenario=scenario, seed=1, kpis=result.kpis, wall_s=result.wall_s,
        log_lines=result.encoded_log(),
    )  # fmt: skip
    return run_id, playback(result.events, scenario), list(result.events)


def _legend(page) -> Counter[str]:  # type: ignore[no-untyped-def]
    """``{state: count}`` from the map's legend entries ``state (count)``."""
    out: Counter[str] = Counter()
    for text in page.locator("#day-map .legendtext").all_text_contents():
        name, _, count = text.rpartition(" (")
        if name in STATE_COLOURS:
            out[name] = int(count.rstrip(")"))
    return out


def test_states_follow_the_clock(day: tuple[str, Playback, list[ev.Event]]) -> None:
    _, p, events = day
    morning, afternoon = Counter(p.states(8 * 60)), Counter(p.states(15 * 60))
    # by 08:00, when the first windows open, only work begun early (customers agreeing)
    scenario = load_scenario(ROOT / "data/scenarios/default.toml")
    clock = DayClock(scenario.date, scenario.time_zone)
    windows = {e.visit_id: e.window_start for e in events if isinstance(e, ev.VisitBooked)}
    began = {e.visit_id: e.time for e in events if isinstance(e, ev.WorkStarted)}
    done_by_8 = {
        e.visit_id
        for e in events
        if isinstance(e, ev.WorkFinished) and clock.minutes(e.time) <= 8 * 60
    }
    assert all(began[v] < windows[v] for v in done_by_8)
    assert morning["done on time"] + morning["done late"] == len(done_by_8 & set(p.visit_ids))
    assert afternoon["done on time"] > 0 and afternoon["planned"] < morning["planned"]
    finished = {e.visit_id for e in events if isinstance(e, ev.WorkFinished)}
    end = Counter(p.states(24 * 60))
    assert end["done on time"] + end["done late"] == len(finished & set(p.visit_ids))


def test_the_day_plays_with_states_a_now_line_and_a_feed(page, cockpit: Cockpit, day) -> None:  # type: ignore[no-untyped-def]
    run_id, p, events = day
    for at, minute in (("08:00", 480), ("15:00", 900)):
        page.goto(f"{cockpit.url}/day?run={run_id}&at={at}")
        page.wait_for_function(
            f"() => (document.querySelector('#day-map .gtitle') || {{}}).textContent"
            f"?.includes('at {at}')"
        )
        want = Counter(str(s) for s in p.states(minute) if s)
        assert _legend(page) == want  # states without visits have no legend entry
        first = p.feed_until(minute)[0]
        assert (
            page.locator("#day-feed li").first.inner_text()
            == f"{hhmm(first.minute)} {first.kind}: {first.text}"
        )
        shot(page, f"day-{at.replace(':', '')}")
    # the sick or broken-down keep their row, greyed
    sick = {e.technician_id for e in events if isinstance(e, ev.TechnicianUnavailable)}
    assert sick
    page.wait_for_selector("#day-gantt .legendtext")  # the map no longer waits for it
    legend = page.locator("#day-gantt .legendtext").all_text_contents()
    assert "unavailable (sick or broken down)" in legend and "planned visit" in legend
    ticks = set(page.locator("#day-gantt .ytick text").all_text_contents())
    assert sick <= ticks
    # play moves the clock and the now-lines; pause stops it
    lines = [page.locator(f"#{g}-now") for g in ("day-gantt", "day-timeline")]
    assert all(line.is_visible() for line in lines)
    before = [line.evaluate("el => el.style.left") for line in lines]
    page.locator("#day-play").click()
    page.wait_for_function(
        "() => !document.querySelector('#day-map .gtitle').textContent.includes('at 15:00')"
    )
    page.locator("#day-play").click()
    page.wait_for_function("() => document.querySelector('#day-play').textContent === '▶ Play'")
    page.wait_for_timeout(500)
    after = [line.evaluate("el => el.style.left") for line in lines]
    assert all(float(a[:-2]) > float(b[:-2]) for a, b in zip(after, before, strict=True))


def test_a_slider_step_at_50_technicians_is_quick(page, cockpit: Cockpit, day) -> None:  # type: ignore[no-untyped-def]
    run_id, _, _ = day
    page.goto(f"{cockpit.url}/day?run={run_id}&at=10:00")
    page.wait_for_selector("#day-gantt .main-svg")
    page.wait_for_function(
        "() => (document.querySelector('#day-map .gtitle') || {}).textContent?.includes('10:00')"
    )
    handle = page.locator("#day-minute [role='slider']").first
    handle.focus()
    times = []
    for k in range(1, 7):
        started = time.perf_counter()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "m => document.querySelector('#day-map .gtitle').textContent.includes(m)",
            arg=f"10:{5 * k:02d}",
        )
        times.append(time.perf_counter() - started)
    print(f"slider steps at 50 technicians: {[round(t, 3) for t in times]} s")
    assert statistics.median(times) < STEP_BUDGET_S


def test_an_unknown_run_is_named(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{cockpit.url}/day?run=unknown")
    assert "No run with id 'unknown'" in page.locator("#day-missing").inner_text()
    page.goto(f"{cockpit.url}/day?at=25:00")
    assert "got '25:00'" in page.locator("#day-missing").inner_text()
