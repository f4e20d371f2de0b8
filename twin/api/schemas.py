"""The booking API's request bodies: strict pydantic models, so a bad request gets a 422
naming the field (``loc``), the value and what is allowed, before any handler runs.

Times of day are local to the company (``HH:MM``, the scenario's time zone); answers carry
both local ``HH:MM`` and UTC ISO datetimes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from twin.clock import parse_hhmm

JobTypeName = Literal["maintenance", "repair", "installation", "inspection", "emergency"]
OutsideChannel = Literal["call_centre", "portal", "device"]
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,40}$"


class _Body(BaseModel):
    # numbers and flags are strict ("5" is not 5, "yes" is not true); strings and dates as
    # JSON has them
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_max_length=200)


def _time_of_day(value: str) -> str:
    try:
        parse_hhmm(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    return value


TimeOfDay = Annotated[str, AfterValidator(_time_of_day)]


class Job(_Body):
    """What the customer needs, where, and when they can be there (local time)."""

    customer_id: str = Field(pattern=ID_PATTERN)
    job_type: JobTypeName = "repair"
    x: float = Field(ge=0, le=1000, strict=True, description="site x in km on the city plane")
    y: float = Field(ge=0, le=1000, strict=True, description="site y in km on the city plane")
    available_from: TimeOfDay = Field(default="00:00", description="HH:MM, local time")
    available_until: TimeOfDay = Field(default="24:00", description="HH:MM, local time")
    wish_date: dt.date | None = Field(default=None, description="the day wished for")
    language: Literal["de", "en"] = "de"
    notify_channel: Literal["sms", "email", "app", "phone"] = "sms"


class OfferRequest(_Body):
    channel: OutsideChannel
    job: Job
    limit: int = Field(default=5, ge=1, le=20, strict=True)


class BookingRequest(_Body):
    """Book ``job`` in a window (one of the offers), or in the planner's best when left out."""

    channel: OutsideChannel
    job: Job
    window_start: TimeOfDay | None = Field(default=None, description="HH:MM, local time")
    window_end: TimeOfDay | None = Field(default=None, description="HH:MM, local time")
    call_id: str | None = Field(default=None, pattern=ID_PATTERN, description="a call answered")


class WindowChoice(_Body):
    window_start: TimeOfDay = Field(description="HH:MM, local time")
    window_end: TimeOfDay = Field(description="HH:MM, local time")


class Reschedule(WindowChoice):
    """A booking moved to another window by the call centre or the portal (the channel is
    recorded on the visit's new ``visit_booked``)."""

    channel: OutsideChannel | None = Field(default=None, description="where the request came")


class DeviceAlertRequest(_Body):
    """A fault reported by a connected product: a proactive visit for its customer."""

    device_id: str = Field(pattern=ID_PATTERN)
    fault_code: str = Field(pattern=ID_PATTERN)
    job: Job


class FeedbackRequest(_Body):
    rating: int = Field(ge=1, le=5, strict=True, description="1 (poor) to 5 (excellent) stars")
    comment: str | None = Field(default=None, max_length=500)


class ClockChange(_Body):
    """Change the served day's pace: a speed (simulated minutes per wall minute, or
    "max"), pause or resume, and a local time to pause at."""

    speed: Annotated[float, Field(gt=0, le=100_000, strict=True)] | Literal["max"] | None = None
    paused: bool | None = Field(default=None, strict=True)
    until: TimeOfDay | None = Field(default=None, description="HH:MM: pause when reached")


class MoveVisit(_Body):
    """A dispatcher's move: the visit to ``technician_id``'s route at ``position`` (0: next;
    left out: at the end)."""

    visit_id: str = Field(pattern=ID_PATTERN)
    technician_id: str = Field(pattern=ID_PATTERN)
    position: int | None = Field(default=None, ge=0, le=1000, strict=True)


class VisitAction(_Body):
    visit_id: str = Field(pattern=ID_PATTERN)


class WarnCustomer(_Body):
    visit_id: str = Field(pattern=ID_PATTERN)
    text: str = Field(default="", max_length=300)


class MessageCustomer(_Body):
    visit_id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=1, max_length=300)


class AcceptEmergency(_Body):
    """An emergency waiting in the queue onto ``technician_id``'s route at ``position``
    (left out: next); no technician: where the planner places it (making room if needed)."""

    visit_id: str = Field(pattern=ID_PATTERN)
    technician_id: str | None = Field(default=None, pattern=ID_PATTERN)
    position: int | None = Field(default=None, ge=0, le=1000, strict=True)


class MakeRoom(_Body):
    """Move ``give_way`` to another day and put the emergency ``visit_id`` in its place."""

    visit_id: str = Field(pattern=ID_PATTERN)
    give_way: str = Field(pattern=ID_PATTERN)


class RefuseRequest(_Body):
    """Turn down a waiting emergency (``visit_id``) or call (``call_id``), with a reason."""

    visit_id: str | None = Field(default=None, pattern=ID_PATTERN)
    call_id: str | None = Field(default=None, pattern=ID_PATTERN)
    reason: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_target(self) -> RefuseRequest:
        if (self.visit_id is None) == (self.call_id is None):
            raise ValueError("give exactly one of visit_id (an emergency) or call_id (a call)")
        return self
