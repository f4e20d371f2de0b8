from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from twin.clock import hhmm
from twin.models.decisions.notify import (
    ONCE,
    Message,
    NotifyPolicy,
    VisitContact,
    _time_of_day,
    decide,
    render,
)


def test_confirmation_in_the_customers_language() -> None:
    _, de = decide(
        NotifyPolicy(),
        VisitContact(),
        "confirmation",
        "de",
        visit_id="V1",
        day="23.11.2026",
        window=(480, 600),
    )
    _, en = decide(
        NotifyPolicy(),
        VisitContact(),
        "confirmation",
        "en",
        visit_id="V1",
        day="2026-11-23",
        window=(480, 600),
    )
    assert de is not None and "08:00–10:00 Uhr" in de.text and "bestätigt" in de.text
    assert en is not None and "confirmed" in en.text


def test_delay_warnings_have_hysteresis_and_a_cap() -> None:
    policy = NotifyPolicy(max_delay_warnings=2, hysteresis_min=15)
    c = VisitContact()
    c, first = decide(policy, c, "delay", "en", visit_id="V1", eta=(600, 610, 620))
    c, jitter = decide(policy, c, "delay", "en", visit_id="V1", eta=(605, 615, 625))
    c, moved = decide(policy, c, "delay", "en", visit_id="V1", eta=(630, 640, 650))
    c, third = decide(policy, c, "delay", "en", visit_id="V1", eta=(700, 720, 740))
    assert first is not None and "10:10" in first.text
    assert jitter is None  # moved 5 min < hysteresis
    assert moved is not None
    assert third is None  # cap of two warnings
    assert c.sent == 2


def test_each_kind_once_and_total_cap() -> None:
    policy = NotifyPolicy(max_per_visit=3)
    c = VisitContact()
    c, a = decide(policy, c, "arrival", "en", visit_id="V1")
    c, again = decide(policy, c, "arrival", "en", visit_id="V1")
    c, b = decide(policy, c, "on_the_way", "en", visit_id="V1", eta=(1, 2, 3))
    c, f = decide(policy, c, "feedback", "de", visit_id="V1")
    c, d = decide(policy, c, "delay", "en", visit_id="V1", eta=(1, 2, 3))
    assert a and b and f and again is None and d is None


def test_disabled_policy_sends_nothing() -> None:
    _, msg = decide(NotifyPolicy(enabled=False), VisitContact(), "arrival", "en", visit_id="V1")
    assert msg is None


def test_day_labels_match_strftime() -> None:
    from datetime import UTC, datetime

    from twin.models.decisions.notify import day_label

    for t in (datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC)):
        assert day_label(t, "de") == t.strftime("%d.%m.%Y")
        assert day_label(t, "en") == t.strftime("%Y-%m-%d")
    assert day_label(datetime(2026, 11, 23, tzinfo=UTC), "de") == "23.11.2026"


def test_a_moved_visit_gets_one_apology_in_the_customers_language() -> None:
    c, de = decide(NotifyPolicy(), VisitContact(), "moved", "de", visit_id="V1")
    c, again = decide(NotifyPolicy(), c, "moved", "de", visit_id="V1")
    _, en = decide(NotifyPolicy(), VisitContact(), "moved", "en", visit_id="V1")
    assert de is not None and "verschieben" in de.text and "neuen Termin" in de.text
    assert en is not None and "move it" in en.text and "new appointment" in en.text
    assert again is None


def _reference_decide(
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
    """``decide`` as it was written before session 13 made it cheaper: the oracle."""
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


_KINDS = ["confirmation", "on_the_way", "delay", "arrival", "feedback", "moved"]
_MINUTES = st.floats(min_value=0.0, max_value=1500.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(
    policy=st.builds(
        NotifyPolicy,
        enabled=st.booleans(),
        max_per_visit=st.integers(0, 6),
        max_delay_warnings=st.integers(0, 3),
        hysteresis_min=st.sampled_from([0.0, 5.0, 15.0]),
    ),
    steps=st.lists(
        st.tuples(st.sampled_from(_KINDS), st.sampled_from(["de", "en", "fr"]), _MINUTES),
        max_size=12,
    ),
)
def test_decide_says_what_the_reference_says_message_by_message(
    policy: NotifyPolicy, steps: list[tuple[str, str, float]]
) -> None:
    """A visit's sequence of decisions: each record and message equal to the oracle's."""
    ours = theirs = VisitContact()
    for kind, language, minute in steps:
        kw = {
            "visit_id": "V7",
            "day": "23.11.2026",
            "window": (minute, minute + 120.0),
            "eta": (minute - 10.0, minute, minute + 12.5),
            "link": "https://t.example/v/V7",
        }
        ours, msg = decide(policy, ours, kind, language, **kw)  # type: ignore[arg-type]
        theirs, expected = _reference_decide(policy, theirs, kind, language, **kw)  # type: ignore[arg-type]
        assert (ours, msg) == (theirs, expected)


@given(
    st.floats(min_value=-5000.0, max_value=5000.0) | st.integers(-5000, 5000).map(lambda m: m / 2)
)
def test_the_looked_up_time_of_day_is_the_clocks(minutes: float) -> None:
    """Half minutes round to even, as ``hhmm`` rounds; negative minutes wrap as it wraps."""
    assert _time_of_day(minutes) == hhmm(minutes, nearest=True)
