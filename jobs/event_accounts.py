"""Which account an Event Streams delivery speaks for: the token its signature is checked
with, and the merchants whose campaigns it may change.

Twilio signs a delivery with the auth token of the account whose sink sent it, and says
which account that is in each event's `data.accountSid`. The platform's account speaks
for the merchants without an account of their own; a merchant's own account (a
subaccount or a connected one) speaks for that merchant only.
"""

from dataclasses import dataclass, field

from db.database import Database
from repositories.campaigns import AccountScope
from repositories.twilio_accounts import TwilioAccountRepository
from services.accounts.credentials import CredentialsCipher
from services.settings import Settings


@dataclass(frozen=True)
class EventAccount:
    auth_token: str = field(repr=False)
    scope: AccountScope


async def event_account(
    db: Database, settings: Settings, account_sid: str | None
) -> EventAccount | None:
    """The account of a delivery (None: one this server does not know, or whose auth
    token it does not have, so no signature of it can be checked)."""
    if account_sid is None or account_sid == settings.twilio_account_sid:
        token = settings.twilio_auth_token
        return EventAccount(token, AccountScope(None)) if token else None
    async with db.session() as session:
        owned = await TwilioAccountRepository(session).owner_of(account_sid)
    if owned is None:
        return None
    merchant, account = owned
    credentials = CredentialsCipher.from_settings(settings).decrypt(account.credentials)
    if not credentials.auth_token:
        return None  # an API key alone cannot check a signature
    return EventAccount(credentials.auth_token, AccountScope(merchant.id))
