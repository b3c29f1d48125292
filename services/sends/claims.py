"""Recording one claimed row's outcome: the Message it leaves, the row closed. The
statements live in repositories/ledger.py."""

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import MessageDirection, MessageStatus
from db.models import CampaignLeadMessage, ConversationUser, Message
from repositories import ledger
from repositories.ledger import Claim, SentRow
from services.messages.text import storable


async def record_sent(
    session: AsyncSession,
    claim: Claim,
    row: CampaignLeadMessage,
    context: dict[str, str],
    message: Message,
) -> bool:
    """Store the accepted message, close the row and retire the lead. False when the
    claim was no longer ours (nothing is written then)."""
    message_id = await ledger.add_message(session, message)
    closed = await ledger.close_sent(session, [SentRow(claim, message_id, context)])
    if not closed:
        await ledger.drop_message(session, message)
        return False
    await ledger.retire_leads(session, [row.campaign_lead_id])
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
    )
    message_id = await ledger.add_failed_message(session, message)
    if not await ledger.close_failed(session, claim, message_id, error):
        await ledger.drop_message(session, message)
        return False
    return True
