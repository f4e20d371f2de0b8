"""``Server-Timing`` (:mod:`twin.api.timing`): off by default; on, every response carries
the server's time by stage, and nothing else of the answer changes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import token_of
from tests.api.served import Served, job
from twin.api.app import create_app
from twin.api.timing import header_value
from twin.app.live import LiveDay
from twin.config import load_scenario

SMALL = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "small.toml"
KEY = "timing-test-key"
DUR = re.compile(r"([a-z]+);dur=(\d+\.\d\d)")


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDay]:
    small = load_scenario(SMALL).with_overrides(**{"demand.visits_per_technician": 4.0})
    day = LiveDay(small, 1, tmp_path_factory.mktemp("timing"))
    while day.now < 9 * 60 and day.tick():
        pass
    booked = day.request({"kind": "book", "channel": "portal", "job": _job(), "window": None})
    assert booked["status"] == "booked"
    day.token = token_of(booked["link"])  # type: ignore[attr-defined]
    yield day
    day.close()


def _job() -> dict[str, Any]:
    return {**job(customer_id="C-TIME"), "available_from": 0.0, "available_until": 1440.0}


def _stages(value: str) -> list[tuple[str, float]]:
    return [(name, float(ms)) for name, ms in DUR.findall(value)]


async def _ask(app: FastAPI, asks: list[tuple[str, str, Any]]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://timing") as client:
        headers = {"X-API-Key": KEY}
        return [await client.request(m, p, json=b, headers=headers) for m, p, b in asks]


def test_stages_in_order_and_the_answers_unchanged(day: LiveDay) -> None:
    token: str = day.token  # type: ignore[attr-defined]
    offer = {"channel": "portal", "job": job(customer_id="C-T2")}
    asks = [
        ("POST", "/api/v1/offers", offer),
        ("GET", f"/api/v1/track/{token}", None),
        ("GET", "/api/v1/track/forged", None),
        ("POST", "/api/v1/offers", {"channel": "fax"}),
    ]
    timed = asyncio.run(_ask(create_app(day, KEY, timing=True), asks))
    plain = asyncio.run(_ask(create_app(day, KEY), asks))
    for a, b in zip(timed, plain, strict=True):
        assert "server-timing" in a.headers and "server-timing" not in b.headers
        assert (a.status_code, a.content) == (b.status_code, b.content)
        rest = {k: v for k, v in a.headers.items() if k not in ("server-timing", "content-length")}
        assert rest == {k: v for k, v in b.headers.items() if k != "content-length"}
    stages = _stages(timed[0].headers["server-timing"])
    # the handler's own stamps reach the middleware from the worker thread
    assert [name for name, _ in stages] == ["handler", "priced", "sent", "total"]
    assert all(ms >= 0 for _, ms in stages)
    assert sum(ms for _, ms in stages[:-1]) == pytest.approx(stages[-1][1], abs=0.02)
    assert timed[0].json()["offers"], "the small town has room for the job"
    assert [n for n, _ in _stages(timed[1].headers["server-timing"])] == ["sent", "total"]
    assert timed[2].status_code == 401 and timed[3].status_code == 422


def test_header_value_names_each_stage_by_the_stamp_that_ends_it() -> None:
    stamps = [("received", 10.0), ("handler", 10.001), ("sent", 10.0035)]
    assert header_value(stamps) == b"handler;dur=1.00, sent;dur=2.50, total;dur=3.50"


def test_twin_serve_server_timing_over_http(tmp_path: Path) -> None:
    served = Served(tmp_path).start("--paused", "--server-timing")
    try:
        r = served.api("POST", "/offers", {"channel": "portal", "job": job()})
        assert r.status_code == 200
        assert [n for n, _ in _stages(r.headers["server-timing"])][-1] == "total"
        assert "server-timing" in served.client.get("/api/v1/status").headers
    finally:
        served.stop()
