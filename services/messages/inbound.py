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

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import MessageDirection, MessageStatus
from db.models import ConversationUser, Message
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
    last = func.max(Message.created_at).label("last")
    statement = (
        select(ConversationUser.id, ConversationUser.merchant_id, last)
        .join(Message, Message.conversation_user_id == ConversationUser.id)
        .where(
            ConversationUser.phone == phone,
            Message.direction == MessageDirection.OUTBOUND,
            Message.sid.is_not(None),  # a message Twilio refused never reached the person
        )
        .group_by(ConversationUser.id, ConversationUser.merchant_id)
        .order_by(last.desc(), ConversationUser.id.desc())
    )
    rows = (await session.execute(statement)).all()
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
    message_id = await _insert(session, targets[0], sid, body)
    if message_id is None:
        return InboundResult(InboundOutcome.DUPLICATE)
    keyword = keyword_of(body)
    if keyword is not None:
        opted_out_at = now if keyword is Keyword.OPT_OUT else None
        await _set_opted_out(session, [t.person_id for t in targets], opted_out_at)
    merchant_ids = tuple(t.merchant_id for t in targets)
    return InboundResult(InboundOutcome.RECORDED, message_id, merchant_ids, keyword)


async def _insert(session: AsyncSession, person: Correspondent, sid: str, body: str) -> int | None:
    """The new message's id; None when the sid is already recorded. ON CONFLICT makes a
    concurrent repeat wait for the first delivery's transaction instead of failing."""
    statement = (
        insert(Message)
        .values(
            merchant_id=person.merchant_id,
            conversation_user_id=person.person_id,
            direction=MessageDirection.INBOUND,
            status=MessageStatus.RECEIVED,
            body=storable(body),
            sid=sid,
        )
        .on_conflict_do_nothing(index_elements=[Message.sid])
        .returning(Message.id)
    )
    message_id: int | None = (await session.execute(statement)).scalar_one_or_none()
    return message_id


async def _set_opted_out(
    session: AsyncSession, person_ids: Sequence[int], opted_out_at: datetime | None
) -> None:
    statement = update(ConversationUser).where(ConversationUser.id.in_(person_ids))
    if opted_out_at is not None:
        # A repeated STOP keeps the first refusal's time.
        statement = statement.where(ConversationUser.opted_out_at.is_(None))
    else:
        statement = statement.where(ConversationUser.opted_out_at.is_not(None))
    await session.execute(
        statement.values(opted_out_at=opted_out_at),
        execution_options={"synchronize_session": False},
    )
