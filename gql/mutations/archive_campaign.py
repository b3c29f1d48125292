import strawberry

from gql.context import AUTHENTICATED, Context
from gql.mutations.campaign_action import run_campaign_action
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
    campaign, errors = await run_campaign_action(
        context, id, lambda session: CampaignService(session).archive
    )
    return ArchiveCampaignPayload(campaign=campaign, errors=errors)
