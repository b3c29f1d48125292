"""Tokens naming one link of one ledger row: base64url(varint ledger id, varint link key,
first 12 bytes of HMAC-SHA256). Ids in the millions give 22 characters, the largest
BIGINT 31, so a token fits a WhatsApp URL-button suffix; 96 bits of MAC make them
unguessable, and any change to a token makes it invalid."""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

MAC_BYTES = 12
# Separates these MACs from any other use the key might get one day.
_DOMAIN = b"tracked-link/v1\x00"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,43}")
_MAX_VARINT_BYTES = 10


@dataclass(frozen=True)
class LinkRef:
    ledger_id: int
    link_key: int  # the positional placeholder ("3") the token travels in


def make_token(key: bytes, ledger_id: int, link_key: int) -> str:
    if ledger_id < 0 or link_key < 0:
        raise ValueError("ledger ids and link keys are non-negative")
    payload = _varint(ledger_id) + _varint(link_key)
    return _b64(payload + _mac(key, payload))


def read_token(key: bytes, token: str) -> LinkRef | None:
    """The link a token names, or None for anything we did not sign."""
    if not _TOKEN.fullmatch(token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return None
    # Several strings can decode to the same bytes (unused trailing bits): only the one
    # we issued is accepted.
    if _b64(raw) != token or len(raw) <= MAC_BYTES:
        return None
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(key, payload)):
        return None
    numbers = _read_varints(payload)
    if numbers is None or len(numbers) != 2:
        return None
    return LinkRef(ledger_id=numbers[0], link_key=numbers[1])


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _DOMAIN + payload, hashlib.sha256).digest()[:MAC_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _varint(number: int) -> bytes:
    """Unsigned LEB128: 7 bits a byte, high bit set on all but the last."""
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varints(data: bytes) -> list[int] | None:
    numbers: list[int] = []
    value = shift = length = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        length += 1
        if length > _MAX_VARINT_BYTES:
            return None
        if not byte & 0x80:
            numbers.append(value)
            value = shift = length = 0
    return None if length else numbers
