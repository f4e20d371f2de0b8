from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.models.decisions.delay import DelayRule, judge_delay

RULE = DelayRule(threshold=0.5, rearm_margin=0.2, replanning=True, cooldown_min=60.0)


def test_a_risk_crossing_the_threshold_alerts_once_and_asks_for_a_replan() -> None:
    d = judge_delay(RULE, 0.6, alerted=False, under_way=False, minute=600.0)
    assert (d.alerted, d.alert, d.replan) == (True, True, True)
    again = judge_delay(RULE, 0.7, alerted=True, under_way=False, minute=610.0, last_replan=600)
    assert (again.alerted, again.alert, again.replan) == (True, False, False)  # cooling down


def test_a_risk_hovering_at_the_threshold_does_not_alert_again_until_it_rearms() -> None:
    hover = judge_delay(RULE, 0.45, alerted=True, under_way=False, minute=600.0, last_replan=590)
    assert hover.alerted and not hover.alert  # 0.45 is above the re-arm level 0.3
    low = judge_delay(RULE, 0.25, alerted=True, under_way=False, minute=600.0, last_replan=590)
    assert not low.alerted and not low.alert and not low.replan
    assert judge_delay(RULE, 0.55, low.alerted, False, 601.0, 590).alert


def test_no_replan_for_the_visit_under_way_or_with_replanning_off() -> None:
    assert not judge_delay(RULE, 0.9, False, under_way=True, minute=600.0).replan
    off = DelayRule(replanning=False)
    d = judge_delay(off, 0.9, False, under_way=False, minute=600.0)
    assert d.alert and not d.replan


def test_bad_rules_are_refused_with_the_field() -> None:
    with pytest.raises(ValueError, match="threshold"):
        DelayRule(threshold=1.5)
    with pytest.raises(ValueError, match="cooldown_min"):
        DelayRule(cooldown_min=math.nan)


@given(
    p=st.floats(0, 1),
    alerted=st.booleans(),
    under_way=st.booleans(),
    minute=st.floats(0, 1440),
    last=st.floats(-1e9, 1440),
)
def test_an_alert_is_raised_only_on_a_crossing_and_replans_respect_the_cooldown(
    p: float, alerted: bool, under_way: bool, minute: float, last: float
) -> None:
    d = judge_delay(RULE, p, alerted, under_way, minute, last)
    assert d.alert == (p >= RULE.threshold and not alerted)
    if d.replan:
        assert d.alerted and not under_way and minute - last >= RULE.cooldown_min
