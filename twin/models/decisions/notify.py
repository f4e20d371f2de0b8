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

from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from twin.clock import hhmm
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
    """Whether to send a ``kind`` message now; returns the updated contact record."""
    if not policy.enabled or contact.sent >= policy.max_per_visit:
        return contact, None
    if kind in ONCE and kind in contact.kinds:
        return contact, None
    values: dict[str, str] = {"visit": visit_id, "day": day, "link": link}
    if kind == "delay":
        assert eta is not None
        if contact.delay_warnings >= policy.max_delay_warnings:
            return contact, None
        last = contact.last_delay_eta
        if last is not None and abs(eta[1] - last) < policy.hysteresis_min:
            return contact, None
        values["eta"] = hhmm(eta[1], nearest=True)
        contact = replace(contact, delay_warnings=contact.delay_warnings + 1, last_delay_eta=eta[1])
    elif kind == "on_the_way":
        assert eta is not None
        values.update(low=hhmm(eta[0], nearest=True), high=hhmm(eta[2], nearest=True))
    elif kind == "confirmation":
        assert window is not None
        values.update(start=hhmm(window[0], nearest=True), end=hhmm(window[1], nearest=True))
    text = render(kind, language, **values)
    contact = replace(contact, sent=contact.sent + 1, kinds=contact.kinds | {kind})
    return contact, Message(kind, text)


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
