"""HTTP Basic with an account's SID and auth token, as Twilio asks it, and which account's
resources those credentials may act on.

The Twilio API takes the credentials of any active account: the main one (--account-sid,
--auth-token) or a subaccount it created. The admin API (whose lists hold every message
body sent) takes the main account's only."""

from __future__ import annotations

import base64
import binascii
import hmac

from emulator.core import Emulator
from emulator.errors import TwilioError, not_found
from emulator.state import Account

API_REALM = "Twilio API"
ADMIN_REALM = "Twilio emulator"


def authenticate(emulator: Emulator, header: str) -> Account | None:
    """The active account whose credentials an Authorization header carries, or None. The
    token comparison takes the same time whatever the header, so it cannot be guessed byte
    by byte (the SID is no secret: looking it up first gives nothing away)."""
    # The header every client of the main account sends, matched before any decoding
    # (~40 µs per request counts).
    if hmac.compare_digest(header.encode("latin-1"), emulator.basic_auth.encode()):
        return emulator.main_account
    scheme, _, encoded = header.partition(" ")
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = ""
    account = emulator.state.accounts.get(user)
    expected = account.auth_token if account is not None else emulator.config.auth_token
    matches = hmac.compare_digest(password.encode(), expected.encode())
    if account is None or not matches or scheme.lower() != "basic":
        return None
    # Twilio: "the account is suspended or closed" is a cause of 20003 (its error page).
    return account if account.status == "active" else None


def authorized(emulator: Emulator, header: str) -> bool:
    """Whether the header carries the main account's credentials (the admin API)."""
    account = authenticate(emulator, header)
    return account is not None and account.is_main


def acting_on(emulator: Emulator, caller: Account, sid: str, path: str) -> Account:
    """The account `sid` of a /2010-04-01/Accounts/{sid}/… path, when the caller may act on
    it: itself, or for the main account one of its subaccounts."""
    if sid == caller.sid:
        return caller
    target = emulator.state.accounts.get(sid)
    if caller.is_main and target is not None and target.owner_account_sid == caller.sid:
        return target
    if not caller.is_main:
        # Twilio's 20003 page: "You used subaccount credentials to access the main account
        # or another subaccount" -- 401, not a 404 that would hide the other account.
        raise refusal(API_REALM)
    # An account the main one does not know: its resource does not exist (as before).
    raise not_found(path)


def refusal(realm: str) -> TwilioError:
    """401 / 20003 in Twilio's error body, asking the client for Basic credentials."""
    return TwilioError(401, 20003, "Authenticate", {"WWW-Authenticate": f'Basic realm="{realm}"'})
