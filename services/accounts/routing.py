"""Which Twilio account and sender a merchant's message goes through.

Not used by sending yet (the send worker, reconciler, recheck, approval job and webhooks
still use the platform's account and sender): this is the one place they will ask.
A merchant without an account of its own is on the platform's account (TWILIO_*
settings); one without live senders sends from the platform's sender at
CAMPAIGNS_SEND_RATE, as every merchant did before accounts existed.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from repositories.senders import SenderRepository
from repositories.twilio_accounts import TwilioAccountRepository
from services.accounts.credentials import CredentialsCipher, TwilioCredentials
from services.errors import not_found
from services.settings import Settings


@dataclass(frozen=True)
class TwilioRoute:
    account_sid: str | None  # None: the platform's account
    credentials: TwilioCredentials | None = field(repr=False)  # None: the platform's
    sender: str  # whatsapp:+E164 or a Messaging Service SID ("" if none is configured)
    rate_limit: float  # messages/s for this sender, across all processes; 0: no cap
    sender_id: int | None = None  # None: the platform's sender

    @property
    def on_platform_account(self) -> bool:
        return self.account_sid is None


def platform_sender(settings: Settings) -> str:
    return settings.twilio_messaging_service_sid or settings.twilio_whatsapp_from or ""


async def twilio_route(
    session: AsyncSession,
    settings: Settings,
    merchant_id: int,
    sender_id: int | None = None,
    path: Sequence[str] = ("senderId",),
) -> TwilioRoute:
    """The merchant's account and the given sender (its default when None). A sender
    that is not the merchant's live sender is NOT_FOUND."""
    account = await TwilioAccountRepository(session).of_merchant(merchant_id)
    credentials = None
    if account is not None:
        credentials = CredentialsCipher.from_settings(settings).decrypt(account.credentials)
    senders = SenderRepository(session)
    if sender_id is not None:
        sender = await senders.live_one(merchant_id, sender_id)
        if sender is None:
            raise not_found("Sender", path)
    else:
        sender = await senders.default_of(merchant_id)
    return TwilioRoute(
        account_sid=account.account_sid if account else None,
        credentials=credentials,
        sender=sender.address if sender else platform_sender(settings),
        rate_limit=float(sender.rate_limit) if sender else settings.send_rate,
        sender_id=sender.id if sender else None,
    )
