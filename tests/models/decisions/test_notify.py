from __future__ import annotations

from twin.models.decisions.notify import NotifyPolicy, VisitContact, decide


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
