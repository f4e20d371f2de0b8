"""The brain's repair planner learns each rating as it streams past, as the world's does."""

from __future__ import annotations

from twin import events as ev
from twin.app.wiring import build_brain, build_world
from twin.config import Scenario
from twin.stream.direct import DirectBrain
from twin.stream.messages import Tick


def test_a_rating_in_the_stream_updates_the_brains_chemistry(small: Scenario) -> None:
    scenario = small.with_overrides(
        **{
            "policy.planner": "poweropt",
            "policy.chemistry_history": "data/history/default_feedback.csv.gz",
        }
    )
    world = build_world(scenario, 1)
    params = build_brain(world.company)
    chemistry = params.dispatcher.chemistry  # type: ignore[attr-defined]
    before = chemistry.score("C001", "T001")
    clock = world.clock
    rating = ev.FeedbackGiven(
        id="fb1", time=clock.at(600), visit_id="V001", customer_id="C001",
        technician_id="T001", rating=1,
    )  # fmt: skip
    DirectBrain(params).feed([rating, Tick(601, clock.at(601))])
    after = params.dispatcher.chemistry.score("C001", "T001")  # type: ignore[attr-defined]
    assert after < before
