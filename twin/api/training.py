"""The trainee's routes of a served exercise (``twin train``): the desk (``/desk`` and
``/api/v1/desk``), a dispatcher's actions (move a visit, move it to another day, warn or
message a customer, accept an emergency, make room for it or refuse it, refuse a call),
and the debrief against the autopilot. They need the API key, like every
booking endpoint; each action is a journaled request of the trainee's day."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from twin.api import schemas
from twin.api.context import API, Key, Served
from twin.api.desk import desk_view
from twin.api.desk_page import desk_page
from twin.app.training.debrief import debrief
from twin.app.training.session import Session

router = APIRouter()


def add_training(app: FastAPI, session: Session) -> None:
    """The trainee's routes on the app of ``session``'s day."""
    app.state.session = session
    app.include_router(router)


def _session(request: Request) -> Session:
    return request.app.state.session


def _act(api: Served, record: dict[str, Any]) -> JSONResponse:
    result = api.day.request({**record, "by": "trainee"})
    return JSONResponse(result, status_code=409 if result["status"] == "refused" else 200)


@router.get("/desk", response_class=HTMLResponse, include_in_schema=False)
def desk() -> HTMLResponse:
    return HTMLResponse(desk_page())


@router.get(f"{API}/desk")
def desk_json(request: Request, api: Served, x_api_key: Key = None) -> dict[str, Any]:
    """Every technician and visit as of now, the planned routes, the exception queue."""
    api.authorise(x_api_key)
    return desk_view(_session(request))


@router.post(f"{API}/dispatch/move")
def move(body: schemas.MoveVisit, api: Served, x_api_key: Key = None) -> JSONResponse:
    api.authorise(x_api_key)
    return _act(api, {"kind": "move", **body.model_dump()})


@router.post(f"{API}/dispatch/defer")
def defer(body: schemas.VisitAction, api: Served, x_api_key: Key = None) -> JSONResponse:
    api.authorise(x_api_key)
    return _act(api, {"kind": "defer", "visit_id": body.visit_id})


@router.post(f"{API}/dispatch/warn")
def warn(body: schemas.WarnCustomer, api: Served, x_api_key: Key = None) -> JSONResponse:
    api.authorise(x_api_key)
    return _act(api, {"kind": "warn", "visit_id": body.visit_id, "text": body.text})


@router.post(f"{API}/dispatch/message")
def message(body: schemas.MessageCustomer, api: Served, x_api_key: Key = None) -> JSONResponse:
    """A free message to a visit's customer, on their channel (logged)."""
    api.authorise(x_api_key)
    return _act(api, {"kind": "message", "visit_id": body.visit_id, "text": body.text})


@router.post(f"{API}/dispatch/accept")
def accept(body: schemas.AcceptEmergency, api: Served, x_api_key: Key = None) -> JSONResponse:
    """An emergency from the queue onto a technician's route (or the planner's choice)."""
    api.authorise(x_api_key)
    return _act(api, {"kind": "accept", **body.model_dump()})


@router.post(f"{API}/dispatch/make-room")
def make_room(body: schemas.MakeRoom, api: Served, x_api_key: Key = None) -> JSONResponse:
    """A visit moves to another day; the emergency takes its place."""
    api.authorise(x_api_key)
    return _act(api, {"kind": "make_room", **body.model_dump()})


@router.post(f"{API}/dispatch/refuse")
def refuse(body: schemas.RefuseRequest, api: Served, x_api_key: Key = None) -> JSONResponse:
    """Turn down a waiting emergency or call; the reason goes into the log."""
    api.authorise(x_api_key)
    record = {k: v for k, v in body.model_dump().items() if v is not None}
    return _act(api, {"kind": "refuse", **record})


@router.get(f"{API}/debrief")
def debrief_json(
    request: Request, api: Served, effects: bool = False, x_api_key: Key = None
) -> dict[str, Any]:
    """The trainee's day (so far, continued with the script only) beside the autopilot's,
    the score with its parts, and (``effects``) each decision priced."""
    api.authorise(x_api_key)
    return debrief(_session(request), effects=effects).to_dict()
