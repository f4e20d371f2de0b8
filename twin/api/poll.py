"""The info link's poll answered beside FastAPI: 1,000 customers poll
``GET /api/v1/track/{token}`` every 2 s, on the server's event loop, which every other
request (offers and bookings included) also waits for. Routing, dependency solving and
request objects cost about as much as the view itself (issue 15), so a poll whose token
verifies is answered here, as a pure ASGI middleware, with the very response the route
gives. Anything else (a token that does not verify, a day switching, another method or
path) goes on to the app unchanged, so every refusal is the route's own; the route stays
in the app and in its OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.responses import JSONResponse

from twin.api.context import API, Api, Refusal
from twin.api.track import track_view
from twin.app.live import RequestRefused

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TRACK = f"{API}/track/"


def poll_token(scope: Scope) -> str | None:
    """The token of a ``GET /api/v1/track/{token}`` (the route's own match), else None."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("root_path"):
        return None
    path: str = scope["path"]
    token = path[len(TRACK) :]
    if not path.startswith(TRACK) or not token or "/" in token:
        return None
    return token


def poll_answer(api: Api, token: str) -> JSONResponse | None:
    """The route's answer to a poll whose token opens a visit; None: let the route refuse."""
    try:
        vid = api.token_visit(token)
        return JSONResponse(track_view(api.day, vid))
    except (Refusal, RequestRefused):
        return None


class PollFastPath:
    """ASGI middleware: a verified info-link poll answered without FastAPI's routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = poll_token(scope)
        if token is not None:
            answer = poll_answer(scope["app"].state.api, token)
            if answer is not None:
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
