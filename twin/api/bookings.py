"""The booking endpoints, one API for every channel (call centre, portal, device): offers,
bookings (once per ``Idempotency-Key``), a booking's view, reschedule, cancel, device
alerts. They need the API key; the channel is recorded on every request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from twin.api import schemas
from twin.api.context import API, Api, IdemKey, Key, Refusal, Served, answer
from twin.api.timing import stamp
from twin.api.track import track_view
from twin.app.live.requests import job_of, offer_view
from twin.models.routing.dispatch import NoOffer

router = APIRouter(prefix=API)


@router.post("/offers", response_model=dict[str, Any])
async def offers(body: schemas.OfferRequest, api: Served, x_api_key: Key = None) -> JSONResponse:
    """Windows the planner can promise the job, best first, with the price to the company
    and the risk of arriving late: today's, or (a later ``wish_date``, or nothing left
    today) on the first later working days with room, each offer with its ``date``."""
    # priced here, on the event loop: an offer is 1-2 ms of CPU on a copy of the plan, off
    # the day's lock (LiveDay.offers); a sync route would hop to a worker thread and back,
    # each hop queueing for the interpreter lock behind the info-link polls and the other
    # offers (measured in the server, bench_serve load: p95 73 -> 11 ms; bench/RESULTS.md,
    # session 12). The day's first offers wait in a worker thread while its copies are
    # made under the day's lock, which a tick may hold for tens of milliseconds.
    stamp("handler")
    api.authorise(x_api_key)
    if api.day.quotes.copies is None:
        await run_in_threadpool(api.day.start_quotes)
    return _offers(body, api)


def _offers(body: schemas.OfferRequest, api: Api) -> JSONResponse:
    job = api.job_record(body.job, ["body", "job"])
    first = api.wish_day(body.job, ["body", "job"])
    ranked = api.day.offers(job_of({"job": job, "channel": body.channel}), body.limit, first)
    stamp("priced")
    if isinstance(ranked, NoOffer):
        return JSONResponse({"offers": [], "reason": ranked.reason})
    views = [offer_view(api.day, a.offer, a.day) for a in ranked]
    return JSONResponse({"offers": views, "reason": None})


@router.post("/bookings", status_code=201)
def book(
    body: schemas.BookingRequest,
    api: Served,
    x_api_key: Key = None,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Book the job in an offered window (or the planner's best) on the served day, or on
    the later working day its ``wish_date`` names (booked ahead: in the log, not today's
    work); a retry with the same ``Idempotency-Key`` books once and gets the same answer."""
    stamp("handler")
    api.authorise(x_api_key)
    record: dict[str, Any] = {
        "kind": "book",
        "channel": body.channel,
        "job": api.job_record(body.job, ["body", "job"]),
        "window": api.window(body.window_start, body.window_end, ["body"]),
    }
    day = api.wish_day(body.job, ["body", "job"])
    if day > 0:
        if body.call_id is not None:
            raise Refusal(422, ["body", "job", "wish_date"], "a waiting call is for today")
        record["day"] = day
    if body.call_id is not None:
        if body.call_id not in api.day.calls:
            raise Refusal(404, ["body", "call_id"], "no such call waiting")
        record["call_id"] = body.call_id
    return answer(api.day.request(record, idempotency_key), 201)


@router.get("/bookings/{visit_id}")
def booking(visit_id: str, api: Served, x_api_key: Key = None) -> dict[str, Any]:
    api.authorise(x_api_key)
    return track_view(api.day, api.visit_of(visit_id))


@router.post("/bookings/{visit_id}/reschedule")
def reschedule(
    visit_id: str,
    body: schemas.Reschedule,
    api: Served,
    x_api_key: Key = None,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Move the booking to another window of the day; its request id (the
    ``Idempotency-Key``, else the day's own number) and ``channel`` go on its new
    ``visit_booked``."""
    api.authorise(x_api_key)
    w = api.window(body.window_start, body.window_end, ["body"])
    record = {"kind": "reschedule", "visit_id": api.visit_of(visit_id), "window": w}
    if body.channel is not None:
        record["channel"] = body.channel
    return answer(api.day.request(record, idempotency_key), 200)


@router.delete("/bookings/{visit_id}")
def cancel(
    visit_id: str,
    api: Served,
    x_api_key: Key = None,
    idempotency_key: IdemKey = None,
    channel: Annotated[schemas.OutsideChannel | None, Query()] = None,
) -> JSONResponse:
    """Cancel the booking (once per ``Idempotency-Key``); its request id and ``channel``
    go on its ``visit_cancelled``."""
    api.authorise(x_api_key)
    record: dict[str, Any] = {"kind": "cancel", "visit_id": api.visit_of(visit_id)}
    if channel is not None:
        record["channel"] = channel
    return answer(api.day.request(record, idempotency_key), 200)


@router.post("/device-alerts")
def device_alert(
    body: schemas.DeviceAlertRequest,
    api: Served,
    x_api_key: Key = None,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """A connected product reports a fault: by policy (``policy.device_alerts``) the visit
    is booked at once, or offers are returned for the customer to choose."""
    api.authorise(x_api_key)
    record = {
        "kind": "device_alert",
        "channel": "device",
        "device_id": body.device_id,
        "fault_code": body.fault_code,
        "job": api.job_record(body.job, ["body", "job"]),
    }
    return answer(api.day.request(record, idempotency_key), 201)
