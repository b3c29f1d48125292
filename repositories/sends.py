"""Every write statement on a send's own row (CampaignSend): its status and what it
says it waits for."""

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger

from db.enums import CampaignSendStatus, LedgerState
from db.models import CampaignLeadMessage, CampaignSend

# Only sends that say they wait are written (no row lock is taken on the others). A send
# whose rows Meta limited keeps saying they wait for their retry (:limited) until it ends.
_NOT_WAITING = text(
    """
    WITH next AS (
        SELECT s.id, CASE WHEN EXISTS (
            SELECT 1 FROM campaign_lead_messages l
            WHERE l.campaign_send_id = s.id AND l.state = 'pending'
              AND l.limited_at IS NOT NULL
        ) THEN CAST(:limited AS text) END AS reason
        FROM campaign_sends s
        WHERE s.id = ANY(:ids) AND s.waiting_reason IS NOT NULL
    )
    UPDATE campaign_sends s SET waiting_reason = next.reason
    FROM next WHERE s.id = next.id AND s.waiting_reason IS DISTINCT FROM next.reason
    """
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))


async def add_send(session: AsyncSession, send: CampaignSend) -> CampaignSend:
    """Store the send now: its ledger rows refer to its id."""
    session.add(send)
    await session.flush()
    return send


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


async def not_waiting(
    session: AsyncSession, send_ids: Sequence[int], limited_reason: str | None = None
) -> None:
    """Twilio accepts messages again: these sends no longer wait for it, but for the
    retries of rows Meta limited, if any are pending (`limited_reason` says so)."""
    params = {"ids": list(send_ids), "limited": limited_reason}
    await session.execute(_NOT_WAITING, params)


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
    L = CampaignLeadMessage
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


async def locked_send(session: AsyncSession, merchant_id: int, send_id: int) -> CampaignSend | None:
    """A merchant's send, its row locked for the state change to come."""
    statement = (
        select(CampaignSend)
        .where(CampaignSend.id == send_id, CampaignSend.merchant_id == merchant_id)
        .with_for_update()
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def live_send_id(
    session: AsyncSession, campaign_id: int, live: Sequence[CampaignSendStatus]
) -> int | None:
    """A send of the campaign in one of the `live` statuses, if there is one."""
    return await session.scalar(
        select(CampaignSend.id).where(
            CampaignSend.campaign_id == campaign_id, CampaignSend.status.in_(live)
        )
    )


async def reopen_send(session: AsyncSession, send_id: int, reason: str) -> bool:
    """A send with rows waiting for a retry runs (again, if it had completed) and says
    why; True when the send's row changed (an unchanged one is not written)."""
    reopened = await session.execute(
        update(CampaignSend)
        .where(
            CampaignSend.id == send_id,
            CampaignSend.status.in_((CampaignSendStatus.RUNNING, CampaignSendStatus.COMPLETED)),
            (CampaignSend.status != CampaignSendStatus.RUNNING)
            | CampaignSend.waiting_reason.is_distinct_from(reason),
        )
        .values(status=CampaignSendStatus.RUNNING, finished_at=None, waiting_reason=reason)
        .returning(CampaignSend.id)
    )
    return reopened.first() is not None


async def reopen_stranded(session: AsyncSession, finished_within: timedelta) -> list[CampaignSend]:
    """Sends completed lately that have a row pending again: a row a status callback sent
    back to pending (Meta's 63049) in the instant its send completed, whose UPDATE
    complete_finished's snapshot could not see. They run again, so the row is claimed."""
    L = CampaignLeadMessage
    pending = select(L.id).where(
        L.campaign_send_id == CampaignSend.id, L.state == LedgerState.PENDING
    )
    reopened = await session.execute(
        update(CampaignSend)
        .where(
            CampaignSend.status == CampaignSendStatus.COMPLETED,
            CampaignSend.finished_at > func.now() - finished_within,
            pending.exists(),
        )
        .values(status=CampaignSendStatus.RUNNING, finished_at=None)
        .returning(CampaignSend)
    )
    return list(reopened.scalars())
