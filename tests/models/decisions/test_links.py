"""The info links' signature: the signer's own HMAC (key pads hashed once) is
``hmac.new``'s, byte for byte, and the signer still pickles, copies and compares by its
fields."""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import hmac
import pickle
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from twin.models.decisions.links import SIGNATURE_BYTES, TOKEN_VERSION, LinkSigner, _b64

MIDNIGHT = datetime(2026, 11, 23, tzinfo=UTC)


def _long_way(signer: LinkSigner, visit_id: str, expires: int) -> str:
    """The signature as the module first computed it: an ``hmac.HMAC`` object."""
    message = f"{TOKEN_VERSION}|{visit_id}|{expires}".encode()
    mac = hmac.new(signer.secret, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


@settings(deadline=None, max_examples=300)
@given(
    seed=st.integers(min_value=0, max_value=2**63),
    visit_id=st.text(min_size=0, max_size=80),
    expires=st.integers(min_value=0, max_value=2**40),
)
def test_the_signature_is_the_hmac_object_s(seed: int, visit_id: str, expires: int) -> None:
    signer = LinkSigner.for_simulation(seed)
    assert signer._signature(visit_id, expires) == _long_way(signer, visit_id, expires)


@given(secret=st.binary(min_size=16, max_size=200))  # longer than a block: key hashed first
def test_any_secret_signs_as_the_hmac_object_does(secret: bytes) -> None:
    signer = LinkSigner(secret)
    expires = 1_764_000_000
    assert signer._signature("V000123", expires) == _long_way(signer, "V000123", expires)


def test_a_signed_link_verifies_and_names_its_visit() -> None:
    signer = LinkSigner.for_simulation(1)
    token = signer.token("V000042", MIDNIGHT)
    assert token.rsplit(".", 1)[1] == _long_way(
        signer, "V000042", int(MIDNIGHT.timestamp()) + 14 * 86_400
    )
    assert signer.verify(token, MIDNIGHT) == "V000042"


@given(data=st.binary(max_size=100))
def test_b64_is_urlsafe_base64_without_padding(data: bytes) -> None:
    assert _b64(data) == base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def test_a_signer_pickles_copies_and_compares_by_its_fields() -> None:
    signer = LinkSigner.for_simulation(5, "https://twin.example")
    token = signer.token("V000007", MIDNIGHT)
    for again in (
        pickle.loads(pickle.dumps(signer)),
        copy.deepcopy(signer),
        copy.copy(signer),
        dataclasses.replace(signer),
    ):
        assert again == signer
        assert hash(again) == hash(signer)
        assert again.token("V000007", MIDNIGHT) == token
    other = dataclasses.replace(signer, secret=b"another secret, 16+ bytes")
    assert other != signer
    assert other.token("V000007", MIDNIGHT) != token
    assert "secret" not in repr(signer) and "_inner" not in repr(signer)
