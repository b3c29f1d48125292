"""Recording accepted messages: a batch's Message rows, its ledger rows closed, its
sends told. The recorder job (jobs/recorder.py) calls this once per batch, one
transaction every few milliseconds instead of one per message."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import ledger
from repositories import sends as send_repository
from repositories.ledger import SentRow
from services.events.messages import SendProgress, publish
from services.sends import limited
from services.sends.context import Delivery
from services.setting_values import LIMITED_RETRY_DELAYS
from services.telemetry import counting


@dataclass(frozen=True)
class Accepted:
    delivery: Delivery
    message: dict[str, Any]  # the Message row's values


async def record_accepted(
    session: AsyncSession,
    batch: list[Accepted],
    limited_retry_delays: Sequence[float] = LIMITED_RETRY_DELAYS,
) -> None:
    """Write a batch of accepted messages and close their ledger rows, in the caller's
    transaction. A message found in Twilio's list after the fact (services/sends/
    reconcile.py) may be undelivered already: one Meta limited (63049) is retried after
    `limited_retry_delays` as if its status callback had said so."""
    message_ids = await ledger.insert_messages(session, [a.message for a in batch])
    closed_rows = await ledger.close_sent(
        session,
        [
            SentRow(a.delivery.claim, message_ids[a.message["sid"]], a.delivery.context)
            for a in batch
        ],
    )
    closed_ids = {ledger_id for ledger_id, _ in closed_rows}
    counting.accepted(session, len(closed_ids))
    await ledger.retire_leads(session, [lead_id for _, lead_id in closed_rows])
    found_limited = [
        message_ids[a.message["sid"]]
        for a in batch
        if a.delivery.claim.ledger_id in closed_ids
        and limited.is_limited(a.message["status"], a.message["error_code"])
    ]
    await limited.settle_limited(session, found_limited, limited_retry_delays)
    # A claim taken over meanwhile (reconciled as stale): that row is not ours.
    stray = [
        message_ids[a.message["sid"]] for a in batch if a.delivery.claim.ledger_id not in closed_ids
    ]
    if stray:
        await ledger.delete_messages(session, stray)
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
        waiting = sorted(send_id for _, _, send_id in sends)
        await send_repository.not_waiting(session, waiting, limited.WAITING)
    for merchant_id, campaign_id, send_id in sends:
        assert send_id is not None
        await publish(session, SendProgress(merchant_id, campaign_id, send_id))
