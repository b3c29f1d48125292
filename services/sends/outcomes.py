"""Rows that end without a message Twilio accepted: failed with their reason, and told to
the merchant (messageStatusChanged for the row, campaignSendProgress for its send)."""

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import ledger
from repositories.sends import pause_send
from services.events.messages import MessageStatusChanged, SendProgress, publish
from services.sends import claims
from services.sends.context import Delivery
from services.telemetry import counting
from services.twilio.errors import TwilioError

# Why a whole send is paused, by Twilio error code (the facts sheet's "stop the send").
_PAUSE_REASONS = {
    21655: "Twilio does not know this template's content (ContentSid)",
    63007: "no WhatsApp channel for the sender",
    63018: "the sender is over its rate or Meta's messaging limit",
    20003: "Twilio refused our credentials",
}


async def fail(session: AsyncSession, delivery: Delivery, code: int | None, reason: str) -> bool:
    """Fail a claimed row with its reason; False when the claim was no longer ours."""
    claim, row, person = delivery.claim, delivery.row, delivery.person
    body, content_sid = delivery.body, delivery.campaign.content_sid
    if not await claims.record_failed(session, claim, row, person, code, reason, body, content_sid):
        return False
    counting.failed_before_twilio(session, code)
    await published(session, delivery)
    return True


async def published(session: AsyncSession, delivery: Delivery) -> None:
    """The row changed state: subscribers to its campaign's messages hear of it."""
    await publish(
        session,
        MessageStatusChanged(
            delivery.person.merchant_id, delivery.campaign.id, delivery.claim.ledger_id
        ),
    )


async def progress(session: AsyncSession, delivery: Delivery) -> None:
    if delivery.row.campaign_send_id is not None:
        await publish(
            session,
            SendProgress(
                delivery.person.merchant_id, delivery.campaign.id, delivery.row.campaign_send_id
            ),
        )


async def skipped(session: AsyncSession, delivery: Delivery, reason: str) -> None:
    await ledger.close_skipped(session, delivery.claim, reason)
    counting.skipped(session, [reason])
    await published(session, delivery)


async def pause_for(session: AsyncSession, delivery: Delivery, error: TwilioError) -> bool:
    """Pause the row's send with Twilio's reason; True when this paused it."""
    send_id = delivery.row.campaign_send_id
    if send_id is None:
        return False
    what = _PAUSE_REASONS.get(error.code or 0) or (
        "Twilio refused our credentials" if error.status in (401, 403) else "Twilio refused"
    )
    return await pause_send(session, send_id, f"{what}: {error}")
