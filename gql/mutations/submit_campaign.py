import strawberry

from gql.context import AUTHENTICATED, Context
from gql.errors import in_transaction
from gql.ids import decode_pk
from gql.types.campaign import Campaign
from gql.types.common import UserError
from services.campaigns.submission import SubmissionService


@strawberry.type
class SubmitCampaignPayload:
    campaign: Campaign | None
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Create the template at Twilio and request WhatsApp approval. Submitting "
    "an already submitted campaign returns it unchanged.",
)
async def submit_campaign(
    info: strawberry.Info[Context], id: strawberry.ID
) -> SubmitCampaignPayload:
    context = info.context
    pk = decode_pk(id, "Campaign")
    if pk is None:
        return SubmitCampaignPayload(campaign=None, errors=UserError.not_found("Campaign", "id"))
    result = await in_transaction(
        context,
        lambda session: SubmissionService(session, context.gateway).submit(context.merchant_id, pk),
    )
    if isinstance(result, list):
        return SubmitCampaignPayload(campaign=None, errors=result)
    return SubmitCampaignPayload(campaign=Campaign.from_model(result), errors=[])
