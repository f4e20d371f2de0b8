"""The Compare page's Days knob in Chromium: every arm run as a period of N working days."""

from __future__ import annotations

import json

from tests.ui.conftest import Cockpit, shot
from twin.app.period import run_period

RESULT_TIMEOUT_MS = 180_000


def _knob(page, arm: int, knob: str):  # type: ignore[no-untyped-def]
    cid = json.dumps({"arm": arm, "knob": knob, "type": "compare-knob"}, separators=(",", ":"))
    return page.locator(f"[id='{cid}']")


def test_days_run_each_arm_as_a_period_and_come_back(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/")
    # the base is the small scenario by default
    assert page.locator("#compare-days").input_value() == "1"
    page.fill("#compare-seeds", "1")  # one seed: the test is about days, and stays quick
    page.fill("#compare-days", "0")
    _knob(page, 1, "technicians").fill("6")
    page.wait_for_function("() => !document.querySelector('#compare-start').disabled")
    page.locator("#compare-start").click()
    page.wait_for_selector("#compare-start-error:has-text('days')")
    assert page.locator("#compare-start-error").inner_text() == (
        "days: choose a whole number from 1 to 20, got '0'"
    )

    page.fill("#compare-days", "2")
    page.locator("#compare-start").click()
    page.wait_for_function("() => window.location.search.startsWith('?comparison=')")
    cid = page.evaluate("() => window.location.search").split("=")[1]
    page.wait_for_selector(
        f"#compare-result-view[data-comparison='{cid}']", timeout=RESULT_TIMEOUT_MS
    )
    assert page.locator("#compare-progress-text").inner_text().strip() == (
        "Done: 2 of 2 runs of 2 working days (4 of 4 simulated days)."
    )
    assert (
        "each run 2 working days, KPIs pooled" in page.locator("#compare-result-view").inner_text()
    )
    runs = cockpit.store.runs(cid)
    assert len(runs) == 2
    assert {cockpit.store.scenario(r.id).period.days for r in runs} == {2}
    # a run holds its period's pooled KPIs, as `twin compare --days 2` computes them
    first = runs[0]
    week = run_period(cockpit.store.scenario(first.id), first.seed, None, report=False)
    pooled, stored = week.pooled.to_dict(), first.kpis.to_dict()
    assert {k for k, v in pooled.items() if v == v and v != stored[k]} == set()  # NaN: no value
    shot(page, "compare-days")

    page.goto(f"{cockpit.url}/?comparison={cid}")
    page.wait_for_selector("#compare-scorecard")
    assert page.locator("#compare-days").input_value() == "2"
    assert page.locator("#compare-seeds").input_value() == "1"
    assert _knob(page, 1, "technicians").input_value() == "6"
