"""The statements behind the sending policy's gate (services/sends/policy_gate.py): how
many marketing messages people had lately, the per-person locks that make the frequency
cap hold across processes, and rows held back until a person's quiet hours end."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import DateTime, Text

from db.enums import CampaignType, MessageStatus
from repositories.ledger import Claim

# The advisory locks' first key: the frequency cap's, apart from any other lock's.
_CAP_LOCKS = 0x43415031

_LOCK_PEOPLE = text(
    """
    SELECT count(pg_advisory_xact_lock(:space, CAST(p.id % 2147483647 AS int)))
    FROM (SELECT DISTINCT unnest(:ids) AS id ORDER BY 1) AS p
    """
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))

_UNDELIVERED = (MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.CANCELED)
_MARKETING_RECEIVED = text(
    f"""
    SELECT cl.conversation_user_id, count(*)
    FROM campaign_leads cl
    JOIN campaign_lead_messages l ON l.campaign_lead_id = cl.id
    JOIN campaigns c ON c.id = l.campaign_id
    LEFT JOIN messages m ON m.id = l.message_id
    WHERE cl.conversation_user_id = ANY(:people)
      AND l.state IN ('sending', 'sent')
      AND l.claimed_at >= :since
      AND NOT l.id = ANY(:exclude)
      AND (c.campaign_type = '{CampaignType.MARKETING.value}' OR upper(c.category) = 'MARKETING')
      AND (m.status IS NULL OR m.status NOT IN ({", ".join(f"'{s.value}'" for s in _UNDELIVERED)}))
    GROUP BY cl.conversation_user_id
    """
).bindparams(
    bindparam("people", type_=ARRAY(BigInteger)),
    bindparam("exclude", type_=ARRAY(BigInteger)),
    bindparam("since", type_=DateTime(timezone=True)),
)

_DEFER = text(
    """
    UPDATE campaign_lead_messages AS l
    SET state = 'pending', attempts = l.attempts - 1, next_attempt_at = v.until,
        last_error = v.reason, updated_at = now()
    FROM unnest(:ids, :claimed, :until, :reasons) AS v(id, claimed_at, until, reason)
    WHERE l.id = v.id AND l.state = 'sending' AND l.claimed_at = v.claimed_at
    """
).bindparams(
    bindparam("ids", type_=ARRAY(BigInteger)),
    bindparam("claimed", type_=ARRAY(DateTime(timezone=True))),
    bindparam("until", type_=ARRAY(DateTime(timezone=True))),
    bindparam("reasons", type_=ARRAY(Text)),
)


@dataclass(frozen=True)
class Held:
    """A claimed row given back until `until`, saying why."""

    claim: Claim
    until: datetime
    reason: str


async def lock_people(session: AsyncSession, person_ids: Sequence[int]) -> None:
    """Take each person's frequency-cap lock until the transaction ends, in one order
    (so two processes' batches cannot deadlock): a concurrent claim of the same person
    waits, then counts the rows this one claims."""
    if person_ids:
        await session.execute(_LOCK_PEOPLE, {"space": _CAP_LOCKS, "ids": list(person_ids)})


async def marketing_received(
    session: AsyncSession, person_ids: Sequence[int], since: datetime, exclude: Sequence[int]
) -> dict[int, int]:
    """Marketing messages each person was sent (or is being sent) since `since`, across
    the merchant's campaigns; messages that failed do not count, nor the rows in
    `exclude` (the batch being judged)."""
    if not person_ids:
        return {}
    params = {"people": list(person_ids), "since": since, "exclude": list(exclude)}
    rows = await session.execute(_MARKETING_RECEIVED, params)
    return {person: count for person, count in rows.all()}


async def hold(session: AsyncSession, held: Sequence[Held]) -> None:
    """Give claimed rows back, not to be claimed before their time (no try used up)."""
    if held:
        await session.execute(
            _DEFER,
            {
                "ids": [h.claim.ledger_id for h in held],
                "claimed": [h.claim.claimed_at for h in held],
                "until": [h.until for h in held],
                "reasons": [h.reason for h in held],
            },
        )
