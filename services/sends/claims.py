"""The ledger's write side: claiming rows for sending and recording what happened.

A row moves pending -> sending (claimed by exactly one worker of one process, by
FOR UPDATE SKIP LOCKED) -> sent | failed | back to pending. Every later update names the
claim it belongs to (claimed_at), so a worker whose claim was taken over changes nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignSendStatus, LedgerState, MessageDirection, MessageStatus
from db.models import CampaignLead, CampaignLeadMessage, CampaignSend, ConversationUser, Message
from services.messages.text import storable

L = CampaignLeadMessage

_CLAIM = text(
    """
    WITH picked AS (
        SELECT l.id FROM campaign_lead_messages l
        JOIN campaign_sends s ON s.id = l.campaign_send_id
        WHERE l.state = 'pending' AND s.status = 'running'
          AND (l.next_attempt_at IS NULL OR l.next_attempt_at <= now())
        ORDER BY l.campaign_send_id, l.id
        LIMIT :limit
        FOR UPDATE OF l SKIP LOCKED
    )
    UPDATE campaign_lead_messages l
    SET state = 'sending', claimed_at = clock_timestamp(), attempts = l.attempts + 1,
        updated_at = now()
    FROM picked WHERE l.id = picked.id
    RETURNING l.id, l.claimed_at
    """
)


@dataclass(frozen=True)
class Claim:
    ledger_id: int
    claimed_at: datetime


async def claim(session: AsyncSession, limit: int) -> list[Claim]:
    rows = await session.execute(_CLAIM, {"limit": limit})
    return [Claim(ledger_id, claimed_at) for ledger_id, claimed_at in rows.all()]


def _mine(claim: Claim) -> ColumnElement[bool]:
    return and_(
        L.id == claim.ledger_id, L.state == LedgerState.SENDING, L.claimed_at == claim.claimed_at
    )


async def record_sent(
    session: AsyncSession,
    claim: Claim,
    row: CampaignLeadMessage,
    context: dict[str, str],
    message: Message,
) -> bool:
    """Store the accepted message, close the row and retire the lead. False when the
    claim was no longer ours (nothing is written then)."""
    session.add(message)
    await session.flush()
    closed = await session.execute(
        update(L)
        .where(_mine(claim))
        .values(
            state=LedgerState.SENT,
            message_id=message.id,
            context=context,
            last_error=None,
            updated_at=func.now(),
        )
        .returning(L.id)
    )
    if closed.first() is None:
        await session.delete(message)
        return False
    await session.execute(
        update(CampaignLead).where(CampaignLead.id == row.campaign_lead_id).values(active=False)
    )
    return True


async def record_failed(
    session: AsyncSession,
    claim: Claim,
    row: CampaignLeadMessage,
    person: ConversationUser,
    code: int | None,
    error: str,
    body: str = "",
    content_sid: str | None = None,
) -> bool:
    """A row that will not go out: kept with a failed Message (no Twilio sid) carrying
    the reason, so the merchant sees it like any failed message. False when the claim
    was no longer ours (nothing is written then)."""
    message = Message(
        merchant_id=person.merchant_id,
        conversation_user_id=person.id,
        direction=MessageDirection.OUTBOUND,
        status=MessageStatus.FAILED,
        body=body,
        content_sid=content_sid,
        error_code=code,
        error_message=storable(error),
        failed_at=func.now(),
    )
    session.add(message)
    await session.flush()
    closed = await session.execute(
        update(L)
        .where(_mine(claim))
        .values(
            state=LedgerState.FAILED, message_id=message.id, last_error=error, updated_at=func.now()
        )
        .returning(L.id)
    )
    if closed.first() is None:
        await session.delete(message)
        return False
    return True


async def record_skipped(session: AsyncSession, claim: Claim, reason: str) -> None:
    await session.execute(
        update(L)
        .where(_mine(claim))
        .values(state=LedgerState.SKIPPED, skipped_reason=reason, updated_at=func.now())
    )


async def opt_out(session: AsyncSession, person_id: int) -> None:
    """Twilio says the person opted out (21610): remember it for this merchant."""
    await session.execute(
        update(ConversationUser)
        .where(ConversationUser.id == person_id, ConversationUser.opted_out_at.is_(None))
        .values(opted_out_at=func.now())
    )


async def requeue(
    session: AsyncSession,
    claim: Claim,
    error: str | None,
    after: timedelta | None,
    *,
    count: bool,
    backoff: bool = False,
) -> None:
    """Back to pending, to be claimed again after `after`; `count=False` gives the attempt
    back (nothing went out: a pause, or Twilio unavailable), `backoff=True` counts a wait
    for Twilio instead. A row whose send was cancelled while it was in flight is
    cancelled instead: no worker would ever claim it again. The send's row is read FOR
    SHARE, so a cancel committing meanwhile is seen."""
    send_status = (
        select(CampaignSend.status)
        .where(CampaignSend.id == L.campaign_send_id)
        .with_for_update(read=True)
        .scalar_subquery()
    )
    values: dict[str, object] = {
        "state": case(
            (send_status == CampaignSendStatus.CANCELLED, LedgerState.CANCELLED),
            else_=LedgerState.PENDING,
        ),
        "last_error": error,
        "next_attempt_at": (func.now() + after) if after else None,
        "updated_at": func.now(),
    }
    if not count:
        values["attempts"] = L.attempts - 1
    if backoff:
        values["backoffs"] = L.backoffs + 1
    await session.execute(update(L).where(_mine(claim)).values(**values))


async def send_waiting(session: AsyncSession, send_id: int, reason: str) -> bool:
    """Say on a running send that its rows wait for Twilio; True when the reason changed
    (an unchanged one is not written, so concurrent failures take no lock on the send)."""
    changed = await session.execute(
        update(CampaignSend)
        .where(
            CampaignSend.id == send_id,
            CampaignSend.status == CampaignSendStatus.RUNNING,
            CampaignSend.waiting_reason.is_distinct_from(reason),
        )
        .values(waiting_reason=reason)
        .returning(CampaignSend.id)
    )
    return changed.first() is not None


async def note_error(session: AsyncSession, claims: Sequence[Claim], error: str) -> None:
    """Say why claimed rows are not settled yet (they stay claimed)."""
    for claim in claims:
        await session.execute(
            update(L).where(_mine(claim)).values(last_error=error, updated_at=func.now())
        )


async def pause_send(session: AsyncSession, send_id: int, reason: str) -> bool:
    paused = await session.execute(
        update(CampaignSend)
        .where(CampaignSend.id == send_id, CampaignSend.status == CampaignSendStatus.RUNNING)
        .values(status=CampaignSendStatus.PAUSED, paused_reason=reason)
        .returning(CampaignSend.id)
    )
    return paused.first() is not None


async def pause_running_sends(session: AsyncSession, campaign_id: int, reason: str) -> list[int]:
    """Pause every live send of a campaign (its template was paused or disabled)."""
    paused = await session.execute(
        update(CampaignSend)
        .where(
            CampaignSend.campaign_id == campaign_id,
            CampaignSend.status.in_((CampaignSendStatus.RUNNING, CampaignSendStatus.SCHEDULED)),
        )
        .values(status=CampaignSendStatus.PAUSED, paused_reason=reason)
        .returning(CampaignSend.id)
    )
    return list(paused.scalars())


async def start_due(session: AsyncSession) -> list[CampaignSend]:
    """Scheduled sends whose time has come start running (whichever process sees it)."""
    started = await session.execute(
        update(CampaignSend)
        .where(
            CampaignSend.status == CampaignSendStatus.SCHEDULED,
            CampaignSend.scheduled_at <= func.now(),
        )
        .values(status=CampaignSendStatus.RUNNING, started_at=func.now())
        .returning(CampaignSend)
    )
    return list(started.scalars())


async def complete_finished(session: AsyncSession) -> list[CampaignSend]:
    """Running sends with no row left to send are completed. A send is never completed
    while a row is pending or in flight."""
    unfinished = select(L.id).where(
        L.campaign_send_id == CampaignSend.id,
        L.state.in_((LedgerState.PENDING, LedgerState.SENDING)),
    )
    completed = await session.execute(
        update(CampaignSend)
        .where(CampaignSend.status == CampaignSendStatus.RUNNING, ~unfinished.exists())
        .values(status=CampaignSendStatus.COMPLETED, finished_at=func.now(), waiting_reason=None)
        .returning(CampaignSend)
    )
    return list(completed.scalars())


_TAKE_OVER = text(
    """
    WITH stale AS (
        SELECT id FROM campaign_lead_messages
        WHERE state = 'sending' AND claimed_at < now() - CAST(:older_than AS interval)
          AND (next_attempt_at IS NULL OR next_attempt_at <= now())
        ORDER BY claimed_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE campaign_lead_messages l SET next_attempt_at = now() + CAST(:older_than AS interval)
    FROM stale WHERE l.id = stale.id
    RETURNING l.id, l.claimed_at
    """
)


async def take_over_stale(session: AsyncSession, older_than: timedelta, limit: int) -> list[Claim]:
    """Rows claimed long ago and never finished: their process died mid-send, or Twilio
    could not be asked whether their message went out. Each is handed to one reconciler
    (the others skip it until `older_than` has passed again), which asks Twilio with no
    transaction open; the claim, and so the time the message may date from, is kept."""
    rows = await session.execute(_TAKE_OVER, {"older_than": older_than, "limit": limit})
    return [Claim(ledger_id, claimed_at) for ledger_id, claimed_at in rows.all()]
