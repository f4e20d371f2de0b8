"""A fresh API key, for a served day (``twin serve``) or a training session."""

from __future__ import annotations

import os
import secrets

API_KEY_ENV = "FIELDTWIN_API_KEY"
"""The environment variable that gives the key when ``--api-key`` does not."""


def api_key(given: str | None) -> str:
    """The key a served day or a training session uses: ``given`` (``--api-key``), else
    :data:`API_KEY_ENV`, else a fresh one."""
    return given or os.environ.get(API_KEY_ENV) or new_api_key()


def new_api_key() -> str:
    """24 URL-safe random characters (144 bits), never starting with ``-``.

    A key that did was read as an option when it followed ``--api-key`` on a command line:
    a training session the cockpit launched then failed to start, about once in 64.
    """
    while True:
        key = secrets.token_urlsafe(18)
        if not key.startswith("-"):
            return key
