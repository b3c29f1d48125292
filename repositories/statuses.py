"""Every statement that status callbacks run on messages: the set-based move and the
look-up of messages left as they were (their events go through services.events)."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import MessageDirection, MessageStatus

# A callback touches only messages of the account that signed it (v.account; NULL for
# the server's own re-reads, which are not scoped). A message without an account went
# through the platform's (:platform), as every message did before accounts existed.
_IN_ACCOUNT = "(v.account IS NULL OR COALESCE(m.twilio_account_sid, :platform) = v.account)"


# Raw SQL compiled once: the batch arrives as parallel arrays, so the statement text
# (and asyncpg's prepared statement) is the same whatever the batch's size. Column
# references on the right of SET are the row's values before this UPDATE, as in the
# single-row rules: a milestone keeps the time it was first reached and is never
# before an earlier milestone (GREATEST ignores NULLs).
@cache
def _move(progress: tuple[MessageStatus, ...], final: tuple[MessageStatus, ...]) -> TextClause:
    # A stored status's position in `progress`, compared with the reported one's limit;
    # a status in `final` ends the status rechecks.
    position_sql = " ".join(f"WHEN '{s.value}' THEN {i}" for i, s in enumerate(progress))
    final_sql = ", ".join(f"'{s.value}'" for s in final)
    return text(
        f"""
    WITH v AS (
        SELECT * FROM unnest(
            CAST(:sids AS text[]), CAST(:statuses AS text[]), CAST(:limits AS int[]),
            CAST(:codes AS int[]), CAST(:errors AS text[]),
            CAST(:sent AS timestamptz[]), CAST(:delivered AS timestamptz[]),
            CAST(:read AS timestamptz[]), CAST(:failed AS timestamptz[]),
            CAST(:accounts AS text[])
        ) AS v(sid, status, lim, error_code, error_message,
               sent_at, delivered_at, read_at, failed_at, account)
    ), moved AS (
        UPDATE messages AS m SET
            status = v.status,
            sent_at = COALESCE(m.sent_at, v.sent_at),
            delivered_at = CASE WHEN v.delivered_at IS NULL THEN m.delivered_at
                ELSE COALESCE(m.delivered_at, GREATEST(v.delivered_at, m.sent_at)) END,
            read_at = CASE WHEN v.read_at IS NULL THEN m.read_at
                ELSE COALESCE(m.read_at, GREATEST(v.read_at, m.sent_at, m.delivered_at)) END,
            failed_at = CASE WHEN v.failed_at IS NULL THEN m.failed_at
                ELSE COALESCE(m.failed_at, GREATEST(v.failed_at, m.sent_at)) END,
            error_code = COALESCE(v.error_code, m.error_code),
            error_message = COALESCE(v.error_message, m.error_message),
            status_check_at = CASE WHEN v.status IN ({final_sql}) THEN NULL
                ELSE m.status_check_at END,
            updated_at = now()
        FROM v
        WHERE m.sid = v.sid
          AND {_IN_ACCOUNT}
          AND m.direction = '{MessageDirection.OUTBOUND.value}'
          AND (CASE m.status {position_sql} END) < v.lim
        RETURNING m.id, m.merchant_id, m.status, m.sid, v.account
    )
    SELECT moved.id, moved.merchant_id, moved.status, moved.sid,
           l.id, l.campaign_id, l.campaign_send_id, moved.account
    FROM moved LEFT JOIN campaign_lead_messages AS l ON l.message_id = moved.id
    """
    )


_CURRENT = text(
    f"""
    SELECT m.id, m.merchant_id, m.status, m.sid, v.account
    FROM unnest(CAST(:sids AS text[]), CAST(:accounts AS text[])) AS v(sid, account)
    JOIN messages AS m ON m.sid = v.sid AND {_IN_ACCOUNT}
    """
)
# Transactions that NOTIFY commit one at a time (PostgreSQL serialises them on the
# notification queue), so waiting for each one's WAL flush caps the batches at one per
# disk flush. Without the wait, a database crash (not ours) can lose the last few
# hundred milliseconds of statuses: a later callback supersedes them anyway.
_NO_FLUSH_WAIT = text("SET LOCAL synchronous_commit = off")


async def no_flush_wait(session: AsyncSession) -> None:
    await session.execute(_NO_FLUSH_WAIT)


async def move(
    session: AsyncSession,
    columns: dict[str, list[Any]],
    progress: tuple[MessageStatus, ...],
    final: tuple[MessageStatus, ...],
    platform: str | None,
) -> Sequence[Any]:
    """Apply the batch's statuses (`columns`: parallel arrays, one entry per sid and
    account) to the messages of those accounts (`platform`: the platform account's sid).
    A stored status moves only when its position in `progress` is below the reported
    status's limit; a status in `final` ends the status rechecks. Returns (message id,
    merchant id, status, sid, ledger id, campaign id, send id, account) per moved row."""
    params = {**columns, "platform": platform}
    return (await session.execute(_move(progress, final), params)).all()


async def current(
    session: AsyncSession, keys: Sequence[tuple[str, str | None]], platform: str | None
) -> Sequence[Any]:
    """(id, merchant id, status, sid, account) of the messages with these (sid, account)
    keys, each within its account as in `move`."""
    sids, accounts = [sid for sid, _ in keys], [account for _, account in keys]
    params = {"sids": sids, "accounts": accounts, "platform": platform}
    return (await session.execute(_CURRENT, params)).all()
