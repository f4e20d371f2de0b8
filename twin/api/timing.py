"""Where a request's time goes inside the server, as a ``Server-Timing`` header (issue 15).

``twin serve --server-timing`` wraps the app in :class:`ServerTiming`, a pure ASGI
middleware that stamps a request when the app receives it and when its response starts,
and lets a route stamp the stages between (:func:`stamp`: the handler starts in its worker
thread, the offer is priced). The header names each stage after the stamp that ends it,
in milliseconds, and the whole (``total``)::

    Server-Timing: handler;dur=1.20, priced;dur=2.31, sent;dur=0.40, total;dur=3.91

so that a load test can tell the server's own time from its clients' (a client in the
same process as other clients also waits for their interpreter). Off by default: the
header would tell every caller how long the server worked on its request.

The stamps travel in a context variable: a sync route runs in a worker thread under a
copy of the request's context, and appends to the very list the middleware set.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from itertools import pairwise

from twin.api.poll import ASGIApp, Message, Receive, Scope, Send

Stamps = list[tuple[str, float]]
STAMPS: ContextVar[Stamps | None] = ContextVar("server_timing_stamps", default=None)
HEADER = b"server-timing"


def stamp(name: str) -> None:
    """Note that the request reached stage ``name`` (nothing when timing is off)."""
    stamps = STAMPS.get()
    if stamps is not None:
        stamps.append((name, time.perf_counter()))


def header_value(stamps: Stamps) -> bytes:
    """``name;dur=ms`` per stage (the time since the stamp before it) and the total."""
    parts = [f"{name};dur={(t - before) * 1000:.2f}" for (_, before), (name, t) in pairwise(stamps)]
    parts.append(f"total;dur={(stamps[-1][1] - stamps[0][1]) * 1000:.2f}")
    return ", ".join(parts).encode()


class ServerTiming:
    """ASGI middleware: a ``Server-Timing`` header on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        stamps: Stamps = [("received", time.perf_counter())]

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                stamps.append(("sent", time.perf_counter()))
                headers = [*message.get("headers", ()), (HEADER, header_value(stamps))]
                message = {**message, "headers": headers}
            await send(message)

        token = STAMPS.set(stamps)
        try:
            await self.app(scope, receive, timed)
        finally:
            STAMPS.reset(token)
