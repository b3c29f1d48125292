"""A merchant's WhatsApp senders: add, list, remove, and the one default.

Rules: an address is `whatsapp:+E164` (normalised by libphonenumber) or a Messaging
Service SID (`MG` + 32 hex); its rate limit is 1 to 400 messages a second (80 unless
given: WhatsApp's default throughput; 400 is Twilio's most for text). A merchant's first
sender is its default; `make_default` moves the default; removing the default promotes
the oldest remaining live sender. Every change locks the merchant's row first, so two
requests at once cannot both make a first sender, nor add one address twice.
"""

import re
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Sender
from db.models.accounts import MAX_SENDER_RATE, MIN_SENDER_RATE
from repositories.senders import SenderRepository
from repositories.twilio_accounts import TwilioAccountRepository
from services.errors import ErrorCode, ServiceError, not_found
from services.phones import normalize_e164

DEFAULT_SENDER_RATE = 80
_MESSAGING_SERVICE = re.compile(r"^MG[0-9a-fA-F]{32}$")


def normalize_sender(raw: str) -> str | None:
    """'whatsapp:+1 415 523 8886' -> 'whatsapp:+14155238886'; a Messaging Service SID as
    Twilio writes it; None for anything else. A bare number must say `whatsapp:`, so
    that an SMS number is never taken for a WhatsApp sender by mistake."""
    text = raw.strip()
    if _MESSAGING_SERVICE.match(text):
        return "MG" + text[2:].lower()
    if not text.startswith("whatsapp:"):
        return None
    number = normalize_e164(text)
    return f"whatsapp:{number}" if number else None


class SenderService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = SenderRepository(session)

    async def list(self, merchant_id: int) -> list[Sender]:
        """Live senders, oldest first."""
        return await self.repository.live(merchant_id)

    async def add(
        self,
        merchant_id: int,
        address: str,
        rate_limit: int | None = None,
        *,
        make_default: bool = False,
        path: Sequence[str] = ("input",),
    ) -> Sender:
        normalized = normalize_sender(address)
        if normalized is None:
            raise ServiceError.single(
                ErrorCode.INVALID_SENDER,
                "A sender is a WhatsApp number as whatsapp:+E164 (e.g. whatsapp:+14155238886) "
                "or a Messaging Service SID (MG followed by 32 hex digits).",
                (*path, "address"),
            )
        rate = DEFAULT_SENDER_RATE if rate_limit is None else rate_limit
        if not MIN_SENDER_RATE <= rate <= MAX_SENDER_RATE:
            raise ServiceError.single(
                ErrorCode.INVALID_RATE_LIMIT,
                f"A sender's rate limit is {MIN_SENDER_RATE} to {MAX_SENDER_RATE} messages "
                "a second.",
                (*path, "rateLimit"),
            )
        await self._lock(merchant_id)
        if await self.repository.live_address(merchant_id, normalized) is not None:
            raise ServiceError.single(
                ErrorCode.DUPLICATE_SENDER,
                f"{normalized} is already one of your senders.",
                (*path, "address"),
            )
        first = await self.repository.default_of(merchant_id) is None
        if make_default and not first:
            await self.repository.clear_default(merchant_id)
        return await self.repository.add(
            merchant_id, normalized, rate, is_default=first or make_default
        )

    async def make_default(self, merchant_id: int, sender_id: int) -> Sender:
        await self._lock(merchant_id)
        sender = await self.repository.live_one(merchant_id, sender_id)
        if sender is None:
            raise not_found("Sender")
        if not sender.is_default:
            await self.repository.clear_default(merchant_id)
            await self.repository.make_default(sender.id)
        return sender

    async def remove(self, merchant_id: int, sender_id: int) -> Sender:
        """Remove a live sender (another merchant's, a removed or an unknown one:
        NOT_FOUND; one a live send goes out from: SENDER_IN_USE). Removing the default
        makes the oldest remaining sender the default."""
        await self._lock(merchant_id)
        if await self.repository.live_one(
            merchant_id, sender_id
        ) is not None and await self.repository.in_live_send(sender_id):
            raise ServiceError.single(
                ErrorCode.SENDER_IN_USE,
                "A scheduled, running or paused send goes out from this sender: cancel it or "
                "let it finish first.",
                ("id",),
            )
        removed = await self.repository.remove(merchant_id, sender_id)
        if removed is None:
            raise not_found("Sender")
        if await self.repository.default_of(merchant_id) is None:
            remaining = await self.repository.live(merchant_id)
            if remaining:
                await self.repository.make_default(remaining[0].id)
        return removed

    async def _lock(self, merchant_id: int) -> None:
        if not await TwilioAccountRepository(self.session).lock_merchant(merchant_id):
            raise not_found("Merchant")
