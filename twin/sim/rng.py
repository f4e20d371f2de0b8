"""Random streams: one seed in, one independent ``numpy.random.Generator`` per subsystem.

The company itself (technicians, skills, hidden efficiencies) comes from the scenario's
``company_seed`` and stays the same from day to day; everything else comes from the day's
seed. Streams are spawned from a ``SeedSequence`` by *name*, so adding a subsystem
never shifts another one's numbers, and two policies run on the same seed see the same
demand, the same true durations and the same traffic (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

# "outside": the hidden truth of visits booked from outside (twin.sim.outside); a period's
# (twin.app.period) "arrivals" and "rota", and per visit "rebook" (twin.sim.arrivals) and
# "choice" (which offer a customer takes, twin.sim.booking), "early" (whether a customer
# lets work begin before the window, twin.sim.technician)
SUBSYSTEMS = (
    "workforce",
    "absence",
    "demand",
    "traffic",
    "outside",
    "arrivals",
    "rota",
    "rebook",
    "choice",
    "early",
    "parts",
)


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of subsystem ``name`` for ``seed`` (stable across runs and versions)."""
    if name not in SUBSYSTEMS:
        msg = f"unknown random stream {name!r}; known: {', '.join(SUBSYSTEMS)}"
        raise ValueError(msg)
    key = zlib.crc32(name.encode())
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, key])))


def keyed(seed: int, name: str, key: str) -> np.random.Generator:
    """The generator of subsystem ``name`` for one thing (``key``, e.g. a visit id): its
    numbers do not depend on how many other things drew before it, so a draw that only
    some policies make (a follow-up visit) keeps common random numbers."""
    stream(seed, name)  # the name check
    parts = [seed, zlib.crc32(name.encode()), zlib.crc32(key.encode())]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(parts)))
