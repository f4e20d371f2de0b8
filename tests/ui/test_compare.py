"""The Compare page in Chromium at 1440x900: the verdict above the fold, a job that survives
navigation, a stored comparison reopened with its arms, edits kept, idle knobs greyed."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.ui.conftest import ROOT, Cockpit, shot
from twin.analysis.stats import summarise, verdict
from twin.app.arms import Arm
from twin.app.compare import run_comparison
from twin.config import load_scenario
from twin.ui.verdict import COLOURS, arm_verdicts
from twin.ui.widgets import HEADLINE

FOLD = 900
RESULT_TIMEOUT_MS = 120_000


def _cell(page, kind: str, arm: int, knob: str):  # type: ignore[no-untyped-def]
    cid = json.dumps({"arm": arm, "knob": knob, "type": kind}, separators=(",", ":"))
    return page.locator(f"[id='{cid}']")


def _bottom(locator) -> float:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    assert box is not None
    return float(box["y"] + box["height"])


@pytest.fixture(scope="module")
def stored(cockpit: Cockpit) -> str:
    """Baseline vs 10 technicians on 2 seeds of the small scenario (too few for a verdict)."""
    base = load_scenario(ROOT / "data/scenarios/small.toml")
    arms = [Arm("A: base"), Arm("B: technicians 10", {"workforce.technicians": 10})]
    return run_comparison(base, arms, [1, 2], cockpit.store, workers=1).comparison_id


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_a_stored_comparison_gives_a_verdict_above_the_fold(
    page, cockpit: Cockpit, stored: str
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{cockpit.url}/?comparison={stored}")
    page.wait_for_selector("#compare-chart .main-svg")
    rows = summarise(cockpit.store.kpis_by_arm(stored))
    headline = [r for name in HEADLINE for r in rows if r.spec.name == name]
    [expected] = arm_verdicts(headline)
    assert page.locator("#compare-verdict").inner_text() == expected.sentence()
    assert expected.sentence().endswith("(95 %, 2 seeds)")
    assert "Only 2 seeds" in page.locator("#compare-seed-warning").inner_text()
    points = page.locator("#compare-chart .scatterlayer path.point")
    assert points.count() == len(HEADLINE)
    fills = Counter(
        (points.nth(i).get_attribute("style") or "").split("fill: ")[1].split(";")[0]
        for i in range(points.count())
    )
    want = Counter(_rgb(COLOURS[verdict(r.spec, r.differences[1])]) for r in headline)  # type: ignore[arg-type]
    assert fills == want
    assert _bottom(page.locator("#compare-chart")) <= FOLD
    assert _bottom(page.locator("#compare-start")) <= FOLD
    # the stored arms are back in the form: B has 10 technicians, and 2 seeds
    assert _cell(page, "compare-knob", 1, "technicians").input_value() == "10"
    assert _cell(page, "compare-knob", 0, "technicians").input_value() == "8"
    assert page.locator("#compare-seeds").input_value() == "2"
    shot(page, "compare-verdict")


def test_a_job_survives_navigation_and_runs_once(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/")
    page.fill("#compare-seeds", "8")
    _cell(page, "compare-knob", 1, "technicians").fill("9")
    page.wait_for_function("() => !document.querySelector('#compare-start').disabled")
    before = len(cockpit.store.comparisons())
    page.locator("#compare-start").click()
    page.wait_for_function("() => window.location.search.startsWith('?comparison=')")
    cid = page.evaluate("() => window.location.search").split("=")[1]
    text = page.locator("#compare-progress-text")
    page.wait_for_function(
        "() => document.querySelector('#compare-start').disabled"
        " || (document.querySelector('#compare-progress-text') || {}).textContent"
        "?.includes('Done')"
    )
    if "Done" not in text.inner_text():  # still running: a second click starts nothing
        page.locator("#compare-start").click(force=True)
    page.locator("a.nav-link", has_text="Runs").click()
    page.wait_for_selector("#runs-runs")
    page.go_back()
    page.wait_for_selector("#compare-progress-text")
    shot(page, "compare-job-back-running")

    page.wait_for_selector(
        f"#compare-result-view[data-comparison='{cid}']", timeout=RESULT_TIMEOUT_MS
    )
    assert "Done: 16 simulated days" in text.inner_text()
    # Run comes back with the job's end (its own callback: wait for it on a loaded machine)
    page.wait_for_function("() => !document.querySelector('#compare-start').disabled")
    assert not page.locator("#compare-start").is_disabled()
    assert len(cockpit.store.comparisons()) == before + 1
    assert page.locator(f"#compare-earlier a[href='/?comparison={cid}']").count() == 1
    assert page.locator("#compare-verdict").inner_text().startswith("B is better on")
    shot(page, "compare-job-back")


def test_the_earlier_list_updates_when_the_job_ends(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/")
    page.fill("#compare-seeds", "4")
    _cell(page, "compare-knob", 1, "technicians").fill("7")
    page.wait_for_function("() => !document.querySelector('#compare-start').disabled")
    page.locator("#compare-start").click()
    page.wait_for_function("() => window.location.search.startsWith('?comparison=')")
    cid = page.evaluate("() => window.location.search").split("=")[1]
    page.wait_for_selector(
        f"#compare-earlier a[href='/?comparison={cid}']", timeout=RESULT_TIMEOUT_MS
    )
    assert page.locator(f"#compare-result-view[data-comparison='{cid}']").count() == 1


def test_more_arms_keep_edits_and_idle_knobs_are_greyed(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/")
    techs = _cell(page, "compare-knob", 1, "technicians")
    techs.fill("9")
    _cell(page, "compare-knob", 1, "window_widths_h").fill("3, 5")
    # the small scenario's planner is insertion and its brain is off
    weight = _cell(page, "compare-knob-cell", 0, "weight_travel")
    page.wait_for_function("el => el.className.includes('idle')", arg=weight.element_handle())
    assert "insertion planner" in (weight.get_attribute("title") or "")
    assert _cell(page, "compare-knob", 0, "weight_travel").is_disabled()
    replan = _cell(page, "compare-knob-cell", 1, "replanning")
    assert "without the brain" in (replan.get_attribute("title") or "")
    assert not _cell(page, "compare-knob", 0, "technicians").is_disabled()
    page.locator("#compare-n-arms input[value='3']").check()
    _cell(page, "compare-knob", 2, "technicians").wait_for()
    assert techs.input_value() == "9"
    assert _cell(page, "compare-knob", 1, "window_widths_h").input_value() == "3, 5"
    # arm B gets PowerOpt: its weights act, arm A's stay greyed
    _cell(page, "compare-knob", 1, "planner").click()
    page.get_by_role("option", name="poweropt").click()
    b_weight = _cell(page, "compare-knob-cell", 1, "weight_travel")
    page.wait_for_function("el => !el.className.includes('idle')", arg=b_weight.element_handle())
    assert "idle" in (weight.get_attribute("class") or "")
    shot(page, "compare-grid")
