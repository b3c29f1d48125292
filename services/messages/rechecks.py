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

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import messages as repository
from services.messages.statuses import OPEN_STATUSES


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
    claimed = await repository.claim_due(
        session,
        limit=limit,
        open_statuses=[s.value for s in OPEN_STATUSES],
        after=policy.after,
        horizon=policy.horizon,
        longest=policy.longest,
    )
    return len(claimed), [Due(message_id, sid) for message_id, sid, fetch in claimed if fetch]


async def forget(session: AsyncSession, message_ids: Sequence[int]) -> None:
    """Never look at these again (Twilio does not know them)."""
    if message_ids:
        await repository.forget_checks(session, message_ids)
