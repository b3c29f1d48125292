"""A sender's problems stop its send: WhatsApp reports them per message, after the fact,
in status callbacks — no channel for the sender (63007) or over its messaging limit
(63018). Sending on would fail every lead. The status jobs call this once a batch of
statuses is applied, in the same transaction."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from repositories.sends import pause_send
from services.events.messages import SendProgress, publish
from services.messages.status_batch import StatusResult, StatusUpdate

_SENDER_ERRORS = {
    63007: "no WhatsApp channel for the sender",
    63018: "the sender is over its rate or Meta's messaging limit",
}


async def pause_on_sender_errors(
    session: AsyncSession,
    updates: Sequence[StatusUpdate],
    results: Sequence[StatusResult | None],
) -> None:
    """Pause the send of each message a sender error moved to failed (`results` are
    apply_statuses' for `updates`: only the callback that moved its row counts)."""
    for update, result in zip(updates, results, strict=True):
        if result is not None and result.changed:
            await _pause(session, result, update.error_code)


async def _pause(session: AsyncSession, result: StatusResult, error_code: int | None) -> None:
    if error_code not in _SENDER_ERRORS or result.send_id is None or result.campaign_id is None:
        return
    reason = f"Twilio error {error_code}: {_SENDER_ERRORS[error_code]}."
    if await pause_send(session, result.send_id, reason):
        await publish(session, SendProgress(result.merchant_id, result.campaign_id, result.send_id))
