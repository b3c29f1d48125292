import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.types.campaign import Campaign
from gql.types.common import UserError
from services.campaigns.service import CampaignService


@strawberry.type
class ArchiveCampaignPayload:
    campaign: Campaign | None
    errors: list[UserError]


@strawberry.mutation(permission_classes=AUTHENTICATED)
async def archive_campaign(info: Info, id: strawberry.ID) -> ArchiveCampaignPayload:
    context = info.context
    pk = require_pk(id, "Campaign", "Campaign")
    campaign = await in_transaction(
        context, lambda session: CampaignService(session).archive(context.merchant_id, pk)
    )
    return ArchiveCampaignPayload(campaign=Campaign.from_model(campaign), errors=[])
