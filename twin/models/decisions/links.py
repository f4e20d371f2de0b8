"""The customer's info link: a signed, expiring token per visit.

Every booked visit gets one link (``{base_url}/v/{token}``): the live page of the visit
(status, the technician's position, the ETA) and, after the visit, its feedback form. The
token names the visit and its expiry and carries an HMAC-SHA256 signature with the
company's secret, so a customer can read their own visit and nothing else; anything that
does not verify is refused the same way, whether the visit exists or not.

Expiry counts in the twin's own time (the simulated or served day), not the wall clock:
a link is valid until ``valid_days`` after the local midnight of the visit's day.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TOKEN_VERSION = "v1"
SIGNATURE_BYTES = 16  # 128 bits
MAX_TOKEN_CHARS = 200
DEFAULT_BASE_URL = "http://127.0.0.1:8765"
SIMULATION_SECRET_PREFIX = b"fieldtwin simulated links, company seed "
_BLOCK = 64  # SHA-256's block size: HMAC pads its key to it (RFC 2104)
_INNER_PAD = bytes(b ^ 0x36 for b in range(256))  # byte translations: key XOR ipad / opad
_OUTER_PAD = bytes(b ^ 0x5C for b in range(256))
_URLSAFE = bytes.maketrans(b"+/", b"-_")


class LinkError(ValueError):
    """A token that does not verify (malformed, tampered, expired or for another visit)."""


def _b64(data: bytes) -> str:
    """``base64.urlsafe_b64encode(data)`` without its padding (the same steps, inlined)."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class LinkSigner:
    """Makes and checks the info links of one company (one secret)."""

    secret: bytes = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    valid_days: int = 14
    # HMAC-SHA256 (RFC 2104) with the padded key hashed once: a signature then copies two
    # hash states instead of setting up an HMAC (a booking's confirmation signs one link;
    # 4x cheaper than ``hmac.new``, the same bytes: tests/models/decisions/test_links.py)
    _inner: Any = field(init=False, repr=False, compare=False)
    _outer: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("LinkSigner.secret: at least 16 bytes are needed")
        if self.valid_days < 1:
            raise ValueError(f"LinkSigner.valid_days: at least 1, got {self.valid_days}")
        key = self.secret if len(self.secret) <= _BLOCK else hashlib.sha256(self.secret).digest()
        key = key.ljust(_BLOCK, b"\0")
        object.__setattr__(self, "_inner", hashlib.sha256(key.translate(_INNER_PAD)))
        object.__setattr__(self, "_outer", hashlib.sha256(key.translate(_OUTER_PAD)))

    def __reduce__(self) -> tuple[type[LinkSigner], tuple[bytes, str, int]]:
        """Pickled (and deep-copied) as its fields: hash states do not pickle."""
        return (type(self), (self.secret, self.base_url, self.valid_days))

    @classmethod
    def for_simulation(cls, company_seed: int, base_url: str = DEFAULT_BASE_URL) -> LinkSigner:
        """The links of a simulated company: deterministic per company, so a seed gives the
        same log; not secret (a served twin uses its own random key)."""
        secret = hashlib.sha256(SIMULATION_SECRET_PREFIX + str(company_seed).encode()).digest()
        return cls(secret, base_url)

    def _signature(self, visit_id: str, expires: int) -> str:
        inner = self._inner.copy()
        inner.update(f"{TOKEN_VERSION}|{visit_id}|{expires}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return _b64(outer.digest()[:SIGNATURE_BYTES])

    def token(self, visit_id: str, day_midnight: datetime) -> str:
        """The token of ``visit_id``, valid until ``valid_days`` after its day's midnight."""
        expires = int(day_midnight.timestamp()) + self.valid_days * 86_400
        vid = _b64(visit_id.encode())
        return f"{TOKEN_VERSION}.{vid}.{expires}.{self._signature(visit_id, expires)}"

    def url(self, visit_id: str, day_midnight: datetime) -> str:
        return f"{self.base_url.rstrip('/')}/v/{self.token(visit_id, day_midnight)}"

    def verify(self, token: str, now: datetime) -> str:
        """The visit id of a valid ``token`` at ``now``; :class:`LinkError` otherwise (one
        message for every failure: a caller cannot learn which visits exist)."""
        refused = LinkError("link not valid or expired")
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            raise refused
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != TOKEN_VERSION:
            raise refused
        if not (parts[2].isascii() and parts[2].isdigit()):
            raise refused
        try:
            visit_id = _unb64(parts[1]).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise refused from None
        expires = int(parts[2])
        expected = self._signature(visit_id, expires)
        if not hmac.compare_digest(expected.encode(), parts[3].encode("utf-8", "replace")):
            raise refused
        if now.timestamp() > expires:
            raise refused
        return visit_id
