"""The scenario's ``[parts]`` section: spare parts, tools and depots in the world.

Without the section (``Scenario.parts is None``, every shipped scenario but
``data/scenarios/parts.toml``) the world draws first-time fix from the fixed rate alone, as
before. With it, each visit may need part types and tools (drawn per visit, the same under
every policy); a need is *known at booking* (the planner sees it) or *discovered on site*.
Each technician's van starts the day with ``van_stock`` of every part type; a few carry a
tool (``carried_share`` of the roster); depots hold part types and tools. A visit whose
technician lacks a needed part or tool ends not fixed (a follow-up), so first-time fix
emerges from stock and planning (:mod:`twin.sim.van`).

``planning`` is the policy switch: ``"aware"`` plans the day with tools, parts and depot
stops (:func:`twin.models.planner.kit.plan_with_kit`) and restocks during the day when it
pays (:mod:`twin.models.routing.restock`); ``"blind"`` keeps today's planner and never
stops at a depot. ``kit_daily`` chooses the aware day's plan: cheapest insertion, or that
plan improved by PyVRP with tools and parts for ``kit_iterations`` iterations.

Refused here, with the field, the value and what is allowed: unknown or duplicate names, a
part type nobody stocks (no van stock and no depot holds it), a tool that no depot holds
and nobody carries. The world refuses what needs the map and the roster
(:func:`twin.sim.van.check_reach`): a depot that no technician can reach and come home
from within a shift, a tool share that rounds to no carrier.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from twin.config.base import RuleError, _Model


class PartType(_Model):
    """A spare part type: the share of visits needing one, how often that is known."""

    name: str = Field(min_length=1, max_length=40)
    share: float = Field(ge=0, le=1)  # of visits that need one of it
    known_share: float = Field(default=0.5, ge=0, le=1)  # of those needs, known at booking
    van_stock: int = Field(default=1, ge=0, le=1000)  # per van at the start of a day


class ToolType(_Model):
    """A special tool: the share of visits needing it, the share of technicians owning it."""

    name: str = Field(min_length=1, max_length=40)
    share: float = Field(ge=0, le=1)  # of visits (always known at booking)
    carried_share: float = Field(default=0.0, ge=0, le=1)  # of the roster, in roster order


class DepotSpec(_Model):
    """A warehouse or branch: where it is, what it holds, how long a stop there takes."""

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    x: float = Field(ge=0, le=400)  # km on the synthetic plane, like sites
    y: float = Field(ge=0, le=400)
    parts: tuple[str, ...] | None = None  # None: every part type
    tools: tuple[str, ...] = ()
    service_min: float = Field(default=10.0, ge=0, le=120)


class Parts(_Model):
    planning: Literal["aware", "blind"] = "aware"
    # aware: restock a part type during the day when the van holds fewer than this
    restock_below: int = Field(default=1, ge=0, le=1000)
    # aware: how late (minutes past its window) a visit may start because of a depot stop
    # that brings a part or tool it is known to need (else it would not be fixed)
    detour_late_min: float = Field(default=60.0, ge=0, le=600)
    # aware: the daily kit plan: cheapest insertion with depot stops, or that plan improved
    # by PyVRP with tools and parts for ``kit_iterations`` search iterations (a count, so
    # that a seed gives the same plan on any machine; policy.optimise_time_s is the cap)
    kit_daily: Literal["insertion", "pyvrp"] = "insertion"
    kit_iterations: int = Field(default=250, ge=1, le=1_000_000)
    types: tuple[PartType, ...] = Field(default=(), max_length=100)
    tools: tuple[ToolType, ...] = Field(default=(), max_length=100)
    depots: tuple[DepotSpec, ...] = Field(default=(), max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> Parts:
        _unique("types", [p.name for p in self.types])
        _unique("tools", [t.name for t in self.tools])
        _unique("depots", [d.id for d in self.depots])
        names, tools = {p.name for p in self.types}, {t.name for t in self.tools}
        for i, d in enumerate(self.depots):
            for j, name in enumerate(d.parts or ()):
                if name not in names:
                    msg = f"unknown part type; allowed: {sorted(names)}"
                    raise RuleError(f"depots.{i}.parts.{j}", name, msg)
            for j, tname in enumerate(d.tools):
                if tname not in tools:
                    raise RuleError(
                        f"depots.{i}.tools.{j}", tname, f"unknown tool; allowed: {sorted(tools)}"
                    )
        for i, p in enumerate(self.types):
            if p.share > 0 and p.van_stock == 0 and not self.depots_with_part(p.name):
                msg = (
                    f"part type {p.name!r} is needed ({p.share:.0%} of visits) but nobody "
                    "stocks it: give it van_stock >= 1 or a depot that holds it"
                )
                raise RuleError(f"types.{i}.van_stock", p.van_stock, msg)
        for i, t in enumerate(self.tools):
            if t.share > 0 and t.carried_share == 0 and not self.depots_with_tool(t.name):
                msg = (
                    f"tool {t.name!r} is needed ({t.share:.0%} of visits) but no technician "
                    "carries it and no depot holds it: give it carried_share > 0 or a depot"
                )
                raise RuleError(f"tools.{i}.carried_share", t.carried_share, msg)
        return self

    def depots_with_part(self, name: str) -> list[str]:
        return [d.id for d in self.depots if d.parts is None or name in d.parts]

    def depots_with_tool(self, name: str) -> list[str]:
        return [d.id for d in self.depots if name in d.tools]


def _unique(field: str, names: list[str]) -> None:
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n in seen:
            raise RuleError(f"{field}.{i}", n, "duplicate name; each must be unique")
        seen.add(n)
