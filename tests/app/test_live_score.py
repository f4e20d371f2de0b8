"""The live scorecard of a shadow run, without Kafka: what it scores as the day goes."""

from __future__ import annotations

import time

import pytest

from tests.stream.connectors.conftest import Day, small_day  # noqa: F401 (the fixture)
from twin.analysis.scorecard import build_scorecard, read_day_log
from twin.app.live_score import LiveScorer, scores_topic
from twin.app.roster import read_roster
from twin.app.wiring import company_from_roster
from twin.clock import hhmm
from twin.stream.messages import DeadLetter, TickClosed

NOON = 12 * 60.0


def _scorer(day: Day) -> LiveScorer:
    company = company_from_roster(day.scenario, read_roster(day.roster))
    return LiveScorer(company, None, "t.scores", about={"log": "t.events"})


def test_a_card_scores_what_was_settled_by_its_minute_and_the_last_one_all(
    small_day: Day,  # noqa: F811
) -> None:
    log = read_day_log(small_day.log)
    scorer = _scorer(small_day)
    assert scorer.card(final=False) is None  # no minute closed yet
    scorer.saw([*log.world, *log.decisions])
    late = DeadLetter("out of order beyond the tolerated bound: field 'time' …", '{"id":"x"}')
    scorer.decided([*small_day.clean.decisions, DeadLetter("line 3: not valid JSON: x", "x")])
    scorer.decided([late, TickClosed(NOON)])
    noon = scorer.card(final=False)
    assert noon is not None and noon["as_of"] == "12:00" and noon["live"] and not noon["final"]
    (warned,) = noon["input_warnings"]
    assert warned["by_reason"] == {"malformed": 1, "late beyond the bound": 1}
    assert scorer.reasons() == (("late beyond the bound", 1), ("malformed", 1))

    scorer.decided([TickClosed(24 * 60.0 - 1)])  # crosses 12:30 …: a card is due, kept
    assert scorer.last is not None and scorer.last["as_of"] == "23:59"
    assert scorer.publish(final=True)
    last = scorer.last
    assert last is not None and last["final"] and last["as_of"] == "23:59"
    assert 0 < noon["visits"] < last["visits"]  # windows still open at noon are not scored
    whole = build_scorecard(
        log.world, log.decisions, small_day.clean.decisions, scorer.company, plans=False
    ).to_dict()
    for key in ("visits", "late", "etas", "warnings"):
        assert last[key] == whole[key], key  # the day's end: what `twin score` says


def test_wrong_settings_are_refused_with_what_is_allowed(small_day: Day) -> None:  # noqa: F811
    company = company_from_roster(small_day.scenario, read_roster(small_day.roster))
    with pytest.raises(ValueError, match=r"--score-every must be from 0 \(excluded\) to 1440"):
        LiveScorer(company, None, "t.scores", every_min=0)
    with pytest.raises(ValueError, match="prefix must be a non-empty topic prefix"):
        scores_topic("two words")
    assert scores_topic("fieldtwin") == "fieldtwin.scores"


def test_on_a_backlog_cards_keep_to_their_share_and_a_deferred_one_comes_when_idle(
    small_day: Day,  # noqa: F811
) -> None:
    log = read_day_log(small_day.log)
    scorer = LiveScorer(
        company_from_roster(small_day.scenario, read_roster(small_day.roster)),
        None,
        "t.scores",
        max_share=0.1,
    )
    scorer.saw([*log.world, *log.decisions])
    scorer.decided([*small_day.clean.decisions, TickClosed(NOON - 1)])  # the first minute
    scorer.decided([TickClosed(NOON)])
    assert scorer.last is not None and scorer.last["as_of"] == "12:00"  # the first card
    assert scorer.ready_at > time.monotonic()  # nine times its cost before the next one
    scorer.decided([TickClosed(NOON + 30)])  # due, but too soon: deferred, not dropped
    scorer.idle()
    assert scorer.deferred and scorer.last["as_of"] == "12:00"
    scorer.decided([TickClosed(NOON + 45)])
    time.sleep(max(0.0, scorer.ready_at - time.monotonic()))
    scorer.idle()  # the source found nothing new: the deferred card, as of now
    assert not scorer.deferred and scorer.last["as_of"] == "12:45"

    every = LiveScorer(scorer.company, None, "t.scores", max_share=None)  # live: every card
    every.saw([*log.world, *log.decisions])
    every.decided([TickClosed(NOON - 1)])
    for minute in (NOON, NOON + 30, NOON + 60):
        every.decided([TickClosed(minute)])
        assert every.last is not None and every.last["as_of"] == hhmm(minute)
    with pytest.raises(ValueError, match=r"max_share must be from 0 \(excluded\) to 1"):
        LiveScorer(scorer.company, None, "t.scores", max_share=1.5)
