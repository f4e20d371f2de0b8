"""Garbage collection tuned for a simulated day (or a replayed log).

A day keeps almost everything it makes: the event log, the world's and the brain's state,
cached legs. CPython's cyclic collector walks all tracked objects of a generation each time
it collects it, and the oldest generation grows with the log, so with the default
thresholds (700 allocations) a day at 1,000 technicians spends about a quarter of its time
in collections that find almost nothing (the runs make no garbage cycles to speak of: peak
memory is the same with the collector off). :func:`long_run_gc` freezes what exists before
the run (it stays alive anyway) and collects the youngest generation every
``threshold0`` allocations instead of 700. Results do not depend on it (the log of a day is
byte-identical); only the time does (see ``bench/RESULTS.md``).

``threshold0=None`` turns the automatic collections off within the block: for the world's
day alone, which makes no garbage cycles (``gc.collect()`` after a day run without the
collector finds 0 unreachable objects; peak memory at 10,000 technicians 907 MB either
way), while each young collection walks the surviving young objects and touches what they
refer to, a cost per object that grows with the heap (10,000 technicians: 21 young
collections of ~100,000 objects, 1.7-4.1 s of a 26-32 s day; 1,000: 0.04 s of 2.6 s;
session 13 in ``bench/RESULTS.md``). What the block made then joins the oldest generation
unwalked, so the young collections after it do not pay for it instead.

With no automatic collection there is nothing to keep a collection from walking, so such a
block neither collects nor freezes on entry: it costs the same in any heap (a full
collection on entry walked all of it, 0.3 s per 50-technician world built beside a
3,000-technician day). The world is built in such a block too: construction makes no
garbage cycles either (``tests/test_gctuning.py``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

LONG_RUN_THRESHOLD0 = 50_000
_depth = 0  # blocks entered and not left (only the outermost one acts)


@contextmanager
def long_run_gc(threshold0: int | None = LONG_RUN_THRESHOLD0) -> Iterator[None]:
    """Within the block: objects made before it are frozen, and the youngest generation is
    collected every ``threshold0`` allocations; both are undone afterwards. ``None``: no
    automatic collection, and nothing collected or frozen on entry (garbage cycles made
    before the block wait for the next full collection after it)."""
    if threshold0 is not None and threshold0 < 1:
        raise ValueError(f"threshold0 must be at least 1 or None, got {threshold0}")
    global _depth
    if _depth:  # nested (a day inside a day's run): the outer block has set things up
        yield
        return
    old, enabled = gc.get_threshold(), gc.isenabled()
    if threshold0 is None:
        gc.disable()
    else:
        gc.collect()
        gc.freeze()
        gc.set_threshold(threshold0, *old[1:])
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if threshold0 is None:  # the block's objects, never collected, would all be young:
            gc.freeze()  # the next young collection would walk them (seconds at 10,000
        gc.set_threshold(*old)  # technicians); frozen and unfrozen, they join the oldest
        gc.unfreeze()  # generation without a walk (as the objects frozen on entry)
        if enabled:
            gc.enable()
