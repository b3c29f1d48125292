"""Read-side queries over sends and the ledger (CampaignLeadMessage), used for counters."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.enums import LedgerState, MessageStatus
from db.models import Campaign, CampaignLeadMessage, CampaignSend, Message
from repositories.leads import lead_counts
from repositories.pagination import Page, PageRequest

_WAITING = (
    MessageStatus.ACCEPTED,
    MessageStatus.SCHEDULED,
    MessageStatus.QUEUED,
    MessageStatus.SENDING,
)
_SENT = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)
_DELIVERED = (MessageStatus.DELIVERED, MessageStatus.READ)
_FAILED = (MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.CANCELED)
_IDS = bindparam("ids", type_=ARRAY(BigInteger))


@dataclass(frozen=True)
class LedgerCounts:
    """Counts over ledger rows. `sent` includes delivered and read messages, `delivered`
    includes read ones: each is the number that got at least that far. `limited`: rows
    whose message Meta limited (63049), waiting for a retry or not retried; they are
    counted neither in `queued` nor in `failed`."""

    total: int = 0
    queued: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    skipped: int = 0
    limited: int = 0


@dataclass(frozen=True)
class CampaignCounts:
    """A campaign's stats: its audience and its ledger."""

    leads: int = 0
    active_leads: int = 0
    ledger: LedgerCounts = LedgerCounts()


def _ledger_counts(
    group: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
) -> "Select[int | None, int, int, int, int, int, int, int, int]":
    """(group, then LedgerCounts' fields in order) per group in `ids` with any row."""
    ledger, message = CampaignLeadMessage, Message
    not_limited = ledger.limited_at.is_(None)
    return (
        select(
            group.label("key"),
            func.count(),
            func.count().filter(
                not_limited,
                or_(
                    ledger.state.in_((LedgerState.PENDING, LedgerState.SENDING)),
                    and_(ledger.state == LedgerState.SENT, message.status.in_(_WAITING)),
                ),
            ),
            func.count().filter(message.status.in_(_SENT)),
            func.count().filter(message.status.in_(_DELIVERED)),
            func.count().filter(message.status == MessageStatus.READ),
            func.count().filter(
                not_limited, or_(ledger.state == LedgerState.FAILED, message.status.in_(_FAILED))
            ),
            func.count().filter(ledger.state == LedgerState.SKIPPED),
            func.count().filter(~not_limited),
        )
        .select_from(ledger)
        .outerjoin(message, message.id == ledger.message_id)
        .where(group == any_(_IDS))
        .group_by(group)
    )


def _campaign_counts() -> Select[Any]:
    """Leads and ledger counts per campaign in `ids`: the two grouped counts, each over
    its own table, joined on the campaign (either side may have no row)."""
    leads = lead_counts(_IDS).subquery()
    ledger = _ledger_counts(CampaignLeadMessage.campaign_id).subquery()
    return select(leads, ledger).select_from(
        leads.join(ledger, leads.c.campaign_id == ledger.c.key, full=True)
    )


# Built once, with the ids as one array parameter: composing these statements (the
# subqueries' column collections above all) took longer than running them, and one
# statement text for any number of ids is one prepared statement per connection.
_COUNTS_BY_SEND = _ledger_counts(CampaignLeadMessage.campaign_send_id)
_COUNTS_BY_CAMPAIGN = _campaign_counts()


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts_by_send(self, send_ids: Sequence[int]) -> dict[int, LedgerCounts]:
        rows = await self.session.execute(_COUNTS_BY_SEND, {"ids": list(send_ids)})
        counts = {i: LedgerCounts() for i in send_ids}
        for key, *numbers in rows.all():
            if key is not None:
                counts[key] = LedgerCounts(*numbers)
        return counts

    async def counts_by_campaign(self, campaign_ids: Sequence[int]) -> dict[int, CampaignCounts]:
        """Leads and ledger counts per campaign, in one statement."""
        rows = await self.session.execute(_COUNTS_BY_CAMPAIGN, {"ids": list(campaign_ids)})
        counts = {i: CampaignCounts() for i in campaign_ids}
        for lead_id, total, active, ledger_id, *numbers in rows.all():
            by_ledger = LedgerCounts(*numbers) if ledger_id is not None else LedgerCounts()
            counts[lead_id or ledger_id] = CampaignCounts(total or 0, active or 0, by_ledger)
        return counts

    async def pages_by_campaign(
        self, campaign_ids: Sequence[int], request: PageRequest
    ) -> dict[int, Page[CampaignLeadMessage]]:
        """One page of ledger rows (oldest first) per campaign, in one statement."""
        ledger = CampaignLeadMessage
        conditions: list[ColumnElement[bool]] = [ledger.campaign_id.in_(campaign_ids)]
        if request.after_id is not None:
            conditions.append(ledger.id > request.after_id)
        position = (
            func.row_number()
            .over(partition_by=ledger.campaign_id, order_by=ledger.id)
            .label("position")
        )
        ranked = select(ledger.id, position).where(and_(*conditions)).subquery()
        statement = (
            select(ledger)
            .join(ranked, ranked.c.id == ledger.id)
            .where(ranked.c.position <= request.limit + 1)
            .order_by(ledger.campaign_id, ledger.id)
        )
        grouped: dict[int, list[CampaignLeadMessage]] = {cid: [] for cid in campaign_ids}
        for row in (await self.session.execute(statement)).scalars():
            grouped[row.campaign_id].append(row)
        return {cid: Page.from_overfetch(rows, request.limit) for cid, rows in grouped.items()}

    async def by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, CampaignLeadMessage]:
        statement = (
            select(CampaignLeadMessage)
            .join(Campaign, Campaign.id == CampaignLeadMessage.campaign_id)
            .where(CampaignLeadMessage.id.in_(ids), Campaign.merchant_id == merchant_id)
        )
        return {row.id: row for row in (await self.session.execute(statement)).scalars()}

    async def messages_by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, Message]:
        statement = select(Message).where(Message.id.in_(ids), Message.merchant_id == merchant_id)
        return {m.id: m for m in (await self.session.execute(statement)).scalars()}


class SendRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, CampaignSend]:
        statement = select(CampaignSend).where(
            CampaignSend.id.in_(ids), CampaignSend.merchant_id == merchant_id
        )
        return {s.id: s for s in (await self.session.execute(statement)).scalars()}

    async def by_campaigns(
        self, merchant_id: int, campaign_ids: Sequence[int]
    ) -> dict[int, list[CampaignSend]]:
        """Sends of each campaign, newest first."""
        statement = (
            select(CampaignSend)
            .where(
                CampaignSend.campaign_id.in_(campaign_ids), CampaignSend.merchant_id == merchant_id
            )
            .order_by(CampaignSend.id.desc())
        )
        grouped: dict[int, list[CampaignSend]] = {cid: [] for cid in campaign_ids}
        for send in (await self.session.execute(statement)).scalars():
            grouped[send.campaign_id].append(send)
        return grouped
