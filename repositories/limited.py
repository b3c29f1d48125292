"""Every statement on ledger rows whose message Meta limited (63049: the person has had
their share of marketing templates from all businesses): reading them, marking them
limited, and putting them back in their send's queue for a retry."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger, DateTime, Text

from db.enums import CampaignSendStatus, LedgerState
from db.models import CampaignLead, CampaignLeadMessage, CampaignSend, ConversationUser

L = CampaignLeadMessage

_REACTIVATE_LEADS = text(
    "UPDATE campaign_leads SET active = true, updated_at = now() "
    "WHERE id = ANY(:ids) AND NOT active"
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))


_LIMIT_ROWS = text(
    """
    UPDATE campaign_lead_messages AS l
    SET limits = l.limits + 1, limited_at = now(), last_error = v.error, updated_at = now(),
        state = CASE WHEN v.retry_at IS NULL THEN l.state ELSE 'pending' END,
        next_attempt_at = COALESCE(v.retry_at, l.next_attempt_at),
        claimed_at = CASE WHEN v.retry_at IS NULL THEN l.claimed_at END
    FROM unnest(:ids, :retries, :errors) AS v(id, retry_at, error)
    WHERE l.id = v.id
    """
).bindparams(
    bindparam("ids", type_=ARRAY(BigInteger)),
    bindparam("retries", type_=ARRAY(DateTime(timezone=True))),
    bindparam("errors", type_=ARRAY(Text)),
)


@dataclass(frozen=True)
class LimitedRow:
    """A ledger row of a send whose message Meta limited, as it stands."""

    ledger_id: int
    limits: int
    lead_id: int
    campaign_id: int
    merchant_id: int
    send_id: int
    send_status: CampaignSendStatus
    phone: str


async def sent_rows_of_messages(
    session: AsyncSession, message_ids: Sequence[int]
) -> list[LimitedRow]:
    """The rows of sends that are sent with one of these messages, and their sends,
    locked (in id order) until the caller's transaction ends."""
    statement = (
        select(
            L.id,
            L.limits,
            L.campaign_lead_id,
            L.campaign_id,
            CampaignSend.merchant_id,
            CampaignSend.id,
            CampaignSend.status,
            ConversationUser.phone,
        )
        .join(CampaignSend, CampaignSend.id == L.campaign_send_id)
        .join(CampaignLead, CampaignLead.id == L.campaign_lead_id)
        .join(ConversationUser, ConversationUser.id == CampaignLead.conversation_user_id)
        .where(L.message_id.in_(message_ids), L.state == LedgerState.SENT)
        .order_by(L.id)
        # The send too: a cancel committing meanwhile is seen, and a row is never put
        # back in the queue of a send that will not send it.
        .with_for_update(of=[L, CampaignSend])
    )
    return [LimitedRow(*row) for row in (await session.execute(statement)).all()]


async def limit_rows(
    session: AsyncSession, verdicts: Sequence[tuple[int, datetime | None, str]]
) -> None:
    """Count each row (ledger id, retry at, error) as limited once more, in one statement:
    with a retry time it goes back to pending, claimed again then, keeping its
    undelivered message until its retry's message replaces it (ledger.close_sent);
    without one it stays as it is (sent, its message undelivered)."""
    if not verdicts:
        return
    await session.execute(
        _LIMIT_ROWS,
        {
            "ids": [ledger_id for ledger_id, _, _ in verdicts],
            "retries": [retry_at for _, retry_at, _ in verdicts],
            "errors": [error for _, _, error in verdicts],
        },
    )


async def reactivate_leads(session: AsyncSession, lead_ids: Sequence[int]) -> None:
    """Leads whose message is to be sent again are back in the campaign's live audience."""
    await session.execute(_REACTIVATE_LEADS, {"ids": sorted(lead_ids)})
