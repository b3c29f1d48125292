"""Contacts (conversation users) as a merchant manages them: bulk writes, tags, and what
happened to each one (ledger rows, replies, clicks), read for many contacts at once."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, Text, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import MessageDirection
from db.models import Campaign, CampaignLead, CampaignLeadMessage, ConversationUser, Message
from repositories.leads import PERSON_COLUMNS, PersonRow
from repositories.pagination import Page, PageRequest

_RETURNING = "id, phone, name, opted_out_at, attributes, tags, created_at, updated_at, time_zone"
_IDS = bindparam("ids", type_=ARRAY(BigInteger))
_TAGS = bindparam("tags", type_=ARRAY(Text))


@dataclass(frozen=True, slots=True)
class ContactValues:
    """A contact as it is to be stored (every column given, already merged)."""

    key: str | int  # the phone of a new or known contact, or a known contact's id
    name: str | None
    attributes: dict[str, Any]
    tags: list[str]
    opted_out: bool | None = None  # True: opted out (since now, if not yet); None: as it is
    time_zone: str | None = None  # the person's own IANA zone; None: their phone number's


@dataclass(frozen=True)
class ContactCounts:
    clicks: int = 0
    replies: int = 0


def _person_query(sql: str) -> Any:
    return text(sql).columns(*PERSON_COLUMNS)


def _rows(result: Any) -> list[PersonRow]:
    return [PersonRow(*row) for row in result]


# Tags travel as one JSON array (as text) per contact: PostgreSQL arrays of arrays must
# be rectangular, so unnest() cannot take one text[] per row.
_UPSERT = _person_query(
    f"""
    INSERT INTO conversation_users (merchant_id, phone, name, attributes, tags, time_zone)
    SELECT :merchant_id, g.phone, g.name, g.attributes,
           ARRAY(SELECT jsonb_array_elements_text(g.tags::jsonb)), g.time_zone
    FROM unnest(:phones, :names, :attributes, :tags, :time_zones)
         AS g(phone, name, attributes, tags, time_zone)
    ON CONFLICT (merchant_id, phone) DO UPDATE SET
        name = excluded.name, attributes = excluded.attributes, tags = excluded.tags,
        time_zone = excluded.time_zone, updated_at = now()
    RETURNING {_RETURNING}
    """
).bindparams(
    bindparam("merchant_id", type_=BigInteger),
    bindparam("phones", type_=ARRAY(Text)),
    bindparam("names", type_=ARRAY(Text)),
    bindparam("attributes", type_=ARRAY(JSONB)),
    bindparam("tags", type_=ARRAY(Text)),
    bindparam("time_zones", type_=ARRAY(Text)),
)
_UPDATE = _person_query(
    f"""
    UPDATE conversation_users AS c SET
        name = g.name, attributes = g.attributes,
        tags = ARRAY(SELECT jsonb_array_elements_text(g.tags::jsonb)),
        opted_out_at = CASE g.opted_out WHEN true THEN coalesce(c.opted_out_at, now())
                       WHEN false THEN NULL ELSE c.opted_out_at END,
        time_zone = g.time_zone, updated_at = now()
    FROM unnest(:ids, :names, :attributes, :tags, :opted_out, :time_zones)
         AS g(id, name, attributes, tags, opted_out, time_zone)
    WHERE c.id = g.id AND c.merchant_id = :merchant_id
    RETURNING {", ".join("c." + column for column in _RETURNING.split(", "))}
    """
).bindparams(
    bindparam("merchant_id", type_=BigInteger),
    _IDS,
    bindparam("names", type_=ARRAY(Text)),
    bindparam("attributes", type_=ARRAY(JSONB)),
    bindparam("tags", type_=ARRAY(Text)),
    bindparam("opted_out", type_=ARRAY(Boolean)),
    bindparam("time_zones", type_=ARRAY(Text)),
)
# The contact's tags with the given ones, once each, in byte order.
_MERGED = 'ARRAY(SELECT DISTINCT t COLLATE "C" FROM unnest(tags || :tags) AS t ORDER BY 1)'
# One statement whatever the number of contacts. A contact that would end with more than
# :max_tags keeps its tags; RETURNING reads the new row, so merging again tells which.
_TAG = text(
    f"""
    UPDATE conversation_users SET
        tags = CASE WHEN cardinality({_MERGED}) <= :max_tags THEN {_MERGED} ELSE tags END,
        updated_at = CASE WHEN cardinality({_MERGED}) <= :max_tags THEN now()
                     ELSE updated_at END
    WHERE merchant_id = :merchant_id AND id = ANY(:ids)
    RETURNING {_RETURNING}, cardinality({_MERGED}) <= :max_tags AS fits
    """
).bindparams(
    bindparam("merchant_id", type_=BigInteger),
    bindparam("max_tags", type_=Integer),
    _IDS,
    _TAGS,
)
_UNTAG = _person_query(
    f"""
    UPDATE conversation_users SET
        tags = ARRAY(SELECT t FROM unnest(tags) AS t WHERE t <> ALL(:tags) ORDER BY t COLLATE "C"),
        updated_at = now()
    WHERE merchant_id = :merchant_id AND id = ANY(:ids)
    RETURNING {_RETURNING}
    """
).bindparams(bindparam("merchant_id", type_=BigInteger), _IDS, _TAGS)


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_by_phones(self, merchant_id: int, phones: Sequence[str]) -> dict[str, PersonRow]:
        """The merchant's contacts with these phones, locked until the transaction ends
        (what is merged into them must not change meanwhile)."""
        if not phones:
            return {}
        statement = (
            select(*PERSON_COLUMNS)
            .where(
                ConversationUser.merchant_id == merchant_id,
                ConversationUser.phone == any_(bindparam("phones", type_=ARRAY(Text))),
            )
            .with_for_update()
        )
        rows = await self.session.execute(statement, {"phones": list(phones)})
        return {person.phone: person for person in _rows(rows)}

    async def lock_by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, PersonRow]:
        if not ids:
            return {}
        statement = (
            select(*PERSON_COLUMNS)
            .where(ConversationUser.merchant_id == merchant_id, ConversationUser.id == any_(_IDS))
            .with_for_update()
        )
        rows = await self.session.execute(statement, {"ids": list(ids)})
        return {person.id: person for person in _rows(rows)}

    async def upsert(self, merchant_id: int, contacts: Sequence[ContactValues]) -> list[PersonRow]:
        """Store contacts by phone (unique within `contacts`), as given."""
        if not contacts:
            return []
        rows = await self.session.execute(
            _UPSERT,
            {
                "merchant_id": merchant_id,
                "phones": [c.key for c in contacts],
                "names": [c.name for c in contacts],
                "attributes": [c.attributes for c in contacts],
                "tags": [json.dumps(c.tags) for c in contacts],
                "time_zones": [c.time_zone for c in contacts],
            },
        )
        return _rows(rows)

    async def update(self, merchant_id: int, contacts: Sequence[ContactValues]) -> list[PersonRow]:
        """Store the merchant's contacts by id (unique within `contacts`), as given."""
        if not contacts:
            return []
        rows = await self.session.execute(
            _UPDATE,
            {
                "merchant_id": merchant_id,
                "ids": [c.key for c in contacts],
                "names": [c.name for c in contacts],
                "attributes": [c.attributes for c in contacts],
                "tags": [json.dumps(c.tags) for c in contacts],
                "opted_out": [c.opted_out for c in contacts],
                "time_zones": [c.time_zone for c in contacts],
            },
        )
        return _rows(rows)

    async def tag(
        self, merchant_id: int, ids: Sequence[int], tags: Sequence[str], max_tags: int
    ) -> tuple[list[PersonRow], list[int]]:
        """Add tags to the merchant's contacts: those tagged, and the ids of those left
        as they were because they would have more than `max_tags`."""
        if not ids:
            return [], []
        parameters = {"merchant_id": merchant_id, "ids": list(ids), "tags": list(tags)}
        rows = await self.session.execute(_TAG, {**parameters, "max_tags": max_tags})
        tagged: list[PersonRow] = []
        refused: list[int] = []
        for row in rows:
            *columns, fits = row
            if fits:
                tagged.append(PersonRow(*columns))
            else:
                refused.append(columns[0])
        return tagged, refused

    async def untag(
        self, merchant_id: int, ids: Sequence[int], tags: Sequence[str]
    ) -> list[PersonRow]:
        if not ids:
            return []
        parameters = {"merchant_id": merchant_id, "ids": list(ids), "tags": list(tags)}
        return _rows(await self.session.execute(_UNTAG, parameters))

    async def campaigns_of(
        self, merchant_id: int, person_ids: Sequence[int], most: int
    ) -> dict[int, list[tuple[CampaignLeadMessage, Message | None]]]:
        """Per contact, the latest ledger row of each campaign (version) it was in a send
        of, with its message, newest first, at most `most` of them: one statement."""
        person = CampaignLead.conversation_user_id.label("person")
        latest = (
            select(CampaignLeadMessage.id, person)
            .join(CampaignLead, CampaignLead.id == CampaignLeadMessage.campaign_lead_id)
            .join(Campaign, Campaign.id == CampaignLeadMessage.campaign_id)
            .where(CampaignLead.conversation_user_id == any_(_IDS))
            .where(Campaign.merchant_id == merchant_id)
            .ext(distinct_on(CampaignLead.conversation_user_id, CampaignLeadMessage.campaign_id))
            .order_by(person, CampaignLeadMessage.campaign_id, CampaignLeadMessage.id.desc())
            .subquery()
        )
        rank = func.row_number().over(partition_by=latest.c.person, order_by=latest.c.id.desc())
        ranked = select(latest.c.id, latest.c.person, rank.label("rank")).subquery()
        statement = (
            select(ranked.c.person, CampaignLeadMessage, Message)
            .join(CampaignLeadMessage, CampaignLeadMessage.id == ranked.c.id)
            .outerjoin(Message, Message.id == CampaignLeadMessage.message_id)
            .where(ranked.c.rank <= most)
            .order_by(ranked.c.person, CampaignLeadMessage.id.desc())
        )
        found: dict[int, list[tuple[CampaignLeadMessage, Message | None]]] = {}
        for person_id, row, message in await self.session.execute(
            statement, {"ids": list(person_ids)}
        ):
            found.setdefault(person_id, []).append((row, message))
        return found

    async def counts_of(
        self, merchant_id: int, person_ids: Sequence[int]
    ) -> dict[int, ContactCounts]:
        """Clicks summed over each contact's ledger rows, and its inbound messages."""
        clicks = (
            select(func.coalesce(func.sum(CampaignLeadMessage.clicks), 0))
            .join(CampaignLead, CampaignLead.id == CampaignLeadMessage.campaign_lead_id)
            .where(CampaignLead.conversation_user_id == ConversationUser.id)
            .scalar_subquery()
        )
        replies = (
            select(func.count())
            .where(_replied(), Message.conversation_user_id == ConversationUser.id)
            .scalar_subquery()
        )
        statement = select(ConversationUser.id, clicks, replies).where(
            ConversationUser.merchant_id == merchant_id, ConversationUser.id == any_(_IDS)
        )
        rows = await self.session.execute(statement, {"ids": list(person_ids)})
        return {pk: ContactCounts(int(c), int(r)) for pk, c, r in rows}

    async def reply_pages(
        self, merchant_id: int, person_ids: Sequence[int], request: PageRequest
    ) -> dict[int, Page[Message]]:
        """One page of inbound messages (newest first: `after` is an older id) per
        contact, in one statement."""
        conditions = [
            _replied(),
            Message.merchant_id == merchant_id,
            Message.conversation_user_id == any_(_IDS),
        ]
        if request.after_id is not None:
            conditions.append(Message.id < request.after_id)
        position = func.row_number().over(
            partition_by=Message.conversation_user_id, order_by=Message.id.desc()
        )
        ranked = select(Message.id, position.label("position")).where(*conditions).subquery()
        statement = (
            select(Message)
            .join(ranked, ranked.c.id == Message.id)
            .where(ranked.c.position <= request.limit + 1)
            .order_by(Message.conversation_user_id, Message.id.desc())
        )
        grouped: dict[int, list[Message]] = {pk: [] for pk in person_ids}
        result = await self.session.execute(statement, {"ids": list(person_ids)})
        for message in result.scalars():
            grouped[message.conversation_user_id].append(message)
        return {pk: Page.from_overfetch(rows, request.limit) for pk, rows in grouped.items()}


def _replied() -> Any:
    return Message.direction == MessageDirection.INBOUND
