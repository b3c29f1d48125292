import strawberry

from gql.context import AUTHENTICATED, Context
from gql.errors import in_transaction
from gql.ids import decode_pk
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
    pk = decode_pk(id, "Campaign")
    if pk is None:
        return SyncCampaignStatusPayload(
            campaign=None, errors=UserError.not_found("Campaign", "id")
        )
    result = await in_transaction(
        context,
        lambda session: SubmissionService(session, context.gateway).sync(context.merchant_id, pk),
    )
    if isinstance(result, list):
        return SyncCampaignStatusPayload(campaign=None, errors=result)
    return SyncCampaignStatusPayload(campaign=Campaign.from_model(result), errors=[])
