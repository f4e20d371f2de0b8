"""The info link's poll answered beside FastAPI (:mod:`twin.api.poll`) gives, byte for
byte, what the route gives, and every other request (a refusal included) is the route's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import token_of
from twin.api.app import create_app
from twin.api.poll import PollFastPath, poll_token
from twin.app.live import LiveDay
from twin.config import load_scenario

SMALL = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "small.toml"

KEY = "poll-test-key"
JOB = {"customer_id": "C-POLL", "job_type": "repair", "x": 5.0, "y": 5.0}


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDay]:
    small = load_scenario(SMALL).with_overrides(**{"demand.visits_per_technician": 4.0})
    day = LiveDay(small, 1, tmp_path_factory.mktemp("poll"))
    while day.now < 9 * 60 and day.tick():
        pass
    job = {**JOB, "available_from": 0.0, "available_until": 1440.0}
    booked = day.request({"kind": "book", "channel": "portal", "job": job, "window": None})
    assert booked["status"] == "booked"
    day.token = token_of(booked["link"])  # type: ignore[attr-defined]
    yield day
    day.close()


def _without_fast_path(day: LiveDay) -> FastAPI:
    app = create_app(day, KEY)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not PollFastPath]
    return app


def test_a_poll_and_every_refusal_answer_as_the_route_does(day: LiveDay) -> None:
    token: str = day.token  # type: ignore[attr-defined]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    paths = [f"/api/v1/track/{t}" for t in (token, forged, "x", "v1.a.1.b", "%2F")]
    paths += ["/api/v1/track/", f"/api/v1/track/{token}/x", f"/api/v1/track/{token}?a=1"]
    asks = [(method, path) for method in ("GET", "HEAD", "POST") for path in paths]
    fast = asyncio.run(_answers(create_app(day, KEY), asks))
    plain = asyncio.run(_answers(_without_fast_path(day), asks))
    for ask, a, b in zip(asks, fast, plain, strict=True):
        assert a == b, ask
    assert fast[0][0] == 200 and b'"status":"booked"' in fast[0][2]
    assert fast[1][0] == 401 and fast[5][0] == 404


async def _answers(app: FastAPI, asks: list[tuple[str, str]]) -> list[tuple[int, Any, bytes]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://poll") as client:
        out = []
        for method, path in asks:
            r = await client.request(method, path)
            out.append((r.status_code, sorted(r.headers.items()), r.content))
        return out


def test_only_a_verified_poll_is_answered_beside_the_app(day: LiveDay) -> None:
    app = create_app(day, KEY)
    passed: list[str] = []

    async def route(scope: Any, receive: Any, send: Any) -> None:
        passed.append(scope["path"])

    def call(path: str) -> list[Any]:
        sent: list[Any] = []
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "app": app,
                 "headers": [], "query_string": b""}  # fmt: skip

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        asyncio.run(PollFastPath(route)(scope, receive, send))
        return sent

    token: str = day.token  # type: ignore[attr-defined]
    sent = call(f"/api/v1/track/{token}")
    assert passed == [] and sent[0]["status"] == 200
    assert call("/api/v1/track/not-a-token") == [] and passed == ["/api/v1/track/not-a-token"]
    assert poll_token({"type": "http", "method": "GET", "path": "/api/v1/track/a/b"}) is None
    assert poll_token({"type": "http", "method": "GET", "path": "/api/v1/trackx"}) is None
    assert poll_token({"type": "http", "method": "GET", "path": "/api/v1/track/t"}) == "t"
