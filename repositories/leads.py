"""Queries for audiences: conversation users and campaign leads."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Text,
    and_,
    any_,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from db.models import Campaign, CampaignLead, ConversationUser
from repositories.arrays import RAW as _RAW
from repositories.arrays import unnest as _unnest
from repositories.pagination import Page, PageRequest

# Also read by repositories/contacts.py, which builds PersonRows too.
PERSON_COLUMNS = (
    ConversationUser.id,
    ConversationUser.phone,
    ConversationUser.name,
    ConversationUser.opted_out_at,
    ConversationUser.attributes,
    ConversationUser.tags,
    ConversationUser.created_at,
    ConversationUser.updated_at,
    ConversationUser.time_zone,
)
_LEAD_COLUMNS = (
    CampaignLead.id,
    CampaignLead.campaign_id,
    CampaignLead.conversation_user_id,
    CampaignLead.active,
    CampaignLead.custom_variables,
    CampaignLead.created_at,
)


@dataclass(frozen=True, slots=True)
class PersonRow:
    """A conversation user as a plain row: 10,000 ORM objects cost the event loop ~0.3 s."""

    id: int
    phone: str
    name: str | None
    opted_out_at: datetime | None
    attributes: dict[str, Any]  # a key named like a template variable fills it
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    time_zone: str | None  # the person's own IANA zone, over their phone number's


@dataclass(frozen=True, slots=True)
class LeadRow:
    """A campaign lead as a plain row (see PersonRow)."""

    id: int
    campaign_id: int
    conversation_user_id: int
    active: bool
    custom_variables: dict[str, Any]
    created_at: datetime


class LeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_people(
        self, merchant_id: int, people: Sequence[tuple[str, str | None]]
    ) -> dict[str, PersonRow]:
        """Insert (phone, name) pairs, keeping known names when none is given; rows by
        phone. Phones must be unique within `people`."""
        if not people:
            return {}
        given, arrays = _unnest(
            ("phone", [phone for phone, _ in people], Text()),
            ("name", [name for _, name in people], Text()),
        )
        values = insert(ConversationUser).from_select(
            ["merchant_id", "phone", "name"],
            select(literal(merchant_id, BigInteger), given.c.phone, given.c.name),
        )
        statement = values.on_conflict_do_update(
            index_elements=[ConversationUser.merchant_id, ConversationUser.phone],
            set_={
                "name": func.coalesce(values.excluded.name, ConversationUser.name),
                "updated_at": func.now(),
            },
        ).returning(*PERSON_COLUMNS)
        rows = await self.session.execute(statement, arrays, execution_options=_RAW)
        return {row[1]: PersonRow(*row) for row in rows}

    async def upsert_leads(
        self, campaign_id: int, leads: Sequence[tuple[int, dict[str, Any] | None]]
    ) -> list[LeadRow]:
        """Add (conversation user id, custom variables) pairs. An existing lead is
        reactivated; its custom variables are replaced only where new ones are given."""
        result: list[LeadRow] = []
        with_custom = [(p, c) for p, c in leads if c is not None]
        without_custom = [(p, c) for p, c in leads if c is None]
        for batch, replace_custom in ((with_custom, True), (without_custom, False)):
            if not batch:
                continue
            people = ("person", [p for p, _ in batch], BigInteger())
            targets = ["campaign_id", "conversation_user_id"]
            if replace_custom:
                given, arrays = _unnest(people, ("custom", [c for _, c in batch], JSONB()))
                targets.append("custom_variables")
            else:  # the column's default, '{}', comes from the server: no JSON to encode
                given, arrays = _unnest(people)
            values = insert(CampaignLead).from_select(
                targets, select(literal(campaign_id, BigInteger), *given.c)
            )
            changes: dict[str, Any] = {"active": True, "updated_at": func.now()}
            if replace_custom:
                changes["custom_variables"] = values.excluded.custom_variables
            statement = values.on_conflict_do_update(
                index_elements=[CampaignLead.campaign_id, CampaignLead.conversation_user_id],
                set_=changes,
            ).returning(*_LEAD_COLUMNS)
            rows = await self.session.execute(statement, arrays, execution_options=_RAW)
            result.extend(LeadRow(*row) for row in rows)
        return result

    async def deactivate(self, campaign_id: int, lead_ids: Sequence[int]) -> list[LeadRow]:
        statement = (
            update(CampaignLead)
            .where(CampaignLead.campaign_id == campaign_id, CampaignLead.id.in_(lead_ids))
            .values(active=False, updated_at=func.now())
            .returning(*_LEAD_COLUMNS)
        )
        rows = await self.session.execute(statement)
        return [LeadRow(*row) for row in rows]

    async def carry_forward(self, from_campaign_id: int, to_campaign_id: int) -> None:
        """Copy the active leads of one version to the next."""
        statement = insert(CampaignLead).from_select(
            ["campaign_id", "conversation_user_id", "custom_variables"],
            select(
                literal(to_campaign_id, BigInteger),
                CampaignLead.conversation_user_id,
                CampaignLead.custom_variables,
            ).where(CampaignLead.campaign_id == from_campaign_id, CampaignLead.active),
        )
        await self.session.execute(statement)

    async def by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, CampaignLead]:
        statement = (
            select(CampaignLead)
            .join(Campaign, Campaign.id == CampaignLead.campaign_id)
            .where(CampaignLead.id.in_(ids), Campaign.merchant_id == merchant_id)
        )
        return {lead.id: lead for lead in (await self.session.execute(statement)).scalars()}

    async def people_by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, PersonRow]:
        statement = select(*PERSON_COLUMNS).where(
            ConversationUser.id.in_(ids), ConversationUser.merchant_id == merchant_id
        )
        return {row[0]: PersonRow(*row) for row in (await self.session.execute(statement))}

    async def pages_by_campaign(
        self, campaign_ids: Sequence[int], request: PageRequest
    ) -> dict[int, Page[CampaignLead]]:
        """One page of leads (oldest first) for each campaign, in one statement."""
        conditions: list[ColumnElement[bool]] = [CampaignLead.campaign_id.in_(campaign_ids)]
        if request.after_id is not None:
            conditions.append(CampaignLead.id > request.after_id)
        position = (
            func.row_number()
            .over(partition_by=CampaignLead.campaign_id, order_by=CampaignLead.id)
            .label("position")
        )
        ranked = select(CampaignLead, position).where(and_(*conditions)).subquery()
        statement = (
            select(CampaignLead)
            .join(ranked, ranked.c.id == CampaignLead.id)
            .where(ranked.c.position <= request.limit + 1)
            .order_by(CampaignLead.campaign_id, CampaignLead.id)
        )
        grouped: dict[int, list[CampaignLead]] = {cid: [] for cid in campaign_ids}
        for lead in (await self.session.execute(statement)).scalars():
            grouped[lead.campaign_id].append(lead)
        return {cid: Page.from_overfetch(rows, request.limit) for cid, rows in grouped.items()}


def lead_counts(campaign_ids: BindParameter[Sequence[int]]) -> Select[int, int, int]:
    """(campaign id, all leads, active leads) per campaign with any lead: a part of the
    campaign's stats statement (repositories/send_reads.py)."""
    return (
        select(
            CampaignLead.campaign_id,
            func.count().label("leads"),
            func.count().filter(CampaignLead.active).label("active_leads"),
        )
        .where(CampaignLead.campaign_id == any_(campaign_ids))
        .group_by(CampaignLead.campaign_id)
    )
