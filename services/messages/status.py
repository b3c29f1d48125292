"""Applying Twilio's status callbacks to outbound messages.

Callbacks arrive out of order, repeat, and may reach two server processes at once for
the same message, so a status is applied by one conditional UPDATE whose WHERE clause
lists the statuses the reported one may replace. When a concurrent UPDATE of the row
commits first, PostgreSQL re-checks that clause against the new row version, so the
stored status only ever moves forward, whichever process wins.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import MessageDirection, MessageStatus
from db.models import CampaignLeadMessage, Message
from services.events.messages import MessageStatusChanged, SendProgress, publish
from services.messages.text import storable
from services.sends.claims import pause_send

logger = logging.getLogger(__name__)

# The way a message moves when all goes well.
PROGRESS: tuple[MessageStatus, ...] = (
    MessageStatus.ACCEPTED,
    MessageStatus.SCHEDULED,
    MessageStatus.QUEUED,
    MessageStatus.SENDING,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.READ,
)
# Terminal: nothing replaces them.
FAILURES: frozenset[MessageStatus] = frozenset(
    {MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.CANCELED}
)
# WhatsApp confirmed that the person has the message: a failure reported after that is
# stale or contradictory, and "delivered" is the truth worth keeping.
_PROOF_OF_DELIVERY = frozenset({MessageStatus.DELIVERED, MessageStatus.READ})
# Milestones with a timestamp column, each implied by every later progress status.
_MILESTONES = (
    (MessageStatus.SENT, "sent_at"),
    (MessageStatus.DELIVERED, "delivered_at"),
    (MessageStatus.READ, "read_at"),
)


def replaceable_by(status: MessageStatus) -> tuple[MessageStatus, ...]:
    """The stored statuses a reported `status` may replace; empty for a repeat-only one."""
    if status in PROGRESS:
        return PROGRESS[: PROGRESS.index(status)]
    if status in FAILURES:
        return tuple(s for s in PROGRESS if s not in _PROOF_OF_DELIVERY)
    return ()  # receiving / received describe inbound messages, never an outbound one


def parse_status(raw: str) -> MessageStatus | None:
    try:
        return MessageStatus(raw.strip().lower())
    except ValueError:
        return None


def _first(column: str, now: datetime, *earlier: str) -> ColumnElement[datetime]:
    """`now`, unless the column was already set (a timestamp records when its status was
    first reached), and never before an earlier milestone: `now` is read before the
    UPDATE waits for a concurrent one, and on another process's clock, so a `read`
    applied just after a `delivered` may carry the older time."""
    bound: ColumnElement[datetime] = func.greatest(now, *(getattr(Message, c) for c in earlier))
    return func.coalesce(getattr(Message, column), bound if earlier else now)


def _changes(
    status: MessageStatus, error_code: int | None, error_message: str | None, now: datetime
) -> dict[str, Any]:
    """Column values for moving to `status`. A later status implies the earlier ones (a
    `read` callback may be the first we hear after `queued`), so it fills their
    timestamps too when they are empty."""
    values: dict[str, Any] = {"status": status}
    if status in PROGRESS:
        reached = PROGRESS.index(status)
        for position, (milestone, column) in enumerate(_MILESTONES):
            if reached >= PROGRESS.index(milestone):
                earlier = [c for _, c in _MILESTONES[:position]]
                values[column] = _first(column, now, *earlier)
    if status in FAILURES:
        values["failed_at"] = _first("failed_at", now, "sent_at")
        # A callback without an error keeps one recorded earlier (e.g. at create time).
        if error_code is not None:
            values["error_code"] = error_code
        if error_message:
            values["error_message"] = storable(error_message)
    return values


@dataclass(frozen=True)
class StatusResult:
    """Where a message stands after a callback, and whether the callback changed it."""

    message_id: int
    merchant_id: int
    status: MessageStatus
    changed: bool
    ledger_id: int | None = None
    campaign_id: int | None = None
    send_id: int | None = None


# WhatsApp reports a sender's problems per message, after the fact: no channel for the
# sender (63007) or over its messaging limit (63018). Sending on would fail every lead.
_SENDER_ERRORS = {
    63007: "no WhatsApp channel for the sender",
    63018: "the sender is over its rate or Meta's messaging limit",
}


async def _stop_send_on_sender_errors(
    session: AsyncSession, result: StatusResult, error_code: int | None
) -> None:
    if error_code not in _SENDER_ERRORS or result.send_id is None or result.campaign_id is None:
        return
    reason = f"Twilio error {error_code}: {_SENDER_ERRORS[error_code]}."
    if await pause_send(session, result.send_id, reason):
        await publish(session, SendProgress(result.merchant_id, result.campaign_id, result.send_id))


async def apply_status(
    session: AsyncSession,
    sid: str,
    status: str,
    error_code: int | None,
    error_message: str | None,
    now: datetime,
) -> StatusResult | None:
    """Apply one status callback to the outbound message with this Twilio sid, and
    publish what changed (delivered when the caller commits). None for an unknown sid.
    Repeats, stale statuses and statuses we do not know change nothing."""
    reported = parse_status(status)
    if reported is None:
        logger.warning("message %s: unknown status %r ignored", sid, status)
    elif replaceable_by(reported):
        changed = await _update(session, sid, reported, error_code, error_message, now)
        if changed is not None:
            await _publish(session, changed)
            await _stop_send_on_sender_errors(session, changed, error_code)
            return changed
    return await _current(session, sid)


async def _update(
    session: AsyncSession,
    sid: str,
    status: MessageStatus,
    error_code: int | None,
    error_message: str | None,
    now: datetime,
) -> StatusResult | None:
    """The conditional UPDATE, joined in the same statement to the ledger row that sent
    the message; None when the message is unknown or already past `status`."""
    moved = (
        update(Message)
        .where(
            Message.sid == sid,
            Message.direction == MessageDirection.OUTBOUND,
            Message.status.in_(replaceable_by(status)),
        )
        .values(_changes(status, error_code, error_message, now))
        .returning(Message.id, Message.merchant_id, Message.status)
        .cte("moved")
    )
    ledger = CampaignLeadMessage
    statement = select(
        moved.c.id,
        moved.c.merchant_id,
        moved.c.status,
        ledger.id,
        ledger.campaign_id,
        ledger.campaign_send_id,
    ).select_from(moved.outerjoin(ledger, ledger.message_id == moved.c.id))
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None
    message_id, merchant_id, new_status, ledger_id, campaign_id, send_id = row
    return StatusResult(
        message_id, merchant_id, MessageStatus(new_status), True, ledger_id, campaign_id, send_id
    )


async def _current(session: AsyncSession, sid: str) -> StatusResult | None:
    row = (
        await session.execute(
            select(Message.id, Message.merchant_id, Message.status).where(Message.sid == sid)
        )
    ).one_or_none()
    if row is None:
        return None
    return StatusResult(row.id, row.merchant_id, MessageStatus(row.status), changed=False)


async def _publish(session: AsyncSession, result: StatusResult) -> None:
    # A message outside the ledger (none yet) has no campaign to tell anyone about.
    if result.ledger_id is None or result.campaign_id is None:
        return
    await publish(
        session, MessageStatusChanged(result.merchant_id, result.campaign_id, result.ledger_id)
    )
    if result.send_id is not None:
        await publish(session, SendProgress(result.merchant_id, result.campaign_id, result.send_id))
