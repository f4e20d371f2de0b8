"""The Trade-off page in Chromium at 1440x900: points stream in as days finish, Cancel stops
the Dask futures, the address names the sweep, labels do not overlap, axes fit, the same
knob twice and a bad seed count are refused with their reasons."""

from __future__ import annotations

import time

import pytest

from tests.ui.conftest import ROOT, Cockpit, shot
from twin.app.arms import sweep_arms
from twin.app.compare import run_comparison
from twin.config import load_scenario

POINTS = "#tradeoff-graph .scatterlayer .trace:last-child path.point"


def _scheduler_tasks(cockpit: Cockpit) -> int:
    client = cockpit.jobs.cluster.client()  # type: ignore[attr-defined]
    return int(client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)))


def test_a_sweep_streams_its_points_and_cancel_stops_it(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/tradeoff")
    page.fill("#tradeoff-values1", "6, 7, 8, 9, 10")
    page.locator("#tradeoff-knob2").click()
    page.get_by_role("option", name="Same-day acceptance").click()
    page.fill("#tradeoff-values2", "on, off")
    page.fill("#tradeoff-seeds", "3")
    assert page.locator("#tradeoff-cancel").is_disabled()
    page.locator("#tradeoff-start").click()
    page.wait_for_function("() => window.location.search.startsWith('?comparison=')")
    cid = page.evaluate("() => window.location.search").split("=")[1]
    # two points on the chart while the sweep still runs: they arrive as days finish
    page.wait_for_function(f"() => document.querySelectorAll('{POINTS}').length >= 2")
    assert "Simulating" in page.locator("#tradeoff-progress-text").inner_text()
    assert "days so far" in (page.locator("#tradeoff-graph .gtitle").text_content() or "")
    shot(page, "tradeoff-streaming")
    page.wait_for_selector("#tradeoff-cancel:not([disabled])")
    page.locator("#tradeoff-cancel").click()
    page.wait_for_function(
        "() => document.querySelector('#tradeoff-progress-text').textContent"
        ".includes('Cancelled after')"
    )
    record = cockpit.store.comparison(cid)
    assert record.status == "cancelled", record
    kept = len(cockpit.store.runs(cid))
    assert 2 <= kept < 30
    assert record.message == f"cancelled after {kept} of 30 runs"
    deadline = time.monotonic() + 20
    while _scheduler_tasks(cockpit) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _scheduler_tasks(cockpit) == 0  # the pending futures are gone from the cluster
    time.sleep(1.5)
    assert len(cockpit.store.runs(cid)) == kept
    page.wait_for_selector("#tradeoff-start:not([disabled])")
    assert page.locator("#tradeoff-cancel").is_disabled()
    assert page.evaluate("() => window.location.search") == f"?comparison={cid}"
    assert page.locator(f"#tradeoff-earlier a[href='/tradeoff?comparison={cid}']").count() == 1
    shot(page, "tradeoff-cancelled")


def test_the_same_knob_twice_and_bad_counts_are_refused(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/tradeoff")
    before = len(cockpit.store.comparisons())
    page.locator("#tradeoff-knob2").click()
    page.get_by_role("option", name="Technicians", exact=True).click()
    page.fill("#tradeoff-values2", "9")
    page.locator("#tradeoff-start").click()
    error = page.locator("#tradeoff-error")
    page.wait_for_function(
        "el => el.textContent.includes('already knob 1')", arg=error.element_handle()
    )
    assert "choose another knob, or leave knob 2 empty" in error.inner_text()
    page.goto(cockpit.url + "/tradeoff")  # knob 2 empty again
    error = page.locator("#tradeoff-error")
    for seeds, says in [("abc", "got 'abc'"), ("0", "got '0'"), ("", "got an empty field")]:
        page.fill("#tradeoff-seeds", seeds)
        page.locator("#tradeoff-start").click()
        page.wait_for_function(
            "([el, s]) => el.textContent.includes(s)", arg=[error.element_handle(), says]
        )
        assert "seeds: choose a whole number from 1 to 20" in error.inner_text()
    page.fill("#tradeoff-seeds", "2")
    page.fill("#tradeoff-values1", "6,,8")
    page.locator("#tradeoff-start").click()
    page.wait_for_function("el => el.textContent.includes('missing')", arg=error.element_handle())
    assert len(cockpit.store.comparisons()) == before
    shot(page, "tradeoff-refused")


@pytest.fixture(scope="module")
def finished(cockpit: Cockpit) -> str:
    """A stored 6-arm sweep of the small scenario on 3 seeds, arms close together."""
    base = load_scenario(ROOT / "data/scenarios/small.toml")
    arms = sweep_arms(
        {"workforce.technicians": [7, 8, 9], "policy.same_day_acceptance": [True, False]}
    )
    return run_comparison(base, arms, [1, 2, 3], cockpit.store, kind="sweep").comparison_id


def test_a_stored_sweep_reads_as_paired_differences(page, cockpit: Cockpit, finished: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{cockpit.url}/tradeoff?comparison={finished}")
    page.wait_for_function(f"() => document.querySelectorAll('{POINTS}').length === 6")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll(
            '#tradeoff-graph .scatterlayer .trace:last-child .textpoint text')]
            .map(t => { const b = t.getBoundingClientRect();
                        return [b.left, b.top, b.right, b.bottom]; })"""
    )
    assert len(boxes) == 6
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, f"labels overlap: {a} {b}"
    fig = page.evaluate(
        "() => { const g = document.querySelector('#tradeoff-graph .js-plotly-plot');"
        " return {x: g._fullLayout.xaxis.range, y: g._fullLayout.yaxis.range,"
        " data: g.data[g.data.length - 1], title: g._fullLayout.title.text}; }"
    )
    assert fig["title"].startswith("Paired differences to technicians 7, same day acceptance on:")
    d = fig["data"]
    for k, (lo, hi) in (("x", fig["x"]), ("y", fig["y"])):
        err = d[f"error_{k}"]
        for v, up, down in zip(d[k], err["array"], err["arrayminus"], strict=True):
            assert lo < v - down and v + up < hi
    assert d["x"][0] == 0 and d["y"][0] == 0  # the reference
    page.reload()
    page.wait_for_function(f"() => document.querySelectorAll('{POINTS}').length === 6")
    shot(page, "tradeoff-paired")
