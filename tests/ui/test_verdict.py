"""The verdict's words and numbers, and the knob grid's memory, without a browser."""

from __future__ import annotations

import math

from tests.ui.conftest import ROOT
from twin.analysis.kpi import KPI_SPECS
from twin.analysis.stats import Difference, Estimate, KpiRow
from twin.app.knobs import idle_reason
from twin.app.store import ComparisonRecord
from twin.config import load_scenario
from twin.ui.compare_grid import build_arms, idle_cells, restored
from twin.ui.verdict import (
    arm_verdicts,
    difference_chart,
    difference_text,
    estimate_text,
    too_few_seeds,
)

SPEC = {s.name: s for s in KPI_SPECS}
NAN = math.nan


def _row(name: str, *diffs: Difference) -> KpiRow:
    est = Estimate(1.0, 0.5, 1.5, 5)
    return KpiRow(SPEC[name], (est,) * (len(diffs) + 1), (None, *diffs))


def test_differences_of_shares_are_points_and_clipped() -> None:
    share = SPEC["punctuality"]
    assert difference_text(share, Difference(0.015, 0.003, 0.027, 10)) == "+1.5 pp [0.3, 2.7]"
    assert difference_text(share, Difference(0.125, -1.6, 1.8, 2)) == "+12.5 pp [-100.0, 100.0]"
    assert difference_text(share, Difference(0.1, NAN, NAN, 1)) == "+10.0 pp"
    assert difference_text(SPEC["cost_total_eur"], Difference(-120, -200, -40, 10)) == (
        "-120 [-200, -40]"
    )


def test_estimates_stay_inside_what_a_kpi_can_take() -> None:
    share = SPEC["emergency_within_target"]
    assert estimate_text(share, Estimate(0.875, -0.713, 2.463, 2)) == "87.5% [0.0%, 100.0%]"
    assert estimate_text(share, Estimate(0.9, 0.85, 0.95, 10)) == "90.0% ± 5.0%"
    assert estimate_text(SPEC["overtime_hours"], Estimate(4.6, -2.8, 12.0, 2)) == (
        "4.6 h [0.0 h, 12.0 h]"
    )


def test_the_verdict_counts_better_worse_and_unclear() -> None:
    rows = [
        _row("punctuality", Difference(0.05, 0.01, 0.09, 10)),  # higher is better: better
        _row("cost_total_eur", Difference(50, 10, 90, 10)),  # lower is better: worse
        _row("travel_km", Difference(-5, -10, 1, 10)),  # contains 0: unclear
        _row("visits_booked_today", Difference(3, 1, 5, 10)),  # no direction: not counted
    ]
    [v] = arm_verdicts(rows)
    assert v.sentence() == (
        "B is better on 1 of 3 KPIs, worse on 1, no clear difference on 1 (95 %, 10 seeds)"
    )
    fig = difference_chart(rows)
    assert [t.marker.color for t in fig.data] == ["#1e8449", "#c0392b", "#999999", "#1f77b4"]


def test_too_few_seeds_warns() -> None:
    assert too_few_seeds(3) is None
    assert "Only 2 seeds" in (too_few_seeds(2) or "")
    assert "no confidence interval" in (too_few_seeds(1) or "")


def test_idle_knobs_say_why() -> None:
    assert "insertion planner" in (idle_reason("weight_travel", {"planner": "insertion"}) or "")
    assert idle_reason("weight_travel", {"planner": "poweropt"}) is None
    assert "without the brain" in (idle_reason("notifications", {"brain": False}) or "")
    assert idle_reason("notifications", {"brain": True}) is None
    assert idle_reason("technicians", {"planner": "insertion", "brain": False}) is None
    idle = idle_cells({(0, "planner"): "poweropt", (0, "brain"): "off"})
    assert (0, "weight_travel") not in idle and (0, "replanning") in idle


def test_a_stored_comparison_comes_back_as_its_arms() -> None:
    base = load_scenario(ROOT / "data/scenarios/small.toml")
    cells = [
        ({"type": "compare-knob", "arm": 1, "knob": "technicians"}, "10"),
        ({"type": "compare-knob", "arm": 1, "knob": "window_widths_h"}, "3, 5"),
        ({"type": "compare-knob", "arm": 0, "knob": "technicians"}, "8"),
    ]
    arms = build_arms(base, cells)
    record = ComparisonRecord(
        "c1", base.date, "x", "compare", "small", tuple(a.to_dict() for a in arms), (1, 2), "", ""
    )
    n, shown, notes = restored(record, base)
    assert (n, notes) == (2, [])
    assert shown[1, "technicians"] == "10" and shown[1, "window_widths_h"] == "3, 5"
    assert shown[0, "technicians"] == "8" and shown[1, "planner"] == "insertion"
    again = [({"type": "compare-knob", "arm": a, "knob": k}, v) for (a, k), v in shown.items()]
    assert build_arms(base, again) == arms
