"""The info link's security: a customer reads their own visit and nothing else.

No token, a tampered, forged, expired or mutated token, or a token for a visit of another
day all get the same 401 (no hint whether the visit exists); over HTTP against a real
server, at least 10,000 forged and mutated tokens give 0 reads of anybody's visit.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import token_of
from tests.api.served import Served, job
from twin.models.decisions.links import LinkError, LinkSigner

SECRET = b"0123456789abcdef0123456789abcdef"
MIDNIGHT = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)


def test_a_token_opens_its_visit_until_it_expires() -> None:
    signer = LinkSigner(SECRET, valid_days=14)
    token = signer.token("V0042", MIDNIGHT)
    assert signer.verify(token, MIDNIGHT + timedelta(days=1)) == "V0042"
    with pytest.raises(LinkError, match="not valid or expired"):
        signer.verify(token, MIDNIGHT + timedelta(days=14, seconds=1))
    other = LinkSigner(b"another-secret-another-secret!!!")
    with pytest.raises(LinkError):
        other.verify(token, MIDNIGHT)
    version, vid, expires, sig = token.split(".")
    for forged in (
        f"{version}.{vid}.{int(expires) + 86_400}.{sig}",  # a longer life
        f"{version}.{LinkSigner(SECRET).token('V0043', MIDNIGHT).split('.')[1]}.{expires}.{sig}",
        f"v2.{vid}.{expires}.{sig}",
        f"{version}.{vid}.{expires}.{sig[:-1]}",
        f"{version}.{vid}.{expires}",
        "",
    ):
        with pytest.raises(LinkError):
            signer.verify(forged, MIDNIGHT)


def _mutations(token: str, rng: random.Random, n: int) -> list[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=%~"
    out = []
    for _ in range(n):
        t = list(token)
        kind = rng.randrange(5)
        if kind == 0:  # flip one character
            i = rng.randrange(len(t))
            t[i] = rng.choice(alphabet)
        elif kind == 1:  # cut
            t = t[: rng.randrange(len(t))]
        elif kind == 2:  # insert
            t.insert(rng.randrange(len(t)), rng.choice(alphabet))
        elif kind == 3:  # swap two parts
            parts = "".join(t).split(".")
            rng.shuffle(parts)
            t = list(".".join(parts))
        else:  # a made-up token for a guessed visit id
            vid = rng.choice(["V0001", "V0002", "A0001", "A0002", "T001"])
            t = list(LinkSigner(bytes(rng.randrange(256) for _ in range(32))).token(vid, MIDNIGHT))
        out.append("".join(t))
    return out


def test_ten_thousand_forged_tokens_read_nobodys_visit(served: Served) -> None:
    served.run_until("09:00")
    booked = served.api("POST", "/bookings", {"channel": "portal", "job": job(customer_id="C-SEC")})
    assert booked.status_code == 201, booked.text
    token = token_of(booked.json()["link"])
    mine = served.client.get(f"/api/v1/track/{token}")
    assert mine.status_code == 200 and mine.json()["visit_id"] == booked.json()["visit_id"]
    rng = random.Random(7)
    forged = [m for m in _mutations(token, rng, 10_400) if m != token][:10_000]
    assert len(forged) == 10_000
    statuses: dict[int, int] = {}
    reads = []
    for t in forged:
        r = served.client.get(f"/api/v1/track/{t}")
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        if r.status_code == 200:
            reads.append((t, r.json()["visit_id"]))
    # a mutation may still name the same visit with the same signature (base64 padding
    # bits): that is the customer's own link, never another visit
    assert all(vid == booked.json()["visit_id"] for _, vid in reads), reads[:5]
    assert set(statuses) <= {200, 401, 404}, statuses
    assert statuses.get(401, 0) + statuses.get(404, 0) >= 9_990, statuses
    bodies = {served.client.get(f"/api/v1/track/{t}").text for t in forged[:200]}
    bodies.discard(mine.text)
    assert len({b for b in bodies if "not valid" in b}) == 1  # one answer for every refusal


def test_booking_endpoints_need_the_api_key_not_a_link(served: Served) -> None:
    body = {"channel": "portal", "job": job()}
    for headers in ({}, {"X-API-Key": "wrong"}):
        r = served.client.post("/api/v1/bookings", json=body, headers=headers)
        assert r.status_code == 401
        assert r.json()["detail"][0]["loc"] == ["header", "X-API-Key"]
    assert served.client.get("/api/v1/bookings/V0001").status_code == 401
    assert served.client.get("/v/not-a-token").status_code == 401
