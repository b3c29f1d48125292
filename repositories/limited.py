"""Every statement on ledger rows whose message Meta limited (63049: the person has had
their share of marketing templates from all businesses): reading them, marking them
limited, and putting them back in their send's queue for a retry."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger

from db.enums import CampaignSendStatus, LedgerState
from db.models import CampaignLead, CampaignLeadMessage, CampaignSend, ConversationUser

L = CampaignLeadMessage

_REACTIVATE_LEADS = text(
    "UPDATE campaign_leads SET active = true, updated_at = now() "
    "WHERE id = ANY(:ids) AND NOT active"
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))


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


async def mark_limited(session: AsyncSession, ledger_id: int, error: str) -> None:
    """The row stays as it is (sent, its message undelivered), counted as limited once more."""
    await session.execute(
        update(L)
        .where(L.id == ledger_id)
        .values(
            limits=L.limits + 1,
            limited_at=func.now(),
            last_error=error,
            updated_at=func.now(),
        )
    )


async def requeue_limited(
    session: AsyncSession, ledger_id: int, retry_at: datetime, error: str
) -> None:
    """Back to pending, claimed again at `retry_at`. The row keeps its undelivered message
    until its retry's message replaces it (ledger.close_sent)."""
    await session.execute(
        update(L)
        .where(L.id == ledger_id)
        .values(
            state=LedgerState.PENDING,
            next_attempt_at=retry_at,
            claimed_at=None,
            limits=L.limits + 1,
            limited_at=func.now(),
            last_error=error,
            updated_at=func.now(),
        )
    )


async def reactivate_leads(session: AsyncSession, lead_ids: Sequence[int]) -> None:
    """Leads whose message is to be sent again are back in the campaign's live audience."""
    await session.execute(_REACTIVATE_LEADS, {"ids": sorted(lead_ids)})
