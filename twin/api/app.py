"""The live twin's HTTP API (FastAPI): one booking API for every channel, the customer's
info link, the day's clock, and (a training session) the trainee's desk.

Booking endpoints (:mod:`twin.api.bookings`) are for the company's systems — call centre,
self-service portal, connected devices — and need the API key (``X-API-Key``); the
channel is recorded on every request. The info link (:mod:`twin.api.links`) is the
customer's: a signed token opens one visit, and anything that does not verify gets the
same 401, whether the visit exists or not. Every error is a 4xx whose JSON names the
field (``detail[].loc``), as FastAPI's own validation errors do.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse

from twin.api import bookings, links, schemas
from twin.api.context import API, Api, Key, OneDay, Refusal, Served, Serving, minutes
from twin.api.poll import PollFastPath
from twin.api.timing import ServerTiming
from twin.app.live import LiveDay, RequestRefused
from twin.app.live.refusals import RETRY_AFTER_S
from twin.clock import hhmm


def _refused(status: int, loc: list[str], message: str) -> JSONResponse:
    return JSONResponse({"detail": [{"loc": loc, "msg": message}]}, status_code=status)


async def _on_refusal(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    return _refused(exc.status, exc.loc, exc.message)


async def _on_request_refused(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestRefused)
    refused = _refused(exc.status, [exc.field], str(exc))
    if exc.status == 503:  # the next working day is opening
        refused.headers["Retry-After"] = str(RETRY_AFTER_S)
    return refused


async def _on_invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


def create_app(day: LiveDay | Serving, api_key: str, timing: bool = False) -> FastAPI:
    """The API over one served ``day``, or over what serves the days of a period;
    ``timing``: a ``Server-Timing`` header on every response (:mod:`twin.api.timing`)."""
    app = FastAPI(
        title="FieldTwin live service",
        version="1",
        description="Booking API for every channel, and the customer's info link.",
    )
    app.state.api = Api(OneDay(day) if isinstance(day, LiveDay) else day, api_key)
    app.add_exception_handler(Refusal, _on_refusal)
    app.add_exception_handler(RequestRefused, _on_request_refused)
    app.add_exception_handler(RequestValidationError, _on_invalid)
    # the info link first: a request is matched against the routes in order, and 1,000
    # customers poll it every 2 s on the event loop (its paths overlap no other route's)
    app.include_router(links.router)
    app.add_api_route("/", _root, include_in_schema=False)
    app.add_api_route(f"{API}/status", _status, methods=["GET"])
    app.add_api_route(f"{API}/clock", _clock, methods=["POST"])
    app.include_router(bookings.router)
    app.add_middleware(PollFastPath)  # the info link's poll off FastAPI's routing
    if timing:  # outermost: from the request's arrival in the app to its answer's start
        app.add_middleware(ServerTiming)
    return app


def _root() -> RedirectResponse:
    return RedirectResponse("/docs")


async def _status(api: Served) -> dict[str, Any]:
    """The served day: its clock, progress and how far it fell behind the wall clock."""
    return api.serving.status()


def _clock(body: schemas.ClockChange, api: Served, x_api_key: Key = None) -> dict[str, Any]:
    """Speed up, slow down, pause, resume, or run to a time and pause there."""
    api.authorise(x_api_key)
    day = api.day
    changes: dict[str, Any] = {}
    if body.speed is not None:
        changes["speed"] = None if body.speed == "max" else float(body.speed)
    if body.paused is not None:
        changes["paused"] = body.paused
    if body.until is not None:
        until = minutes(["body", "until"], body.until)
        if until <= day.now:
            raise Refusal(422, ["body", "until"], f"must be after now ({hhmm(day.now)})")
        changes.update(until=until, paused=False)
    day.pace.set(**changes)
    day.pace.settle()  # a tick in flight ends first: the answer is the day as it stays
    return day.status()
