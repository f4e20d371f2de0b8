"""Compare in Chromium: a comparison's name and note saved to the store and shown on Runs;
an arm duplicated with its edits."""

from __future__ import annotations

import json

import pytest

from tests.ui.conftest import ROOT, Cockpit, shot
from twin.app.arms import Arm
from twin.app.compare import run_comparison
from twin.config import load_scenario


def _cell(page, kind: str, arm: int, knob: str):  # type: ignore[no-untyped-def]
    cid = json.dumps({"arm": arm, "knob": knob, "type": kind}, separators=(",", ":"))
    return page.locator(f"[id='{cid}']")


@pytest.fixture(scope="module")
def stored(cockpit: Cockpit) -> str:
    base = load_scenario(ROOT / "data/scenarios/small.toml")
    arms = [Arm("A: base"), Arm("B: technicians 9", {"workforce.technicians": 9})]
    return run_comparison(base, arms, [1, 2], cockpit.store).comparison_id


def test_a_comparison_gets_a_name_and_a_note_shown_on_runs(
    page, cockpit: Cockpit, stored: str
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{cockpit.url}/?comparison={stored}")
    page.wait_for_selector("#compare-name")
    page.fill("#compare-name", "Winter staffing, option 2")
    page.fill("#compare-note", "one more technician for the January backlog")
    page.locator("#compare-note-save").click()
    page.wait_for_function("() => document.querySelector('#compare-note-saved').textContent")
    assert page.locator("#compare-note-saved").inner_text() == "Saved."
    assert page.locator("#compare-title").inner_text() == "Result: Winter staffing, option 2"
    record = cockpit.store.comparison(stored)
    assert (record.name, record.note) == (
        "Winter staffing, option 2",
        "one more technician for the January backlog",
    )
    link = page.locator(f"#compare-earlier a[href='/?comparison={stored}']")
    assert "Winter staffing, option 2" in link.inner_text()
    page.reload()
    assert page.locator("#compare-name").input_value() == "Winter staffing, option 2"
    page.goto(cockpit.url + "/runs")
    page.fill("#runs-filter", "January backlog")
    page.keyboard.press("Enter")
    row = page.locator(f"#runs-comparisons tr[data-comparison='{stored}']")
    page.wait_for_function(
        "() => document.querySelectorAll('#runs-comparisons tbody tr').length === 1"
    )
    assert "Winter staffing, option 2" in row.inner_text()
    assert "one more technician for the January backlog" in row.inner_text()
    page.wait_for_function("() => document.querySelectorAll('#runs-runs tbody tr').length === 4")
    shot(page, "runs-named")


def test_an_arm_is_duplicated_with_its_edits(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/")
    _cell(page, "compare-knob", 1, "technicians").fill("9")
    _cell(page, "compare-knob", 1, "window_widths_h").fill("3, 5")
    page.locator('[id=\'{"arm":1,"type":"compare-dup"}\']').click()
    copy = _cell(page, "compare-knob", 2, "technicians")
    copy.wait_for()
    assert copy.input_value() == "9"
    assert _cell(page, "compare-knob", 2, "window_widths_h").input_value() == "3, 5"
    assert _cell(page, "compare-knob", 1, "technicians").input_value() == "9"
    assert page.locator("#compare-n-arms input[value='3']").is_checked()
    page.wait_for_timeout(500)  # the arm count's own callback must not redraw the copy away
    assert _cell(page, "compare-knob", 2, "technicians").input_value() == "9"
    shot(page, "compare-duplicated")
