"""Fast constructors for the brain's most frequent decisions.

A brain day builds one ``EtaUpdated`` per published ETA (about 130,000 a day per 1,000
technicians, 40 % of the log) and one ``CustomerNotified`` per message; the world builds one
``Position`` per technician on shift every GPS round (about 72,000 a day per 1,000). The generated
``__init__`` of a frozen dataclass sets each field through ``object.__setattr__`` (looked
up by name for every field), then runs ``__post_init__``: about 2.8x the cost of setting the
slots directly. The functions here build the same objects (same class, same fields, equal
and encoded to the same bytes) by writing each slot through its descriptor, and keep the
schema's one check: a ``time`` that is not the clock's own UTC goes through the class's
constructor, which validates it (or refuses it with its precise error).

They are the positional twins of the classes' keyword constructors; use them on hot paths
only, where the arguments are already known to be well typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from twin.events.schema import (
    CustomerNotified,
    EtaUpdated,
    Language,
    NotificationKind,
    Position,
)
from twin.events.schema import NotifyChannel as _NotifyChannel

__all__ = ["customer_notified", "eta_updated", "position"]

_Setter = Callable[[object, Any], None]


def _setters(cls: type, *names: str) -> tuple[_Setter, ...]:
    """The slot descriptors' setters of ``cls``'s fields ``names`` (inherited ones too)."""
    found = []
    for name in names:
        descriptor = getattr(cls, name)
        if not hasattr(descriptor, "__set__"):  # a slots=False class would have no descriptor
            msg = f"{cls.__name__}.{name} is not a slot: the fast constructor needs slots=True"
            raise TypeError(msg)
        found.append(cast(_Setter, descriptor.__set__))
    return tuple(found)


_new = object.__new__
_ETA = _setters(EtaUpdated, "id", "time", "visit_id", "technician_id", "eta_low", "eta", "eta_high")
_NOTIFIED = _setters(
    CustomerNotified, "id", "time", "visit_id", "customer_id", "channel", "kind", "language", "text"
)
_POSITION = _setters(Position, "id", "time", "technician_id", "x", "y")


def eta_updated(
    id: str,
    time: datetime,
    visit_id: str,
    technician_id: str,
    eta_low: datetime,
    eta: datetime,
    eta_high: datetime,
) -> EtaUpdated:
    """``EtaUpdated(id=id, time=time, ...)``, the same object built faster."""
    if time.tzinfo is not UTC:  # not the clock's own time: the constructor checks it
        return EtaUpdated(
            id=id,
            time=time,
            visit_id=visit_id,
            technician_id=technician_id,
            eta_low=eta_low,
            eta=eta,
            eta_high=eta_high,
        )
    e = _new(EtaUpdated)
    s_id, s_time, s_visit, s_tech, s_low, s_eta, s_high = _ETA
    s_id(e, id)
    s_time(e, time)
    s_visit(e, visit_id)
    s_tech(e, technician_id)
    s_low(e, eta_low)
    s_eta(e, eta)
    s_high(e, eta_high)
    return e


def customer_notified(
    id: str,
    time: datetime,
    visit_id: str,
    customer_id: str,
    channel: _NotifyChannel,
    kind: NotificationKind,
    language: Language,
    text: str,
) -> CustomerNotified:
    """``CustomerNotified(id=id, time=time, ...)``, the same object built faster."""
    if time.tzinfo is not UTC:
        return CustomerNotified(
            id=id,
            time=time,
            visit_id=visit_id,
            customer_id=customer_id,
            channel=channel,
            kind=kind,
            language=language,
            text=text,
        )
    e = _new(CustomerNotified)
    s_id, s_time, s_visit, s_customer, s_channel, s_kind, s_language, s_text = _NOTIFIED
    s_id(e, id)
    s_time(e, time)
    s_visit(e, visit_id)
    s_customer(e, customer_id)
    s_channel(e, channel)
    s_kind(e, kind)
    s_language(e, language)
    s_text(e, text)
    return e


def position(id: str, time: datetime, technician_id: str, x: float, y: float) -> Position:
    """``Position(id=id, time=time, technician_id=technician_id, x=x, y=y)``, built faster."""
    if time.tzinfo is not UTC:
        return Position(id=id, time=time, technician_id=technician_id, x=x, y=y)
    e = _new(Position)
    s_id, s_time, s_tech, s_x, s_y = _POSITION
    s_id(e, id)
    s_time(e, time)
    s_tech(e, technician_id)
    s_x(e, x)
    s_y(e, y)
    return e
