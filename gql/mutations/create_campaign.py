import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.mutations.campaign_input import CreateCampaignInput
from gql.types.campaign import Campaign
from gql.types.common import UserError
from services.campaigns.drafts import CampaignDraft
from services.campaigns.service import CampaignService


@strawberry.type
class CreateCampaignPayload:
    campaign: Campaign | None
    errors: list[UserError]


@strawberry.mutation(permission_classes=AUTHENTICATED)
async def create_campaign(info: Info, input: CreateCampaignInput) -> CreateCampaignPayload:
    context = info.context
    draft = CampaignDraft(
        name=input.name,
        body=input.body,
        language=input.language,
        campaign_type=input.campaign_type,
        content_type=input.content_type,
        content_context=input.content_context,
        samples=input.samples,
    )
    campaign = await in_transaction(
        context, lambda session: CampaignService(session).create(context.merchant_id, draft)
    )
    return CreateCampaignPayload(campaign=Campaign.from_model(campaign), errors=[])
