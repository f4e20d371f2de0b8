"""``twin serve --days N`` over HTTP against a real server (the small town, Monday
2026-11-23 and Tuesday 2026-11-24): with no outside requests each served day's log is
``twin run --days``'s; a booking ahead gets its info link at once, the page shows its day
and window until that day is served, then the visit live; killed on day 2 and started
again, the server resumes day 2 (not day 1) with its bookings, and the link still opens."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.api.conftest import token_of
from tests.api.served import ROOT, SECRET, Served, job
from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS

LINKS = {"FIELDTWIN_LINK_SECRET": SECRET, "FIELDTWIN_PUBLIC_URL": "https://twin.example"}
MONDAY, TUESDAY, WEDNESDAY = "2026-11-23", "2026-11-24", "2026-11-25"


def _run_days(scenario: Path, out: Path, *args: str) -> None:
    cmd = [
        sys.executable, "-c", "import sys; from twin.cli import main; sys.exit(main())",
        "run", "--scenario", str(scenario), "--out", str(out), "--no-store", *args,
    ]  # fmt: skip
    done = subprocess.run(
        cmd, cwd=ROOT, env={**os.environ, **LINKS}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_served_days_at_max_speed_equal_twin_run_days(tmp_path: Path) -> None:
    served = Served(tmp_path, "--days", "2", "--speed", "max", "--seed", "3", env=LINKS).start()
    try:
        assert served.proc is not None and served.proc.wait(240) == 0, served.output()
    finally:
        served.stop()
    _run_days(served.scenario, tmp_path / "run", "--days", "2", "--seed", "3")
    days = sorted((tmp_path / "run" / "days").iterdir())
    assert [d.name for d in days] == [f"01-{MONDAY}", f"02-{TUESDAY}"]
    for k, run_day in enumerate(days, start=1):
        served_day = served.out / f"day-{k}"
        log = (served_day / "events.jsonl").read_bytes()
        assert log == (run_day / "events.jsonl").read_bytes(), k
        assert b"https://twin.example/v/v1." in log  # the messages carry the server's links
        assert (served_day / "kpis.json").read_text() == (run_day / "kpis.json").read_text()
    # the period's files as `twin run --days` writes them
    for name in ("events.jsonl", "period.json", "requests.jsonl", "notices.jsonl", "kpis.json"):
        assert (served.out / "period" / name).read_bytes() == (tmp_path / "run" / name).read_bytes()
    # the second day carried the first's bookings: its log holds visits of the period's book
    moved = [json.loads(x) for x in (tmp_path / "run" / "notices.jsonl").read_text().splitlines()]
    assert any(n["new_day"] == 1 for n in moved)
    second = (served.out / "day-2" / "events.jsonl").read_text()
    assert all(f'"visit_id":"{n["visit_id"]}"' in second for n in moved if n["new_day"] == 1)


def _view(served: Served, token: str) -> dict[str, Any]:
    r = served.client.get(f"/api/v1/track/{token}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _to_day_two(served: Served) -> None:
    """Run day 1 out and pause early on day 2: full speed to just before day 1 ends, then
    10 simulated minutes a second, so that day 2's morning lasts long enough in wall time
    to be caught on a loaded machine (at full speed it can run past 10:00 in a poll)."""
    served.run_until("21:50")  # the small town's day ends at 22:00
    r = served.api("POST", "/clock", {"speed": 600.0, "paused": False})
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 120
    while served.status().get("day") != 2 or served.status()["switching"]:
        assert time.monotonic() < deadline, served.output()
        time.sleep(0.02)
    paused = served.api("POST", "/clock", {"paused": True}).json()
    assert paused["local_time"] < "10:00", paused  # caught early in the day


def _book_ahead(served: Served, date: str, customer: str) -> dict[str, Any]:
    """Book the first offered window from 10:00 on ``date`` or, when full, the day after
    with room (the desk counts the period's book)."""
    wish = job(customer_id=customer, wish_date=date, x=4.0, y=6.0)
    r = served.api("POST", "/offers", {"channel": "portal", "job": wish, "limit": 20})
    offer = next(o for o in r.json()["offers"] if o["local"].split("–")[0] >= "10:00")
    start, end = offer["local"].split("–")
    wish["wish_date"] = offer["date"]
    body = {"channel": "portal", "job": wish, "window_start": start, "window_end": end}
    booked = served.api("POST", "/bookings", body, **{"Idempotency-Key": customer}).json()
    assert booked["status"] == "booked" and booked["date"] == offer["date"] >= date, booked
    assert booked["link"] is not None
    return dict(booked)


def _page_status(served: Served, token: str, wanted: str) -> str:
    """The info page's status line in headless Chromium once it reads ``wanted``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{served.base}/v/{token}")
        page.wait_for_function(f"document.getElementById('status').dataset.status === {wanted!r}")
        text = page.inner_text("#status")
        browser.close()
    assert errors == []
    return text


def test_a_booking_ahead_is_served_on_its_day_and_day_two_resumes(tmp_path: Path) -> None:
    served = Served(tmp_path, "--days", "2").start("--paused")
    try:
        served.run_until("09:00")
        booked = _book_ahead(served, TUESDAY, "C-NEXT")
        assert booked["date"] == TUESDAY  # Tuesday has room in this town
        token = token_of(booked["link"])
        view = _view(served, token)
        assert view["status"] == "booked_ahead" and view["booked_for"] == "Tue 24 Nov 2026"
        text = _page_status(served, token, "booked_ahead")
        assert text == f"Booked for Tue 24 Nov 2026, window {booked['local']}"
        _to_day_two(served)
        status = served.status()
        assert status["date"] == TUESDAY and status["day"] == 2 and status["days"] == 2
        assert (served.out / "day-1" / "events.jsonl").exists()  # day 1 written at its end
        view = _view(served, token)  # the same link, now the visit of the served day
        assert view["status"] == "booked" and view["window"] is not None
        assert f"{view['window']['start']}–{view['window']['end']}" == booked["local"]
        assert _page_status(served, token, "booked") == "Booked"
        # a booking made on day 2, then the server is killed
        served.run_until("10:00")
        later = _book_ahead(served, WEDNESDAY, "C-DAY2")
        assert later["visit_id"] != booked["visit_id"]  # outside ids unique over the period
        served.kill()
        again = Served(tmp_path, "--days", "2", state=served.state).start("--paused")
        try:
            resumed = again.status()
            assert resumed["day"] == 2 and resumed["local_time"] == "10:00", resumed
            assert "resumed day 2 of 2" in again.output()
            r = again.api("GET", f"/bookings/{booked['visit_id']}")
            assert r.status_code == 200 and r.json()["status"] == "booked", r.text
            assert _view(again, token)["status"] == "booked"
            on = dt.date.fromisoformat(later["date"])
            label = _view(again, token_of(later["link"]))["booked_for"]
            assert label == f"{on:%a} {on.day} {on:%b %Y}" and on > dt.date(2026, 11, 24)
            assert again.finish(180) == 0, again.output()
        finally:
            again.stop()
    finally:
        served.stop()
    day2 = [json.loads(x) for x in (served.out / "day-2" / "events.jsonl").read_text().splitlines()]
    assert booked["visit_id"] in {e["visit_id"] for e in day2 if e["type"] == "visit_booked"}
    ahead = [e for e in day2 if e["type"] == "visit_booked_ahead"]
    assert [e["visit_id"] for e in ahead] == [later["visit_id"]]  # journaled once, replayed
    requests = (served.out / "period" / "requests.jsonl").read_text().splitlines()
    stories = {r["visit_id"]: r for r in map(json.loads, requests)}
    assert stories[booked["visit_id"]]["made_day"] == 0
    assert stories[booked["visit_id"]]["booked_day"] == 1
