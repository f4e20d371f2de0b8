"""What every route of the live API shares: the served day, the API key, and the checks
that turn a request's fields into a journaled record or a 4xx naming the field.

The routes ask a holder for the day they serve (:attr:`Api.day`), never keep one: over
``twin serve --days N`` the day changes under them. While one day has ended and the next
is opening, a request gets a 503 with ``Retry-After`` (the status still answers)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from twin.api import schemas
from twin.app.live import LiveDay, RequestRefused
from twin.app.live.refusals import SWITCHING
from twin.clock import hhmm, parse_hhmm
from twin.config import ConfigError
from twin.models.decisions.links import LinkError


class Refusal(Exception):
    """A request refused with ``status``; ``loc`` names the field, as FastAPI's own 422s."""

    def __init__(self, status: int, loc: list[str], message: str) -> None:
        super().__init__(message)
        self.status, self.loc, self.message = status, loc, message


def minutes(loc: list[str], text: str) -> float:
    try:
        return parse_hhmm(text)
    except ValueError as exc:
        raise Refusal(422, loc, str(exc)) from None


API = "/api/v1"
# module-level: the routes' annotations are strings, resolved in their modules' globals
Key = Annotated[str | None, Header(alias="X-API-Key")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
DONE = ("booked", "rescheduled", "cancelled", "rated", "moved", "deferred", "warned")


def answer(result: dict[str, Any], ok: int) -> JSONResponse:
    """A request's answer: ``ok`` when carried out, 200 for offers, 409 when refused."""
    if result["status"] in DONE:
        status = ok
    elif result["status"] in ("offers", "no_offer"):
        status = 200
    else:
        status = 409
    return JSONResponse(result, status_code=status)


class Serving(Protocol):
    """What holds the served day: one day, or the days of a period (:mod:`twin.app.live.days`)."""

    @property
    def day(self) -> LiveDay: ...

    def status(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class OneDay:
    """A single served day."""

    day: LiveDay

    def status(self) -> dict[str, Any]:
        return self.day.status()


@dataclass(frozen=True)
class Api:
    serving: Serving
    api_key: str

    @property
    def day(self) -> LiveDay:
        """The day served now; a 503 while it has ended and the next one is opening."""
        day = self.serving.day
        if day.over and day.follows:
            raise RequestRefused(503, "time", SWITCHING)
        return day

    def authorise(self, key: str | None) -> None:
        if key is None or not hmac.compare_digest(key.encode(), self.api_key.encode()):
            raise Refusal(401, ["header", "X-API-Key"], "a valid API key is needed")

    def job_record(self, job: schemas.Job, loc: list[str]) -> dict[str, Any]:
        scenario = self.day.scenario
        size = scenario.city.size_km
        if job.x > size or job.y > size:
            field = "x" if job.x > size else "y"
            raise Refusal(422, [*loc, field], f"outside the city (0 to {size:g} km)")
        on_streets = getattr(self.day.world.company.travel, "node", None)
        if on_streets is not None:  # real roads: the site must lie near a street
            try:
                on_streets(job.x, job.y)
            except ConfigError as exc:
                raise Refusal(422, [*loc, "x"], str(exc)) from None
        if job.job_type not in scenario.demand.jobs:
            allowed = ", ".join(sorted(scenario.demand.jobs))
            raise Refusal(422, [*loc, "job_type"], f"not offered; allowed: {allowed}")
        lo = minutes([*loc, "available_from"], job.available_from)
        hi = minutes([*loc, "available_until"], job.available_until)
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

    def wish_day(self, job: schemas.Job, loc: list[str]) -> int:
        """The working day the job wishes for: 0 the served day (or no wish), 1 the next."""
        if job.wish_date is None:
            return 0
        try:
            return self.day.later().day_of(job.wish_date)
        except ValueError as exc:
            raise Refusal(422, [*loc, "wish_date"], str(exc)) from None

    def window(self, start: str | None, end: str | None, loc: list[str]) -> list[float] | None:
        if start is None and end is None:
            return None
        if start is None or end is None:
            raise Refusal(422, [*loc, "window_end"], "give both window_start and window_end")
        w = [minutes([*loc, "window_start"], start), minutes([*loc, "window_end"], end)]
        if (w[0], w[1]) not in self.day.world.company.windows:
            offered = ", ".join(f"{hhmm(a)}–{hhmm(b)}" for a, b in self.day.world.company.windows)
            raise Refusal(422, [*loc, "window_start"], f"not an offered window; offered: {offered}")
        return w

    def visit_of(self, visit_id: str) -> str:
        if not visit_id or len(visit_id) > 40 or self.day.view(visit_id) is None:
            raise Refusal(404, ["path", "visit_id"], "no such booking")
        return visit_id

    def token_visit(self, token: str) -> str:
        day = self.day
        now = day.clock.at(day.now)  # without the day's lock: see LiveDay.view
        try:
            vid = day.links.verify(token, now)
        except LinkError:
            raise Refusal(401, ["path", "token"], "link not valid or expired") from None
        if day.view(vid) is None and day.booked_ahead(vid) is None:
            raise Refusal(401, ["path", "token"], "link not valid or expired")
        return vid

    def token_today(self, token: str) -> str:
        """:meth:`token_visit` for a change or a rating: a visit of the served day."""
        vid = self.token_visit(token)
        if self.day.view(vid) is None:  # booked for a later working day
            msg = "the visit is booked for a later day; it can be changed from its day on"
            raise Refusal(409, ["path", "token"], msg)
        return vid


async def current(request: Request) -> Api:  # async: no thread hop per request
    return request.app.state.api


Served = Annotated[Api, Depends(current)]
