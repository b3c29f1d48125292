"""Inbound WhatsApp messages: recorded for the person who wrote, and their opt-out or
opt-in keywords applied.

Merchants share the WhatsApp sender, so an inbound message does not say which merchant
it answers. It is taken to answer the merchants that messaged the person most recently:

- every merchant that sent the person a message Twilio accepted within the last 30 days
  (`RECENT`), or, when none did, the one merchant that did so last;
- a phone no merchant ever sent a message to is acknowledged and ignored (a lead that
  was never messaged cannot be answering anyone).

A keyword applies to all of them: a STOP to a shared sender is a refusal of what came
from it, and START undoes exactly that. The message itself (the person's own words) is
recorded once, for the merchant that messaged the person last, so that no merchant is
shown words that may have been meant for another one.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import messages as repository
from services.messages.keywords import Keyword, keyword_of
from services.messages.text import storable
from services.phones import normalize_e164

RECENT = timedelta(days=30)


class InboundOutcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # Twilio delivered this sid before: already applied
    UNKNOWN_SENDER = "unknown_sender"  # a phone no merchant ever messaged


@dataclass(frozen=True)
class Correspondent:
    """A merchant's record of the person, and when the merchant last messaged them."""

    person_id: int
    merchant_id: int
    last_messaged_at: datetime


@dataclass(frozen=True)
class InboundResult:
    outcome: InboundOutcome
    message_id: int | None = None
    merchant_ids: tuple[int, ...] = ()  # the merchants the message was applied to
    keyword: Keyword | None = None


async def correspondents(session: AsyncSession, phone: str) -> list[Correspondent]:
    """Every merchant that sent this phone a message Twilio accepted, latest first."""
    rows = await repository.last_messaged(session, phone)
    return [Correspondent(person, merchant, at) for person, merchant, at in rows]


def addressees(candidates: Sequence[Correspondent], now: datetime) -> list[Correspondent]:
    """Who an inbound message answers, latest first (see the module's docstring)."""
    recent = [c for c in candidates if c.last_messaged_at >= now - RECENT]
    return recent or list(candidates[:1])


async def record_inbound(
    session: AsyncSession, sid: str, from_: str, body: str, now: datetime
) -> InboundResult:
    """Record an inbound message from `from_` (`whatsapp:+E164`) and apply its keyword.
    A repeated delivery of the same sid changes nothing."""
    phone = normalize_e164(from_)
    targets = addressees(await correspondents(session, phone), now) if phone else []
    if not targets:
        return InboundResult(InboundOutcome.UNKNOWN_SENDER)
    message_id = await repository.insert_inbound(
        session, targets[0].merchant_id, targets[0].person_id, sid, storable(body)
    )
    if message_id is None:
        return InboundResult(InboundOutcome.DUPLICATE)
    keyword = keyword_of(body)
    if keyword is not None:
        opted_out_at = now if keyword is Keyword.OPT_OUT else None
        await repository.set_opted_out(session, [t.person_id for t in targets], opted_out_at)
    merchant_ids = tuple(t.merchant_id for t in targets)
    return InboundResult(InboundOutcome.RECORDED, message_id, merchant_ids, keyword)
