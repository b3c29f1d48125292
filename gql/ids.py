"""Relay global ids: base64("TypeName:primary key"), the format of strawberry.relay's
GlobalID. Decoding stays ours: it is stricter than relay's (strict base64, a positive
bigint key), so a mangled id names nothing rather than some other row."""

import base64
import binascii
from collections.abc import Sequence

from strawberry.relay import to_base64

from services.errors import not_found


def encode_id(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def decode_id(global_id: str, expected_type: str | None = None) -> tuple[str, int] | None:
    """(type name, primary key), or None for anything malformed or of another type."""
    try:
        type_name, _, pk = base64.b64decode(global_id, validate=True).decode().partition(":")
        value = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if value <= 0 or value > 2**63 - 1 or (expected_type and type_name != expected_type):
        return None
    return type_name, value


def decode_pk(global_id: str, expected_type: str) -> int | None:
    decoded = decode_id(global_id, expected_type)
    return decoded[1] if decoded else None


def require_pk(global_id: str, expected_type: str, what: str, path: Sequence[str] = ("id",)) -> int:
    """The primary key in a global id of `expected_type`; NOT_FOUND at `path` otherwise
    (an id of another type names nothing the client may act on here)."""
    pk = decode_pk(global_id, expected_type)
    if pk is None:
        raise not_found(what, path)
    return pk
