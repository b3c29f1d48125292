"""A send completed in the instant one of its rows went back to pending (Meta's 63049
retry) runs again, so the row is claimed when it is due; older completed sends and
sends with nothing pending are left alone."""

from datetime import timedelta

from sqlalchemy import func, select, update

from db.database import Database
from db.enums import CampaignSendStatus, LedgerState
from db.models import CampaignLeadMessage, CampaignSend
from repositories.sends import reopen_stranded
from tests.services.sends.test_breaker_counts import Row, running_send

S = LedgerState


async def _complete(db: Database, send_id: int, ago: timedelta) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(CampaignSend)
            .where(CampaignSend.id == send_id)
            .values(status=CampaignSendStatus.COMPLETED, finished_at=func.now() - ago)
        )


async def test_a_completed_send_with_a_pending_row_runs_again(scratch_db: Database) -> None:
    _, stranded = await running_send(scratch_db, [Row(S.SENT), Row(S.PENDING)])
    _, old = await running_send(scratch_db, [Row(S.SENT), Row(S.PENDING)])
    _, done = await running_send(scratch_db, [Row(S.SENT), Row(S.SENT)])
    await _complete(scratch_db, stranded, timedelta(seconds=5))
    await _complete(scratch_db, old, timedelta(hours=1))
    await _complete(scratch_db, done, timedelta(seconds=5))

    async with scratch_db.transaction() as session:
        reopened = await reopen_stranded(session, timedelta(minutes=10))
    assert [send.id for send in reopened] == [stranded]
    async with scratch_db.session() as session:
        rows = await session.execute(select(CampaignSend.id, CampaignSend.status))
        statuses = {send_id: status for send_id, status in rows.all()}
        pending = await session.scalar(
            select(func.count()).where(
                CampaignLeadMessage.campaign_send_id == stranded,
                CampaignLeadMessage.state == S.PENDING,
            )
        )
    assert statuses[stranded] is CampaignSendStatus.RUNNING
    assert statuses[old] is CampaignSendStatus.COMPLETED
    assert statuses[done] is CampaignSendStatus.COMPLETED
    assert pending == 1
