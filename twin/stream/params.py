"""Everything the brain is configured with: policy knobs, master data, models, clock.

Built once per run (``twin.app.wiring.build_brain``) and handed to every step: the roster is
the technicians' master data (skills, shifts, home bases) that a production system gets
from HR, not from the event stream.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from twin.clock import DayClock
from twin.models.company import Company
from twin.models.decisions.delay import DelayRule
from twin.models.decisions.links import LinkSigner
from twin.models.decisions.notify import NotifyPolicy
from twin.models.duration.model import DurationEstimate
from twin.models.eta.calibration import EtaCalibration
from twin.models.routing.dispatch import Dispatcher
from twin.models.routing.plan import BreakRule, TechnicianSpec
from twin.models.routing.travel import TravelModel

# (technician_id, job_type) -> estimate; the duration model's table for the day
EstimateTable = Mapping[tuple[str, str], DurationEstimate]
NAIVE_CV = 0.6  # spread assumed when no duration model is used


@dataclass(frozen=True)
class BrainParams:
    roster: Mapping[str, TechnicianSpec]
    clock: DayClock
    travel: TravelModel
    brk: BreakRule
    dispatcher: Dispatcher
    estimates: EstimateTable | None = None
    delay_threshold: float = 0.5
    rearm_margin: float = 0.2
    replanning: bool = True
    # move a visit that no longer fits the technician's day to another day
    # (twin.models.decisions.dayend)
    defer_unreachable: bool = True
    defer_lead_min: float = 120.0  # judged only this close to the early arrival
    replan_cooldown_min: float = 60.0
    replan_min_gain_min: float = 10.0
    notify: NotifyPolicy = field(default_factory=NotifyPolicy)
    travel_cv: float = 0.25
    eta_every_min: float = 5.0
    eta_hysteresis_min: float = 3.0
    # between events, a due refresh recomputes the chain only if the expected arrival at
    # the next stop (or its spread) moved by ``eta_drift_min`` since the last one, or the
    # last one is ``eta_max_age_min`` old (lead buckets, clipping at "now")
    eta_drift_min: float = 1.0
    eta_max_age_min: float = 15.0
    ops_window_min: float = 15.0
    reorder_bound_min: float = 0.0
    bias_memory: float = 0.3
    # what the brain learned on earlier days of a period (twin.stream.learned): per
    # technician, the duration bias and the visits it was learned from
    learned: Mapping[str, tuple[float, int]] = field(default_factory=dict)
    # technician states are held in this many dataflow keys (twin.stream.keygroups): the
    # dataflow's per-item cost is paid per group and batch; decisions do not depend on it
    key_groups: int = 16
    # ETA intervals and central ETAs corrected on past days (policy.eta_calibration);
    # None: the chain's normal approximation
    eta_calibration: EtaCalibration | None = None
    # the customers' info links in messages (twin.models.decisions.links); None: the
    # simulated company's deterministic links
    links: LinkSigner | None = None

    @functools.cached_property
    def signer(self) -> LinkSigner:
        return self.links if self.links is not None else LinkSigner.for_simulation(0)

    @functools.cached_property
    def _links(self) -> dict[str, str]:
        return {}

    def link(self, visit_id: str) -> str:
        """The info link of one of the day's visits (signed once per visit: a visit's
        messages all carry the same link)."""
        found = self._links.get(visit_id)
        if found is None:
            found = self._links[visit_id] = self.signer.url(visit_id, self.clock.midnight)
        return found

    @functools.cached_property
    def delay_rule(self) -> DelayRule:
        """When a risk of lateness alerts and asks for a replan (twin.models.decisions.delay)."""
        return DelayRule(
            self.delay_threshold, self.rearm_margin, self.replanning, self.replan_cooldown_min
        )

    def estimate(self, technician_id: str, job_type: str, expected_min: float) -> DurationEstimate:
        if self.estimates is not None:
            found = self.estimates.get((technician_id, job_type))
            if found is not None:
                return found
        return DurationEstimate.from_mean_cv(expected_min, NAIVE_CV)

    @staticmethod
    def for_company(
        company: Company,
        dispatcher: Dispatcher,
        estimates: EstimateTable | None = None,
        reorder_bound_min: float = 0.0,
        eta_calibration: EtaCalibration | None = None,
        links: LinkSigner | None = None,
    ) -> BrainParams:
        """The brain of ``company`` under its policy (built by ``twin.app.wiring``); its
        messages carry ``links`` (default: the simulated company's)."""
        p = company.scenario.policy
        return BrainParams(
            roster=company.roster,
            clock=company.clock,
            travel=company.travel,
            brk=company.break_rule,
            dispatcher=dispatcher,
            estimates=estimates if p.duration_model else None,
            delay_threshold=p.delay_threshold,
            replanning=p.replanning,
            defer_unreachable=p.defer_unreachable,
            eta_hysteresis_min=p.eta_hysteresis_min,
            notify=NotifyPolicy(enabled=p.notifications),
            reorder_bound_min=reorder_bound_min,
            eta_calibration=eta_calibration,
            links=links or LinkSigner.for_simulation(company.scenario.company_seed),
        )
