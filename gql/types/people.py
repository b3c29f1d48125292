"""Merchants, the people they message, and messages."""

from datetime import datetime

import strawberry

from db import models
from gql.context import Info
from gql.types.accounts import Sender, TwilioAccount
from gql.types.common import Node
from gql.types.enums import MessageStatus
from gql.types.rows import node_from_row
from repositories.leads import PersonRow


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


@strawberry.type(description="A person (a phone number) the merchant talks to.")
class ConversationUser(Node):
    phone: str
    name: str | None
    opted_out_at: datetime | None

    @classmethod
    def from_model(cls, model: models.ConversationUser | PersonRow) -> "ConversationUser":
        return node_from_row(cls, model)


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


@strawberry.type
class Viewer:
    merchant: Merchant
