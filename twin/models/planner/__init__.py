"""PowerOpt, the planner: daily optimisation, slot offers, real-time repair, chemistry,
tools and parts with depot stops (``kit``)."""

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
from twin.models.planner.kit import KitPlan, plan_with_kit
from twin.models.planner.matrix import EuclideanTravel
from twin.models.planner.offers import Quantiles, late_risk, slot_offers
from twin.models.planner.params import PlannerParams
from twin.models.planner.repair import RepairResult, repair_plan
from twin.models.planner.static import DayPlan, optimise_day, solve_static

__all__ = [
    "Cargo",
    "ChemistryIndex",
    "ChemistryParams",
    "DayPlan",
    "EuclideanTravel",
    "Evaluator",
    "KitPlan",
    "PlannerParams",
    "PowerOptDispatcher",
    "Quantiles",
    "Rating",
    "RepairResult",
    "Walk",
    "late_risk",
    "load_chemistry",
    "optimise_day",
    "plan_with_kit",
    "read_ratings",
    "repair_plan",
    "slot_offers",
    "solve_static",
    "update",
]
