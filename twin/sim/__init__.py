"""The simulated field-service world (SimPy)."""

from twin.sim.world import World

__all__ = ["World"]
