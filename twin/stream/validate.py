"""Validation at the boundary: what an event from outside may contain, for one company and day.

Lines of a recorded log (replay) and messages of a topic (shadow mode) become events here,
through :func:`parse_line`, before they reach a watermark or a step of the brain. A line
is decoded on its own (bytes that are not UTF-8 spoil only that line), parsed with the
schema of :mod:`twin.events` (types, required fields, timestamps with their offsets), and
then checked by :func:`check` against :class:`EventRules`, per field and across fields:

* numbers are finite and in range: coordinates inside the city square (with a margin),
  distances no longer than a drive across it, traffic factors in (0, 1], durations within
  a day, priorities, ratings and probabilities in their scales;
* the ``time`` of an event lies within the scenario's day (local midnight to midnight, the
  last instant excluded), other timestamps (windows, availability, ends) within the day or
  the night after it; windows end after they start;
* technicians are known (the roster is master data: an unknown id is refused, never a
  new key), zones are the city's; ids and texts are printable, bounded in length, and
  hold no lone surrogates (they could not be written as UTF-8).

A refusal is an :class:`~twin.events.EventParseError` naming the field, the value and
what is allowed; callers turn it into a dead letter. Visit and customer ids are not
master data: a visit is new when its request arrives, and an event about a visit nobody
requested changes nothing (the fleet mirror ignores it).

Events the world makes in the closed loop are not checked again: they are built by the
simulation, not read from outside.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from twin import events as ev
from twin.clock import DayClock
from twin.config import City

DAY_MIN = 24 * 60.0
MAX_LINE_BYTES = 16 * 2**20  # a plan for 20,000 technicians is ~3 MB on one line
MAX_ID_CHARS = 128
MAX_TEXT_CHARS = 10_000
REGION_MARGIN = 0.1  # share of the city's size that a point may lie outside it (GPS noise)
PRIORITIES = (0, 3)  # twin.config.JobSpec.priority
RATINGS = (1, 5)
MAX_PLAN_VERSION = 10**9

Check = Callable[[Any, "EventRules", str], None]
# what the range checks and the cross-field orders test, for the fast parser's inline form
# (twin.stream.fastparse): (lo, hi, open_lo) and (first, then, strict)
RANGES: dict[Check, tuple[float, float, bool]] = {}
ORDERS: dict[Callable[[ev.Event], None], tuple[str, str, bool]] = {}


def _fail(message: str, name: str) -> typing.NoReturn:
    raise ev.EventParseError(message, field=name)


def _show(value: object, limit: int = 60) -> str:
    """A value for a reason: its repr, cut if long (a reason names it, it need not hold it)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,d} characters)"


@dataclass(frozen=True, slots=True)
class EventRules:
    """What a valid event may hold: the day, the city square, the roster, the zones."""

    clock: DayClock
    size_km: float
    technicians: frozenset[str]
    zones: frozenset[str]
    detour_factor: float = 1.35
    bound_min: float = 0.0  # the tolerated reordering (for the reasons of late events)
    lo_km: float = field(init=False)
    hi_km: float = field(init=False)
    max_leg_km: float = field(init=False)
    day_start: datetime = field(init=False)
    day_end: datetime = field(init=False)
    night_end: datetime = field(init=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.size_km) and self.size_km > 0):
            msg = f"EventRules.size_km must be a positive number of km, got {self.size_km!r}"
            raise ValueError(msg)
        margin = REGION_MARGIN * self.size_km
        start = self.clock.midnight
        if start.year >= 9999:  # the night after it would not be a date
            msg = f"EventRules.clock: a day in 9999 cannot be validated, got {start.date()}"
            raise ValueError(msg)
        derived = {
            "lo_km": -margin,
            "hi_km": self.size_km + margin,
            # corner to corner of the square with its margin, on the road
            "max_leg_km": math.sqrt(2.0) * (self.size_km + 2 * margin) * self.detour_factor,
            "day_start": start,
            "day_end": start + timedelta(minutes=DAY_MIN),
            "night_end": start + timedelta(minutes=2 * DAY_MIN),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @staticmethod
    def of(
        clock: DayClock, city: City, technicians: Collection[str], bound_min: float = 0.0
    ) -> EventRules:
        return EventRules(
            clock=clock,
            size_km=city.size_km,
            technicians=frozenset(technicians),
            zones=frozenset(z.name for z in city.zones),
            detour_factor=city.detour_factor,
            bound_min=bound_min,
        )


# ---------------------------------------------------------------- per field
def _finite(value: float, name: str) -> None:
    if not math.isfinite(value):
        _fail(f"{_show(value)} is not a finite number", name)


def _coordinate(value: Any, rules: EventRules, name: str) -> None:
    if not rules.lo_km <= value <= rules.hi_km:
        _finite(value, name)
        _fail(
            f"{_show(value)} km is outside the city (from {rules.lo_km:g} to {rules.hi_km:g} km: "
            f"the {rules.size_km:g} km square and a margin)",
            name,
        )


def _in_range(lo: float, hi: float, unit: str = "", *, open_lo: bool = False) -> Check:
    def check(value: Any, rules: EventRules, name: str) -> None:
        if (lo < value if open_lo else lo <= value) and value <= hi:
            return
        if isinstance(value, float):
            _finite(value, name)
        bracket = "(" if open_lo else "["
        _fail(f"{_show(value)}{unit} is outside {bracket}{lo:g}, {hi:g}]", name)

    RANGES[check] = (lo, hi, open_lo)
    return check


def _distance(value: Any, rules: EventRules, name: str) -> None:
    if not 0.0 <= value <= rules.max_leg_km:
        _finite(value, name)
        _fail(
            f"{_show(value)} km is not a drive within the city (0 to {rules.max_leg_km:.1f} km)",
            name,
        )


def _technician(value: Any, rules: EventRules, name: str) -> None:
    if value is None or value in rules.technicians:
        return
    _text_ok(value, MAX_ID_CHARS, name)
    _fail(f"unknown technician {_show(value)} (not in the roster)", name)


def _zone(value: Any, rules: EventRules, name: str) -> None:
    if value not in rules.zones:
        _text_ok(value, MAX_ID_CHARS, name)
        _fail(
            f"unknown zone {_show(value)}; the city's zones: {', '.join(sorted(rules.zones))}", name
        )


def _text_ok(value: Any, limit: int, name: str) -> None:
    if len(value) > limit:
        _fail(f"text of {len(value):,d} characters; at most {limit:,d} allowed", name)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            _fail(f"{_show(value)} holds a lone surrogate (not encodable as UTF-8)", name)


def _id(value: Any, rules: EventRules, name: str) -> None:
    if value is None:
        return
    if value and len(value) <= MAX_ID_CHARS and value.isprintable():
        return
    _text_ok(value, MAX_ID_CHARS, name)
    _fail(f"{_show(value)} is not an id (1 to {MAX_ID_CHARS} printable characters)", name)


def _text(value: Any, rules: EventRules, name: str) -> None:
    _text_ok(value, MAX_TEXT_CHARS, name)


def _optional_text(value: Any, rules: EventRules, name: str) -> None:
    if value is not None:
        _text_ok(value, MAX_TEXT_CHARS, name)


def _later_time(value: Any, rules: EventRules, name: str) -> None:
    """A time on a later day (a booking ahead): not before the day."""
    if value < rules.day_start:
        _fail(
            f"{ev.format_time(value)} is before the day ({ev.format_time(rules.day_start)})", name
        )


def _event_time(value: Any, rules: EventRules, name: str) -> None:
    # half open: local midnight at its end is the next day's first instant (a stream of the
    # next day starts with bookings stamped then, which must not pass as tonight's)
    if not rules.day_start <= value < rules.day_end:
        _fail(
            f"{ev.format_time(value)} is not within the day "
            f"({ev.format_time(rules.day_start)} to {ev.format_time(rules.day_end)})",
            name,
        )


def _other_time(value: Any, rules: EventRules, name: str) -> None:
    if value is None:
        return
    if not rules.day_start <= value <= rules.night_end:
        _fail(
            f"{ev.format_time(value)} is not within the day or the night after it "
            f"({ev.format_time(rules.day_start)} to {ev.format_time(rules.night_end)})",
            name,
        )


def _routes(value: Any, rules: EventRules, name: str) -> None:
    for i, route in enumerate(value):
        _technician(route.technician_id, rules, f"{name}[{i}].technician_id")
        for j, vid in enumerate(route.visit_ids):
            _id(vid, rules, f"{name}[{i}].visit_ids[{j}]")
        _other_time(route.depart_at, rules, f"{name}[{i}].depart_at")


BY_NAME: dict[str, Check] = {
    "x": _coordinate,
    "y": _coordinate,
    "from_x": _coordinate,
    "from_y": _coordinate,
    "to_x": _coordinate,
    "to_y": _coordinate,
    "distance_km": _distance,
    "technician_id": _technician,
    "tentative_technician_id": _technician,
    "request_id": _optional_text,  # an Idempotency-Key (up to 200 characters) or the day's own
    "zone": _zone,
    "time": _event_time,
    "routes": _routes,
    "factor": _in_range(0.0, 1.0, open_lo=True),
    "expected_duration_min": _in_range(0.0, DAY_MIN, " min", open_lo=True),
    "probability": _in_range(0.0, 1.0),
    "priority": _in_range(*PRIORITIES),
    "rating": _in_range(*RATINGS),
    "version": _in_range(0, MAX_PLAN_VERSION),
}
BY_TYPE: dict[object, Check] = {datetime: _other_time, float: _in_range(-1e9, 1e9)}
ID_FIELDS = frozenset({"id", "visit_id", "customer_id", "device_id"})


# ---------------------------------------------------------------- across fields
def _ordered(first: str, then: str, *, strict: bool = True) -> Callable[[ev.Event], None]:
    relation = "after" if strict else "at or after"

    def check(e: ev.Event) -> None:
        a, b = getattr(e, first), getattr(e, then)
        if b > a if strict else b >= a:
            return
        _fail(f"{ev.format_time(b)} is not {relation} {first} {ev.format_time(a)}", then)

    ORDERS[check] = (first, then, strict)
    return check


ACROSS: dict[type[ev.Event], tuple[Callable[[ev.Event], None], ...]] = {
    ev.VisitRequested: (_ordered("available_from", "available_until"),),
    ev.VisitBooked: (_ordered("window_start", "window_end"),),
    ev.VisitBookedAhead: (_ordered("window_start", "window_end"),),
    ev.ShiftStarted: (_ordered("time", "planned_end"),),
    ev.TrafficChanged: (_ordered("time", "until", strict=False),),
    ev.EtaUpdated: (
        _ordered("eta_low", "eta", strict=False),
        _ordered("eta", "eta_high", strict=False),
    ),
}


def _plan(cls: type[ev.Event]) -> tuple[tuple[str, Check], ...]:
    hints = typing.get_type_hints(cls)
    plan: list[tuple[str, Check]] = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):  # X | None
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        if cls is ev.VisitBookedAhead and tp is datetime and f.name != "time":  # a later day
            plan.append((f.name, _later_time))
        elif f.name in BY_NAME:
            plan.append((f.name, BY_NAME[f.name]))
        elif f.name in ID_FIELDS:
            plan.append((f.name, _id))
        elif tp is str:
            plan.append((f.name, _text))
        elif tp in BY_TYPE:
            plan.append((f.name, BY_TYPE[tp]))
    return tuple(plan)


PLANS: dict[type[ev.Event], tuple[tuple[str, Check], ...]] = {
    cls: _plan(cls) for cls in ev.EVENT_TYPES.values()
}


def check(event: ev.Event, rules: EventRules) -> None:
    """Refuse an event that the brain must not see; :class:`~twin.events.EventParseError`
    names the field, the value and what is allowed."""
    cls = type(event)
    for name, field_check in PLANS[cls]:
        field_check(getattr(event, name), rules, name)
    for rule in ACROSS.get(cls, ()):
        rule(event)


def parse_line(raw: bytes | str, rules: EventRules | None, line_no: int | None = None) -> ev.Event:
    """One line of a log or one message of a topic as a valid event.

    Bytes are decoded here, line by line; without ``rules`` only the schema is checked.
    Raises :class:`~twin.events.EventParseError` naming the line and the field.
    """
    if len(raw) > MAX_LINE_BYTES:
        msg = f"line of {len(raw):,d} bytes or more; at most {MAX_LINE_BYTES:,d} allowed"
        raise ev.EventParseError(msg, line=line_no)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            msg = f"not UTF-8: byte {raw[exc.start]:#04x} at position {exc.start}"
            raise ev.EventParseError(msg, line=line_no) from None
    else:
        text = raw
    event = ev.from_json(text, line_no=line_no)
    if rules is not None:
        try:
            check(event, rules)
        except ev.EventParseError as exc:
            raise ev.EventParseError(exc.reason, line=line_no, field=exc.field) from None
    return event


MAX_RAW_CHARS = 65_536


def raw_text(raw: bytes | str) -> str:
    """A line as dead-letter text: undecodable bytes escaped, very long lines cut."""
    text = raw.decode("utf-8", "backslashreplace") if isinstance(raw, bytes) else raw
    if not text.isascii():  # lone surrogates (from a str source) escaped, others kept
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = text.rstrip("\r\n")
    if len(text) > MAX_RAW_CHARS:
        text = f"{text[:MAX_RAW_CHARS]}… ({len(text):,d} characters)"
    return text
