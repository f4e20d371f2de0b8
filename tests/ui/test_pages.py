"""The cockpit's pages in Chromium: set up and run a comparison, read a day, sweep, delete."""

from __future__ import annotations

import json
import re

import pytest

from tests.ui.conftest import ROOT, Cockpit, shot
from twin.analysis.stats import summarise
from twin.app.arms import Arm
from twin.app.compare import run_comparison
from twin.app.run import run_scenario
from twin.config import load_scenario
from twin.ui.verdict import difference_text, estimate_text
from twin.ui.widgets import HEADLINE

RESULT_TIMEOUT_MS = 90_000


def _knob(page, arm: int, knob: str):  # type: ignore[no-untyped-def]
    cid = json.dumps({"arm": arm, "knob": knob, "type": "compare-knob"}, separators=(",", ":"))
    return page.locator(f"[id='{cid}']")


def _knob_error(page, arm: int, knob: str):  # type: ignore[no-untyped-def]
    cid = json.dumps(
        {"arm": arm, "knob": knob, "type": "compare-knob-error"}, separators=(",", ":")
    )
    return page.locator(f"[id='{cid}']")


@pytest.fixture(scope="module")
def stored(cockpit: Cockpit) -> str:
    """A small stored comparison (baseline, 8 vs 10 technicians, 2 seeds); its id."""
    base = load_scenario(ROOT / "data/scenarios/small.toml")
    arms = [Arm("A: base"), Arm("B: technicians 10", {"workforce.technicians": 10})]
    return run_comparison(base, arms, [1, 2], cockpit.store, workers=1).comparison_id


def test_compare_runs_and_shows_the_stores_numbers(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/")
    page.fill("#compare-seeds", "2")
    techs = _knob(page, 1, "technicians")
    techs.fill("abc")
    error = _knob_error(page, 1, "technicians")
    # the page's first callback: on a machine loaded by other work it has taken over 30 s
    page.wait_for_function(
        "el => el.textContent.includes('expected a whole number')",
        arg=error.element_handle(),
        timeout=90_000,
    )
    # the button is disabled by its own callback: wait for it (a loaded machine lags)
    page.wait_for_selector("#compare-start:disabled", timeout=10_000)
    assert page.locator("#compare-start").is_disabled()
    shot(page, "compare-invalid-knob")
    techs.fill("10")
    page.wait_for_function("el => el.textContent === ''", arg=error.element_handle())
    page.locator("#compare-start").click()
    page.wait_for_selector("#compare-result-view", timeout=RESULT_TIMEOUT_MS)
    cid = page.locator("#compare-result-view").get_attribute("data-comparison")
    assert cid
    assert "Done: 4 simulated days" in page.locator("#compare-progress-text").inner_text()
    rows = {r.spec.name: r for r in summarise(cockpit.store.kpis_by_arm(cid))}
    assert cockpit.store.comparison(cid).arm_labels == ("A: base", "B: technicians 10")
    headline = page.locator(".results").first
    for name in HEADLINE:
        row = rows[name]
        for arm in (0, 1):
            cell = headline.locator(f"td[data-kpi='{name}'][data-arm='{arm}'][data-col='mean']")
            assert cell.inner_text() == estimate_text(row.spec, row.estimates[arm])
        diff = row.differences[1]
        assert diff is not None
        text = headline.locator(f"td[data-kpi='{name}'][data-arm='1'][data-col='diff']")
        mark = "" if diff.significant else " n.s."
        assert text.inner_text().replace("\n", "") == difference_text(row.spec, diff) + mark
    page.wait_for_timeout(300)
    shot(page, "compare-result")


def test_day_page_shows_plan_actual_map_and_decisions(page, cockpit: Cockpit, stored: str) -> None:  # type: ignore[no-untyped-def]
    run = cockpit.store.runs(stored)[0]
    page.goto(f"{cockpit.url}/day?run={run.id}")
    page.wait_for_selector("#day-gantt .main-svg")
    page.wait_for_selector("#day-map .main-svg")
    cost = page.locator(".card[data-kpi='cost_total_eur'] .value").inner_text()
    assert cost == f"{run.kpis.cost_total_eur:,.0f} EUR"
    assert "planned (purple) vs actual" in (page.locator("#day-gantt .gtitle").text_content() or "")
    assert "at 11:00" in (page.locator("#day-map .gtitle").text_content() or "")
    handle = page.locator("#day-minute [role='slider']").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('#day-map .gtitle').textContent.includes('11:05')"
    )
    page.wait_for_selector("#day-timeline .main-svg")
    shot(page, "day")


def test_model_page_says_when_there_are_no_brain_decisions(
    page, cockpit: Cockpit, stored: str
) -> None:  # type: ignore[no-untyped-def]
    run = cockpit.store.runs(stored)[0]
    page.goto(f"{cockpit.url}/model?run={run.id}")
    page.wait_for_selector("#model-durations .main-svg")
    assert "No brain decisions in this run" in page.locator("#model-no-brain").inner_text()
    assert "names no duration model" in page.locator("#model-no-model").inner_text()
    title = page.locator("#model-durations .gtitle").text_content() or ""
    assert "Booked durations vs actual" in title
    shot(page, "model")


def test_model_page_plots_the_duration_models_predictions(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    from twin.ui.metrics import predicted_durations

    scenario = load_scenario(ROOT / "data/scenarios/small.toml").with_overrides(
        **{"policy.duration_history": "data/history/default.csv.gz"}
    )
    result = run_scenario(scenario, 5, None, report=False)
    run_id = cockpit.store.add_run(
        scenario=scenario,
        seed=5,
        kpis=result.kpis,
        wall_s=result.wall_s,
        log_lines=result.encoded_log(),
    )
    preds = predicted_durations(result.events, cockpit.store.scenario(run_id))
    assert preds and len({p.p50 for p in preds}) > 4  # not the four booked stripes
    page.goto(f"{cockpit.url}/model?run={run_id}")
    page.wait_for_selector("#model-durations .main-svg")
    title = page.locator("#model-durations .gtitle").text_content() or ""
    assert title.startswith("Duration model (p50) vs actual work")
    assert f"{len(preds)} visits" in title
    points = page.locator("#model-durations .scatterlayer path.point").count()
    assert points == len(preds)
    for job in {p.job_type for p in preds}:
        ps = [p for p in preds if p.job_type == job]
        mae = sum(abs(p.error_min) for p in ps) / len(ps)
        row = page.locator(f"#model-by-job-type tr[data-group='{job}']").inner_text()
        assert row.split("\t")[1:3] == [str(len(ps)), f"{mae:.1f} min"]
    assert page.locator("#model-by-experience tbody tr").count() >= 2
    shot(page, "model-durations")


def test_model_page_shows_the_brains_quality(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    from twin import events as ev
    from twin.analysis.quality import measure
    from twin.app.run import run_scenario

    scenario = load_scenario(ROOT / "data/scenarios/small.toml").with_overrides(
        **{"policy.brain": True}
    )
    result = run_scenario(scenario, 4, None)
    run_id = cockpit.store.add_run(
        scenario=scenario,
        seed=4,
        kpis=result.kpis,
        wall_s=result.wall_s,
        log_lines=[ev.to_json(e) for e in result.events],
    )
    page.goto(f"{cockpit.url}/model?run={run_id}")
    page.wait_for_selector("#model-eta .main-svg")
    table = page.locator("#model-alerts").inner_text()
    q = measure(result.events)
    assert f"Visits alerted\t{q.alerts}" in table
    assert f"Visits not on time (late or missed)\t{q.late_visits}" in table
    assert f"{q.eta_mae_min[15]:.1f} min" in table
    shot(page, "model-brain")


def test_tradeoff_sweeps_and_a_click_opens_the_day(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/tradeoff")
    page.fill("#tradeoff-values1", "6, 8, 10")
    page.fill("#tradeoff-seeds", "2")
    page.locator("#tradeoff-start").click()
    page.wait_for_function(
        "() => (document.querySelector('#tradeoff-progress-text') || {}).textContent"
        " && document.querySelector('#tradeoff-progress-text').textContent.includes('Done')",
        timeout=RESULT_TIMEOUT_MS,
    )
    points = page.locator("#tradeoff-graph .scatterlayer .trace").last.locator("path.point")
    page.wait_for_function(
        "() => document.querySelectorAll('#tradeoff-graph .scatterlayer .trace path.point')"
        ".length >= 3"
    )
    assert "Pareto front" in (page.locator("#tradeoff-graph .legend").text_content() or "")
    cid = page.evaluate("() => window.location.search").removeprefix("?comparison=")
    assert cockpit.store.comparison(cid).status == "done"  # the address names the sweep
    shot(page, "tradeoff")
    points.first.click(force=True)
    page.wait_for_url(re.compile(r"/day\?run="))
    run_id = page.url.split("run=")[1]
    assert cockpit.store.run(run_id).arm in {
        "technicians 6",
        "technicians 8",
        "technicians 10",
    }
    page.wait_for_selector("#day-gantt .main-svg")


def test_runs_page_asks_before_deleting(page, cockpit: Cockpit, stored: str) -> None:  # type: ignore[no-untyped-def]
    before = len(cockpit.store.runs())
    page.goto(cockpit.url + "/runs")
    page.wait_for_selector("#runs-runs tbody tr")
    rows = page.locator("#runs-runs tbody tr")
    assert rows.count() == before
    # a comparison's delete names each of its runs, and Cancel keeps them
    comp = page.locator(f"#runs-comparisons tr[data-comparison='{stored}'] button")
    comp.click()
    page.wait_for_selector("#runs-confirm", state="visible")
    text = page.locator("#runs-confirm").inner_text()
    assert "and its 4 runs?" in text
    assert all(r.id in text for r in cockpit.store.runs(stored))
    shot(page, "runs-confirm")
    page.locator("#runs-confirm-no").click()
    page.wait_for_selector("#runs-confirm", state="hidden")
    assert len(cockpit.store.runs(stored)) == 4
    # a run's delete happens on Yes only
    victim = rows.first.get_attribute("data-run")
    rows.first.locator("button").click()
    page.wait_for_selector("#runs-confirm", state="visible")
    assert f"Delete run {victim}" in page.locator("#runs-confirm-text").inner_text()
    assert victim in {r.id for r in cockpit.store.runs()}
    page.locator("#runs-confirm-yes").click()
    page.wait_for_function(
        f"() => document.querySelectorAll('#runs-runs tbody tr').length === {before - 1}"
    )
    assert victim not in {r.id for r in cockpit.store.runs()}


def test_runs_page_filters_sorts_and_exports(page, cockpit: Cockpit, stored: str) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io
    from pathlib import Path

    page.goto(cockpit.url + "/runs")
    page.wait_for_selector("#runs-runs tbody tr")
    page.fill("#runs-filter", stored)  # a comparison's id: its runs
    page.keyboard.press("Enter")
    want = cockpit.store.runs(stored)
    assert len(want) >= 2 and len(cockpit.store.runs()) > len(want)
    page.wait_for_function(
        f"() => document.querySelectorAll('#runs-runs tbody tr').length === {len(want)}"
    )
    page.locator("#runs-sort").click()
    page.get_by_role("option", name="cheapest first").click()
    cheapest = sorted(want, key=lambda r: r.kpis.cost_total_eur)
    page.wait_for_function(
        "id => document.querySelector('#runs-runs tbody tr').dataset.run === id",
        arg=cheapest[0].id,
    )
    with page.expect_download() as info:
        page.locator("#runs-export").click()
    path = info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert [r["run_id"] for r in rows] == [r.id for r in cheapest]
    assert float(rows[0]["cost_total_eur"]) == cheapest[0].kpis.cost_total_eur
    shot(page, "runs-filtered")
