"""Recording accepted messages: a batch's Message rows, its ledger rows closed, its
sends told. The recorder job (jobs/recorder.py) calls this once per batch, one
transaction every few milliseconds instead of one per message."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, text, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger, DateTime

from db.models import CampaignLead, Message
from services.events.messages import SendProgress, publish
from services.sends.context import Delivery

_CLOSE_ROWS = text(
    """
    UPDATE campaign_lead_messages AS l
    SET state = 'sent', message_id = v.message_id, context = v.context, last_error = NULL,
        updated_at = now()
    FROM unnest(:ids, :claimed, :messages, :contexts) AS v(id, claimed_at, message_id, context)
    WHERE l.id = v.id AND l.state = 'sending' AND l.claimed_at = v.claimed_at
    RETURNING l.id, l.campaign_lead_id
    """
).bindparams(
    bindparam("ids", type_=ARRAY(BigInteger)),
    bindparam("claimed", type_=ARRAY(DateTime(timezone=True))),
    bindparam("messages", type_=ARRAY(BigInteger)),
    bindparam("contexts", type_=ARRAY(JSONB)),
)

# Only sends that say they wait are written (no row lock is taken on the others).
_NOT_WAITING = text(
    "UPDATE campaign_sends SET waiting_reason = NULL "
    "WHERE id = ANY(:ids) AND waiting_reason IS NOT NULL"
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))


@dataclass(frozen=True)
class Accepted:
    delivery: Delivery
    message: dict[str, Any]  # the Message row's values


async def record_accepted(session: AsyncSession, batch: list[Accepted]) -> None:
    """Write a batch of accepted messages and close their ledger rows, in the caller's
    transaction."""
    values = [a.message for a in batch]
    inserted = await session.execute(
        insert(Message).values(values).returning(Message.id, Message.sid)
    )
    message_ids = {sid: message_id for message_id, sid in inserted.all()}
    closed = await session.execute(
        _CLOSE_ROWS,
        {
            "ids": [a.delivery.claim.ledger_id for a in batch],
            "claimed": [a.delivery.claim.claimed_at for a in batch],
            "messages": [message_ids[a.message["sid"]] for a in batch],
            "contexts": [a.delivery.context for a in batch],
        },
    )
    closed_rows = closed.all()
    closed_ids = {ledger_id for ledger_id, _ in closed_rows}
    await session.execute(
        update(CampaignLead)
        .where(CampaignLead.id.in_([lead_id for _, lead_id in closed_rows]))
        .values(active=False)
    )
    # A claim taken over meanwhile (reconciled as stale): that row is not ours.
    stray = [
        message_ids[a.message["sid"]] for a in batch if a.delivery.claim.ledger_id not in closed_ids
    ]
    if stray:
        await session.execute(delete(Message).where(Message.id.in_(stray)))
    sends = {
        (
            a.delivery.person.merchant_id,
            a.delivery.campaign.id,
            a.delivery.row.campaign_send_id,
        )
        for a in batch
        if a.delivery.row.campaign_send_id is not None
    }
    if sends:
        # Twilio accepts messages again: the sends no longer wait for it.
        await session.execute(_NOT_WAITING, {"ids": sorted(send_id for _, _, send_id in sends)})
    for merchant_id, campaign_id, send_id in sends:
        assert send_id is not None
        await publish(session, SendProgress(merchant_id, campaign_id, send_id))
