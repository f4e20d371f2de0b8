"""Offers, info links and the status are answered while the served day holds its lock (a
tick, or a booking writing its lines): the info link and the status read on the event
loop, and a read that waited for the lock there would hold up every request behind it.

uvicorn in a thread of this process, so that the test can hold the day's lock itself.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import uvicorn

from tests.api.conftest import token_of
from tests.api.served import free_port
from twin.api.app import create_app
from twin.app.live import LiveDay
from twin.config import Scenario

KEY = "lock-test-key"
JOB = {"customer_id": "C-LOCK", "job_type": "repair", "x": 5.0, "y": 5.0}


def test_offers_and_info_links_do_not_wait_for_the_days_lock(
    small: Scenario, tmp_path: Path
) -> None:
    day = LiveDay(small.with_overrides(**{"demand.visits_per_technician": 4.0}), 1, tmp_path)
    while day.now < 9 * 60 and day.tick():
        pass
    job = {**JOB, "available_from": 0.0, "available_until": 1440.0}
    booked = day.request({"kind": "book", "channel": "portal", "job": job, "window": None})
    assert booked["status"] == "booked"
    port = free_port()
    config = uvicorn.Config(
        create_app(day, KEY), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    headers = {"X-API-Key": KEY}
    offer = {"channel": "portal", "job": JOB}
    try:
        while not server.started:
            time.sleep(0.01)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=5.0) as client:
            first = client.post("/offers", json=offer, headers=headers)  # copies from now on
            assert first.status_code == 200 and first.json()["offers"], first.text
            track = f"/track/{token_of(booked['link'])}"
            with day.lock:  # as a long tick or a booking's fsync holds it
                polled = client.get(track)
                offered = client.post("/offers", json=offer, headers=headers)
                status = client.get("/status")  # the day as last published
            assert polled.status_code == 200 and polled.json()["status"] == "booked"
            assert offered.json() == first.json()  # the same copy of the plan, priced again
            assert status.status_code == 200 and status.json()["ticks_done"] == day.done
            assert client.get(track).json() == polled.json()
    finally:
        server.should_exit = True
        thread.join(10)
        day.close()
