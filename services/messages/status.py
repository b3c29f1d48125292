"""Applying Twilio's status callbacks to outbound messages.

Callbacks arrive out of order, repeat, and may reach two server processes at once for
the same message, so statuses are applied by one conditional UPDATE whose WHERE clause
admits, per row, only the statuses the reported one may replace. When a concurrent
UPDATE of the row commits first, PostgreSQL re-checks that clause against the new row
version, so the stored status only ever moves forward, whichever process wins. The
UPDATE is set-based: the webhook applies the callbacks that arrive together as one
batch (jobs/status_batcher.py), in one statement and one transaction.

The pieces: the order of statuses (statuses.py), the batch's parameters
(status_batch.py), the events it publishes (status_events.py). What a sender's errors
do to its send is the sends domain's (services/sends/sender_errors.py), called by the jobs.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import MessageStatus
from repositories import statuses as status_repository
from services.events.messages import publish_many
from services.messages.status_batch import (
    Key,
    StatusResult,
    StatusUpdate,
    move_params,
    winners,
)
from services.messages.status_events import status_events
from services.messages.statuses import FINAL, PROGRESS
from services.telemetry import counting

__all__ = ["StatusResult", "StatusUpdate", "apply_status", "apply_statuses"]


async def apply_statuses(
    session: AsyncSession, updates: list[StatusUpdate], platform_account_sid: str | None = None
) -> list[StatusResult | None]:
    """Apply status callbacks to the outbound messages with their Twilio sids, each
    within the account that signed it (`platform_account_sid`: the platform account's,
    which also owns the messages recorded without an account), in one statement, and
    publish what changed (delivered when the caller commits): one result per update,
    None for an unknown sid (or another account's). Repeats, stale statuses and statuses
    we do not know change nothing; of several callbacks for one message, the furthest is
    applied."""
    await status_repository.no_flush_wait(session)
    won = winners(updates)
    moved = await _move(session, updates, won, platform_account_sid)
    current: dict[Key, StatusResult] = {}
    unmoved = sorted({item.key for item in updates} - moved.keys(), key=_order)
    if unmoved:
        rows = await status_repository.current(session, unmoved, platform_account_sid)
        for message_id, merchant_id, status, sid, account in rows:
            result = StatusResult(message_id, merchant_id, MessageStatus(status), False)
            current[(sid, account)] = result
    results: list[StatusResult | None] = []
    for index, item in enumerate(updates):
        if item.key in moved:
            changed = moved[item.key]
            results.append(changed if won[item.key] == index else _unchanged(changed))
        else:
            results.append(current.get(item.key))
    counting.statuses(
        session, [(result.status, updates[won[key]].error_code) for key, result in moved.items()]
    )
    # Every event of the batch queued by one statement.
    received_at = min(update.now for update in updates).timestamp() if updates else 0.0
    await publish_many(session, status_events(list(moved.values()), received_at))
    return results


def _order(key: Key) -> tuple[str, str]:
    return key[0], key[1] or ""


async def _move(
    session: AsyncSession,
    updates: list[StatusUpdate],
    won: dict[Key, int],
    platform_account_sid: str | None,
) -> dict[Key, StatusResult]:
    """The winning updates applied: the rows they moved, by key."""
    if not won:
        return {}
    columns = move_params(updates, won)
    rows = await status_repository.move(session, columns, PROGRESS, FINAL, platform_account_sid)
    return {
        (sid, account): StatusResult(
            message_id, merchant_id, MessageStatus(status), True, ledger_id, campaign_id, send_id
        )
        for message_id, merchant_id, status, sid, ledger_id, campaign_id, send_id, account in rows
    }


def _unchanged(result: StatusResult) -> StatusResult:
    """What a callback that lost to another of its batch sees: the row as it is now."""
    return StatusResult(result.message_id, result.merchant_id, result.status, changed=False)


async def apply_status(
    session: AsyncSession,
    sid: str,
    status: str,
    error_code: int | None,
    error_message: str | None,
    now: datetime,
) -> StatusResult | None:
    """Apply one status callback (see apply_statuses); None for an unknown sid."""
    update = StatusUpdate(sid, status, error_code, error_message, now)
    return (await apply_statuses(session, [update]))[0]
