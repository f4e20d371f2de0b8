"""The customer's info link: the page (``/v/{token}``) and what it reads and posts
(``/api/v1/track/{token}``: the visit, a rating, a cancellation, a new window). A signed
token opens one visit; anything that does not verify gets the same 401."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse

from twin.api import schemas
from twin.api.context import API, Refusal, Served, answer
from twin.api.page import info_page
from twin.api.track import track_view

router = APIRouter()


@router.get("/v/{token}", response_class=HTMLResponse, include_in_schema=False)
async def page(token: str, api: Served) -> HTMLResponse:
    try:
        api.token_visit(token)
    except Refusal:
        return HTMLResponse(info_page(None), status_code=401)
    return HTMLResponse(info_page(token))


@router.get(f"{API}/track/{{token}}", response_model=dict[str, Any])
async def track(token: str, api: Served) -> JSONResponse:
    """The visit behind the link: status, window, the technician's position, ETA, any
    delay warning (local times). Async, and read without the day's lock: no hop to a
    worker thread; the answer as a response already, so that FastAPI does not validate
    the dict again (the poll runs on the event loop for every customer every 2 s)."""
    return JSONResponse(track_view(api.day, api.token_visit(token)))


@router.post(f"{API}/track/{{token}}/feedback")
def feedback(token: str, body: schemas.FeedbackRequest, api: Served) -> JSONResponse:
    record = {"kind": "feedback", "visit_id": api.token_today(token), "rating": body.rating}
    return answer(api.day.request(record), 200)


@router.post(f"{API}/track/{{token}}/cancel")
def cancel(token: str, api: Served) -> JSONResponse:
    record = {"kind": "cancel", "visit_id": api.token_today(token), "channel": "portal"}
    return answer(api.day.request(record), 200)


@router.post(f"{API}/track/{{token}}/reschedule")
def reschedule(token: str, body: schemas.WindowChoice, api: Served) -> JSONResponse:
    vid = api.token_today(token)
    w = api.window(body.window_start, body.window_end, ["body"])
    record = {"kind": "reschedule", "visit_id": vid, "window": w, "channel": "portal"}
    return answer(api.day.request(record), 200)
