"""Which messages are due a status recheck, and when each is looked at next.

A message's status_check_at says when it may next be looked at (jobs/
status_recheck.py). Claiming a due message moves that time on in the same statement, so it
is both the claim (another process skips it, by SKIP LOCKED now and by its new time
later) and the backoff if the fetch changes nothing: the next look comes as long after
this one as the status has been still (at least `after`, at most `longest`), so a
message is fetched about log2(horizon / after) times at most.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger

from db.enums import MessageStatus

# Statuses Twilio may still change. `delivered` is one: WhatsApp reports `read` later,
# if the person reads it with read receipts on. Final: read, failed, undelivered,
# canceled (and the inbound statuses).
OPEN_STATUSES: tuple[MessageStatus, ...] = (
    MessageStatus.ACCEPTED,
    MessageStatus.SCHEDULED,
    MessageStatus.QUEUED,
    MessageStatus.SENDING,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
)

# One `now()` (the transaction's) throughout: a message is fetched exactly when its new
# time was set by the last branch, which RETURNING tells by the same comparison.
_CLAIM = text(
    """
    WITH due AS (
        SELECT id FROM messages
        WHERE status_check_at <= now()
        ORDER BY status_check_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE messages AS m SET status_check_at = CASE
        WHEN m.direction <> 'outbound' OR m.sid IS NULL
             OR NOT (CAST(m.status AS text) = ANY(CAST(:open AS text[])))
             OR m.updated_at < now() - CAST(:horizon AS interval) THEN NULL
        WHEN m.updated_at > now() - CAST(:after AS interval)
            THEN m.updated_at + CAST(:after AS interval)
        ELSE now() + LEAST(
            GREATEST(CAST(:after AS interval), now() - m.updated_at),
            CAST(:longest AS interval)
        )
    END
    FROM due WHERE m.id = due.id
    RETURNING m.id, m.sid,
        m.status_check_at IS NOT NULL AND m.updated_at <= now() - CAST(:after AS interval)
    """
)

_FORGET = text("UPDATE messages SET status_check_at = NULL WHERE id = ANY(:ids)").bindparams(
    bindparam("ids", type_=ARRAY(BigInteger))
)


@dataclass(frozen=True)
class RecheckPolicy:
    after: timedelta  # quiet this long since its last status change: fetch it
    horizon: timedelta  # quiet longer than this: give up on it
    longest: timedelta = timedelta(hours=6)  # the longest wait between two fetches


@dataclass(frozen=True)
class Due:
    message_id: int
    sid: str


async def claim_due(
    session: AsyncSession, policy: RecheckPolicy, limit: int
) -> tuple[int, list[Due]]:
    """How many due messages were looked at, and those to fetch from Twilio now, each
    claimed until its next check. Due messages with nothing to ask (final, too old,
    changed recently) are rescheduled or dropped in the same statement."""
    rows = await session.execute(
        _CLAIM,
        {
            "limit": limit,
            "open": [s.value for s in OPEN_STATUSES],
            "after": policy.after,
            "horizon": policy.horizon,
            "longest": policy.longest,
        },
    )
    claimed = rows.all()
    return len(claimed), [Due(message_id, sid) for message_id, sid, fetch in claimed if fetch]


async def forget(session: AsyncSession, message_ids: Sequence[int]) -> None:
    """Never look at these again (Twilio does not know them)."""
    if message_ids:
        await session.execute(_FORGET, {"ids": list(message_ids)})
