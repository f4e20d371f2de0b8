"""The scorecard of shadow mode: the brain's decisions against production's and against
what actually happened (ETAs by lead time, delay warnings, plans at each replan), with
warnings about the input it rests on."""

from twin.analysis.scorecard.card import FORMAT, VERSION, Scorecard, build_scorecard
from twin.analysis.scorecard.etas import LEAD_EDGES_MIN, EtaBucket, EtaScore, score_etas
from twin.analysis.scorecard.inputs import (
    DayLog,
    InputWarning,
    count_reasons,
    input_warnings,
    read_day_log,
    reason_kind,
    split_events,
)
from twin.analysis.scorecard.plans import PlanPrice, ReplanScore, score_replans
from twin.analysis.scorecard.warnings import WarningScore, score_warnings

__all__ = [
    "FORMAT",
    "LEAD_EDGES_MIN",
    "VERSION",
    "DayLog",
    "EtaBucket",
    "EtaScore",
    "InputWarning",
    "PlanPrice",
    "ReplanScore",
    "Scorecard",
    "WarningScore",
    "build_scorecard",
    "count_reasons",
    "input_warnings",
    "read_day_log",
    "reason_kind",
    "score_etas",
    "score_replans",
    "score_warnings",
    "split_events",
]
