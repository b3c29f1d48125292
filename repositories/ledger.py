"""Every statement on the ledger's write side (CampaignLeadMessage) and what a row's
outcome writes next to it (the Message, the lead, the person).

A row moves pending -> sending (claimed by exactly one worker of one process, by
FOR UPDATE SKIP LOCKED) -> sent | failed | back to pending. Every later update names the
claim it belongs to (claimed_at), so a worker whose claim was taken over changes nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger, DateTime, Integer, Text

from db.enums import CampaignSendStatus, LedgerState
from db.models import CampaignLeadMessage, CampaignSend, ConversationUser, Message

L = CampaignLeadMessage

_CLAIM = text(
    """
    WITH running AS (
        SELECT id FROM campaign_sends WHERE status = 'running'
          AND id <> ALL(:held)  -- their sender has no slot within the horizon yet
    ), share AS (
        -- Each running send gets its share of the batch: two merchants sending at once
        -- both get rows (each paced at its own sender's rate), not one after the other.
        SELECT CAST(CEIL(CAST(:limit AS float) / GREATEST(1, count(*))) AS int) AS n
        FROM running
    ), due AS (
        -- Rows whose wait is over (a backoff, quiet hours, Meta's limit, a slot): read
        -- on their own index from the oldest wait, never past the rows still waiting,
        -- however many there are (a quiet night holds most of a send).
        SELECT p.id FROM running s
        CROSS JOIN LATERAL (
            SELECT l.id FROM campaign_lead_messages l
            WHERE l.campaign_send_id = s.id AND l.state = 'pending'
              AND l.next_attempt_at <= now()
            ORDER BY l.next_attempt_at
            LIMIT (SELECT n FROM share)
            FOR UPDATE OF l SKIP LOCKED
        ) p
    ), fresh AS (
        SELECT p.id FROM running s
        CROSS JOIN LATERAL (
            SELECT l.id FROM campaign_lead_messages l
            WHERE l.campaign_send_id = s.id AND l.state = 'pending'
              AND l.next_attempt_at IS NULL
            ORDER BY l.id
            LIMIT (SELECT n FROM share)
            FOR UPDATE OF l SKIP LOCKED
        ) p
    ), picked AS (
        -- Rows that waited go first; what is locked and not taken is freed at commit.
        (SELECT id FROM due UNION ALL SELECT id FROM fresh) LIMIT :limit
    )
    UPDATE campaign_lead_messages l
    SET state = 'sending', claimed_at = clock_timestamp(), attempts = l.attempts + 1,
        updated_at = now()
    FROM picked WHERE l.id = picked.id
    RETURNING l.id, l.claimed_at
    """
).bindparams(bindparam("held", type_=ARRAY(BigInteger)))

_CLOSE_SENT = text(
    """
    UPDATE campaign_lead_messages AS l
    SET state = 'sent', message_id = v.message_id, context = v.context, last_error = NULL,
        limited_at = NULL, updated_at = now()
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

# One statement text whatever the batch's size: compiled once by SQLAlchemy and
# prepared once by asyncpg. A multi-row VALUES was compiled anew for every batch (a
# fifth of the server's CPU at a thousand messages a second) and prepared per size.
_INSERT_MESSAGES = text(
    """
    INSERT INTO messages (merchant_id, conversation_user_id, direction, body, content_sid,
                          sid, status, error_code, error_message, status_check_at,
                          twilio_account_sid)
    SELECT v.merchant_id, v.person_id, v.direction, v.body, v.content_sid, v.sid, v.status,
           v.error_code, v.error_message, COALESCE(v.check_at, now()), v.account_sid
    FROM unnest(:merchants, :people, :directions, :bodies, :contents, :sids, :statuses,
                :codes, :errors, :checks, :accounts)
        AS v(merchant_id, person_id, direction, body, content_sid, sid, status, error_code,
             error_message, check_at, account_sid)
    RETURNING id, sid
    """
).bindparams(
    bindparam("merchants", type_=ARRAY(BigInteger)),
    bindparam("people", type_=ARRAY(BigInteger)),
    bindparam("directions", type_=ARRAY(Text)),
    bindparam("bodies", type_=ARRAY(Text)),
    bindparam("contents", type_=ARRAY(Text)),
    bindparam("sids", type_=ARRAY(Text)),
    bindparam("statuses", type_=ARRAY(Text)),
    bindparam("codes", type_=ARRAY(Integer)),
    bindparam("errors", type_=ARRAY(Text)),
    bindparam("checks", type_=ARRAY(DateTime(timezone=True))),
    bindparam("accounts", type_=ARRAY(Text)),
)

_RETIRE_LEADS = text(
    "UPDATE campaign_leads SET active = false, updated_at = now() WHERE id = ANY(:ids)"
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))

_TAKE_OVER = text(
    """
    WITH stale AS (
        SELECT id FROM campaign_lead_messages
        WHERE state = 'sending' AND claimed_at < now() - CAST(:older_than AS interval)
          AND (next_attempt_at IS NULL OR next_attempt_at <= now())
        ORDER BY claimed_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE campaign_lead_messages l SET next_attempt_at = now() + CAST(:older_than AS interval)
    FROM stale WHERE l.id = stale.id
    RETURNING l.id, l.claimed_at
    """
)


@dataclass(frozen=True)
class Claim:
    ledger_id: int
    claimed_at: datetime


@dataclass(frozen=True)
class SentRow:
    """A claimed row to close as sent, with the Message that went out."""

    claim: Claim
    message_id: int
    context: dict[str, str]


async def claim(session: AsyncSession, limit: int, held: Sequence[int] = ()) -> list[Claim]:
    """Claim up to `limit` due rows of the running sends, none of the `held` ones."""
    rows = await session.execute(_CLAIM, {"limit": limit, "held": list(held)})
    return [Claim(ledger_id, claimed_at) for ledger_id, claimed_at in rows.all()]


def _mine(claim: Claim) -> ColumnElement[bool]:
    return and_(
        L.id == claim.ledger_id, L.state == LedgerState.SENDING, L.claimed_at == claim.claimed_at
    )


async def close_sent(session: AsyncSession, rows: Sequence[SentRow]) -> list[tuple[int, int]]:
    """Close claimed rows as sent, one statement for any number; returns (ledger id, lead
    id) of each row that was still ours."""
    closed = await session.execute(
        _CLOSE_SENT,
        {
            "ids": [r.claim.ledger_id for r in rows],
            "claimed": [r.claim.claimed_at for r in rows],
            "messages": [r.message_id for r in rows],
            "contexts": [r.context for r in rows],
        },
    )
    return [(ledger_id, lead_id) for ledger_id, lead_id in closed.all()]


async def close_failed(session: AsyncSession, claim: Claim, message_id: int, error: str) -> bool:
    """Close a claimed row as failed; False when the claim was no longer ours."""
    closed = await session.execute(
        update(L)
        .where(_mine(claim))
        .values(
            state=LedgerState.FAILED,
            message_id=message_id,
            last_error=error,
            limited_at=None,  # a retry of a limited row failed for another reason
            updated_at=func.now(),
        )
        .returning(L.id)
    )
    return closed.first() is not None


async def close_skipped(session: AsyncSession, claim: Claim, reason: str) -> None:
    await session.execute(
        update(L)
        .where(_mine(claim))
        .values(
            state=LedgerState.SKIPPED, skipped_reason=reason, limited_at=None, updated_at=func.now()
        )
    )


async def requeue(
    session: AsyncSession,
    claim: Claim,
    error: str | None,
    after: timedelta | None,
    *,
    count: bool,
    backoff: bool = False,
) -> None:
    """Back to pending, to be claimed again after `after`; `count=False` gives the attempt
    back (nothing went out: a pause, or Twilio unavailable), `backoff=True` counts a wait
    for Twilio instead. A row whose send was cancelled while it was in flight is
    cancelled instead: no worker would ever claim it again. The send's row is read FOR
    SHARE, so a cancel committing meanwhile is seen."""
    send_status = (
        select(CampaignSend.status)
        .where(CampaignSend.id == L.campaign_send_id)
        .with_for_update(read=True)
        .scalar_subquery()
    )
    values: dict[str, object] = {
        "state": case(
            (send_status == CampaignSendStatus.CANCELLED, LedgerState.CANCELLED),
            else_=LedgerState.PENDING,
        ),
        "last_error": error,
        "next_attempt_at": (func.now() + after) if after else None,
        "updated_at": func.now(),
    }
    if not count:
        values["attempts"] = L.attempts - 1
    if backoff:
        values["backoffs"] = L.backoffs + 1
    await session.execute(update(L).where(_mine(claim)).values(**values))


async def note_error(session: AsyncSession, claims: Sequence[Claim], error: str) -> None:
    """Say why claimed rows are not settled yet (they stay claimed)."""
    for claim in claims:
        await session.execute(
            update(L).where(_mine(claim)).values(last_error=error, updated_at=func.now())
        )


async def take_over_stale(session: AsyncSession, older_than: timedelta, limit: int) -> list[Claim]:
    """Rows claimed long ago and never finished: their process died mid-send, or Twilio
    could not be asked whether their message went out. Each is handed to one reconciler
    (the others skip it until `older_than` has passed again), which asks Twilio with no
    transaction open; the claim, and so the time the message may date from, is kept."""
    rows = await session.execute(_TAKE_OVER, {"older_than": older_than, "limit": limit})
    return [Claim(ledger_id, claimed_at) for ledger_id, claimed_at in rows.all()]


async def add_message(session: AsyncSession, message: Message) -> int:
    """Store one Message now (its id is needed to close the row)."""
    session.add(message)
    await session.flush()
    return message.id


async def add_failed_message(session: AsyncSession, message: Message) -> int:
    """Store a Message that failed before reaching Twilio, its failure time the
    database's clock, now (its id is needed to close the row)."""
    message.failed_at = func.now()
    return await add_message(session, message)


async def add_row(session: AsyncSession, row: CampaignLeadMessage) -> int:
    """Store one ledger row now (its id is the claim's)."""
    session.add(row)
    await session.flush()
    return row.id


async def drop_message(session: AsyncSession, message: Message) -> None:
    await session.delete(message)


async def insert_messages(
    session: AsyncSession, values: list[dict[str, Any]]
) -> dict[str | None, int]:
    """Insert a batch of Message rows (outbound_values' columns; status_check_at, when
    absent, is now); returns each one's id by its Twilio sid."""
    inserted = await session.execute(
        _INSERT_MESSAGES,
        {
            "merchants": [v["merchant_id"] for v in values],
            "people": [v["conversation_user_id"] for v in values],
            "directions": [v["direction"].value for v in values],
            "bodies": [v["body"] for v in values],
            "contents": [v["content_sid"] for v in values],
            "sids": [v["sid"] for v in values],
            "statuses": [v["status"].value for v in values],
            "codes": [v["error_code"] for v in values],
            "errors": [v["error_message"] for v in values],
            "checks": [v.get("status_check_at") for v in values],
            "accounts": [v.get("twilio_account_sid") for v in values],
        },
    )
    return {sid: message_id for message_id, sid in inserted.all()}


async def delete_messages(session: AsyncSession, ids: Sequence[int]) -> None:
    await session.execute(delete(Message).where(Message.id.in_(ids)))


async def retire_leads(session: AsyncSession, lead_ids: Sequence[int]) -> None:
    """A lead that was sent its message leaves the campaign's live audience."""
    await session.execute(_RETIRE_LEADS, {"ids": list(lead_ids)})


async def opt_out(session: AsyncSession, person_id: int) -> None:
    """Twilio says the person opted out (21610): remember it for this merchant."""
    await session.execute(
        update(ConversationUser)
        .where(ConversationUser.id == person_id, ConversationUser.opted_out_at.is_(None))
        .values(opted_out_at=func.now())
    )


async def recorded_sids(session: AsyncSession, sids: Sequence[str]) -> set[str]:
    """Which of these Twilio sids we have a Message for."""
    statement = select(Message.sid).where(Message.sid.in_(sids))
    return {sid for sid in (await session.execute(statement)).scalars() if sid is not None}


async def insert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """A send's audience snapshot: one ledger row per lead, in one statement."""
    await session.execute(pg_insert(CampaignLeadMessage), rows)


async def skipped_ids(session: AsyncSession, send_id: int) -> list[int]:
    skipped = await session.scalars(
        select(L.id)
        .where(L.campaign_send_id == send_id, L.state == LedgerState.SKIPPED)
        .order_by(L.id)
    )
    return list(skipped)


async def cancel_pending(session: AsyncSession, send_id: int) -> None:
    await session.execute(
        update(L)
        .where(L.campaign_send_id == send_id, L.state == LedgerState.PENDING)
        .values(state=LedgerState.CANCELLED)
    )


async def requeue_failed(
    session: AsyncSession, send_id: int, failed_statuses: Sequence[str]
) -> bool:
    """Failed rows not retried yet (and sent rows whose message failed later) go back to
    pending, once; True when any did. Rows Meta limited are not failed: their retries are
    services/sends/limited.py's."""
    failed_message = select(Message.id).where(Message.status.in_(failed_statuses))
    requeued = await session.execute(
        update(L)
        .where(
            L.campaign_send_id == send_id,
            L.retried.is_(False),
            L.limited_at.is_(None),
            (L.state == LedgerState.FAILED)
            | ((L.state == LedgerState.SENT) & L.message_id.in_(failed_message)),
        )
        .values(state=LedgerState.PENDING, retried=True, next_attempt_at=None, message_id=None)
        .returning(L.id)
    )
    return requeued.first() is not None
