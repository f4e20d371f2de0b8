"""The windows a company offers: its grid of promised arrival intervals in a day.

A company offers windows of each width the policy lists (``policy.window_widths_h``),
laid end to end from the start of the service day (``demand.windows``): 2 h slots, 4 h
mornings and afternoons, all day. Which of them a customer can be offered also depends
on when the customer is at home and on the time of the request.
"""

from __future__ import annotations

from collections.abc import Iterable

from twin.config import Scenario

Window = tuple[float, float]
# a window offered during the day must end at least this long after the request
MIN_NOTICE_MIN = 60.0


def offered_windows(scenario: Scenario) -> tuple[Window, ...]:
    """The company's window grid for a day, narrowest widths first."""
    w = scenario.demand.windows
    out: list[Window] = []
    for width_h in sorted(scenario.policy.window_widths_h):
        width = width_h * 60
        t = w.day_start_min
        while t + width <= w.day_end_min + 1e-9:
            out.append((t, t + width))
            t += width
    return tuple(out)


def windows_within(
    windows: Iterable[Window], available: Window, now: float | None = None
) -> list[Window]:
    """The windows inside the customer's availability; with ``now``, only those that end
    at least :data:`MIN_NOTICE_MIN` after it (a same-day request)."""
    lo, hi = available
    return [
        w
        for w in windows
        if w[0] >= lo and w[1] <= hi and (now is None or w[1] > now + MIN_NOTICE_MIN)
    ]
