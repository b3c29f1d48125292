import strawberry

from gql.context import AUTHENTICATED, Context
from gql.ids import decode_pk
from gql.types.campaign import Campaign
from gql.types.common import UserError
from jobs.submission import sync_campaign as run_sync_campaign
from services.errors import ServiceError


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
    # Twilio is called between two transactions (jobs/submission.py), not inside one.
    context = info.context
    pk = decode_pk(id, "Campaign")
    if pk is None:
        return SyncCampaignStatusPayload(
            campaign=None, errors=UserError.not_found("Campaign", "id")
        )
    try:
        campaign = await run_sync_campaign(context.db, context.gateway, context.merchant_id, pk)
    except ServiceError as error:
        return SyncCampaignStatusPayload(campaign=None, errors=UserError.list_from(error))
    return SyncCampaignStatusPayload(campaign=Campaign.from_model(campaign), errors=[])
