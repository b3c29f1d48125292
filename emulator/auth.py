"""HTTP Basic with the emulator's account SID and auth token, as Twilio asks it: the
Twilio API and the admin API (whose lists hold every message body sent) both need it."""

from __future__ import annotations

import base64
import binascii
import hmac

from emulator.core import Emulator
from emulator.errors import TwilioError

API_REALM = "Twilio API"
ADMIN_REALM = "Twilio emulator"


def authorized(emulator: Emulator, header: str) -> bool:
    """Whether an Authorization header carries the account's credentials; each comparison
    takes the same time whatever the header, so the token cannot be guessed byte by byte."""
    # The header every client sends, matched before any decoding (~40 µs per request counts).
    if hmac.compare_digest(header.encode("latin-1"), emulator.basic_auth.encode()):
        return True
    scheme, _, encoded = header.partition(" ")
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = ""
    config = emulator.config
    given = f"{user}:{password}".encode()
    expected = f"{config.account_sid}:{config.auth_token}".encode()
    return hmac.compare_digest(given, expected) and scheme.lower() == "basic"


def refusal(realm: str) -> TwilioError:
    """401 / 20003 in Twilio's error body, asking the client for Basic credentials."""
    return TwilioError(401, 20003, "Authenticate", {"WWW-Authenticate": f'Basic realm="{realm}"'})
