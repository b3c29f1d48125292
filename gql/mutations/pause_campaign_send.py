import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.mutations.send_payload import CampaignSendPayload
from gql.types.send import CampaignSend
from services.sends.service import SendService


@strawberry.mutation(
    permission_classes=AUTHENTICATED, description="Pause a scheduled or running send."
)
async def pause_campaign_send(info: Info, id: strawberry.ID) -> CampaignSendPayload:
    context = info.context
    pk = require_pk(id, "CampaignSend", "Send")
    send = await in_transaction(
        context, lambda session: SendService(session).pause(context.merchant_id, pk)
    )
    return CampaignSendPayload(send=CampaignSend.from_model(send), errors=[])
