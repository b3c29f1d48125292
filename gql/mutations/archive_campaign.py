import strawberry

from gql.context import AUTHENTICATED, Context
from gql.errors import in_transaction
from gql.ids import decode_pk
from gql.types.campaign import Campaign
from gql.types.common import UserError
from services.campaigns.service import CampaignService


@strawberry.type
class ArchiveCampaignPayload:
    campaign: Campaign | None
    errors: list[UserError]


@strawberry.mutation(permission_classes=AUTHENTICATED)
async def archive_campaign(
    info: strawberry.Info[Context], id: strawberry.ID
) -> ArchiveCampaignPayload:
    context = info.context
    pk = decode_pk(id, "Campaign")
    if pk is None:
        return ArchiveCampaignPayload(campaign=None, errors=UserError.not_found("Campaign", "id"))
    result = await in_transaction(
        context, lambda session: CampaignService(session).archive(context.merchant_id, pk)
    )
    if isinstance(result, list):
        return ArchiveCampaignPayload(campaign=None, errors=result)
    return ArchiveCampaignPayload(campaign=Campaign.from_model(result), errors=[])
