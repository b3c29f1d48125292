"""Messages as the send engine leaves them (a ledger row pointing at a Message Twilio
accepted), made directly through the models."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.database import Database
from db.enums import CampaignSendStatus, LedgerState, MessageDirection, MessageStatus
from db.models import CampaignLeadMessage, CampaignSend, ConversationUser, Message
from repositories.leads import LeadRow
from services.campaigns.drafts import CampaignDraft
from services.campaigns.leads import LeadInput, LeadService
from services.campaigns.service import CampaignService
from services.merchants.service import create_merchant
from services.phones import normalize_e164


@dataclass(frozen=True)
class SentMessage:
    merchant_id: int
    campaign_id: int
    send_id: int | None
    ledger_id: int
    message_id: int
    person_id: int
    sid: str


def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


def new_phone() -> str:
    """A valid number no other test uses: inbound messages look a phone up across every
    merchant in the database."""
    while True:
        number = f"+1415{secrets.randbelow(800) + 200}{secrets.randbelow(10_000):04d}"
        if normalize_e164(number) == number:
            return number


async def new_merchant_id(db: Database, name: str = "Message Shop") -> int:
    async with db.transaction() as session:
        created = await create_merchant(session, name, with_templates=False)
    return created.merchant.id


async def campaign_with_lead(db: Database, merchant_id: int, phone: str) -> LeadRow:
    """A new campaign of the merchant with one lead; returns the lead."""
    async with db.transaction() as session:
        name = "promo_" + secrets.token_hex(4)
        draft = CampaignDraft(name=name, body="Hi {{lead_name}}, the promo is on now!")
        campaign = await CampaignService(session).create(merchant_id, draft)
        result = await LeadService(session).add(merchant_id, campaign.id, [LeadInput(phone)])
    assert not result.errors, result.errors
    return result.leads[0]


async def send_message(
    db: Database,
    merchant_id: int,
    lead: LeadRow,
    *,
    in_a_send: bool = True,
    status: MessageStatus = MessageStatus.QUEUED,
    age: timedelta = timedelta(0),
    sid: str | None = None,
) -> SentMessage:
    """What the send engine records for a message Twilio accepted `age` ago, in a send
    of the lead's campaign (or as a one-off send when `in_a_send` is false)."""
    sid = sid or new_sid()
    async with db.transaction() as session:
        send = await _completed_send(session, merchant_id, lead, age) if in_a_send else None
        message = Message(
            merchant_id=merchant_id,
            conversation_user_id=lead.conversation_user_id,
            direction=MessageDirection.OUTBOUND,
            body="Hi, the promo is on now!",
            sid=sid,
            status=status,
            created_at=datetime.now(UTC) - age,
        )
        session.add(message)
        await session.flush()
        row = CampaignLeadMessage(
            campaign_id=lead.campaign_id,
            campaign_lead_id=lead.id,
            campaign_send_id=send.id if send else None,
            message_id=message.id,
            state=LedgerState.SENT,
            context={"1": "Ana"},
        )
        session.add(row)
        await session.flush()
    return SentMessage(
        merchant_id,
        lead.campaign_id,
        send.id if send else None,
        row.id,
        message.id,
        lead.conversation_user_id,
        sid,
    )


async def _completed_send(
    session: AsyncSession, merchant_id: int, lead: LeadRow, age: timedelta
) -> CampaignSend:
    # Completed, as a send is once its only message went out: a running one would
    # be picked up (and completed, with events) by the server's send worker.
    send = CampaignSend(
        merchant_id=merchant_id,
        campaign_id=lead.campaign_id,
        status=CampaignSendStatus.COMPLETED,
        started_at=datetime.now(UTC) - age,
        finished_at=datetime.now(UTC) - age,
        total=1,
    )
    session.add(send)
    await session.flush()
    return send


async def message_row(db: Database, message_id: int) -> Message:
    async with db.session() as session:
        return await session.get_one(Message, message_id)


async def person_row(db: Database, person_id: int) -> ConversationUser:
    async with db.session() as session:
        return await session.get_one(ConversationUser, person_id)
