from datetime import datetime

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
    info: Info, id: strawberry.ID, scheduled_at: datetime | None = None
) -> CampaignSendPayload:
    context = info.context
    pk = require_pk(id, "Campaign", "Campaign")
    sender = context.runtime.gateway.sender_key if context.runtime.gateway else ""
    send = await in_transaction(
        context,
        lambda session: SendService(session, sender).start(context.merchant_id, pk, scheduled_at),
    )
    return CampaignSendPayload(send=CampaignSend.from_model(send), errors=[])
