"""The Compare scorecard in Chromium: targets from the scenario, red/amber/green as the
intervals say, a bar typed in recolours its row, saved targets come back on reload."""

from __future__ import annotations

import json
import math

import pytest

from tests.ui.conftest import ROOT, Cockpit, shot
from twin.analysis.stats import mean_ci
from twin.app.arms import Arm
from twin.app.compare import run_comparison
from twin.config import load_scenario


def _rag(page, target: str, arm: int):  # type: ignore[no-untyped-def]
    cid = json.dumps({"arm": arm, "target": target, "type": "compare-rag"}, separators=(",", ":"))
    return page.locator(f"[id='{cid}']")


def _bar(page, target: str):  # type: ignore[no-untyped-def]
    cid = json.dumps({"name": target, "type": "compare-target"}, separators=(",", ":"))
    return page.locator(f"[id='{cid}']")


def _status(page, target: str, arm: int) -> str:  # type: ignore[no-untyped-def]
    cls = _rag(page, target, arm).get_attribute("class") or ""
    return next(c.removeprefix("rag-") for c in cls.split() if c.startswith("rag-"))


@pytest.fixture(scope="module")
def judged(cockpit: Cockpit) -> str:
    """Baseline vs 10 technicians on 3 seeds of the small scenario, with its own on-time bar."""
    base = load_scenario(ROOT / "data/scenarios/small.toml").with_overrides(
        **{"targets.on_time_pct": 50.0, "targets.missed_pct": None}
    )
    arms = [Arm("A: base"), Arm("B: technicians 10", {"workforce.technicians": 10})]
    return run_comparison(base, arms, [1, 2, 3], cockpit.store, workers=1).comparison_id


def _satisfaction(cockpit: Cockpit, cid: str, arm: str) -> tuple[float, float, float]:
    runs = cockpit.store.kpis_by_arm(cid)[arm]
    est = mean_ci([runs[s].customer_satisfaction for s in sorted(runs)])
    return est.mean, est.low, est.high


def test_the_scorecard_judges_arms_by_the_targets_and_keeps_edits(
    page, cockpit: Cockpit, judged: str
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{cockpit.url}/?comparison={judged}")
    page.wait_for_selector("#compare-scorecard")
    # the scenario's own bars; one it switched off is empty and judges nothing
    assert _bar(page, "on_time_pct").input_value() == "50"
    assert _bar(page, "missed_pct").input_value() == ""
    assert {_status(page, "missed_pct", a) for a in (0, 1)} == {"none"}
    # satisfaction against a bar below, inside and above arm A's interval
    mean, low, high = _satisfaction(cockpit, judged, "A: base")
    assert low < mean < high  # three different days: an interval of some width
    field = _bar(page, "customer_satisfaction")
    for bound, want in ((math.floor(low) - 1, "green"), (mean, "amber"), (high + 1, "red")):
        field.fill(f"{bound:.3f}")
        field.press("Enter")
        page.wait_for_function(
            "([el, cls]) => el.className.includes(cls)",
            arg=[_rag(page, "customer_satisfaction", 0).element_handle(), f"rag-{want}"],
        )
    # a cost per visit of at most 1 EUR: missed by every arm, on every seed
    _bar(page, "cost_per_visit_eur").fill("1")
    _bar(page, "cost_per_visit_eur").press("Enter")
    page.wait_for_function(
        "el => el.className.includes('rag-red')",
        arg=_rag(page, "cost_per_visit_eur", 1).element_handle(),
    )
    assert _status(page, "cost_per_visit_eur", 0) == "red"
    # a bad bar is named with what was typed, and nothing is recoloured
    _bar(page, "on_time_pct").fill("lots")
    _bar(page, "on_time_pct").press("Enter")
    page.wait_for_selector("#compare-targets-error:has-text('targets.on_time_pct')")
    assert "'lots'" in page.locator("#compare-targets-error").inner_text()
    _bar(page, "on_time_pct").fill("0")
    _bar(page, "on_time_pct").press("Enter")
    page.wait_for_function("() => !document.querySelector('#compare-targets-error').textContent")
    assert {_status(page, "on_time_pct", a) for a in (0, 1)} == {"green"}
    shot(page, "compare-scorecard")

    page.locator("#compare-targets-save").click()
    page.wait_for_selector("#compare-targets-saved:has-text('saved')")
    stored = cockpit.store.comparison(judged).targets
    assert stored is not None and stored["cost_per_visit_eur"] == 1.0
    assert stored["on_time_pct"] == 0.0 and stored["missed_pct"] is None
    page.reload()
    page.wait_for_selector("#compare-scorecard")
    assert _bar(page, "cost_per_visit_eur").input_value() == "1"
    assert _bar(page, "customer_satisfaction").input_value() == f"{high + 1:.3f}".rstrip("0")
    assert _status(page, "cost_per_visit_eur", 0) == "red"
    assert _status(page, "customer_satisfaction", 0) == "red"
