"""The Shadow page: a scorecard stored by `twin score`, shown in Chromium; its figures."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import ROOT, Cockpit, shot
from twin.app.scorecards import add_scorecard, scorecards
from twin.cli import main
from twin.ui.scorecard_figures import eta_figure, warning_figure

SMALL = str(ROOT / "data" / "scenarios" / "small.toml")


def test_the_page_says_how_to_get_a_scorecard(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    assert scorecards(cockpit.store) == []  # nothing else stores scorecards
    page.goto(cockpit.url + "/shadow")
    page.wait_for_selector("#shadow-empty")
    assert "twin score LOG" in page.locator("#shadow-empty").inner_text()


@pytest.fixture(scope="module")
def card(cockpit: Cockpit, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A small day with the brain in the loop (so production's log carries ETAs and
    notices too), scored by `twin score` into the cockpit's store."""
    out = tmp_path_factory.mktemp("shadow") / "day"
    assert main(["run", "--scenario", SMALL, "--brain", "--out", str(out), "--no-store"]) == 0
    code = main(["score", str(out / "events.jsonl"), "--scenario", SMALL,
                 "--store", str(cockpit.store.path)])  # fmt: skip
    assert code == 0
    loaded: dict[str, Any] = json.loads((out / "scorecard.json").read_text())
    return loaded


def test_a_stored_scorecard_with_its_plots(page, cockpit: Cockpit, card: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    (stored,) = scorecards(cockpit.store)
    page.goto(f"{cockpit.url}/shadow?score={stored.id}")
    page.wait_for_selector("#shadow-eta .main-svg")
    page.wait_for_selector("#shadow-warnings .main-svg")
    about = page.locator("#shadow-about").inner_text()
    assert f"{card['visits']} visits, {card['late']} late" in about
    legend = page.locator("#shadow-eta .legend").text_content() or ""
    assert "brain MAE" in legend and "production MAE" in legend
    assert "precision" in (page.locator("#shadow-warnings .legend").text_content() or "")
    row = page.locator("#shadow-plans tr[data-against='production_plan']").inner_text()
    assert f"of {card['plans']['replans']}" in row
    assert page.locator("#shadow-input-warnings").count() == 0
    assert "--counterfactual" in page.locator("#shadow-counterfactual").inner_text()
    shot(page, "shadow-scorecard")


def test_input_warnings_are_shown_and_the_dropdown_switches(  # type: ignore[no-untyped-def]
    page, cockpit: Cockpit, card: dict[str, Any]
) -> None:
    warned = copy.deepcopy(card)
    warned["input_warnings"] = [
        {"kind": "dates", "count": 3, "message": "3 events are dated off the scenario's day",
         "examples": []}
    ]  # fmt: skip
    warned["log"] = "warned.jsonl"
    warned["counterfactual"] = {
        "production_late_visits": 9,
        "production_km": 225.0,
        "avoided_late_visits": {"mean": 0.5, "low": -0.1, "high": 1.1, "n": 7},
        "saved_km": {"mean": 2.0, "low": -3.0, "high": 7.0, "n": 7},
        "items": [],
    }
    sid = add_scorecard(cockpit.store, warned, log="warned.jsonl")
    page.goto(f"{cockpit.url}/shadow")  # the newest first: the warned one
    page.wait_for_selector("#shadow-input-warnings li[data-kind='dates']")
    assert "dated off the scenario's day" in page.locator("#shadow-input-warnings").inner_text()
    said = page.locator("#shadow-counterfactual").inner_text()
    assert "avoided +0.50 (95 % CI -0.10 to +1.10) late visits and saved +2.0" in said
    shot(page, "shadow-input-warnings")
    page.locator("#shadow-card").click()
    page.locator(".Select-option, [role='option']").filter(has_text="events.jsonl").first.click()
    page.wait_for_function(
        "() => !document.querySelector('#shadow-input-warnings') && "
        "document.querySelector('#shadow-about').textContent.includes('events.jsonl')"
    )
    assert sid != scorecards(cockpit.store)[1].id


def _card(production_etas: bool) -> dict[str, Any]:
    bucket = {"label": "0–15", "samples": 4, "mae_min": 3.0, "p90_abs_min": 5.0, "coverage": 0.5}
    none = {**bucket, "samples": 0, "mae_min": None, "p90_abs_min": None, "coverage": None}
    prod_bucket = bucket if production_etas else none
    brain_notes = {"source": "brain", "kind": "notice", "carried": True}
    prod_notes = {"source": "production", "kind": "notice", "carried": False}
    return {
        "visits": 10,
        "late": 2,
        "etas": [
            {"source": "brain", "carried": True, "buckets": [bucket]},
            {"source": "production", "carried": production_etas, "buckets": [prod_bucket]},
        ],
        "warnings": [
            {**brain_notes, "precision": 0.5, "recall": 1.0},
            {**prod_notes, "precision": None, "recall": 0.0},
        ],
    }


def test_figures_show_only_the_sources_that_sent_something() -> None:
    fig = eta_figure(_card(production_etas=False))
    assert [t.name for t in fig.data] == ["brain MAE"]
    assert "no ETAs from production" in fig.layout.title.text
    assert list(fig.data[0].error_y.array) == [2.0]  # p90 5 above a MAE of 3
    both = eta_figure(_card(production_etas=True))
    assert [t.name for t in both.data] == ["brain MAE", "production MAE"]
    warn = warning_figure(_card(production_etas=False))
    assert [list(t.y) for t in warn.data] == [[0.5], [1.0]]
    assert "against 2 late visits of 10" in warn.layout.title.text
    assert "none from production" in warn.layout.title.text


def test_a_scorecard_is_json_the_figures_accept(tmp_path: Path) -> None:
    text = json.dumps(_card(True), allow_nan=False)
    assert eta_figure(json.loads(text)).data
