"""PowerOpt, the planner: daily optimisation, slot offers, real-time repair, chemistry."""

from twin.models.planner.chemistry import (
    ChemistryIndex,
    ChemistryParams,
    Rating,
    load_chemistry,
    read_ratings,
    update,
)
from twin.models.planner.dispatcher import PowerOptDispatcher
from twin.models.planner.evaluate import Cargo, Evaluator, Walk
from twin.models.planner.matrix import EuclideanTravel
from twin.models.planner.offers import Quantiles, late_risk, slot_offers
from twin.models.planner.params import PlannerParams
from twin.models.planner.repair import RepairResult, repair_plan
from twin.models.planner.solomon import SolomonDay, load_solomon, plan_distance, solomon_params
from twin.models.planner.static import DayPlan, optimise_day, solve_static
from twin.models.planner.synthetic import synthetic_day, synthetic_visit

__all__ = [
    "Cargo",
    "ChemistryIndex",
    "ChemistryParams",
    "DayPlan",
    "EuclideanTravel",
    "Evaluator",
    "PlannerParams",
    "PowerOptDispatcher",
    "Quantiles",
    "Rating",
    "RepairResult",
    "SolomonDay",
    "Walk",
    "late_risk",
    "load_chemistry",
    "load_solomon",
    "optimise_day",
    "plan_distance",
    "read_ratings",
    "repair_plan",
    "slot_offers",
    "solomon_params",
    "solve_static",
    "synthetic_day",
    "synthetic_visit",
    "update",
]
