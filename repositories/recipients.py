"""Who a send goes to and what a claimed batch needs: the reads behind
services/sends/audience.py and services/sends/context.py."""

from collections.abc import Sequence

from sqlalchemy import BigInteger, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import LedgerState
from db.models import Campaign, CampaignLead, CampaignLeadMessage, ConversationUser, Merchant


async def active_leads(
    session: AsyncSession, campaign_id: int
) -> list[tuple[CampaignLead, ConversationUser]]:
    """The campaign's active leads with their people, in lead order."""
    statement = (
        select(CampaignLead, ConversationUser)
        .join(ConversationUser, ConversationUser.id == CampaignLead.conversation_user_id)
        .where(CampaignLead.campaign_id == campaign_id, CampaignLead.active)
        .order_by(CampaignLead.id)
    )
    return [(lead, person) for lead, person in (await session.execute(statement)).all()]


async def already_received(
    session: AsyncSession,
    campaign: Campaign,
    people: Sequence[int] | None,
    states: Sequence[LedgerState],
) -> set[int]:
    """People with a ledger row in `states` for any version of this template."""
    statement = (
        select(CampaignLead.conversation_user_id)
        .join(CampaignLeadMessage, CampaignLeadMessage.campaign_lead_id == CampaignLead.id)
        .join(Campaign, Campaign.id == CampaignLeadMessage.campaign_id)
        .where(
            Campaign.merchant_id == campaign.merchant_id,
            Campaign.name == campaign.name,
            CampaignLeadMessage.state.in_(states),
        )
        .distinct()
    )
    if people is not None:
        statement = statement.where(CampaignLead.conversation_user_id.in_(people))
    return set((await session.execute(statement)).scalars())


# Built once, ids bound as one array: the same statement text (SQLAlchemy's compiled
# cache, asyncpg's prepared statement) whatever the batch's size, where IN (...) was
# rendered anew per execution and prepared once per size.
_CLAIMED_ROWS = (
    select(CampaignLeadMessage, CampaignLead, ConversationUser)
    .join(CampaignLead, CampaignLead.id == CampaignLeadMessage.campaign_lead_id)
    .join(ConversationUser, ConversationUser.id == CampaignLead.conversation_user_id)
    .where(CampaignLeadMessage.id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
    .order_by(CampaignLeadMessage.id)
)
_OWNERS = (
    select(Campaign, Merchant)
    .join(Merchant, Merchant.id == Campaign.merchant_id)
    .where(Campaign.id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
)


async def claimed_rows(
    session: AsyncSession, ledger_ids: Sequence[int]
) -> list[tuple[CampaignLeadMessage, CampaignLead, ConversationUser]]:
    """Ledger rows with their lead and person, in row order."""
    rows = await session.execute(_CLAIMED_ROWS, {"ids": list(ledger_ids)})
    return [(row, lead, person) for row, lead, person in rows.all()]


async def campaign_owners(
    session: AsyncSession, campaign_ids: Sequence[int] | set[int]
) -> dict[int, tuple[Campaign, Merchant]]:
    """Each campaign with its merchant, by campaign id."""
    pairs = await session.execute(_OWNERS, {"ids": list(campaign_ids)})
    return {campaign.id: (campaign, merchant) for campaign, merchant in pairs.all()}
