"""A merchant's own Twilio account and its WhatsApp senders, as the merchant sees them:
never a credential (no field here can return one)."""

from datetime import datetime

import strawberry

from db import models
from gql.types.common import Node
from gql.types.enums import TwilioAccountKind
from gql.types.rows import from_row, node_from_row


@strawberry.type(
    description="The merchant's own Twilio account (null on the merchant: the platform's). "
    "Its credentials are stored encrypted and never returned."
)
class TwilioAccount:
    sid: str = strawberry.field(description="The account SID, AC followed by 32 hex digits.")
    friendly_name: str
    kind: TwilioAccountKind
    created_at: datetime

    @classmethod
    def from_model(cls, model: models.TwilioAccount) -> "TwilioAccount":
        return from_row(cls, model, sid=model.account_sid)


@strawberry.type(description="A WhatsApp sender of the merchant, with its own rate limit.")
class Sender(Node):
    address: str = strawberry.field(
        description="whatsapp:+E164, or a Messaging Service SID (MG followed by 32 hex digits)."
    )
    rate_limit: int = strawberry.field(description="Messages a second, 1 to 400.")
    is_default: bool = strawberry.field(
        description="The sender used when none is named; one of a merchant's live senders."
    )
    created_at: datetime
    removed_at: datetime | None

    @classmethod
    def from_model(cls, model: models.Sender) -> "Sender":
        return node_from_row(cls, model)
