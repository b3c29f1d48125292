"""Ledger rows for link tests, written directly: the send engine is not what is tested."""

import secrets
from typing import Any

from sqlalchemy import delete

from db.database import Database
from db.enums import CampaignSendStatus, LedgerState
from db.models import CampaignLead, CampaignLeadMessage, CampaignSend, ConversationUser


async def ledger_row(
    db: Database, merchant_id: int, campaign_id: int, context: dict[str, Any]
) -> int:
    """A sent ledger row of a new lead, with `context` as the values sent; returns its id."""
    async with db.transaction() as session:
        phone = "+1415" + str(secrets.randbelow(10**7)).zfill(7)
        person = ConversationUser(merchant_id=merchant_id, phone=phone, name="Ana")
        session.add(person)
        await session.flush()
        lead = CampaignLead(campaign_id=campaign_id, conversation_user_id=person.id)
        send = CampaignSend(
            merchant_id=merchant_id, campaign_id=campaign_id, status=CampaignSendStatus.RUNNING
        )
        session.add_all([lead, send])
        await session.flush()
        row = CampaignLeadMessage(
            campaign_id=campaign_id,
            campaign_lead_id=lead.id,
            campaign_send_id=send.id,
            state=LedgerState.SENT,
            context=context,
        )
        session.add(row)
        await session.flush()
        return row.id


async def clicks(db: Database, ledger_id: int) -> int:
    async with db.session() as session:
        row = await session.get_one(CampaignLeadMessage, ledger_id)
        return row.clicks


async def delete_row(db: Database, ledger_id: int) -> None:
    async with db.transaction() as session:
        await session.execute(
            delete(CampaignLeadMessage).where(CampaignLeadMessage.id == ledger_id)
        )
