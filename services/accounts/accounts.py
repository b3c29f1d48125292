"""A merchant's own Twilio account: the rules for connecting one and storing it.

Twilio is never called here: jobs/twilio_accounts.py verifies an account (or creates a
subaccount) first, with no transaction open, and then calls `store`.

Replacing the account a merchant has is refused while one of its sends is live
(scheduled, running or paused: SEND_IN_PROGRESS), since that send's messages, their
statuses and its template belong to the account it started in. New credentials for the
same account are always accepted (a rotated auth token must be storable at once).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import TwilioAccountKind
from db.models import TwilioAccount
from repositories.twilio_accounts import TwilioAccountRepository
from services.accounts.credentials import CredentialsCipher, TwilioCredentials
from services.errors import ErrorCode, FieldError, ServiceError, not_found

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_API_KEY_SID = re.compile(r"^SK[0-9a-fA-F]{32}$")
IN_USE = "This Twilio account is already connected to another merchant."
MAX_SECRET_LENGTH = 128  # Twilio's are 32 characters; anything much longer is not one


@dataclass(frozen=True)
class AccountToConnect:
    """Checked input of a connection: what is to be verified at Twilio, then stored."""

    account_sid: str
    credentials: TwilioCredentials


def _sid(value: str) -> str:
    # Twilio writes SIDs with lowercase hex; the prefix stays as it is.
    return value[:2] + value[2:].lower()


def account_to_connect(
    account_sid: str,
    auth_token: str | None,
    api_key_sid: str | None,
    api_key_secret: str | None,
    path: Sequence[str] = ("input",),
) -> AccountToConnect:
    """The account and credentials given, or every problem with them."""
    sid = account_sid.strip()
    token, key, secret = (
        v.strip() if v else None for v in (auth_token, api_key_sid, api_key_secret)
    )
    problems = []
    if not _ACCOUNT_SID.match(sid):
        problems.append(
            (
                ErrorCode.INVALID_ACCOUNT_SID,
                "An account SID is AC followed by 32 hex digits.",
                "accountSid",
            )
        )
    problems.extend(_credential_problems(token, key, secret))
    if problems:
        raise ServiceError(
            [FieldError(code, message, (*path, name)) for code, message, name in problems]
        )
    credentials = TwilioCredentials(
        auth_token=token, api_key_sid=_sid(key) if key else None, api_key_secret=secret
    )
    return AccountToConnect(_sid(sid), credentials)


def _credential_problems(
    token: str | None, key: str | None, secret: str | None
) -> list[tuple[ErrorCode, str, str]]:
    """(code, message, input field) of each problem with the credentials given."""
    problems = []
    if key and not _API_KEY_SID.match(key):
        problems.append(
            (
                ErrorCode.INVALID_CREDENTIALS,
                "An API key SID is SK followed by 32 hex digits.",
                "apiKeySid",
            )
        )
    if bool(key) != bool(secret):
        missing = "apiKeySecret" if key else "apiKeySid"
        problems.append(
            (ErrorCode.REQUIRED, "An API key needs both its SID and its secret.", missing)
        )
    if not (token or key or secret):
        message = "Give the account's auth token, or an API key SID and its secret."
        problems.append((ErrorCode.REQUIRED, message, "authToken"))
    for name, value in (("authToken", token), ("apiKeySecret", secret)):
        if value and len(value) > MAX_SECRET_LENGTH:
            problems.append((ErrorCode.INVALID_CREDENTIALS, "Not a Twilio credential.", name))
    return problems


class TwilioAccountService:
    def __init__(self, session: AsyncSession, cipher: CredentialsCipher) -> None:
        self.session = session
        self.cipher = cipher
        self.repository = TwilioAccountRepository(session)

    async def store(
        self,
        merchant_id: int,
        account_sid: str,
        kind: TwilioAccountKind,
        credentials: TwilioCredentials,
        friendly_name: str,
        path: Sequence[str] = ("input", "accountSid"),
    ) -> TwilioAccount:
        """Save the merchant's account (verified at Twilio by the caller), in place of
        the one it had, if any."""
        if not await self.repository.lock_merchant(merchant_id):
            raise not_found("Merchant")
        if await self.repository.sid_taken(account_sid, merchant_id):
            raise ServiceError.single(ErrorCode.ACCOUNT_IN_USE, IN_USE, path)
        encrypted = self.cipher.encrypt(credentials)
        current = await self.repository.of_merchant(merchant_id)
        if current is None:
            try:
                return await self.repository.add(
                    merchant_id, account_sid, kind, encrypted, friendly_name
                )
            except IntegrityError:  # another merchant connected it meanwhile
                raise ServiceError.single(ErrorCode.ACCOUNT_IN_USE, IN_USE, path) from None
        if current.account_sid != account_sid and await self.repository.has_live_send(merchant_id):
            raise ServiceError.single(
                ErrorCode.SEND_IN_PROGRESS,
                "A send is scheduled, running or paused in your current Twilio account: "
                "finish or cancel it before connecting another account.",
                path,
            )
        try:
            replaced = await self.repository.replace(
                merchant_id, account_sid, kind, encrypted, friendly_name
            )
        except IntegrityError:
            raise ServiceError.single(ErrorCode.ACCOUNT_IN_USE, IN_USE, path) from None
        assert replaced is not None  # the merchant's row is locked: its account stays
        return replaced

    async def of_merchant(self, merchant_id: int) -> TwilioAccount | None:
        return await self.repository.of_merchant(merchant_id)

    def credentials_of(self, account: TwilioAccount) -> TwilioCredentials:
        return self.cipher.decrypt(account.credentials)
