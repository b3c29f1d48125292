from datetime import datetime
from typing import Annotated

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.mutations.send_payload import CampaignSendPayload
from gql.types.send import CampaignSend
from services.sends.service import SendService


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Send an approved campaign to its active leads, now or at scheduledAt. The "
    "audience is snapshotted: leads added later wait for the next send.",
)
async def send_campaign(
    info: Info,
    id: strawberry.ID,
    scheduled_at: datetime | None = None,
    sender_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="One of your senders; your default sender otherwise."),
    ] = None,
) -> CampaignSendPayload:
    context = info.context
    pk = require_pk(id, "Campaign", "Campaign")
    sender = None if sender_id is None else require_pk(sender_id, "Sender", "Sender", ("senderId",))
    send = await in_transaction(
        context,
        lambda session: SendService(session, context.settings).start(
            context.merchant_id, pk, scheduled_at, sender
        ),
    )
    return CampaignSendPayload(send=CampaignSend.from_model(send), errors=[])
