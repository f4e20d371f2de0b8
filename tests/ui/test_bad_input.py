"""Bad input on the Compare page in Chromium: the seed field names what it refused, window
widths with a gap or beyond the day are refused with their reason, and Run stays off."""

from __future__ import annotations

import json

from tests.ui.conftest import Cockpit, shot


def _cell(page, kind: str, arm: int, knob: str):  # type: ignore[no-untyped-def]
    cid = json.dumps({"arm": arm, "knob": knob, "type": kind}, separators=(",", ":"))
    return page.locator(f"[id='{cid}']")


def test_seeds_and_window_widths_are_refused_with_their_reasons(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(90_000)  # may be the session's first page, on a loaded machine
    page.goto(cockpit.url + "/")
    before = len(cockpit.store.comparisons())
    error = page.locator("#compare-start-error")
    page.wait_for_selector("#compare-start")  # the page is drawn (a first page is slower)
    page.wait_for_function("() => !document.querySelector('#compare-start').disabled")
    for seeds, says in [("abc", "got 'abc'"), ("2.5", "got '2.5'"), ("", "got an empty field")]:
        page.fill("#compare-seeds", seeds)
        page.locator("#compare-start").click()
        page.wait_for_function(
            "([el, s]) => el.textContent.includes(s)", arg=[error.element_handle(), says]
        )
        assert error.inner_text() == f"seeds: choose a whole number from 1 to 50, {says}"
    widths = _cell(page, "compare-knob", 1, "window_widths_h")
    message = _cell(page, "compare-knob-error", 1, "window_widths_h")
    for raw, says in [
        ("2,,4", "a width is missing next to a comma; give e.g. 2, 4, 8, got '2,,4'"),
        ("100", "allowed: a window width from 0.5 to 24 hours (got 100.0)"),
    ]:
        widths.fill(raw)
        page.wait_for_function(
            "([el, s]) => el.textContent.includes(s)", arg=[message.element_handle(), says]
        )
        page.wait_for_selector("#compare-start:disabled", timeout=10_000)
        shot(page, f"compare-widths-{raw.replace(',', '_')}")
    assert len(cockpit.store.comparisons()) == before
