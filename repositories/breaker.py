"""What the circuit breaker counts (services/sends/breaker.py): for each running send, the
outcomes of its last rows that have one."""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger, Integer

from db.enums import CampaignSendStatus
from db.models import CampaignSend

# One statement for every send judged. Per send it reads the campaign's rows newest first
# on the (campaign_id, id) index, from the newest row claimed so far (`top`: the highest in
# flight, else the lowest never tried, else, while rows wait for another try, the
# campaign's highest: each one end of an index, however many rows wait), so the rows not sent
# yet above it are not read, and stops once `size` rows with an outcome are found. It
# reaches back at most five windows (and 500 rows in flight or on their way): a send with
# fewer outcomes there is not judged yet, and the scan never runs on into the campaign's
# earlier sends, nor (after a resume) into the send's own rows from before it: a window
# costs a few thousand index entries at most, however long the send. A send with nothing
# pending or in flight has nothing left to stop and is not judged. A row's outcome, first
# match:
# - limited: Meta did not deliver it (63049, the person's marketing limit), whether the
#   row says so (limited_at) or only its message does (undelivered with 63049);
# - failed: failed before Twilio (the row failed), or its message failed or was
#   undelivered with another error;
# - opted out: its person opted out after its message was created (a message that
#   failed never reached the person, so it cannot have caused the opt-out);
# - ok: delivered or read. A message still on its way (queued, sent) has no outcome yet.
_OUTCOMES = text(
    """
    WITH judged AS (
        SELECT s.id, s.campaign_id, s.breaker_since, w.size, COALESCE(
            (SELECT max(l.id) FROM campaign_lead_messages l
             WHERE l.campaign_send_id = s.id AND l.state = 'sending'),
            (SELECT min(l.id) FROM campaign_lead_messages l
             WHERE l.campaign_send_id = s.id AND l.state = 'pending'
               AND l.next_attempt_at IS NULL),
            CASE WHEN EXISTS (
                SELECT 1 FROM campaign_lead_messages w
                WHERE w.campaign_send_id = s.id AND w.state = 'pending'
                  AND w.next_attempt_at IS NOT NULL
            ) THEN (SELECT max(l.id) FROM campaign_lead_messages l
                    WHERE l.campaign_id = s.campaign_id) END
        ) AS top
        FROM unnest(:ids, :sizes) AS w(send_id, size)
        JOIN campaign_sends s ON s.id = w.send_id AND s.status = 'running'
    )
    SELECT j.id, count(*) AS judged,
           count(*) FILTER (WHERE r.outcome = 'failed') AS failed,
           count(*) FILTER (WHERE r.outcome = 'limited') AS limited,
           count(*) FILTER (WHERE r.outcome = 'opted_out') AS opted_out
    FROM judged j
    CROSS JOIN LATERAL (
        SELECT CASE
            WHEN l.limited_at IS NOT NULL
                 OR (m.status = 'undelivered' AND m.error_code = 63049) THEN 'limited'
            WHEN l.state = 'failed' OR m.status IN ('failed', 'undelivered') THEN 'failed'
            WHEN p.opted_out_at > m.created_at THEN 'opted_out'
            ELSE 'ok'
        END AS outcome
        FROM (
            SELECT * FROM campaign_lead_messages
            WHERE campaign_id = j.campaign_id AND id <= j.top
            ORDER BY id DESC
            LIMIT j.size * 5 + 500
        ) l
        LEFT JOIN messages m ON m.id = l.message_id
        LEFT JOIN conversation_users p ON p.id = m.conversation_user_id
        WHERE l.campaign_send_id = j.id
          AND (j.breaker_since IS NULL OR l.claimed_at > j.breaker_since)
          AND (l.state = 'failed' OR l.limited_at IS NOT NULL
               OR m.status IN ('delivered', 'read', 'failed', 'undelivered')
               OR p.opted_out_at > m.created_at)
        ORDER BY l.id DESC
        LIMIT j.size
    ) r
    WHERE j.top IS NOT NULL
    GROUP BY j.id
    """
).bindparams(
    bindparam("ids", type_=ARRAY(BigInteger)),
    bindparam("sizes", type_=ARRAY(Integer)),
)


@dataclass(frozen=True)
class RunningSend:
    id: int
    merchant_id: int
    campaign_id: int


@dataclass(frozen=True)
class Outcomes:
    """How a send's last `judged` rows with an outcome ended (at most its window)."""

    send_id: int
    judged: int
    failed: int
    limited: int
    opted_out: int


async def running_sends(session: AsyncSession) -> list[RunningSend]:
    rows = await session.execute(
        select(CampaignSend.id, CampaignSend.merchant_id, CampaignSend.campaign_id).where(
            CampaignSend.status == CampaignSendStatus.RUNNING
        )
    )
    return [RunningSend(*row) for row in rows.all()]


async def recent_outcomes(session: AsyncSession, windows: Mapping[int, int]) -> list[Outcomes]:
    """The outcomes of each send's last `windows[send id]` rows with one, counting only
    rows claimed after its breaker_since; sends no longer running are left out."""
    if not windows:
        return []
    rows = await session.execute(_OUTCOMES, {"ids": list(windows), "sizes": list(windows.values())})
    return [Outcomes(*row) for row in rows.all()]
