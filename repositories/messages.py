"""Every statement on messages outside the status callbacks' batch (see
status_repository.py): inbound messages, opt-outs, and the status recheck queue."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger

from db.enums import MessageDirection, MessageStatus
from db.models import ConversationUser, Message

# One `now()` (the transaction's) throughout: a message is fetched exactly when its new
# time was set by the last branch, which RETURNING tells by the same comparison.
_CLAIM = text(
    """
    WITH due AS (
        SELECT id FROM messages
        WHERE status_check_at <= now()
        ORDER BY status_check_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE messages AS m SET status_check_at = CASE
        WHEN m.direction <> 'outbound' OR m.sid IS NULL
             OR NOT (CAST(m.status AS text) = ANY(CAST(:open AS text[])))
             OR m.updated_at < now() - CAST(:horizon AS interval) THEN NULL
        WHEN m.updated_at > now() - CAST(:after AS interval)
            THEN m.updated_at + CAST(:after AS interval)
        ELSE now() + LEAST(
            GREATEST(CAST(:after AS interval), now() - m.updated_at),
            CAST(:longest AS interval)
        )
    END
    FROM due WHERE m.id = due.id
    RETURNING m.id, m.sid,
        m.status_check_at IS NOT NULL AND m.updated_at <= now() - CAST(:after AS interval)
    """
)

_FORGET = text("UPDATE messages SET status_check_at = NULL WHERE id = ANY(:ids)").bindparams(
    bindparam("ids", type_=ARRAY(BigInteger))
)


async def claim_due(
    session: AsyncSession,
    *,
    limit: int,
    open_statuses: list[str],
    after: timedelta,
    horizon: timedelta,
    longest: timedelta,
) -> Sequence[Any]:
    """(id, sid, fetch now) of each due message claimed, rescheduled or dropped."""
    rows = await session.execute(
        _CLAIM,
        {
            "limit": limit,
            "open": open_statuses,
            "after": after,
            "horizon": horizon,
            "longest": longest,
        },
    )
    return rows.all()


async def forget_checks(session: AsyncSession, message_ids: Sequence[int]) -> None:
    await session.execute(_FORGET, {"ids": list(message_ids)})


async def last_messaged(
    session: AsyncSession,
    phone: str,
    *,
    merchant_id: int | None = None,
    platform_account_sid: str | None = None,
) -> Sequence[Any]:
    """(person id, merchant id, last outbound message time) per merchant that messaged
    this phone, latest first: only `merchant_id` when given; else, with
    `platform_account_sid`, only through the platform's account (that sid, or a message
    recorded without an account)."""
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
    if merchant_id is not None:
        statement = statement.where(ConversationUser.merchant_id == merchant_id)
    elif platform_account_sid is not None:
        account = func.coalesce(Message.twilio_account_sid, platform_account_sid)
        statement = statement.where(account == platform_account_sid)
    rows = (await session.execute(statement)).all()
    return rows


async def insert_inbound(
    session: AsyncSession,
    merchant_id: int,
    person_id: int,
    sid: str,
    body: str,
    account_sid: str | None = None,
) -> int | None:
    """The new message's id (received through `account_sid`); None when the sid is
    already recorded. ON CONFLICT makes a concurrent repeat wait for the first
    delivery's transaction instead of failing."""
    statement = (
        insert(Message)
        .values(
            merchant_id=merchant_id,
            conversation_user_id=person_id,
            direction=MessageDirection.INBOUND,
            status=MessageStatus.RECEIVED,
            body=body,
            sid=sid,
            twilio_account_sid=account_sid,
        )
        .on_conflict_do_nothing(index_elements=[Message.sid])
        .returning(Message.id)
    )
    message_id: int | None = (await session.execute(statement)).scalar_one_or_none()
    return message_id


async def set_opted_out(
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
