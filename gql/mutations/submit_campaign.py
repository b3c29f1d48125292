import strawberry

from gql.context import AUTHENTICATED, Context
from gql.ids import decode_pk
from gql.types.campaign import Campaign
from gql.types.common import UserError
from jobs.submission import submit_campaign as run_submit_campaign
from services.errors import ServiceError


@strawberry.type
class SubmitCampaignPayload:
    campaign: Campaign | None
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Create the template at Twilio and request WhatsApp approval. Submitting "
    "an already submitted campaign returns it unchanged. A body breaking WhatsApp's rules "
    "is refused with the errors the campaign's `submissionProblems` lists beforehand.",
)
async def submit_campaign(
    info: strawberry.Info[Context], id: strawberry.ID
) -> SubmitCampaignPayload:
    # Twilio is called between two transactions (jobs/submission.py), not inside one.
    context = info.context
    pk = decode_pk(id, "Campaign")
    if pk is None:
        return SubmitCampaignPayload(campaign=None, errors=UserError.not_found("Campaign", "id"))
    try:
        campaign = await run_submit_campaign(context.db, context.gateway, context.merchant_id, pk)
    except ServiceError as error:
        return SubmitCampaignPayload(campaign=None, errors=UserError.list_from(error))
    return SubmitCampaignPayload(campaign=Campaign.from_model(campaign), errors=[])
