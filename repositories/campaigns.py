"""Campaign queries. Every query that takes ids also takes the merchant id to scope by."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignAuthorType, CampaignStatus, CampaignType
from db.models import Campaign, CampaignApprovalEvent
from repositories.pagination import Page, PageRequest


@dataclass(frozen=True)
class CampaignFilter:
    statuses: Sequence[CampaignStatus] = ()
    campaign_type: CampaignType | None = None
    author_type: CampaignAuthorType | None = None
    name: str | None = None
    name_contains: str | None = None
    all_versions: bool = False


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, merchant_id: int, campaign_id: int, *, lock: bool = False
    ) -> Campaign | None:
        statement = select(Campaign).where(
            Campaign.id == campaign_id, Campaign.merchant_id == merchant_id
        )
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, Campaign]:
        statement = select(Campaign).where(
            Campaign.id.in_(ids), Campaign.merchant_id == merchant_id
        )
        return {c.id: c for c in (await self.session.execute(statement)).scalars()}

    async def previous_of(self, merchant_id: int, ids: Sequence[int]) -> dict[int, Campaign]:
        """The version each of `ids` replaced, keyed by the newer version's id."""
        statement = select(Campaign).where(
            Campaign.next_campaign_id.in_(ids), Campaign.merchant_id == merchant_id
        )
        rows = (await self.session.execute(statement)).scalars()
        return {c.next_campaign_id: c for c in rows if c.next_campaign_id is not None}

    async def versions_of(
        self, merchant_id: int, names: Sequence[str]
    ) -> dict[str, list[Campaign]]:
        statement = (
            select(Campaign)
            .where(Campaign.merchant_id == merchant_id, Campaign.name.in_(names))
            .order_by(Campaign.name, Campaign.version)
        )
        result: dict[str, list[Campaign]] = {name: [] for name in names}
        for campaign in (await self.session.execute(statement)).scalars():
            result[campaign.name].append(campaign)
        return result

    async def head_by_name(self, merchant_id: int, name: str) -> Campaign | None:
        statement = select(Campaign).where(
            Campaign.merchant_id == merchant_id,
            Campaign.name == name,
            Campaign.next_campaign_id.is_(None),
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def heads_by_names(self, merchant_id: int, names: Sequence[str]) -> dict[str, Campaign]:
        statement = select(Campaign).where(
            Campaign.merchant_id == merchant_id,
            Campaign.name.in_(names),
            Campaign.next_campaign_id.is_(None),
        )
        return {c.name: c for c in (await self.session.execute(statement)).scalars()}

    def _filtered(self, merchant_id: int, where: CampaignFilter) -> Select[Campaign]:
        statement = select(Campaign).where(Campaign.merchant_id == merchant_id)
        if not where.all_versions:
            statement = statement.where(Campaign.next_campaign_id.is_(None))
        if where.statuses:
            statement = statement.where(Campaign.status.in_(where.statuses))
        if where.campaign_type is not None:
            statement = statement.where(Campaign.campaign_type == where.campaign_type)
        if where.author_type is not None:
            statement = statement.where(Campaign.author_type == where.author_type)
        if where.name is not None:
            statement = statement.where(Campaign.name == where.name)
        if where.name_contains:
            pattern = "%" + _escape_like(where.name_contains) + "%"
            statement = statement.where(Campaign.name.ilike(pattern, escape="\\"))
        return statement

    async def page(
        self, merchant_id: int, where: CampaignFilter, request: PageRequest
    ) -> Page[Campaign]:
        """Newest first."""
        statement = self._filtered(merchant_id, where)
        if request.after_id is not None:
            statement = statement.where(Campaign.id < request.after_id)
        statement = statement.order_by(Campaign.id.desc()).limit(request.limit + 1)
        rows = (await self.session.execute(statement)).scalars().all()
        return Page.from_overfetch(rows, request.limit)

    async def count(self, merchant_id: int, where: CampaignFilter) -> int:
        statement = select(func.count()).select_from(self._filtered(merchant_id, where).subquery())
        return (await self.session.execute(statement)).scalar_one()

    async def by_content_sid(self, content_sid: str, *, lock: bool = False) -> list[Campaign]:
        """Campaigns of any merchant with this Twilio content: for Twilio's webhooks,
        which speak for the whole account."""
        statement = select(Campaign).where(Campaign.content_sid == content_sid)
        if lock:
            statement = statement.with_for_update()
        return list((await self.session.execute(statement)).scalars())

    async def due_for_approval_job(self, now: datetime, limit: int) -> list[Campaign]:
        """Campaigns of every merchant the approval job should look at now, soonest first,
        locked; rows another transaction holds (a submit in progress) are skipped."""
        statement = (
            select(Campaign)
            .where(Campaign.approval_next_check_at <= now)
            .order_by(Campaign.approval_next_check_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(statement)).scalars())

    async def reserve_id(self) -> int:
        """An id for a campaign about to be inserted (see CampaignService.new_version)."""
        statement = text("SELECT nextval(pg_get_serial_sequence('campaigns', 'id'))")
        return int((await self.session.execute(statement)).scalar_one())

    async def one(self, campaign_id: int) -> Campaign:
        """The campaign, which must exist (raises otherwise)."""
        return await self.session.get_one(Campaign, campaign_id)

    async def add(self, campaign: Campaign) -> Campaign:
        self.session.add(campaign)
        await self.session.flush()
        return campaign

    async def add_new(self, campaign: Campaign) -> Campaign:
        """Insert in a savepoint: when a concurrent create took the name, the
        IntegrityError undoes this insert only, not the caller's transaction."""
        async with self.session.begin_nested():
            return await self.add(campaign)

    def record_approval_event(self, event: CampaignApprovalEvent) -> None:
        """Written with the campaign's change, at the next flush."""
        self.session.add(event)

    async def names_taken(self, merchant_id: int, names: Sequence[str]) -> set[str]:
        statement = select(Campaign.name).where(
            tuple_(Campaign.merchant_id, Campaign.name).in_([(merchant_id, n) for n in names])
        )
        return set((await self.session.execute(statement)).scalars())


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
