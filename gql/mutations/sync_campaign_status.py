import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
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
async def sync_campaign_status(info: Info, id: strawberry.ID) -> SyncCampaignStatusPayload:
    context = info.context
    pk = require_pk(id, "Campaign", "Campaign")
    campaign = await in_transaction(
        context,
        lambda session: SubmissionService(session, context.gateway).sync(context.merchant_id, pk),
    )
    return SyncCampaignStatusPayload(campaign=Campaign.from_model(campaign), errors=[])
