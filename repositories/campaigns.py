"""Campaign queries. Every query that takes ids also takes the merchant id to scope by."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignAuthorType, CampaignStatus, CampaignType
from db.models import Campaign, CampaignApprovalEvent, TwilioAccount
from repositories.pagination import Page, PageRequest


@dataclass(frozen=True)
class CampaignFilter:
    statuses: Sequence[CampaignStatus] = ()
    campaign_type: CampaignType | None = None
    author_type: CampaignAuthorType | None = None
    name: str | None = None
    name_contains: str | None = None
    all_versions: bool = False


@dataclass(frozen=True)
class AccountScope:
    """The merchants a Twilio account speaks for: one merchant's own account, or (None)
    the platform's, shared by every merchant without an account of its own."""

    merchant_id: int | None


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

    async def page(
        self, merchant_id: int, where: CampaignFilter, request: PageRequest
    ) -> tuple[Page[Campaign], int]:
        """Newest first, and how many campaigns match `where` in all (the cursor aside).

        One statement: the total is a scalar subquery beside the page's columns, which
        PostgreSQL runs once for the statement. Only a page that comes back empty after a
        cursor needs a second statement for it (without a cursor, empty means none)."""
        shape = _Shape.of(where, after=request.after_id is not None)
        parameters = _parameters(merchant_id, where) | {"limit": request.limit + 1}
        if request.after_id is not None:
            parameters["after_id"] = request.after_id
        rows = (await self.session.execute(_page_statement(shape), parameters)).all()
        if rows:
            count = rows[0][1]
        else:
            count = 0 if request.after_id is None else await self.count(merchant_id, where)
        return Page.from_overfetch([row[0] for row in rows], request.limit), count

    async def count(self, merchant_id: int, where: CampaignFilter) -> int:
        statement = _count_statement(_Shape.of(where, after=False))
        return (await self.session.execute(statement, _parameters(merchant_id, where))).scalar_one()

    async def by_content_sid(
        self, content_sid: str, *, lock: bool = False, account: AccountScope | None = None
    ) -> list[Campaign]:
        """Campaigns with this Twilio content: for Twilio's webhooks, which speak for one
        account; `account` keeps to that account's merchants (None: any merchant)."""
        statement = select(Campaign).where(Campaign.content_sid == content_sid)
        if account is not None and account.merchant_id is not None:
            statement = statement.where(Campaign.merchant_id == account.merchant_id)
        elif account is not None:  # the platform's account: merchants without their own
            statement = statement.where(
                ~exists().where(TwilioAccount.merchant_id == Campaign.merchant_id)
            )
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


@dataclass(frozen=True)
class _Shape:
    """Which conditions a filtered statement has; their values are its parameters."""

    all_versions: bool
    statuses: bool
    campaign_type: bool
    author_type: bool
    name: bool
    name_contains: bool
    after: bool

    @classmethod
    def of(cls, where: CampaignFilter, *, after: bool) -> "_Shape":
        return cls(
            where.all_versions,
            bool(where.statuses),
            where.campaign_type is not None,
            where.author_type is not None,
            where.name is not None,
            bool(where.name_contains),
            after,
        )


def _parameters(merchant_id: int, where: CampaignFilter) -> dict[str, Any]:
    """The values of the conditions `_Shape.of(where)` says the statement has."""
    parameters: dict[str, Any] = {"merchant_id": merchant_id}
    if where.statuses:
        parameters["statuses"] = list(where.statuses)
    if where.campaign_type is not None:
        parameters["campaign_type"] = where.campaign_type
    if where.author_type is not None:
        parameters["author_type"] = where.author_type
    if where.name is not None:
        parameters["name"] = where.name
    if where.name_contains:
        parameters["pattern"] = "%" + _escape_like(where.name_contains) + "%"
    return parameters


def _filtered(shape: _Shape) -> Select[Campaign]:
    statement = select(Campaign).where(Campaign.merchant_id == bindparam("merchant_id"))
    if not shape.all_versions:
        statement = statement.where(Campaign.next_campaign_id.is_(None))
    if shape.statuses:
        statement = statement.where(Campaign.status.in_(bindparam("statuses", expanding=True)))
    if shape.campaign_type:
        statement = statement.where(Campaign.campaign_type == bindparam("campaign_type"))
    if shape.author_type:
        statement = statement.where(Campaign.author_type == bindparam("author_type"))
    if shape.name:
        statement = statement.where(Campaign.name == bindparam("name"))
    if shape.name_contains:
        statement = statement.where(Campaign.name.ilike(bindparam("pattern"), escape="\\"))
    return statement


# Statements are built once per shape (at most 2**7) and their values bound: building
# one (its subquery's column collection above all) took longer than running it.
@cache
def _count_statement(shape: _Shape) -> Select[int]:
    return select(func.count()).select_from(_filtered(shape).subquery())


@cache
def _page_statement(shape: _Shape) -> Select[Campaign, int]:
    total = _count_statement(replace(shape, after=False)).scalar_subquery()
    statement = _filtered(shape).add_columns(total)
    if shape.after:
        statement = statement.where(Campaign.id < bindparam("after_id"))
    return statement.order_by(Campaign.id.desc()).limit(bindparam("limit"))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
