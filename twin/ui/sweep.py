"""A trade-off sweep for the cockpit: the form read into arms, the stored runs into points.

:func:`start_sweep` turns the Trade-off page's form (one or two knobs, each with its values,
and a seed count) into arms, one per combination, refusing with a reason what cannot be
swept (an unknown knob, a value the knob does not take, the same knob in both slots, too
many combinations). :func:`tradeoff_points` reads what the store holds of a sweep, finished
or not (runs are stored as each finishes), into one chart point per arm: the paired
differences to the reference arm over the seeds both have so far.
"""

from __future__ import annotations

import math
from typing import Any

from twin.analysis.stats import paired_difference
from twin.app.arms import sweep_arms
from twin.app.knobs import KNOBS_BY_NAME, KNOBS_BY_PATH
from twin.app.store import RunStore
from twin.config import ConfigError, Scenario
from twin.ui.guard import whole_number
from twin.ui.jobs import Jobs
from twin.ui.tradeoff_figure import TradeoffPoint

MAX_ARMS = 16
MAX_SEEDS = 20


def parse_values(knob_name: Any, text: Any) -> list[Any]:
    """The values of one knob slot (text, comma-separated); ConfigError naming the field."""
    if not isinstance(knob_name, str) or knob_name not in KNOBS_BY_NAME:
        raise ConfigError(f"unknown policy knob {knob_name!r}")
    knob = KNOBS_BY_NAME[knob_name]
    if not isinstance(text, str | int | float | None) or len(str(text or "")) > 1000:
        raise ConfigError(f"{knob.path}: give at most {MAX_ARMS} values, separated by commas")
    parts = [p.strip() for p in str(text or "").split(",")]
    if not any(parts):
        raise ConfigError(f"{knob.path}: give at least one value")
    if not all(parts):  # "6,,8": a value left out is a typo, not a shorter sweep
        msg = f"{knob.path}: a value is missing between two commas in {text!r}"
        raise ConfigError(msg)
    if len(parts) > MAX_ARMS:
        raise ConfigError(f"{knob.path}: {len(parts)} values; give at most {MAX_ARMS}")
    values = [knob.parse(p) for p in parts]
    if len(set(map(repr, values))) < len(values):
        msg = f"{knob.path}: {text!r} names a value twice; give each value once"
        raise ConfigError(msg)
    return values


def sweep_grid(knobs: list[tuple[Any, Any]]) -> dict[str, list[Any]]:
    """``{path: values}`` of the filled knob slots; the same knob twice is refused."""
    grid: dict[str, list[Any]] = {}
    for slot, (name, text) in enumerate(knobs, start=1):
        if not name:
            continue
        values = parse_values(name, text)
        path = KNOBS_BY_NAME[name].path
        if path in grid:
            msg = (
                f"knob {slot}: {KNOBS_BY_NAME[name].label} is already knob 1; a knob swept "
                "against itself gives no new arms: choose another knob, or leave knob 2 empty"
            )
            raise ConfigError(msg)
        grid[path] = values
    if not grid:
        raise ConfigError("knob 1: choose a policy knob to sweep")
    return grid


def start_sweep(jobs: Jobs, base: Scenario, knobs: list[tuple[Any, Any]], seeds: Any) -> str:
    """Validate the form and start the sweep; its job (comparison) id."""
    grid = sweep_grid(knobs)
    combinations = math.prod(len(v) for v in grid.values())
    if combinations > MAX_ARMS:
        raise ConfigError(f"{combinations} combinations: keep it to {MAX_ARMS} or fewer")
    arms = sweep_arms(grid)
    n = whole_number("seeds", seeds, 1, MAX_SEEDS)
    for arm in arms:
        arm.scenario(base)  # ConfigError with the field's name
    label = " × ".join(KNOBS_BY_PATH[p].label for p in grid)
    return jobs.start(base, arms, list(range(1, n + 1)), kind="sweep", label=label)


def short_label(overrides: dict[str, Any]) -> str:
    """The values alone, ``10 · on``: the chart names the knobs once, in its title."""
    parts = []
    for path, value in overrides.items():
        knob = KNOBS_BY_PATH.get(path)
        parts.append(knob.show(value) if knob else str(value))
    return " · ".join(parts) or "base"


def tradeoff_points(store: RunStore, comparison_id: str) -> list[TradeoffPoint]:
    """A point per arm with runs stored, paired with the reference arm (the first) over the
    seeds both have; an arm with no seed in common with it yet is left out for now."""
    record = store.comparison(comparison_id)
    texts = {str(a["label"]): short_label(dict(a.get("overrides", {}))) for a in record.arms}
    first: dict[str, str] = {}
    for r in store.runs(comparison_id):
        if r.arm is not None:
            first.setdefault(r.arm, r.id)
    by_arm = store.kpis_by_arm(comparison_id)
    reference = record.arm_labels[0] if record.arm_labels else ""
    ref = by_arm.get(reference, {})
    ref_cost = {s: k.cost_total_eur for s, k in ref.items()}
    ref_cust = {s: k.customer_satisfaction for s, k in ref.items()}
    points = []
    for arm, by_seed in by_arm.items():
        if not by_seed or arm not in first:
            continue
        paired = arm != reference
        if paired and not set(by_seed) & set(ref):
            continue
        cost = {s: k.cost_total_eur for s, k in by_seed.items()}
        cust = {s: k.customer_satisfaction for s, k in by_seed.items()}
        emp = [k.employee_satisfaction for k in by_seed.values()]
        points.append(
            TradeoffPoint(
                label=arm,
                text=texts.get(arm, arm),
                cost=sum(cost.values()) / len(cost),
                customer=sum(cust.values()) / len(cust),
                employee=sum(emp) / len(emp),
                cost_diff=paired_difference(ref_cost, cost) if paired else None,
                customer_diff=paired_difference(ref_cust, cust) if paired else None,
                run_id=first[arm],
            )
        )
    return points
