"""What /metrics reads from the database at each scrape: counts the whole cluster shares."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignSendStatus, LedgerState
from db.models import CampaignLeadMessage, CampaignSend

_LIVE = (CampaignSendStatus.SCHEDULED, CampaignSendStatus.RUNNING, CampaignSendStatus.PAUSED)
_QUEUED = (LedgerState.PENDING, LedgerState.SENDING)


async def live_sends(session: AsyncSession) -> dict[str, int]:
    """Sends by live status (served by the partial index on live sends)."""
    rows = await session.execute(
        select(CampaignSend.status, func.count())
        .where(CampaignSend.status.in_(_LIVE))
        .group_by(CampaignSend.status)
    )
    counts = {status.value: 0 for status in _LIVE}
    counts.update({status.value: count for status, count in rows})
    return counts


async def queued_rows(session: AsyncSession) -> dict[str, int]:
    """Ledger rows of running sends still to send (pending) or in flight (sending)."""
    running = select(CampaignSend.id).where(CampaignSend.status == CampaignSendStatus.RUNNING)
    rows = await session.execute(
        select(CampaignLeadMessage.state, func.count())
        .where(
            CampaignLeadMessage.campaign_send_id.in_(running.scalar_subquery()),
            CampaignLeadMessage.state.in_(_QUEUED),
        )
        .group_by(CampaignLeadMessage.state)
    )
    counts = {state.value: 0 for state in _QUEUED}
    counts.update({state.value: count for state, count in rows})
    return counts
