"""Inbound WhatsApp messages: recorded for the person who wrote, and their opt-out or
opt-in keywords applied.

A message to a merchant's own account (the webhook's AccountSid, `Receiver`) answers that
merchant only, if it reached one of the merchant's senders (`To`) and the merchant has
messaged the person; its keyword applies to that merchant only.

Merchants on the platform's account share its WhatsApp sender, so a message to it does
not say which merchant it answers. It is taken to answer the merchants that messaged the
person through the platform's account most recently:

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
from repositories.senders import SenderRepository
from services.messages.keywords import Keyword, keyword_of
from services.messages.text import storable
from services.phones import normalize_e164

RECENT = timedelta(days=30)


class InboundOutcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # Twilio delivered this sid before: already applied
    UNKNOWN_SENDER = "unknown_sender"  # a phone no merchant ever messaged
    UNKNOWN_RECIPIENT = "unknown_recipient"  # `To` is none of the account's merchant's senders


@dataclass(frozen=True)
class Receiver:
    """The merchant account an inbound message came through."""

    merchant_id: int
    account_sid: str


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


async def correspondents(
    session: AsyncSession,
    phone: str,
    merchant_id: int | None = None,
    platform_account_sid: str | None = None,
) -> list[Correspondent]:
    """Every merchant that sent this phone a message Twilio accepted, latest first (only
    `merchant_id`; else only through the platform's account when its sid is given)."""
    rows = await repository.last_messaged(
        session, phone, merchant_id=merchant_id, platform_account_sid=platform_account_sid
    )
    return [Correspondent(person, merchant, at) for person, merchant, at in rows]


def addressees(candidates: Sequence[Correspondent], now: datetime) -> list[Correspondent]:
    """Who an inbound message answers, latest first (see the module's docstring)."""
    recent = [c for c in candidates if c.last_messaged_at >= now - RECENT]
    return recent or list(candidates[:1])


async def record_inbound(
    session: AsyncSession,
    sid: str,
    from_: str,
    body: str,
    now: datetime,
    *,
    to: str = "",
    receiver: Receiver | None = None,
    platform_account_sid: str | None = None,
) -> InboundResult:
    """Record an inbound message from `from_` (`whatsapp:+E164`) to `to` and apply its
    keyword: to `receiver`'s merchant, or (None) to the platform account's merchants
    (see the module's docstring). A repeated delivery of the same sid changes nothing."""
    phone = normalize_e164(from_)
    account_sid: str | None
    if receiver is not None:
        if not await SenderRepository(session).receives_at(receiver.merchant_id, to.strip()):
            return InboundResult(InboundOutcome.UNKNOWN_RECIPIENT)
        found = await correspondents(session, phone, receiver.merchant_id) if phone else []
        targets, account_sid = found[:1], receiver.account_sid
    else:
        found = await correspondents(session, phone, None, platform_account_sid) if phone else []
        targets, account_sid = addressees(found, now), platform_account_sid
    if not targets:
        return InboundResult(InboundOutcome.UNKNOWN_SENDER)
    message_id = await repository.insert_inbound(
        session, targets[0].merchant_id, targets[0].person_id, sid, storable(body), account_sid
    )
    if message_id is None:
        return InboundResult(InboundOutcome.DUPLICATE)
    keyword = keyword_of(body)
    if keyword is not None:
        opted_out_at = now if keyword is Keyword.OPT_OUT else None
        await repository.set_opted_out(session, [t.person_id for t in targets], opted_out_at)
    merchant_ids = tuple(t.merchant_id for t in targets)
    return InboundResult(InboundOutcome.RECORDED, message_id, merchant_ids, keyword)
