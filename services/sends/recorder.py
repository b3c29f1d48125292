"""Records accepted messages in batches: one transaction every few milliseconds instead
of one per message, which is what lets one process send a thousand messages a second.

Until its batch is written a row stays `sending`; if the process dies first, the
reconciler finds the message in Twilio's list and records it then.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, text, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.types import BigInteger, DateTime

from db.database import Database
from db.models import CampaignLead, Message
from services.events.messages import SendProgress, publish
from services.sends.context import Delivery

logger = logging.getLogger(__name__)

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


class Recorder:
    def __init__(self, db: Database, interval: float = 0.02, max_batch: int = 500) -> None:
        self.db = db
        self.interval = interval
        self.max_batch = max_batch
        self._pending: list[Accepted] = []
        self._task: asyncio.Task[None] | None = None
        self._flushed = asyncio.Event()

    def add(self, accepted: Accepted) -> None:
        self._pending.append(accepted)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="send-recorder")

    async def drain(self) -> None:
        """Wait until everything added so far is written (tests, shutdown)."""
        while self._pending or (self._task and not self._task.done()):  # noqa: ASYNC110
            await asyncio.sleep(self.interval)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while self._pending:
            await asyncio.sleep(self.interval)
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            try:
                await self.write(batch)
            except Exception:
                # The rows stay `sending`: the reconciler will record them from Twilio.
                logger.exception("recording %d accepted messages failed", len(batch))

    async def write(self, batch: list[Accepted]) -> None:
        async with self.db.transaction() as session:
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
                message_ids[a.message["sid"]]
                for a in batch
                if a.delivery.claim.ledger_id not in closed_ids
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
                await session.execute(
                    _NOT_WAITING, {"ids": sorted(send_id for _, _, send_id in sends)}
                )
            for merchant_id, campaign_id, send_id in sends:
                assert send_id is not None
                await publish(session, SendProgress(merchant_id, campaign_id, send_id))
