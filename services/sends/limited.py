"""Limited is not failed: Twilio's 63049 (Meta's 131049) says Meta kept a marketing
template from the person because they have had their share of marketing templates from
all businesses for now. It arrives as `undelivered`, in a status callback after the
message was accepted; nothing is wrong with the person, the sender or the template, so a
row of a send is retried later instead of counting as failed.

- A US number (+1) is final at once: Meta has delivered no marketing template to +1
  numbers since April 2025, so a retry could only be limited again.
- Otherwise the row goes back to pending, claimed again after the next of
  CAMPAIGNS_LIMITED_RETRY_DELAYS (6 h, then 24 h by default); its lead is active again
  and its send runs (again) until the retry went out. Once the delays are used up the
  row is given up.

Either way the row counts as limited (limited_at) rather than failed or queued, until a
retry's message is accepted (repositories/ledger.py close_sent clears it); `limits`
keeps how many times Meta limited it. The status jobs call this once a batch of statuses
is applied, in the same transaction, as they call sender_errors.py."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignSendStatus, MessageStatus
from repositories import limited as limited_repository
from repositories.limited import LimitedRow
from repositories.sends import reopen_send
from services.events.messages import Event, SendProgress, publish_many, rows_changed
from services.messages.status_batch import StatusResult, StatusUpdate

LIMITED = 63049
_UNDELIVERED = (MessageStatus.FAILED, MessageStatus.UNDELIVERED)
# A retry goes out only while its send may still send: a paused send keeps the row
# pending for its resume; a cancelled or failed one never sends again.
_RETRYABLE_SENDS = (
    CampaignSendStatus.RUNNING,
    CampaignSendStatus.COMPLETED,
    CampaignSendStatus.PAUSED,
)
_WHY = "the person has had their share of marketing templates from all businesses"
US_FINAL = (
    "Limited by Meta (63049), final: Meta has delivered no marketing template to US (+1) "
    "numbers since April 2025, so it is not retried."
)
WAITING = "Messages wait for a retry Meta's per-person marketing limit allows (63049)."


async def retry_limited(
    session: AsyncSession,
    updates: Sequence[StatusUpdate],
    results: Sequence[StatusResult | None],
    delays: Sequence[float],
) -> None:
    """Handle each message of a send that an update of the batch moved to failed or
    undelivered with 63049 (`results` are apply_statuses' for `updates`: only the
    callback that moved its row counts)."""
    limited = [
        result.message_id
        for update, result in zip(updates, results, strict=True)
        if result is not None
        and result.changed
        and result.send_id is not None
        and is_limited(result.status, update.error_code)
    ]
    await settle_limited(session, limited, delays)


def is_limited(status: MessageStatus, error_code: int | None) -> bool:
    """Whether a message's status says Meta limited it."""
    return status in _UNDELIVERED and error_code == LIMITED


async def settle_limited(
    session: AsyncSession, message_ids: Sequence[int], delays: Sequence[float]
) -> None:
    """Retry, finish or give up the sent rows of sends whose messages (`message_ids`)
    Meta limited."""
    if not message_ids:
        return
    rows = await limited_repository.sent_rows_of_messages(session, message_ids)
    now = datetime.now(UTC)
    verdicts = [(row, *verdict(row, delays, now)) for row in rows]
    await limited_repository.limit_rows(
        session, [(row.ledger_id, retry_at, error) for row, retry_at, error in verdicts]
    )
    requeued = [row for row, retry_at, _ in verdicts if retry_at is not None]
    if requeued:
        await _requeued(session, requeued)


def verdict(row: LimitedRow, delays: Sequence[float], now: datetime) -> tuple[datetime | None, str]:
    """When the row is retried (None: it is not) and what its last_error says."""
    if row.phone.startswith("+1"):
        return None, US_FINAL
    if row.send_status not in _RETRYABLE_SENDS:
        return None, f"Limited by Meta (63049): {_WHY}; not retried: its send is {row.send_status}."
    if row.limits < len(delays):
        retry_at = now + timedelta(seconds=delays[row.limits])
        when = retry_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        return retry_at, (
            f"Limited by Meta (63049): {_WHY}; retry {row.limits + 1} of {len(delays)} at {when}."
        )
    return None, (
        f"Limited by Meta (63049) {row.limits + 1} times: {_WHY}; given up after "
        f"{len(delays)} {'retry' if len(delays) == 1 else 'retries'}."
    )


async def _requeued(session: AsyncSession, rows: list[LimitedRow]) -> None:
    """What rows back in the queue change around them: their leads are active again,
    their sends run (again) and say why they wait, and subscribers are told."""
    await limited_repository.reactivate_leads(session, [row.lead_id for row in rows])
    sends = sorted({(row.merchant_id, row.campaign_id, row.send_id) for row in rows})
    for _, _, send_id in sends:
        await reopen_send(session, send_id, WAITING)
    by_campaign: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        by_campaign.setdefault((row.merchant_id, row.campaign_id), []).append(row.ledger_id)
    events: list[Event] = [
        event
        for (merchant_id, campaign_id), ids in by_campaign.items()
        for event in rows_changed(merchant_id, campaign_id, ids)
    ]
    events.extend(SendProgress(*key) for key in sends)
    await publish_many(session, events)
