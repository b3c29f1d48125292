"""A merchant's contacts chosen by a filter: the one SQL condition behind `contacts(filter:)`,
a segment's size and contacts, and addCampaignLeadsFromSegment's INSERT ... SELECT.

Every condition starts with `merchant_id = :merchant`, and each criterion is written so
that an index led by the merchant serves it: tags and attributes by the btree_gin
indexes (`tags @> / &&`, `attributes @>`), id order by (merchant_id, id), behaviour from
the campaign's ledger rows (campaign_id, id) up to the person by primary key."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal,
    not_,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.enums import MessageDirection, MessageStatus
from db.models import Campaign, CampaignLead, CampaignLeadMessage, ConversationUser, Message
from repositories.pagination import Page, PageRequest


class ContactEvent(StrEnum):
    RECEIVED = "received"
    READ = "read"
    CLICKED = "clicked"
    REPLIED = "replied"
    FAILED = "failed"


@dataclass(frozen=True)
class BehaviourCriterion:
    campaign_id: int  # any version: the criterion holds over the template's every version
    event: ContactEvent
    within_days: int | None = None
    negate: bool = False


@dataclass(frozen=True)
class ContactCriteria:
    """What the chosen contacts have in common; every part must hold. Empty: everyone."""

    tags: tuple[str, ...] = ()  # has every one
    any_tags: tuple[str, ...] = ()  # has at least one
    attributes: Mapping[str, Any] = field(default_factory=dict)  # equal on each key
    opted_out: bool | None = None
    behaviour: tuple[BehaviourCriterion, ...] = ()


RECEIVED_STATUSES = (MessageStatus.DELIVERED, MessageStatus.READ)
FAILED_STATUSES = (MessageStatus.FAILED, MessageStatus.UNDELIVERED)


def _family(merchant_id: int, campaign_id: int) -> Select[int]:
    """Ids of every version of the campaign's template (versions share merchant and
    name), the merchant's only: another merchant's campaign id has no family."""
    named = aliased(Campaign)
    return (
        select(Campaign.id)
        .join(named, and_(named.merchant_id == Campaign.merchant_id, named.name == Campaign.name))
        .where(named.id == campaign_id, named.merchant_id == merchant_id)
    )


def _since(days: int | None) -> ColumnElement[Any] | None:
    return None if days is None else func.now() - timedelta(days=days)


def _event_conditions(merchant_id: int, criterion: BehaviourCriterion) -> list[ColumnElement[bool]]:
    """What one ledger row (joined to its message) must show for the event."""
    since = _since(criterion.within_days)
    event = criterion.event
    found: list[ColumnElement[bool]] = []
    if event is ContactEvent.RECEIVED:
        found.append(Message.status.in_(RECEIVED_STATUSES))
        when: ColumnElement[Any] = func.coalesce(Message.delivered_at, Message.read_at)
    elif event is ContactEvent.READ:
        found.append(Message.status == MessageStatus.READ)
        when = func.coalesce(Message.read_at, Message.updated_at)
    elif event is ContactEvent.CLICKED:
        found.append(CampaignLeadMessage.clicks > 0)
        when = func.coalesce(CampaignLeadMessage.clicked_at, CampaignLeadMessage.updated_at)
    elif event is ContactEvent.FAILED:
        found.append(Message.status.in_(FAILED_STATUSES))
        when = func.coalesce(Message.failed_at, Message.created_at)
    else:  # REPLIED: an inbound message from the person after the campaign's
        reply = aliased(Message)
        replied = [
            reply.conversation_user_id == CampaignLead.conversation_user_id,
            reply.merchant_id == merchant_id,
            reply.direction == MessageDirection.INBOUND,
            reply.created_at > Message.created_at,
        ]
        if since is not None:
            replied.append(reply.created_at >= since)
        found += [Message.sid.is_not(None), exists().where(*replied)]
        return found
    if since is not None:
        found.append(when >= since)
    return found


def _behaviour(merchant_id: int, criterion: BehaviourCriterion) -> ColumnElement[bool]:
    ledger = (
        select(literal(1))
        .select_from(CampaignLeadMessage)
        .join(CampaignLead, CampaignLead.id == CampaignLeadMessage.campaign_lead_id)
        .where(
            CampaignLead.conversation_user_id == ConversationUser.id,
            CampaignLeadMessage.campaign_id.in_(_family(merchant_id, criterion.campaign_id)),
        )
    )
    if criterion.event is not ContactEvent.CLICKED:
        ledger = ledger.join(Message, Message.id == CampaignLeadMessage.message_id)
    held = ledger.where(*_event_conditions(merchant_id, criterion)).exists()
    return not_(held) if criterion.negate else held


def contact_condition(merchant_id: int, criteria: ContactCriteria) -> ColumnElement[bool]:
    """The merchant's contacts the criteria choose, as one WHERE condition on
    conversation_users."""
    parts: list[ColumnElement[bool]] = [ConversationUser.merchant_id == merchant_id]
    if criteria.tags:
        parts.append(ConversationUser.tags.contains(list(criteria.tags)))
    if criteria.any_tags:
        parts.append(ConversationUser.tags.overlap(list(criteria.any_tags)))
    if criteria.attributes:
        parts.append(ConversationUser.attributes.contains(dict(criteria.attributes)))
    if criteria.opted_out is not None:
        opted = ConversationUser.opted_out_at
        parts.append(opted.is_not(None) if criteria.opted_out else opted.is_(None))
    parts += [_behaviour(merchant_id, criterion) for criterion in criteria.behaviour]
    return and_(*parts)


def contacts_statement(
    merchant_id: int, criteria: ContactCriteria, request: PageRequest
) -> Select[ConversationUser]:
    """A page of the chosen contacts, newest first (limit + 1 rows: the extra one only
    says there is more)."""
    statement = select(ConversationUser).where(contact_condition(merchant_id, criteria))
    if request.after_id is not None:
        statement = statement.where(ConversationUser.id < request.after_id)
    return statement.order_by(ConversationUser.id.desc()).limit(request.limit + 1)


def count_statement(merchant_id: int, criteria: ContactCriteria) -> Select[int]:
    return (
        select(func.count())
        .select_from(ConversationUser)
        .where(contact_condition(merchant_id, criteria))
    )


def counts_statement(
    merchant_id: int, criteria: Sequence[ContactCriteria]
) -> Select[*tuple[int, ...]]:
    """How many contacts each of several criteria chooses, in one pass over the merchant's
    contacts (a page of segments' sizes): one FILTER clause per criteria."""
    counts = [func.count().filter(contact_condition(merchant_id, c)) for c in criteria]
    return (
        select(*counts)
        .select_from(ConversationUser)
        .where(ConversationUser.merchant_id == merchant_id)
    )


def add_leads_statement(
    merchant_id: int, criteria: ContactCriteria, campaign_id: int
) -> Select[int]:
    """One statement: every chosen contact becomes an active lead of the campaign. New
    leads and reactivated ones are returned, and counted; leads already active are left
    as they are (their custom variables too)."""
    chosen = select(literal(campaign_id, BigInteger), ConversationUser.id).where(
        contact_condition(merchant_id, criteria)
    )
    values = insert(CampaignLead).from_select(["campaign_id", "conversation_user_id"], chosen)
    added = (
        values.on_conflict_do_update(
            index_elements=[CampaignLead.campaign_id, CampaignLead.conversation_user_id],
            set_={"active": True, "updated_at": func.now()},
            where=CampaignLead.active.is_(False),
        )
        .returning(CampaignLead.id)
        .cte("added")
    )
    return select(func.count()).select_from(added)


class ContactQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, merchant_id: int, criteria: ContactCriteria, request: PageRequest
    ) -> Page[ConversationUser]:
        statement = contacts_statement(merchant_id, criteria, request)
        rows = list((await self.session.execute(statement)).scalars())
        return Page.from_overfetch(rows, request.limit)

    async def count(self, merchant_id: int, criteria: ContactCriteria) -> int:
        return int(await self.session.scalar(count_statement(merchant_id, criteria)) or 0)

    async def counts(self, merchant_id: int, criteria: Sequence[ContactCriteria]) -> list[int]:
        """Each criteria's count: one statement for one criteria (its own indexes), one
        pass over the merchant's contacts for several."""
        if len(criteria) == 1:
            return [await self.count(merchant_id, criteria[0])]
        row = (await self.session.execute(counts_statement(merchant_id, criteria))).one()
        return [int(count) for count in row]

    async def add_to_campaign(
        self, merchant_id: int, criteria: ContactCriteria, campaign_id: int
    ) -> int:
        statement = add_leads_statement(merchant_id, criteria, campaign_id)
        return int(await self.session.scalar(statement) or 0)

    async def own_campaigns(self, merchant_id: int, campaign_ids: set[int]) -> set[int]:
        """Those of the ids that are the merchant's campaigns."""
        if not campaign_ids:
            return set()
        statement = select(Campaign.id).where(
            Campaign.merchant_id == merchant_id, Campaign.id.in_(campaign_ids)
        )
        return set((await self.session.execute(statement)).scalars())
