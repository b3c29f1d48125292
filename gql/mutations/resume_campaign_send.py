import strawberry

from gql.context import AUTHENTICATED, Context
from gql.mutations.send_payload import CampaignSendPayload, run_send_action
from services.sends.service import SendService


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Resume a paused send (its template must still be approved).",
)
async def resume_campaign_send(
    info: strawberry.Info[Context], id: strawberry.ID
) -> CampaignSendPayload:
    return await run_send_action(info.context, id, SendService.resume)
