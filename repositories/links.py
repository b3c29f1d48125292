"""Tracked links: the row a token points at, its click count, and the signing key's row."""

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AppSecret, Campaign, CampaignLeadMessage


async def link_source(
    session: AsyncSession, ledger_id: int
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The ledger row's values as sent and its campaign's tracked links, or None when the
    row is gone."""
    row = (
        await session.execute(
            select(CampaignLeadMessage.context, Campaign.tracked_links)
            .join(Campaign, Campaign.id == CampaignLeadMessage.campaign_id)
            .where(CampaignLeadMessage.id == ledger_id)
        )
    ).one_or_none()
    if row is None:
        return None
    context, links = row
    return context, links


async def count_click(session: AsyncSession, ledger_id: int) -> bool:
    """Add one click to the row; False when the row is gone. One UPDATE: concurrent
    clicks each add one, none is lost."""
    counted = await session.execute(
        update(CampaignLeadMessage)
        .where(CampaignLeadMessage.id == ledger_id)
        .values(clicks=CampaignLeadMessage.clicks + 1, clicked_at=func.now())
        .returning(CampaignLeadMessage.id)
        .execution_options(synchronize_session=False)
    )
    return counted.first() is not None


async def secret_value(session: AsyncSession, name: str) -> str | None:
    return await session.scalar(select(AppSecret.value).where(AppSecret.name == name))
