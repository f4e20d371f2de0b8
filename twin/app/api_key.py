"""A fresh API key, for a served day (``twin serve``) or a training session."""

from __future__ import annotations

import secrets


def new_api_key() -> str:
    """24 URL-safe random characters (144 bits), never starting with ``-``.

    A key that did was read as an option when it followed ``--api-key`` on a command line:
    a training session the cockpit launched then failed to start, about once in 64.
    """
    while True:
        key = secrets.token_urlsafe(18)
        if not key.startswith("-"):
            return key
