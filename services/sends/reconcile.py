"""Settling rows whose fate is unknown: the Twilio call timed out or failed with a 5xx
(the message may exist), or the process died between claiming and recording.

Before such a row may be sent again we ask Twilio's message list whether the message
went out: a message to the same number, created after the claim, that we have not
recorded, is ours (the body must match when Twilio reports one). The reconciler job
(jobs/reconciler.py) asks Twilio with no transaction open; this module decides.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import ledger
from services.sends import claims, limited, outcomes
from services.sends.context import Delivery
from services.sends.messages import outbound_message
from services.setting_values import LIMITED_RETRY_DELAYS
from services.twilio.errors import ErrorKind, TwilioError
from services.twilio.gateway import SentMessage

CLOCK_SKEW = timedelta(minutes=2)


@dataclass(frozen=True)
class LookUp:
    ok: bool  # False: Twilio could not be asked, so nothing is known
    found: SentMessage | None = None
    error: TwilioError | None = None  # why Twilio could not be asked


async def match(session: AsyncSession, delivery: Delivery, listed: list[SentMessage]) -> LookUp:
    """Which of the messages Twilio lists for the row's number is the row's: one created
    after the claim, that we have not recorded, with the row's body when comparable."""
    since = delivery.claim.claimed_at - CLOCK_SKEW
    recent = [m for m in listed if m.date_created is None or m.date_created >= since]
    if not recent:
        return LookUp(ok=True)
    known = await ledger.recorded_sids(session, [m.sid for m in recent])
    # Tracked links change the body Twilio renders (its links carry our tokens), so
    # only an untracked template's body can be compared.
    compare = not delivery.campaign.tracked_links
    ours = [
        m for m in recent if m.sid not in known and (not compare or m.body in (None, delivery.body))
    ]
    return LookUp(ok=True, found=ours[-1] if ours else None)


async def settle(
    session: AsyncSession,
    delivery: Delivery,
    look: LookUp,
    max_attempts: int,
    limited_retry_delays: Sequence[float] = LIMITED_RETRY_DELAYS,
) -> None:
    """What a look in Twilio's list means for a stale row: record the message found, else
    queue the row again (or fail it: a one-off row, or one out of attempts). A message
    found undelivered already because Meta limited it (63049) is retried after
    `limited_retry_delays`, as its status callback would have had it."""
    claim, row = delivery.claim, delivery.row
    if look.found is not None:
        message = outbound_message(delivery, look.found)
        if await claims.record_sent(session, claim, row, delivery.context, message):
            if limited.is_limited(message.status, message.error_code):
                await limited.settle_limited(session, [message.id], limited_retry_delays)
            await outcomes.published(session, delivery)
            await outcomes.progress(session, delivery)
        return
    if look.error is not None:
        # Unknown whether it went out: it stays claimed, and says why.
        await ledger.note_error(
            session, [claim], f"In doubt: Twilio's message list cannot be read: {look.error}"
        )
        if look.error.kind is ErrorKind.STOP_SEND and await outcomes.pause_for(
            session, delivery, look.error
        ):
            await outcomes.progress(session, delivery)
        return
    last = row.last_error or "the sending process stopped"
    if row.campaign_send_id is None or row.attempts >= max_attempts:
        tries = f" after {row.attempts} attempts" if row.campaign_send_id else ""
        reason = f"Not sent{tries}: Twilio has no such message ({last})."
        if await outcomes.fail(session, delivery, None, reason):
            await outcomes.progress(session, delivery)
        return
    await ledger.requeue(session, claim, f"Not found at Twilio after: {last}", None, count=True)
