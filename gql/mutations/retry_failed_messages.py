import strawberry

from gql.context import AUTHENTICATED, Context
from gql.mutations.send_payload import CampaignSendPayload, run_send_action
from services.sends.service import SendService


@strawberry.mutation(
    permission_classes=AUTHENTICATED, description="Send the failed rows of a send once more."
)
async def retry_failed_messages(
    info: strawberry.Info[Context], id: strawberry.ID
) -> CampaignSendPayload:
    return await run_send_action(info.context, id, SendService.retry_failed)
