"""Customer notifications: what to tell whom, when — without spamming.

Messages: confirmation with the window at booking, "on the way" with an ETA interval when
the technician sets off, a delay warning with a new ETA *before* the window is missed,
arrival, a feedback link after the visit (the visit's info link, :mod:`.links`, which the
confirmation and the "on the way" message carry too), and an apology when the company
moves the visit to another day (to make room for an emergency, or because it no longer fits
the day). Each goes out on the customer's preferred channel in their language (German or English).

No spam: at most ``max_per_visit`` messages per visit, at most ``max_delay_warnings`` delay
warnings, and a further delay warning only when the ETA has moved by at least
``hysteresis_min`` since the last one (hysteresis).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from twin.events import CustomerNotified

TEMPLATES: dict[str, dict[str, str]] = {
    "confirmation": {
        "de": "Ihr Termin ist bestätigt: {day}, {start}–{end} Uhr. Ihr Termin live: {link}",
        "en": "Your appointment is confirmed: {day}, {start}–{end}. Follow it live: {link}",
    },
    "on_the_way": {
        "de": "Ihr Techniker ist unterwegs. Ankunft voraussichtlich {low}–{high} Uhr. {link}",
        "en": "Your technician is on the way. Expected arrival {low}–{high}. {link}",
    },
    "delay": {
        "de": "Es tut uns leid: Ihr Techniker verspätet sich. Neue Ankunftszeit etwa {eta} Uhr.",
        "en": "We are sorry: your technician is running late. New arrival time about {eta}.",
    },
    "arrival": {
        "de": "Ihr Techniker ist angekommen.",
        "en": "Your technician has arrived.",
    },
    "moved": {
        "de": (
            "Es tut uns leid: Wir schaffen Ihren heutigen Termin nicht mehr und müssen ihn "
            "verschieben. Wir melden uns, um einen neuen Termin mit Ihnen zu vereinbaren."
        ),
        "en": (
            "We are sorry: we can no longer make today's appointment and have to move it. "
            "We will contact you to agree a new appointment."
        ),
    },
    "rebooked": {
        "de": "Ihr Termin wurde verlegt. Neuer Termin: {day}, {start}–{end} Uhr. {link}",
        "en": "Your appointment has been moved. New appointment: {day}, {start}–{end}. {link}",
    },
    "feedback": {
        "de": "Wie war unser Besuch? Bewerten Sie uns: {link}",
        "en": "How did we do? Rate your visit: {link}",
    },
}


# ``hhmm(minutes, nearest=True)`` of every minute of a day: the time of day of a customer's
# message, looked up (``_time_of_day``) instead of formatted for each message
_CLOCK_FACE = tuple(f"{h:02d}:{m:02d}" for h in range(24) for m in range(60))


def _time_of_day(minutes: float) -> str:
    """``hhmm(minutes, nearest=True)``: rounded to the nearest minute, wrapping at midnight
    (the same refusal of NaN and infinities, by ``round``)."""
    return _CLOCK_FACE[round(minutes) % 1440]


ONCE = frozenset({"confirmation", "on_the_way", "arrival", "feedback", "moved"})  # per visit


@dataclass(frozen=True, slots=True)
class NotifyPolicy:
    enabled: bool = True
    max_per_visit: int = 5
    max_delay_warnings: int = 2
    hysteresis_min: float = 15.0


@dataclass(frozen=True, slots=True)
class VisitContact:
    """What a visit's customer has been told so far."""

    sent: int = 0
    delay_warnings: int = 0
    last_delay_eta: float | None = None
    kinds: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Message:
    kind: str
    text: str


def render(kind: str, language: str, **values: str) -> str:
    templates = TEMPLATES[kind]
    return templates.get(language, templates["en"]).format(**values)


def decide(
    policy: NotifyPolicy,
    contact: VisitContact,
    kind: str,
    language: str,
    *,
    visit_id: str,
    day: str = "",
    window: tuple[float, float] | None = None,
    eta: tuple[float, float, float] | None = None,
    link: str = "",
) -> tuple[VisitContact, Message | None]:
    """Whether to send a ``kind`` message now; returns the updated contact record.

    Asked for every "on the way", arrival and feedback of the day (three per visit, on the
    technician step's hot path): the new record is built once, positionally, and the text
    formatted from the template directly (``dataclasses.replace`` and ``render``'s
    keyword dictionary cost half the decision)."""
    sent, kinds = contact.sent, contact.kinds
    if not policy.enabled or sent >= policy.max_per_visit:
        return contact, None
    if kind in kinds and kind in ONCE:
        return contact, None
    warnings, last = contact.delay_warnings, contact.last_delay_eta
    templates = TEMPLATES[kind]
    template = templates.get(language)
    if template is None:
        template = templates["en"]
    if kind == "delay":
        assert eta is not None
        if warnings >= policy.max_delay_warnings:
            return contact, None
        if last is not None and abs(eta[1] - last) < policy.hysteresis_min:
            return contact, None
        warnings, last = warnings + 1, eta[1]
        text = template.format(visit=visit_id, day=day, link=link, eta=_time_of_day(eta[1]))
    elif kind == "on_the_way":
        assert eta is not None
        low, high = _time_of_day(eta[0]), _time_of_day(eta[2])
        text = template.format(visit=visit_id, day=day, link=link, low=low, high=high)
    elif kind == "confirmation":
        assert window is not None
        start, end = _time_of_day(window[0]), _time_of_day(window[1])
        text = template.format(visit=visit_id, day=day, link=link, start=start, end=end)
    else:
        text = template.format(visit=visit_id, day=day, link=link)
    return VisitContact(sent + 1, warnings, last, kinds | {kind}), Message(kind, text)


class Notifier(Protocol):
    """Where notifications go: a records sink now, an SMS/e-mail gateway later."""

    def send(self, notification: CustomerNotified) -> None: ...


class RecordingNotifier:
    """Keeps every notification in memory (for runs, tests and the report)."""

    def __init__(self) -> None:
        self.sent: list[CustomerNotified] = []

    def send(self, notification: CustomerNotified) -> None:
        self.sent.append(notification)


def day_label(t: date, language: str) -> str:
    """``23.11.2026`` in German, ``2026-11-23`` otherwise (``strftime`` without its cost);
    ``t`` is the local date (``DayClock.local``)."""
    if language == "de":
        return f"{t.day:02d}.{t.month:02d}.{t.year:04d}"
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}"
