"""HTTP Basic with an account's SID and auth token, as Twilio asks it, and which account's
resources those credentials may act on.

The Twilio API takes the credentials of any active account: the main one (--account-sid,
--auth-token) or a subaccount it created, or the sid and secret of an API key of one
(emulator.keys_api). The admin API (whose lists hold every message body sent) takes the
main account's SID and auth token only.

An API key is a Standard one (the only kind Twilio's REST API creates; Main keys are made
in the Console): Twilio's key docs give it "access to all Twilio API resources, except for
API key and Account resources", so /Accounts and /Keys refuse it (401 / 20003, as every
credential refusal here). And unlike the main account's auth token, a key acts on its own
account only: Twilio's subaccount docs say "Main account API Keys are only available to
access main account resources. Access to subaccount resources will be denied."."""

from __future__ import annotations

import base64
import binascii
import hmac

from emulator.core import Emulator
from emulator.errors import TwilioError, not_found
from emulator.state import Account, ApiKey

API_REALM = "Twilio API"
ADMIN_REALM = "Twilio emulator"


# Operations a Standard API key may not call (see the module docstring).
KEYLESS_OPERATIONS = frozenset(
    {"CreateAccount", "FetchAccount", "UpdateAccount", "ListAccount"}
    | {"CreateNewKey", "FetchKey", "UpdateKey", "DeleteKey", "ListKey"}
)


def identify(emulator: Emulator, header: str) -> tuple[Account, ApiKey | None] | None:
    """The active account whose credentials an Authorization header carries, and the API
    key they are if they are one; None for no such credentials. The secret comparison
    takes the same time whatever the header, so it cannot be guessed byte by byte (the
    SID is no secret: looking it up first gives nothing away)."""
    # The header every client of the main account sends, matched before any decoding
    # (~40 µs per request counts).
    if hmac.compare_digest(header.encode("latin-1"), emulator.basic_auth.encode()):
        return emulator.main_caller
    scheme, _, encoded = header.partition(" ")
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = ""
    key = emulator.state.keys.get(user) if user.startswith("SK") else None
    account = emulator.state.accounts.get(key.account_sid if key else user)
    expected = emulator.config.auth_token
    if key is not None:
        expected = key.secret
    elif account is not None:
        expected = account.auth_token
    matches = hmac.compare_digest(password.encode(), expected.encode())
    if account is None or not matches or scheme.lower() != "basic":
        return None
    # Twilio: "the account is suspended or closed" is a cause of 20003 (its error page);
    # its keys stop working with it.
    return (account, key) if account.status == "active" else None


def authenticate(emulator: Emulator, header: str) -> Account | None:
    """The active account whose credentials (auth token or API key) a header carries."""
    caller = identify(emulator, header)
    return caller[0] if caller is not None else None


def authorized(emulator: Emulator, header: str) -> bool:
    """Whether the header carries the main account's SID and auth token (the admin API;
    not a key: a Standard key has no access to account configuration)."""
    caller = identify(emulator, header)
    return caller is not None and caller[0].is_main and caller[1] is None


def check_key_scope(key: ApiKey | None, operation_id: str, account_sid: str | None) -> None:
    """Refuse what a Standard API key may not do: Accounts and Keys, or another account's
    /2010-04-01/Accounts/{sid}/… (even a subaccount of the key's own main account)."""
    if key is None:
        return
    if operation_id in KEYLESS_OPERATIONS:
        raise refusal(API_REALM)
    if account_sid is not None and account_sid != key.account_sid:
        raise refusal(API_REALM)


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
