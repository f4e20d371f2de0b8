"""The trainee's routes of a served exercise (``twin train``): the desk (``/desk`` and
``/api/v1/desk``), a dispatcher's actions (move a visit, move it to another day, warn a
customer), and the debrief against the autopilot. They need the API key, like every
booking endpoint; each action is a journaled request of the trainee's day."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from twin.api import schemas
from twin.api.app import API, Key, Refusal
from twin.api.desk import desk_view
from twin.api.desk_page import desk_page
from twin.app.training.debrief import debrief
from twin.app.training.session import Session


def add_training(app: FastAPI, session: Session, api_key: str) -> None:
    day = session.day

    def authorise(key: str | None) -> None:
        if key is None or not hmac.compare_digest(key.encode(), api_key.encode()):
            raise Refusal(401, ["header", "X-API-Key"], "a valid API key is needed")

    def act(record: dict[str, Any]) -> JSONResponse:
        answer = day.request({**record, "by": "trainee"})
        return JSONResponse(answer, status_code=409 if answer["status"] == "refused" else 200)

    @app.get("/desk", response_class=HTMLResponse, include_in_schema=False)
    def desk() -> HTMLResponse:
        return HTMLResponse(desk_page())

    @app.get(f"{API}/desk")
    def desk_json(x_api_key: Key = None) -> dict[str, Any]:
        """Every technician and visit as of now, the planned routes, the exception queue."""
        authorise(x_api_key)
        return desk_view(session)

    @app.post(f"{API}/dispatch/move")
    def move(body: schemas.MoveVisit, x_api_key: Key = None) -> JSONResponse:
        authorise(x_api_key)
        return act({"kind": "move", **body.model_dump()})

    @app.post(f"{API}/dispatch/defer")
    def defer(body: schemas.VisitAction, x_api_key: Key = None) -> JSONResponse:
        authorise(x_api_key)
        return act({"kind": "defer", "visit_id": body.visit_id})

    @app.post(f"{API}/dispatch/warn")
    def warn(body: schemas.WarnCustomer, x_api_key: Key = None) -> JSONResponse:
        authorise(x_api_key)
        return act({"kind": "warn", "visit_id": body.visit_id, "text": body.text})

    @app.get(f"{API}/debrief")
    def debrief_json(effects: bool = False, x_api_key: Key = None) -> dict[str, Any]:
        """The trainee's day (so far, continued with the script only) beside the
        autopilot's, the score with its parts, and (``effects``) each decision priced."""
        authorise(x_api_key)
        return debrief(session, effects=effects).to_dict()
