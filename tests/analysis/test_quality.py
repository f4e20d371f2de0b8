from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from twin import events as ev
from twin.analysis.quality import LEAD_EDGES_MIN, measure

T0 = datetime(2026, 11, 23, tzinfo=UTC)


def _at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def _eta(i: int, vid: str, issued: float, low: float, eta: float, high: float) -> ev.EtaUpdated:
    return ev.EtaUpdated(
        id=f"e{i}",
        time=_at(issued),
        visit_id=vid,
        technician_id="T1",
        eta_low=_at(low),
        eta=_at(eta),
        eta_high=_at(high),
    )


def _arrived(vid: str, minute: float) -> ev.Arrived:
    return ev.Arrived(id=f"a{vid}", time=_at(minute), technician_id="T1", visit_id=vid, x=0, y=0)


def test_eta_by_lead_scores_the_eta_on_show_by_its_lead() -> None:
    log: list[ev.Event] = [
        _eta(1, "V1", 600, 620, 630, 635),  # lead 30: on show 600-615, misses (arrival 640)
        _eta(2, "V1", 615, 630, 640, 650),  # lead 25: on show 615-640, covers
        _arrived("V1", 640),
        _eta(3, "V2", 500, 590, 600, 640),  # lead 100: covers the arrival at 610
        _arrived("V2", 610),
    ]
    q = measure(log)
    by_edge = {b.lead_min: b for b in q.eta_by_lead}
    assert len(q.eta_by_lead) == len(LEAD_EDGES_MIN) + 1
    b = by_edge[(20.0, 40.0)]
    # V1 sampled at 635, 630, … 600: 5 samples of update 2, 3 of update 1
    assert b.samples == 8
    assert b.coverage == pytest.approx(5 / 8)
    assert b.bias_min == pytest.approx((5 * 0 + 3 * -10) / 8)
    assert b.mae_min == pytest.approx(30 / 8)
    far = by_edge[(80.0, 160.0)]
    assert far.samples == 22 and far.coverage == 1.0 and far.median_error_min == -10
    assert q.to_dict()["eta_by_lead"][2]["samples"] == 8  # type: ignore[index]
