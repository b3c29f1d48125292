"""Merchants, the people they message, and messages."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from db import models
from gql.context import Info
from gql.types.accounts import Sender, TwilioAccount
from gql.types.common import Node
from gql.types.enums import MessageStatus
from gql.types.pagination import Connection, connection_from_page, page_request
from gql.types.policy import SendingPolicy
from gql.types.rows import node_from_row
from repositories.leads import PersonRow
from services.contacts.rules import CAMPAIGNS_SHOWN
from services.policy.zones import zone_key

if TYPE_CHECKING:
    from gql.types.contact_history import ContactCampaign

# Declared where it can import campaigns and ledger rows, which import this module.
_CONTACT_CAMPAIGN = Annotated["ContactCampaign", strawberry.lazy("gql.types.contact_history")]


@strawberry.type
class Merchant(Node):
    name: str
    commerce: bool
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, model: models.Merchant) -> "Merchant":
        return node_from_row(cls, model, pk=model.id)

    @strawberry.field(
        description="The merchant's own Twilio account; null: it uses the platform's."
    )
    async def twilio_account(self, info: Info) -> TwilioAccount | None:
        account = await info.context.loaders.twilio_account.load(self.pk)
        return TwilioAccount.from_model(account) if account else None

    @strawberry.field(
        description="The merchant's live senders, oldest first; empty: it sends from the "
        "platform's sender."
    )
    async def senders(self, info: Info) -> list[Sender]:
        senders = await info.context.loaders.senders_of_merchant.load(self.pk)
        return [Sender.from_model(sender) for sender in senders]

    @strawberry.field(
        description="What the merchant's sends hold to (updateSendingPolicy changes it); "
        "the defaults until the merchant sets it."
    )
    async def sending_policy(self, info: Info) -> SendingPolicy:
        return SendingPolicy.of(await info.context.loaders.sending_policy.load(self.pk))


@strawberry.type(description="A WhatsApp message and its delivery status.")
class Message(Node):
    sid: str | None
    status: MessageStatus
    error_code: int | None
    error_message: str | None
    body: str
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    failed_at: datetime | None
    created_at: datetime

    @classmethod
    def from_model(cls, model: models.Message) -> "Message":
        return node_from_row(cls, model)


@strawberry.type(
    description="A person (a phone number) the merchant talks to: one of its contacts."
)
class ConversationUser(Node):
    pk: strawberry.Private[int]
    phone: str = strawberry.field(description="E.164, e.g. +14155550123.")
    name: str | None
    attributes: JSON = strawberry.field(
        description="The merchant's own facts: a flat object of strings, numbers and "
        'booleans, e.g. {"order_id": "1042", "vip": true}. A key named like a template '
        "variable fills that variable, unless the lead's custom variables give it."
    )
    tags: list[str] = strawberry.field(description="Lowercase, each once, in byte order.")
    opted_out_at: datetime | None = strawberry.field(
        description="Since when the person refuses the merchant's messages (STOP)."
    )
    time_zone: str | None = strawberry.field(
        description="The person's own IANA time zone, set by the merchant; null: the one "
        "their phone number implies is used (`localTimeZone`)."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, model: models.ConversationUser | PersonRow) -> "ConversationUser":
        return node_from_row(cls, model, pk=model.id)

    @strawberry.field(description="Whether the person refuses the merchant's messages.")
    def opted_out(self) -> bool:
        return self.opted_out_at is not None

    @strawberry.field(
        description="The IANA time zone the person's quiet hours are kept in: `timeZone` "
        "when set, else the one their phone number implies (UTC when it implies none)."
    )
    def local_time_zone(self) -> str:
        return zone_key(self.phone, self.time_zone)

    @strawberry.field(
        description=f"Each campaign version the person was in a send of (or sent one-off), "
        f"with its latest ledger row, newest first; at most {CAMPAIGNS_SHOWN}."
    )
    async def campaigns(self, info: Info) -> list[_CONTACT_CAMPAIGN]:
        from gql.types.contact_history import contact_campaigns

        return await contact_campaigns(info, self.pk)

    @strawberry.field(description="Messages the person sent the merchant, newest first.")
    async def replies(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Message]:
        request = page_request(first, after, "Message")
        loaders = info.context.loaders
        page = await loaders.reply_page.load((self.pk, request.limit, request.after_id))
        counts = await loaders.contact_counts.load(self.pk)
        return connection_from_page(page, counts.replies, "Message", Message.from_model)

    @strawberry.field(description="Tracked-link clicks, summed over every message sent them.")
    async def clicks(self, info: Info) -> int:
        return (await info.context.loaders.contact_counts.load(self.pk)).clicks


@strawberry.type
class Viewer:
    merchant: Merchant
