"""The payload of the mutations that change a merchant's senders."""

import strawberry

from db import models
from gql.types.accounts import Sender
from gql.types.common import UserError


@strawberry.type
class SenderPayload:
    sender: Sender | None
    senders: list[Sender] = strawberry.field(
        description="The merchant's live senders after the change, oldest first (which one "
        "is the default may have changed)."
    )
    errors: list[UserError]

    @classmethod
    def of(cls, sender: models.Sender, senders: list[models.Sender]) -> "SenderPayload":
        return cls(
            sender=Sender.from_model(sender),
            senders=[Sender.from_model(s) for s in senders],
            errors=[],
        )
