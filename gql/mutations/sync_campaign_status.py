import strawberry

from gql.context import AUTHENTICATED, Context
from gql.mutations.campaign_action import run_campaign_action
from gql.types.campaign import Campaign
from gql.types.common import UserError
from services.campaigns.submission import SubmissionService


@strawberry.type
class SyncCampaignStatusPayload:
    campaign: Campaign | None
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED, description="Ask Twilio for the approval status now."
)
async def sync_campaign_status(
    info: strawberry.Info[Context], id: strawberry.ID
) -> SyncCampaignStatusPayload:
    context = info.context
    campaign, errors = await run_campaign_action(
        context, id, lambda session: SubmissionService(session, context.gateway).sync
    )
    return SyncCampaignStatusPayload(campaign=campaign, errors=errors)
