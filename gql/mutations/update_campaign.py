import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.mutations.campaign_input import UpdateCampaignInput
from gql.types.campaign import Campaign
from gql.types.common import UserError
from services.campaigns.service import CampaignChanges, CampaignService


@strawberry.type
class UpdateCampaignPayload:
    campaign: Campaign | None = strawberry.field(
        description="The edited campaign, or its new version when it had been submitted. A system "
        "template may be customised: its body, never its name, and it stays a service template "
        "(SYSTEM_TEMPLATE otherwise); the edited version is the merchant's."
    )
    errors: list[UserError]


@strawberry.mutation(permission_classes=AUTHENTICATED)
async def update_campaign(
    info: Info, id: strawberry.ID, input: UpdateCampaignInput
) -> UpdateCampaignPayload:
    context = info.context
    pk = require_pk(id, "Campaign", "Campaign")
    changes = CampaignChanges(
        name=input.name,
        body=input.body,
        language=input.language,
        campaign_type=input.campaign_type,
        content_type=input.content_type,
        content_context=input.content_context,
        samples=input.samples,
    )
    campaign = await in_transaction(
        context, lambda session: CampaignService(session).update(context.merchant_id, pk, changes)
    )
    return UpdateCampaignPayload(campaign=Campaign.from_model(campaign), errors=[])
