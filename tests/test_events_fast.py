"""The fast constructors (twin.events.fast) build what the classes' constructors build:
the same class, equal fields, the same JSON bytes, and the same refusal of a time that is
not timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin import events as ev
from twin.events.fast import customer_notified, eta_updated, position
from twin.stream.techstate import TechState, next_id

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
texts = st.text(max_size=20)


@settings(max_examples=150, deadline=None)
@given(texts, times, texts, texts, times, times, times)
def test_eta_updated_is_the_constructors_event(i, t, vid, tid, low, eta, high):
    fast = eta_updated(i, t, vid, tid, low, eta, high)
    slow = ev.EtaUpdated(
        id=i, time=t, visit_id=vid, technician_id=tid, eta_low=low, eta=eta, eta_high=high
    )
    assert type(fast) is ev.EtaUpdated
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert ev.to_json(fast) == ev.to_json(slow)


@settings(max_examples=150, deadline=None)
@given(
    texts,
    times,
    texts,
    texts,
    st.sampled_from(ev.NOTIFY_CHANNELS),
    st.sampled_from(["confirmation", "on_the_way", "delay", "arrival", "feedback"]),
    st.sampled_from(["de", "en"]),
    texts,
)
def test_customer_notified_is_the_constructors_event(i, t, vid, cid, channel, kind, lang, text):
    fast = customer_notified(i, t, vid, cid, channel, kind, lang, text)
    slow = ev.CustomerNotified(
        id=i,
        time=t,
        visit_id=vid,
        customer_id=cid,
        channel=channel,
        kind=kind,
        language=lang,
        text=text,
    )
    assert type(fast) is ev.CustomerNotified
    assert fast == slow
    assert ev.to_json(fast) == ev.to_json(slow)


@settings(max_examples=150, deadline=None)
@given(texts, times, texts, st.floats(allow_nan=False), st.floats(allow_nan=False))
def test_position_is_the_constructors_event(i, t, tid, x, y):
    fast = position(i, t, tid, x, y)
    slow = ev.Position(id=i, time=t, technician_id=tid, x=x, y=y)
    assert type(fast) is ev.Position
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert ev.to_json(fast) == ev.to_json(slow)


def test_events_stay_frozen():
    t = datetime(2026, 11, 23, 8, tzinfo=UTC)
    e = eta_updated("b1", t, "V1", "T1", t, t, t)
    with pytest.raises(AttributeError):
        e.eta = t  # type: ignore[misc]


def test_a_time_that_is_not_the_clocks_goes_through_the_check():
    naive = datetime(2026, 11, 23, 8)
    with pytest.raises(ValueError, match=r"EtaUpdated\.time must be timezone-aware UTC"):
        eta_updated("b1", naive, "V1", "T1", naive, naive, naive)
    with pytest.raises(ValueError, match=r"CustomerNotified\.time must be timezone-aware UTC"):
        customer_notified("b1", naive, "V1", "C1", "sms", "arrival", "en", "hi")
    with pytest.raises(ValueError, match=r"Position\.time must be timezone-aware UTC"):
        position("w1", naive, "T1", 0.0, 0.0)
    # another zone at offset zero is accepted, as the constructor accepts it
    zero = datetime(2026, 11, 23, 8, tzinfo=timezone(timedelta(0)))
    assert eta_updated("b1", zero, "V1", "T1", zero, zero, zero) == ev.EtaUpdated(
        id="b1", time=zero, visit_id="V1", technician_id="T1", eta_low=zero, eta=zero, eta_high=zero
    )


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_next_id_writes_the_six_digit_sequence(seq):
    state = TechState(tid="T0042")
    state.seq = seq
    assert next_id(state) == f"bT0042-{seq + 1:06d}"
    assert state.seq == seq + 1
