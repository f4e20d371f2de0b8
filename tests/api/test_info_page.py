"""The customer's info page in headless Chromium while the served day runs: the status
follows the visit, the technician's dot moves on the map, the ETA interval shows, and the
page loads nothing from the internet and logs no console error."""

from __future__ import annotations

from pathlib import Path

from tests.api.served import Served, job
from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS


def _later_window(served: Served) -> tuple[str, str]:
    r = served.api(
        "POST", "/offers", {"channel": "portal", "job": job(customer_id="C-PAGE"), "limit": 20}
    )
    windows = [o["local"].split("–") for o in r.json()["offers"]]
    return next((a, b) for a, b in windows if a >= "10:00")


def _status(served: Served, token: str) -> dict[str, object]:
    return dict(served.client.get(f"/api/v1/track/{token}").json())


def test_the_page_follows_the_technician(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    served = Served(tmp_path).start("--paused")
    try:
        served.run_until("08:30")
        start, end = _later_window(served)
        body = {
            "channel": "portal",
            "job": job(customer_id="C-PAGE", x=8.0, y=8.0),
            "window_start": start,
            "window_end": end,
        }
        booked = served.api("POST", "/bookings", body).json()
        token = booked["link"].rsplit("/", 1)[1]
        minute = 8 * 60 + 30
        while _status(served, token)["status"] == "booked" and minute < 16 * 60:  # not yet off
            minute += 5
            served.run_until(f"{minute // 60:02d}:{minute % 60:02d}")
        assert _status(served, token)["status"] in ("on_the_way", "arriving")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            outside: list[str] = []
            page.on(
                "request",
                lambda r: outside.append(r.url) if not r.url.startswith(served.base) else None,
            )
            page.goto(f"{served.base}/v/{token}")
            page.wait_for_function(
                "document.getElementById('status').dataset.status === 'on_the_way'"
            )
            assert page.inner_text("#window") == f"{start}–{end}"
            first = (page.get_attribute("#tech", "cx"), page.get_attribute("#tech", "cy"))
            eta = page.inner_text("#eta")
            assert "most likely" in eta, eta
            now = page.inner_text("#now")
            served.run_until(f"{(minute + 2) // 60:02d}:{(minute + 2) % 60:02d}")
            page.wait_for_function(
                f"document.getElementById('now').textContent !== {now!r}", timeout=10_000
            )
            second = (page.get_attribute("#tech", "cx"), page.get_attribute("#tech", "cy"))
            assert second != first  # the dot moved with the technician
            page.screenshot(path=str(tmp_path / "info-page.png"))
            browser.close()
        assert errors == [] and outside == []
    finally:
        served.stop()


def test_a_bad_link_gets_the_refusal_page(tmp_path: Path) -> None:
    served = Served(tmp_path).start("--paused")
    try:
        r = served.client.get("/v/v1.QTAwMDE.1796598000.AAAAAAAAAAAAAAAAAAAAAA")
        assert r.status_code == 401 and "not valid or has expired" in r.text
    finally:
        served.stop()
