"""Who may use the cockpit: this machine only, unless an access key guards every request.

The cockpit starts simulations and deletes runs, so ``twin ui`` serves it on the loopback
address by default. Any other ``--host`` needs an access key (``--access-key``, or better
the environment variable :data:`ACCESS_KEY_ENV`, which other users cannot read from the
process list), or ``--insecure``, which serves without one after a loud warning.

With a key, a Flask ``before_request`` hook checks every request — pages, assets, the layout
and every callback (``/_dash-update-component``) — for HTTP basic authentication with the
key as the password (any user name: a browser asks once and sends it with every later
request) or the header :data:`KEY_HEADER`. Anything else is answered 401. Keys are compared
in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress

import flask

ACCESS_KEY_ENV = "FIELDTWIN_ACCESS_KEY"
KEY_HEADER = "X-FieldTwin-Key"
MIN_KEY_LENGTH = 12
REALM = "FieldTwin cockpit"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def serving_problem(host: str, key: str | None, insecure: bool) -> str | None:
    """Why the cockpit must not be served like this (a message), or None."""
    if key is not None and (len(key) < MIN_KEY_LENGTH or not key.isprintable()):
        return (
            f"access key: at least {MIN_KEY_LENGTH} printable characters, got "
            f"{len(key)} (e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`)"
        )
    if key is None and not is_loopback(host) and not insecure:
        return (
            f"--host {host} serves the cockpit to other machines, and anyone who reaches it "
            f"could start simulations and delete runs: set an access key ({ACCESS_KEY_ENV} "
            "or --access-key), or pass --insecure to serve it without one"
        )
    return None


def insecure_warning(host: str) -> str:
    return (
        f"WARNING: the cockpit is served on {host} WITHOUT an access key: anyone who can "
        "reach this address can start simulations and delete runs"
    )


def require_key(server: flask.Flask, key: str) -> None:
    """Answer 401 to every request of ``server`` that does not carry ``key``."""
    expected = key.encode("utf-8")

    def check() -> flask.Response | None:
        request = flask.request
        auth = request.authorization
        offered = auth.password if auth is not None and auth.type == "basic" else None
        offered = offered or request.headers.get(KEY_HEADER)
        if offered and hmac.compare_digest(offered.encode("utf-8"), expected):
            return None
        return flask.Response(
            f"{REALM}: access key required\n",
            status=401,
            headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
            mimetype="text/plain",
        )

    server.before_request(check)
