import strawberry

from gql.context import AUTHENTICATED, Context
from gql.mutations.send_payload import CampaignSendPayload, run_send_action
from services.sends.service import SendService


@strawberry.mutation(
    permission_classes=AUTHENTICATED, description="Cancel a send; rows not yet sent are cancelled."
)
async def cancel_campaign_send(
    info: strawberry.Info[Context], id: strawberry.ID
) -> CampaignSendPayload:
    return await run_send_action(info.context, id, SendService.cancel)
