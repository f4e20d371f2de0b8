"""The live twin's HTTP API (FastAPI): one booking API for every channel, and the
customer's info link.

Booking endpoints (``/api/v1/offers``, ``/bookings``, ``/device-alerts``) are for the
company's systems — call centre, self-service portal, connected devices — and need the API
key (``X-API-Key``); the channel is recorded on every request. The info link
(``/v/{token}`` and ``/api/v1/track/{token}``) is the customer's: a signed token opens one
visit, and anything that does not verify gets the same 401, whether the visit exists or
not. Every error is a 4xx whose JSON names the field (``detail[].loc``), as FastAPI's own
validation errors do.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from twin.api import schemas
from twin.api.page import info_page
from twin.api.track import track_view
from twin.app.live import LiveDay, RequestRefused
from twin.app.live.requests import job_of, offer_view
from twin.clock import hhmm, parse_hhmm
from twin.models.decisions.links import LinkError
from twin.models.routing.dispatch import NoOffer

API = "/api/v1"
# module-level: the routes' annotations are strings, resolved in this module's globals
Key = Annotated[str | None, Header(alias="X-API-Key")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def _refused(status: int, loc: list[str], message: str) -> JSONResponse:
    return JSONResponse({"detail": [{"loc": loc, "msg": message}]}, status_code=status)


class Refusal(Exception):
    def __init__(self, status: int, loc: list[str], message: str) -> None:
        super().__init__(message)
        self.status, self.loc, self.message = status, loc, message


def _minutes(loc: list[str], text: str) -> float:
    try:
        return parse_hhmm(text)
    except ValueError as exc:
        raise Refusal(422, loc, str(exc)) from None


def create_app(day: LiveDay, api_key: str) -> FastAPI:
    app = FastAPI(
        title="FieldTwin live service",
        version="1",
        description="Booking API for every channel, and the customer's info link.",
    )
    scenario = day.scenario
    size = scenario.city.size_km

    @app.exception_handler(Refusal)
    async def _on_refusal(_: Request, exc: Refusal) -> JSONResponse:
        return _refused(exc.status, exc.loc, exc.message)

    @app.exception_handler(RequestRefused)
    async def _on_request_refused(_: Request, exc: RequestRefused) -> JSONResponse:
        return _refused(exc.status, [exc.field], str(exc))

    @app.exception_handler(RequestValidationError)
    async def _on_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    def authorise(key: str | None) -> None:
        if key is None or not hmac.compare_digest(key.encode(), api_key.encode()):
            raise Refusal(401, ["header", "X-API-Key"], "a valid API key is needed")

    def job_record(job: schemas.Job, loc: list[str]) -> dict[str, Any]:
        if job.x > size or job.y > size:
            field = "x" if job.x > size else "y"
            raise Refusal(422, [*loc, field], f"outside the city (0 to {size:g} km)")
        if job.job_type not in scenario.demand.jobs:
            allowed = ", ".join(sorted(scenario.demand.jobs))
            raise Refusal(422, [*loc, "job_type"], f"not offered; allowed: {allowed}")
        if job.wish_date is not None and job.wish_date != scenario.date:
            msg = (
                f"only the served day ({scenario.date.isoformat()}) can be booked; "
                "later days come with multi-day operation"
            )
            raise Refusal(422, [*loc, "wish_date"], msg)
        lo = _minutes([*loc, "available_from"], job.available_from)
        hi = _minutes([*loc, "available_until"], job.available_until)
        if hi <= lo:
            raise Refusal(422, [*loc, "available_until"], "must be after available_from")
        return {
            "customer_id": job.customer_id,
            "job_type": job.job_type,
            "x": job.x,
            "y": job.y,
            "available_from": lo,
            "available_until": hi,
            "language": job.language,
            "notify_channel": job.notify_channel,
        }

    def window(start: str | None, end: str | None, loc: list[str]) -> list[float] | None:
        if start is None and end is None:
            return None
        if start is None or end is None:
            raise Refusal(422, [*loc, "window_end"], "give both window_start and window_end")
        w = [_minutes([*loc, "window_start"], start), _minutes([*loc, "window_end"], end)]
        if (w[0], w[1]) not in day.world.company.windows:
            offered = ", ".join(
                f"{a // 60:02.0f}:{a % 60:02.0f}–{b // 60:02.0f}:{b % 60:02.0f}"
                for a, b in day.world.company.windows
            )
            raise Refusal(422, [*loc, "window_start"], f"not an offered window; offered: {offered}")
        return w

    def visit_of(visit_id: str) -> str:
        if not visit_id or len(visit_id) > 40 or day.view(visit_id) is None:
            raise Refusal(404, ["path", "visit_id"], "no such booking")
        return visit_id

    def token_visit(token: str) -> str:
        with day.lock:
            now = day.clock.at(day.now)
        try:
            vid = day.links.verify(token, now)
        except LinkError:
            raise Refusal(401, ["path", "token"], "link not valid or expired") from None
        if day.view(vid) is None:
            raise Refusal(401, ["path", "token"], "link not valid or expired")
        return vid

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get(f"{API}/status")
    def status() -> dict[str, Any]:
        """The served day: its clock, progress and how far it fell behind the wall clock."""
        return day.status()

    @app.post(f"{API}/clock")
    def clock(body: schemas.ClockChange, x_api_key: Key = None) -> dict[str, Any]:
        """Speed up, slow down, pause, resume, or run to a time and pause there."""
        authorise(x_api_key)
        changes: dict[str, Any] = {}
        if body.speed is not None:
            changes["speed"] = None if body.speed == "max" else float(body.speed)
        if body.paused is not None:
            changes["paused"] = body.paused
        if body.until is not None:
            until = _minutes(["body", "until"], body.until)
            if until <= day.now:
                raise Refusal(422, ["body", "until"], f"must be after now ({hhmm(day.now)})")
            changes.update(until=until, paused=False)
        day.pace.set(**changes)
        return day.status()

    @app.post(f"{API}/offers")
    def offers(body: schemas.OfferRequest, x_api_key: Key = None) -> dict[str, Any]:
        """Windows the planner can promise the job today, best first, with the price to
        the company and the risk of arriving late."""
        authorise(x_api_key)
        job = job_record(body.job, ["body", "job"])
        ranked = day.offers(job_of({"job": job, "channel": body.channel}), body.limit)
        if isinstance(ranked, NoOffer):
            return {"offers": [], "reason": ranked.reason}
        return {"offers": [offer_view(day, o) for o in ranked], "reason": None}

    def _answer(answer: dict[str, Any], ok: int) -> JSONResponse:
        status = ok if answer["status"] in ("booked", "rescheduled", "cancelled", "rated") else 409
        if answer["status"] in ("offers", "no_offer"):
            status = 200
        return JSONResponse(answer, status_code=status)

    @app.post(f"{API}/bookings", status_code=201)
    def book(
        body: schemas.BookingRequest, x_api_key: Key = None, idempotency_key: IdemKey = None
    ) -> JSONResponse:
        """Book the job in an offered window (or the planner's best); a retry with the same
        ``Idempotency-Key`` books once and gets the same answer."""
        authorise(x_api_key)
        record = {
            "kind": "book",
            "channel": body.channel,
            "job": job_record(body.job, ["body", "job"]),
            "window": window(body.window_start, body.window_end, ["body"]),
        }
        if body.call_id is not None:
            if body.call_id not in day.calls:
                raise Refusal(404, ["body", "call_id"], "no such call waiting")
            record["call_id"] = body.call_id
        return _answer(day.request(record, idempotency_key), 201)

    @app.get(f"{API}/bookings/{{visit_id}}")
    def booking(visit_id: str, x_api_key: Key = None) -> dict[str, Any]:
        authorise(x_api_key)
        return track_view(day, visit_of(visit_id))

    @app.post(f"{API}/bookings/{{visit_id}}/reschedule")
    def reschedule(
        visit_id: str,
        body: schemas.WindowChoice,
        x_api_key: Key = None,
        idempotency_key: IdemKey = None,
    ) -> JSONResponse:
        authorise(x_api_key)
        w = window(body.window_start, body.window_end, ["body"])
        record = {"kind": "reschedule", "visit_id": visit_of(visit_id), "window": w}
        return _answer(day.request(record, idempotency_key), 200)

    @app.delete(f"{API}/bookings/{{visit_id}}")
    def cancel(visit_id: str, x_api_key: Key = None) -> JSONResponse:
        authorise(x_api_key)
        return _answer(day.request({"kind": "cancel", "visit_id": visit_of(visit_id)}), 200)

    @app.post(f"{API}/device-alerts")
    def device_alert(
        body: schemas.DeviceAlertRequest, x_api_key: Key = None, idempotency_key: IdemKey = None
    ) -> JSONResponse:
        """A connected product reports a fault: by policy (``policy.device_alerts``) the
        visit is booked at once, or offers are returned for the customer to choose."""
        authorise(x_api_key)
        record = {
            "kind": "device_alert",
            "channel": "device",
            "device_id": body.device_id,
            "fault_code": body.fault_code,
            "job": job_record(body.job, ["body", "job"]),
        }
        return _answer(day.request(record, idempotency_key), 201)

    # ---------------------------------------------------------------- the customer's link
    @app.get("/v/{token}", response_class=HTMLResponse, include_in_schema=False)
    def page(token: str) -> HTMLResponse:
        try:
            token_visit(token)
        except Refusal:
            return HTMLResponse(info_page(None), status_code=401)
        return HTMLResponse(info_page(token))

    @app.get(f"{API}/track/{{token}}")
    def track(token: str) -> dict[str, Any]:
        """The visit behind the link: status, window, the technician's position, ETA,
        any delay warning (local times)."""
        return track_view(day, token_visit(token))

    @app.post(f"{API}/track/{{token}}/feedback")
    def feedback(token: str, body: schemas.FeedbackRequest) -> JSONResponse:
        vid = token_visit(token)
        return _answer(
            day.request({"kind": "feedback", "visit_id": vid, "rating": body.rating}), 200
        )

    @app.post(f"{API}/track/{{token}}/cancel")
    def track_cancel(token: str) -> JSONResponse:
        return _answer(day.request({"kind": "cancel", "visit_id": token_visit(token)}), 200)

    @app.post(f"{API}/track/{{token}}/reschedule")
    def track_reschedule(token: str, body: schemas.WindowChoice) -> JSONResponse:
        vid = token_visit(token)
        w = window(body.window_start, body.window_end, ["body"])
        return _answer(day.request({"kind": "reschedule", "visit_id": vid, "window": w}), 200)

    return app
