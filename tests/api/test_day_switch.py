"""The switch between two served working days (``twin serve --days``), uvicorn in a thread
of this process so that the test holds the runner: once day 1 has ended and until day 2
opens, a request gets a 503 with ``Retry-After`` naming the field, the status still
answers; then the same app serves day 2."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from tests.api.served import SMALL, free_port
from twin.api.app import create_app
from twin.app.live.days import ServedPeriod
from twin.app.live.pace import PaceSetting
from twin.app.live.refusals import RETRY_AFTER_S
from twin.config import load_scenario
from twin.models.decisions.links import LinkSigner

KEY = {"X-API-Key": "switch-key"}
BOOKING = {
    "channel": "portal",
    "job": {"customer_id": "C-SWITCH", "job_type": "repair", "x": 5.0, "y": 5.0},
}


@contextmanager
def _uvicorn(app: object) -> Iterator[httpx.Client]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(30)


def test_requests_between_two_days_get_503_with_retry_after(tmp_path: Path) -> None:
    scenario = load_scenario(SMALL).with_overrides(**{"period.days": 2})
    links = LinkSigner(b"a-secret-for-the-switch-test-0123", "http://127.0.0.1:1")
    pace = PaceSetting(speed=None)
    served = ServedPeriod(scenario, 5, tmp_path / "state", links, tmp_path / "out", None, pace)
    first = served.day
    while first.tick():  # day 1 to its end; the runner has not switched yet
        pass
    with _uvicorn(create_app(served, KEY["X-API-Key"])) as client:
        r = client.post("/api/v1/bookings", json=BOOKING, headers=KEY)
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == str(RETRY_AFTER_S)
        (detail,) = r.json()["detail"]
        assert detail["loc"] == ["time"] and "next working day" in detail["msg"]
        token = links.token("V000001", first.clock.midnight)
        assert client.get(f"/api/v1/track/{token}").status_code == 503
        status = client.get("/api/v1/status").json()
        assert status["switching"] and status["day"] == 1 and status["over"]

        stop = threading.Event()

        def on_day_two(_: float, __: float) -> None:
            if served.k == 1:
                stop.set()

        served.run(stop, on_day_two)  # writes day 1, opens day 2, stops after its first tick
        status = client.get("/api/v1/status").json()
        assert status["day"] == 2 and not status["switching"] and status["date"] == "2026-11-24"
        assert (tmp_path / "out" / "day-1" / "events.jsonl").exists()
        r = client.post("/api/v1/bookings", json=BOOKING, headers=KEY)
        assert r.status_code in (201, 409), r.text  # booked, or refused with a reason
        assert r.json()["status"] in ("booked", "rejected")
    served.close()
