import strawberry

from gql.context import AUTHENTICATED, Info
from gql.ids import require_pk
from gql.types.campaign import Campaign
from gql.types.common import UserError
from jobs.submission import sync_campaign as run_sync_campaign


@strawberry.type
class SyncCampaignStatusPayload:
    campaign: Campaign | None
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED, description="Ask Twilio for the approval status now."
)
async def sync_campaign_status(info: Info, id: strawberry.ID) -> SyncCampaignStatusPayload:
    # Twilio is called between two transactions (jobs/submission.py), not inside one.
    context = info.context
    pk = require_pk(id, "Campaign", "Campaign")
    campaign = await run_sync_campaign(
        context.db, await context.merchant_gateway(), context.merchant_id, pk
    )
    return SyncCampaignStatusPayload(campaign=Campaign.from_model(campaign), errors=[])
