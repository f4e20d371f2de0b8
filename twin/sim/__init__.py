"""The simulated field-service world (SimPy)."""

from twin.sim.world import World, run_day

__all__ = ["World", "run_day"]
