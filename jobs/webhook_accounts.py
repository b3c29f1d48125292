"""Which auth token verifies a Twilio webhook: Twilio signs each one with the token of the
account that owns the resource, and names that account in the `AccountSid` parameter.

- no AccountSid (a request from before Twilio sent it) or the platform's: the platform's
  token (TWILIO_AUTH_TOKEN);
- a merchant's account (twilio_accounts): its auth token, decrypted;
- anything else: refused, with the reason.

Tokens are kept per process for `TTL` seconds, so a burst of callbacks costs one read
and one decryption per account, not one per callback; a signature that does not verify
with a kept token is checked once more against a fresh read (the merchant may just have
stored a rotated token). Tokens are never logged (SigningAccount's repr leaves it out).
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from db.database import Database
from repositories.twilio_accounts import TwilioAccountRepository
from services.accounts.credentials import CredentialsCipher
from services.errors import ServiceError
from services.settings import Settings

TTL = 60.0  # seconds a merchant account's token is kept
_ACCOUNT_SID = re.compile(r"^AC[0-9a-f]{32}$")


@dataclass(frozen=True)
class SigningAccount:
    account_sid: str
    auth_token: str = field(repr=False)
    merchant_id: int | None  # None: the platform's account

    @property
    def is_platform(self) -> bool:
        return self.merchant_id is None


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


class WebhookAccounts:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._kept: dict[str, tuple[SigningAccount, float]] = {}

    def platform(self) -> SigningAccount | Refusal:
        sid, token = self.settings.twilio_account_sid, self.settings.twilio_auth_token
        if not sid or not token:
            return Refusal(503, "Twilio is not configured on this server.")
        return SigningAccount(sid, token, None)

    def is_kept(self, account_sid: str | None) -> bool:
        return account_sid is not None and account_sid in self._kept

    async def signer(
        self, account_sid: str | None, *, fresh: bool = False
    ) -> SigningAccount | Refusal:
        """The account whose token must have signed a webhook naming `account_sid`."""
        platform = self.platform()
        if isinstance(platform, Refusal):
            return platform
        if not account_sid or account_sid == platform.account_sid:
            return platform
        if not _ACCOUNT_SID.match(account_sid):
            return Refusal(403, "AccountSid is not a Twilio account sid.")
        kept = self._kept.get(account_sid)
        if kept is not None and not fresh and kept[1] > time.monotonic():
            return kept[0]
        self._kept.pop(account_sid, None)
        found = await self._read(account_sid)
        if isinstance(found, SigningAccount):
            self._kept[account_sid] = (found, time.monotonic() + TTL)
        return found

    async def verified(
        self, account_sid: str | None, signed_by: Callable[[str], bool]
    ) -> SigningAccount | Refusal | None:
        """The account named by a webhook if its token signed it (`signed_by(token)`), a
        refusal if no token can be had for it, None if the signature does not verify. A
        kept token that fails is read again once: the account's token may have changed."""
        for fresh in (False, True) if self.is_kept(account_sid) else (True,):
            signer = await self.signer(account_sid, fresh=fresh)
            if isinstance(signer, Refusal) or signed_by(signer.auth_token):
                return signer
        return None

    async def _read(self, account_sid: str) -> SigningAccount | Refusal:
        async with self.db.session() as session:
            owner = await TwilioAccountRepository(session).owner_of(account_sid)
        if owner is None:
            return Refusal(403, f"Unknown AccountSid {account_sid}: no merchant has it.")
        merchant, account = owner
        try:
            credentials = CredentialsCipher.from_settings(self.settings).decrypt(
                account.credentials
            )
        except ServiceError:
            return Refusal(503, "This server cannot read its Twilio credentials.")
        if not credentials.auth_token:
            return Refusal(
                403,
                f"Account {account_sid} was connected without its auth token, which "
                "Twilio signs its webhooks with: they cannot be verified.",
            )
        return SigningAccount(account_sid, credentials.auth_token, merchant.id)
